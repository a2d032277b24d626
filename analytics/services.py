"""Writes of the analytics: targets, nudges, xAPI forwarding preferences. Each checks the
actor's right again (the edges check first), validates, writes in one transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from community.models import Community, Membership, MembershipState
from core import audit, ratelimit
from core.audit import AuditAction
from core.errors import Conflict, Forbidden, Invalid
from core.notify import Category, Verb, notify_users

from . import permissions, selectors
from .models import CommunityTarget, ForwardState, Nudge, XapiOptOut, XapiStatement
from .xapi import making

WINDOWS = (7, 30, 90)


def target_set(
    *, actor: Any, community: Community, active_members: int | None, window_days: int
) -> CommunityTarget:
    if not permissions.can_set_target.test(actor, community):
        raise Forbidden(_("Only this community's facilitators set its target."))
    if window_days not in WINDOWS:
        raise Invalid(_("The window is 7, 30 or 90 days."))
    if active_members is not None and not 0 < active_members <= settings.KRING_ANALYTICS_MAX_TARGET:
        raise Invalid(
            _("A target is between 1 and %(max)s active members.")
            % {"max": settings.KRING_ANALYTICS_MAX_TARGET}
        )
    with transaction.atomic():
        target, _created = CommunityTarget.objects.update_or_create(
            community=community,
            defaults={
                "active_members": active_members,
                "window_days": window_days,
                "updated_by": actor,
            },
        )
        audit.audit_record(
            community_id=community.pk,
            actor=actor,
            action=AuditAction.ANALYTICS_TARGET,
            data={"active_members": active_members, "window_days": window_days},
        )
    return target


def nudge_send(*, actor: Any, community: Community, user_id: int) -> Nudge:
    """A friendly notification to a dormant member: at most one per member and community
    every ``KRING_ANALYTICS_NUDGE_INTERVAL_DAYS``, and ``KRING_NUDGES_PER_DAY`` per
    facilitator."""
    if not permissions.can_nudge.test(actor, community):
        raise Forbidden(_("Only this community's facilitators can nudge its members."))
    membership = (
        Membership.objects.filter(
            community=community, user_id=user_id, state=MembershipState.ACTIVE
        )
        .select_related("user")
        .first()
    )
    if membership is None:
        raise Invalid(_("This person is not a member of the community."))
    if membership.user_id == actor.pk:
        raise Invalid(_("You cannot nudge yourself."))
    dormant = {
        row["user"].pk for row in selectors.dormant_members(community=community, limit=100000)
    }
    if user_id not in dormant:
        raise Invalid(_("Only dormant members are nudged: this member was active lately."))
    since = timezone.now() - dt.timedelta(days=settings.KRING_ANALYTICS_NUDGE_INTERVAL_DAYS)
    with transaction.atomic():
        # The member's row lock serialises two facilitators nudging the same person at once.
        Membership.objects.select_for_update().filter(pk=membership.pk).first()
        if Nudge.objects.filter(community=community, user_id=user_id, sent_at__gte=since).exists():
            raise Conflict(
                _("This member was nudged less than %(days)s days ago.")
                % {"days": settings.KRING_ANALYTICS_NUDGE_INTERVAL_DAYS}
            )
        ratelimit.limit("nudge", actor_id=actor.pk, what=_("nudges"))
        nudge = Nudge.objects.create(community=community, user_id=user_id, sent_by=actor)
        notify_users(
            actor=actor,
            user_ids=[user_id],
            category=Category.MEMBERSHIP,
            verb=Verb(
                gettext_noop(
                    "%(name)s would love to hear from you again in %(community)s: "
                    "come and see what colleagues are sharing"
                ),
                name=actor.display_name,
                community=community.name,
            ),
            community_id=community.pk,
            url=reverse("community:detail", args=[community.slug]),
        )
        audit.audit_record(
            community_id=community.pk,
            actor=actor,
            action=AuditAction.ANALYTICS_NUDGE,
            target_user=membership.user,
        )
    return nudge


def xapi_forwarding_set(*, user: Any, forward: bool) -> bool:
    """Opt out of (or back into) forwarding one's xAPI statements to the LRS. Statements not
    yet sent follow the choice at once; those already sent stay sent (the export says so)."""
    with transaction.atomic():
        if forward:
            XapiOptOut.objects.filter(user=user).delete()
            if settings.KRING_XAPI_LRS_ENDPOINT:
                held = list(
                    XapiStatement.objects.filter(
                        user=user, forward_state=ForwardState.HELD
                    ).values_list("pk", flat=True)
                )
                XapiStatement.objects.filter(pk__in=held).update(forward_state=ForwardState.PENDING)
                making.enqueue_forwarding([str(pk) for pk in held])
        else:
            XapiOptOut.objects.get_or_create(user=user)
            XapiStatement.objects.filter(user=user, forward_state=ForwardState.PENDING).update(
                forward_state=ForwardState.HELD
            )
    return forward
