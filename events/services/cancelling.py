"""Cancelling events: all of it, for a series one occurrence ("this") or this one and the
rest ("following"). Calendars get STATUS:CANCELLED (the SEQUENCE bumped), the rooms and
calendar pages hear of it, and those going or maybe are told in their language and zone.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from community.models import User
from core.errors import Conflict, Forbidden
from core.notify import Verb

from .. import recurrence, selectors, texts
from ..models import Event, Occurrence
from ..permissions import can_manage_event
from ..recurrence import Series
from . import notices
from .changes import _check_scope, _row_for_update


def event_cancel(
    *,
    actor: User,
    event: Event,
    scope: str = "series",
    occurrence: datetime | None = None,
    reason: str = "",
) -> Event:
    """Cancel all of an event, one occurrence, or this one and the rest. Calendars get
    STATUS:CANCELLED; those going or maybe are told."""
    if not can_manage_event(actor, event):
        raise Forbidden(_("Only its organisers and the community's facilitators cancel an event."))
    if event.cancelled_at is not None:
        raise Conflict(_("This event is already cancelled."))
    scope = _check_scope(event, scope, occurrence)
    reason = " ".join(reason.split())[:500]
    now = timezone.now()
    view = None
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        if locked.cancelled_at is not None:
            raise Conflict(_("This event is already cancelled."))
        if scope != "series":
            view = selectors.occurrence_view(event=locked, key=occurrence)
            if view.key == locked.starts_at and scope == "following":
                scope, view = "series", None
        if scope == "series":
            locked.cancelled_at = now
            locked.sequence += 1
            locked.save(update_fields=["cancelled_at", "sequence", "updated_at"])
            rows = list(locked.occurrences.filter(ends_at__gt=now))
        elif scope == "this":
            if view.cancelled:
                raise Conflict(_("This occurrence is already cancelled."))
            row = _row_for_update(locked, view)
            row.cancelled_at, row.sequence = now, row.sequence + 1
            row.save(update_fields=["cancelled_at", "sequence", "updated_at"])
            rows = [row]
            view = selectors.view_of(locked, row.original_start, row)
        else:
            old = Series.of(locked)
            locked.rrule = recurrence.rule_ending_before(old, view.key)
            locked.last_ends_at = recurrence.last_end(Series.of(locked))
            locked.sequence += 1
            locked.save(update_fields=["rrule", "last_ends_at", "sequence", "updated_at"])
            rows = list(locked.occurrences.filter(original_start__gte=view.key))
            Occurrence.objects.filter(pk__in=[r.pk for r in rows]).update(cancelled_at=now)
        notices.announce(event=locked, actor=actor, action="cancelled", view=view)
        people = selectors.people_going(rows=[r for r in rows if r.ends_at > now])
        title = view.title if view is not None else locked.title
        moment = view.starts_at if view is not None else None

        def verb(zone: str | None) -> Verb:
            if moment is None:
                return Verb(gettext_noop("cancelled “%(title)s”"), title=title)
            when = texts.when_for(moment, zone, locked.timezone)
            if scope == "following":
                return Verb(
                    gettext_noop("cancelled “%(title)s” from %(when)s on"), title=title, when=when
                )
            return Verb(gettext_noop("cancelled “%(title)s” on %(when)s"), title=title, when=when)

        notices.tell(
            event=locked,
            actor=actor,
            user_ids=people,
            verb=verb,
            key=view.key if view is not None else None,
            text=reason,
        )
    return locked
