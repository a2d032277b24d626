"""What the community app asks of an event's room (registered in ``EventsConfig.ready``):

* its page (the event's);
* its guests: members of the communities the event is open to read and post there too;
* a post check: attendees (going with a seat, or maybe) post from
  ``KRING_EVENT_ROOM_OPENS_MINUTES`` before an occurrence starts until
  ``KRING_EVENT_ROOM_CLOSES_MINUTES`` after it ends; organisers and facilitators at any time
  (the agenda, notes, shared materials). Everyone who may see the event reads it, before and
  after.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import MembershipState
from community.registry import PostCheck, exists_sql, sql_ref

from . import selectors, texts
from .models import Audience, Event, Rsvp, RsvpStatus
from .permissions import can_manage_event


def opens_before() -> timedelta:
    return timedelta(minutes=settings.KRING_EVENT_ROOM_OPENS_MINUTES)


def closes_after() -> timedelta:
    return timedelta(minutes=settings.KRING_EVENT_ROOM_CLOSES_MINUTES)


def window_of(view: Any) -> tuple[datetime, datetime]:
    """When attendees may post about one occurrence."""
    return view.starts_at - opens_before(), view.ends_at + closes_after()


def page_url(room: Any) -> str:
    event = Event.objects.filter(room_id=room.pk).order_by("pk").first()
    return f"/events/{event.pk}/" if event is not None else "/events/"


def is_guest(user: Any, room: Any) -> bool:
    return Event.objects.filter(
        room_id=room.pk,
        audience=Audience.NETWORK,
        guest_communities__memberships__user_id=user.pk,
        guest_communities__memberships__state=MembershipState.ACTIVE,
    ).exists()


def _event_room_sql() -> tuple[str, tuple[Any, ...]]:
    return exists_sql(Event.objects.filter(room_id=sql_ref("r.id")))


def post_refusal(user: Any, room: Any, community_id: int) -> str | None:
    """Why ``user`` may not post in this event room now, or None."""
    if room is None:
        return None
    events = list(Event.objects.filter(room_id=room.pk).select_related("community"))
    if any(can_manage_event(user, event) for event in events):
        return None
    now = timezone.now()
    views = [
        v
        for v in selectors.expand(events, now - closes_after(), now + opens_before())
        if not v.cancelled
    ]
    open_now = [v for v in views if window_of(v)[0] <= now <= window_of(v)[1]]
    if open_now:
        rows = [v.row.pk for v in open_now if v.row is not None]
        attending = Rsvp.objects.filter(occurrence_id__in=rows, user_id=user.pk).filter(
            Q(status=RsvpStatus.GOING, waitlisted=False) | Q(status=RsvpStatus.MAYBE)
        )
        if attending.exists():
            return None
        return _("This room is for the people going: say you are going (or maybe) first.")
    upcoming = selectors.expand(events, now, now + timedelta(days=selectors.MAX_DAYS))
    upcoming = [v for v in upcoming if not v.cancelled]
    if upcoming:
        opens = window_of(upcoming[0])[0]
        return _("This room opens to the people going at %(when)s.") % {
            "when": texts.when_for(opens, selectors.viewer_zone(user), upcoming[0].event.timezone)
        }
    return _("This event is over: its room stays open for reading.")


EVENT_ROOM_CHECK = PostCheck(sql=_event_room_sql, refusal=post_refusal)
