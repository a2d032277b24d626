"""A teacher's calendar: private subscription feeds (revocable), reminder settings; and the
members a facilitator allows to organise events."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import Community, Membership, MembershipState, User
from community.permissions import can_read_rooms
from core.errors import Forbidden, Invalid, NotFound
from core.roles import POSTING_ROLES

from ..models import CalendarFeed, OrganiserGrant, ReminderSettings
from ..permissions import can_allow_organisers


def feed_create(*, user: User, community: Community | None = None) -> CalendarFeed:
    """The user's live feed (their own events, or a community's calendar), made if missing."""
    if community is not None and not can_read_rooms.test(user, community):
        raise Forbidden(_("Only members subscribe to a community's calendar."))
    existing = CalendarFeed.objects.filter(
        user=user, community=community, revoked_at__isnull=True
    ).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return CalendarFeed.objects.create(user=user, community=community)
    except IntegrityError:  # made by a concurrent request
        return CalendarFeed.objects.get(user=user, community=community, revoked_at__isnull=True)


def feed_revoke(*, user: User, feed_id: int, renew: bool = True) -> CalendarFeed | None:
    """Stop a feed URL working (a calendar app keeps showing what it last fetched); with
    ``renew``, a new URL for the same calendar."""
    feed = CalendarFeed.objects.filter(pk=feed_id, user=user, revoked_at__isnull=True).first()
    if feed is None:
        raise NotFound(_("No such calendar link."))
    with transaction.atomic():
        CalendarFeed.objects.filter(pk=feed.pk).update(revoked_at=timezone.now())
        if not renew:
            return None
        if feed.community is not None and not can_read_rooms.test(user, feed.community):
            return None
        return CalendarFeed.objects.create(user=user, community=feed.community)


def reminder_settings_update(*, user: User, **changes: bool) -> ReminderSettings:
    unknown = set(changes) - {"day_before", "soon"}
    if unknown:
        raise Invalid(_("Unknown settings: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    with transaction.atomic():
        current, _created = ReminderSettings.objects.select_for_update().get_or_create(user=user)
        for field, value in changes.items():
            setattr(current, field, bool(value))
        current.save()
    return current


def organiser_allow(*, actor: User, community: Community, user: User) -> OrganiserGrant:
    """A facilitator allows a member (not an observer) to schedule events here."""
    if not can_allow_organisers(actor, community):
        raise Forbidden(_("Only the community's facilitators allow members to organise."))
    member = Membership.objects.filter(
        community=community, user=user, state=MembershipState.ACTIVE, role__in=POSTING_ROLES
    ).exists()
    if not member:
        raise Invalid(_("Only active members (not observers) can organise events."))
    grant, _created = OrganiserGrant.objects.get_or_create(
        community=community, user=user, defaults={"granted_by": actor}
    )
    return grant


def organiser_disallow(*, actor: User, community: Community, user: User) -> None:
    if not can_allow_organisers(actor, community):
        raise Forbidden(_("Only the community's facilitators allow members to organise."))
    OrganiserGrant.objects.filter(community=community, user=user).delete()
