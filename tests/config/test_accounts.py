"""Second factors (allauth.mfa): offered to everyone; facilitators and staff who turned one on
must keep it, and then every sign-in asks for it. Google Workspace sign-in is limited to the
configured school domains."""

from __future__ import annotations

import pytest
from allauth.mfa.adapter import get_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client

from tests.factories import PASSWORD, CommunityFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def with_totp(user) -> Authenticator:
    return TOTP.activate(user, generate_totp_secret()).instance


def test_a_member_may_turn_their_second_factor_off():
    user = UserFactory()
    MembershipFactory(community=CommunityFactory(), user=user, role="member")
    assert get_adapter().can_delete_authenticator(with_totp(user))


@pytest.mark.parametrize("role", ["facilitator", "co_facilitator"])
def test_a_facilitator_cannot_remove_their_last_second_factor(role):
    user = UserFactory()
    MembershipFactory(community=CommunityFactory(), user=user, role=role)
    assert not get_adapter().can_delete_authenticator(with_totp(user))


def test_staff_cannot_remove_their_last_second_factor():
    user = UserFactory(is_staff=True)
    assert not get_adapter().can_delete_authenticator(with_totp(user))


def test_a_facilitator_may_replace_a_factor_while_another_stays():
    user = UserFactory()
    MembershipFactory(community=CommunityFactory(), user=user, role="facilitator")
    totp = with_totp(user)
    Authenticator.objects.create(user=user, type=Authenticator.Type.WEBAUTHN, data={})
    assert get_adapter().can_delete_authenticator(totp)


def test_with_totp_on_a_password_alone_does_not_sign_in():
    user = UserFactory(email="fac@school.test")
    with_totp(user)
    response = Client().post(
        "/_allauth/app/v1/auth/login",
        {"email": "fac@school.test", "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 401
    pending = [flow for flow in response.json()["data"]["flows"] if flow.get("is_pending")]
    assert [flow["id"] for flow in pending] == ["mfa_authenticate"]


def test_google_sign_in_is_limited_to_the_school_domains(settings, rf):
    from allauth.core.exceptions import ImmediateHttpResponse
    from allauth.socialaccount.models import SocialAccount, SocialLogin

    from config.accounts import KringSocialAccountAdapter

    settings.KRING_GOOGLE_HOSTED_DOMAINS = ["school.example"]
    adapter = KringSocialAccountAdapter()
    outsider = SocialLogin(account=SocialAccount(provider="google", extra_data={"hd": "gmail.com"}))
    with pytest.raises(ImmediateHttpResponse) as refused:
        adapter.pre_social_login(rf.get("/"), outsider)
    assert refused.value.response.status_code == 403
    teacher = SocialLogin(
        account=SocialAccount(provider="google", extra_data={"hd": "school.example"}),
        user=UserFactory.build(),
    )
    adapter.pre_social_login(rf.get("/"), teacher)  # no exception
