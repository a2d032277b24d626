"""Who comes: RSVPs per occurrence, seats, the waiting list, attendance.

No over-booking, however many answer at once: every change of an occurrence's answers runs
in one transaction holding that occurrence's row lock (``SELECT ... FOR UPDATE`` on
PostgreSQL; SQLite's write lock, taken at BEGIN IMMEDIATE), reads the seat count under it,
and writes the counts back; a check constraint on the row refuses more seated people than
seats even if a path forgot the lock. When a seat comes free (someone with a seat says maybe
or no, the capacity goes up), the first on the waiting list gets it and is told.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from community.models import User
from core.emitters import room_frame_on_commit
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.notify import Verb
from core.protocol.events import rsvp_frame

from .. import selectors, texts
from ..models import Event, Occurrence, Rsvp, RsvpStatus
from ..permissions import can_manage_event, can_rsvp
from . import notices


def _row_locked(event: Event, view: Any) -> Occurrence:
    row, _created = Occurrence.objects.get_or_create(
        event=event,
        original_start=view.key,
        defaults={"starts_at": view.starts_at, "ends_at": view.ends_at, "capacity": event.capacity},
    )
    return Occurrence.objects.select_for_update().get(pk=row.pk)


def _recount(row: Occurrence) -> None:
    counts = Rsvp.objects.filter(occurrence=row).aggregate(
        going=Count("pk", filter=Q(status=RsvpStatus.GOING, waitlisted=False)),
        waiting=Count("pk", filter=Q(status=RsvpStatus.GOING, waitlisted=True)),
        maybe=Count("pk", filter=Q(status=RsvpStatus.MAYBE)),
    )
    row.going_count, row.waiting_count, row.maybe_count = (
        counts["going"],
        counts["waiting"],
        counts["maybe"],
    )


def _save_counts(row: Occurrence) -> None:
    try:
        with transaction.atomic():
            row.save(update_fields=["going_count", "waiting_count", "maybe_count", "updated_at"])
    except IntegrityError:
        raise Conflict(_("No seat is left.")) from None


def promote_waiting(row: Occurrence, event: Event) -> list[int]:
    """Give free seats to the waiting list, first come first served; tells each one. Call
    with ``row`` locked. Returns the users promoted."""
    _recount(row)
    free = None if row.capacity is None else row.capacity - row.going_count
    if row.waiting_count == 0 or (free is not None and free <= 0) or row.ends_at <= timezone.now():
        return []
    waiting = Rsvp.objects.filter(occurrence=row, waitlisted=True).order_by("waitlisted_at", "pk")
    chosen = list(waiting if free is None else waiting[:free])
    Rsvp.objects.filter(pk__in=[r.pk for r in chosen]).update(
        waitlisted=False, waitlisted_at=None, updated_at=timezone.now()
    )
    _recount(row)
    _save_counts(row)
    promoted = [r.user_id for r in chosen]
    view = selectors.view_of(event, row.original_start, row)

    def verb(zone: str | None) -> Verb:
        return Verb(
            gettext_noop("has a seat for you: you are going to “%(title)s” on %(when)s"),
            title=view.title,
            when=texts.when_for(view.starts_at, zone, event.timezone),
        )

    notices.tell(
        event=event,
        actor=event.created_by,
        user_ids=promoted,
        verb=verb,
        key=row.original_start,
        text=_("A seat came free and you were first on the waiting list."),
        from_organiser=True,
    )
    room_frame_on_commit(event.room_id, rsvp_frame(row, promoted))
    return promoted


def rsvp_set(
    *, actor: User, event: Event, status: str, occurrence: datetime | None = None
) -> tuple[Rsvp, Occurrence]:
    """Answer for one occurrence (the next one unless named): going (a seat, or the waiting
    list when none is free), maybe or no. Returns the answer and the occurrence's row."""
    if status not in RsvpStatus.values:
        raise Invalid(_("status: going, maybe or no."))
    if not can_rsvp(actor, event):
        raise Forbidden(
            _("Only members of its community and of the communities it is open to answer.")
        )
    if event.cancelled_at is not None:
        raise Conflict(_("This event was cancelled."))
    view = selectors.occurrence_view(event=event, key=occurrence)
    if view.cancelled:
        raise Conflict(_("This occurrence was cancelled."))
    if view.is_over:
        raise Conflict(_("This occurrence is over."))
    with transaction.atomic():
        row = _row_locked(event, view)
        rsvp = Rsvp.objects.filter(occurrence=row, user=actor).first() or Rsvp(
            occurrence=row, user=actor
        )
        had_seat = rsvp.pk is not None and rsvp.has_seat
        if status == RsvpStatus.GOING:
            if rsvp.status != RsvpStatus.GOING:
                full = row.capacity is not None and row.going_count >= row.capacity
                rsvp.waitlisted = full
                rsvp.waitlisted_at = timezone.now() if full else None
        else:
            rsvp.waitlisted, rsvp.waitlisted_at = False, None
        rsvp.status = status
        rsvp.save()
        _recount(row)
        _save_counts(row)
        changed = [actor.pk]
        if had_seat and not rsvp.has_seat:
            changed += promote_waiting(row, event)
        room_frame_on_commit(event.room_id, rsvp_frame(row, changed))
    return rsvp, row


def attendance_mark(
    *, actor: User, event: Event, occurrence: datetime | None, user_id: int, attended: bool | None
) -> Rsvp:
    """After an occurrence has started, its organisers mark who came."""
    if not can_manage_event(actor, event):
        raise Forbidden(_("Only its organisers and the community's facilitators mark attendance."))
    view = selectors.occurrence_view(event=event, key=occurrence)
    if view.starts_at > timezone.now():
        raise Conflict(_("Attendance is marked once the event has started."))
    if view.row is None:
        raise NotFound(_("Nobody answered for this occurrence."))
    rsvp = Rsvp.objects.filter(occurrence=view.row, user_id=user_id).first()
    if rsvp is None:
        raise NotFound(_("This person did not answer for this occurrence."))
    Rsvp.objects.filter(pk=rsvp.pk).update(attended=attended)
    rsvp.attended = attended
    return rsvp


def rsvps_withdraw_all(user: Any) -> None:
    """Take back every answer of ``user`` (an account being erased): seats go to the waiting
    lists, counts stay true."""
    for occurrence_id in list(
        Rsvp.objects.filter(user_id=user.pk).values_list("occurrence_id", flat=True)
    ):
        with transaction.atomic():
            row = (
                Occurrence.objects.select_for_update().select_related("event").get(pk=occurrence_id)
            )
            had_seat = Rsvp.objects.filter(
                occurrence=row, user_id=user.pk, status=RsvpStatus.GOING, waitlisted=False
            ).exists()
            Rsvp.objects.filter(occurrence=row, user_id=user.pk).delete()
            _recount(row)
            _save_counts(row)
            if had_seat:
                promote_waiting(row, row.event)
