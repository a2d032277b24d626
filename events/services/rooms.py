"""Each event's live room (kind ``event``: the same event log, seq and resume as any room),
and its agenda, pinned there."""

from __future__ import annotations

import uuid

from django.utils import timezone
from django.utils.text import slugify

from community.models import Community, EventKind, Room, RoomEvent, RoomKind, User
from community.services import clean_body, rendered, room_event_append

from ..models import Event


def event_room_create(*, community: Community, title: str) -> Room:
    """A room named after the event ("event-monthly-session-3f2a9c"), so notifications about
    its messages say what it is."""
    slug = slugify(title)[:50].strip("-") or "meeting"
    return Room.objects.create(
        community=community,
        name=f"event-{slug}-{uuid.uuid4().hex[:6]}",
        topic=title[:300],
        kind=RoomKind.EVENT,
    )


def agenda_pin(*, event: Event, actor: User | None) -> None:
    """Post the agenda in the event's room and pin it, or change the pinned one; an emptied
    agenda is unpinned. Call inside the transaction that changed ``event.agenda``."""
    message = event.agenda_message
    if message is not None and message.deleted_at is not None:
        message = None
    if not event.agenda.strip():
        if message is not None and message.pinned_at is not None:
            RoomEvent.objects.filter(pk=message.pk).update(pinned_at=None)
            room_event_append(
                room_id=event.room_id, kind=EventKind.UNPIN, author=actor, target=message
            )
        return
    body = clean_body(event.agenda)
    html = rendered(body)
    if message is None:
        message = room_event_append(
            room_id=event.room_id,
            kind=EventKind.MESSAGE,
            author=actor,
            body=body,
            html=html,
            data={"agenda": True},
        )
        Event.objects.filter(pk=event.pk).update(agenda_message=message)
        event.agenda_message = message
    elif message.body != body:
        RoomEvent.objects.filter(pk=message.pk).update(
            body=body, html=html, edited_at=timezone.now()
        )
        room_event_append(
            room_id=event.room_id,
            kind=EventKind.EDIT,
            author=actor,
            target=message,
            body=body,
            html=html,
        )
    if message.pinned_at is None:
        RoomEvent.objects.filter(pk=message.pk).update(pinned_at=timezone.now())
        message.pinned_at = timezone.now()
        room_event_append(room_id=event.room_id, kind=EventKind.PIN, author=actor, target=message)
