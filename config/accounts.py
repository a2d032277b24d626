"""School sign-in and second factors: allauth adapters set up by settings.

* Google Workspace: only accounts of ``KRING_GOOGLE_HOSTED_DOMAINS`` (the ``hd`` claim of the
  ID token; the ``hd`` parameter sent to Google is only a hint). Microsoft Entra ID is
  restricted to a tenant by the authorize URL itself (``KRING_MICROSOFT_TENANT``).
* MFA (TOTP, passkeys, recovery codes) is offered to everyone. Facilitators (and
  co-facilitators) anywhere and staff who turned it on cannot turn it off again: their last
  TOTP or passkey cannot be removed, so every later login asks for it.
"""

from __future__ import annotations

from typing import Any

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.http import HttpResponseForbidden

from community.models import Membership, MembershipState
from core.roles import FACILITATING_ROLES

SECOND_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def must_keep_mfa(user: Any) -> bool:
    """Staff and anyone who facilitates a community keep MFA once it is on."""
    if user.is_staff or user.is_superuser:
        return True
    return Membership.objects.filter(
        user=user, role__in=FACILITATING_ROLES, state=MembershipState.ACTIVE
    ).exists()


class KringMFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        if authenticator.type not in SECOND_FACTORS or not must_keep_mfa(authenticator.user):
            return True
        others = Authenticator.objects.filter(
            user_id=authenticator.user_id, type__in=SECOND_FACTORS
        ).exclude(pk=authenticator.pk)
        return others.exists()  # replacing a factor is fine; removing the last one is not


class KringSocialAccountAdapter(DefaultSocialAccountAdapter):
    def pre_social_login(self, request: Any, sociallogin: Any) -> None:
        account = sociallogin.account
        domains = settings.KRING_GOOGLE_HOSTED_DOMAINS
        if account.provider == "google" and domains:
            claims = account.extra_data or {}
            hosted = claims.get("hd") or (claims.get("id_token") or {}).get("hd")
            if hosted not in domains:
                raise ImmediateHttpResponse(
                    HttpResponseForbidden(
                        "Sign in with your school's Google Workspace account "
                        f"({', '.join(domains)})."
                    )
                )
        super().pre_social_login(request, sociallogin)
