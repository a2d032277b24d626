"""Telling people about events: notifications in each recipient's language and zone, the
``calendar`` frame to everyone who may come, and ``calendar`` room events (in the host's
``general`` room, and in the event's own room for changes)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.utils.translation import gettext_noop

from community.models import EventKind, User
from community.services import GENERAL_ROOM, room_event_append
from core.emitters import users_frame_on_commit
from core.notify import Category, Verb, notify_community, notify_users
from core.protocol.events import CalendarFrame, event_ref_out, event_url

from .. import selectors, texts
from ..models import Event


def tell(
    *,
    event: Event,
    actor: User | None,
    user_ids: Iterable[int],
    verb: Callable[[str | None], Verb],
    key: Any = None,
    text: str = "",
    from_organiser: bool = False,
) -> int:
    """Notify ``user_ids`` (category "events you go to"), one notification per language and
    zone: ``verb(zone)`` is called with each group's zone (None: not chosen) inside its
    language, so the time in it is that group's (the sentence itself is translated when read).
    ``from_organiser``: the actor is who it is from, and is told too (a reminder). Guests of
    other communities are told as well (``members_only`` off). Returns the jobs written."""
    jobs = 0
    for (language, zone), ids in texts.groups(user_ids).items():
        job = notify_users(
            actor=actor,
            user_ids=ids,
            category=Category.EVENT,
            verb=texts.in_language(language, lambda zone=zone: verb(zone)),
            community_id=event.community_id,
            target=event,
            text=text,
            url=event_url(event, key if event.rrule else None),
            members_only=False,
            include_actor=from_organiser,
        )
        jobs += job is not None
    return jobs


def announce(*, event: Event, actor: User | None, action: str, view: Any = None) -> None:
    """A ``calendar`` event in the host's general room (and, for a change or cancellation,
    in the event's own room), and the ``calendar`` frame to everyone who may come."""
    ref = event_ref_out(event, view)
    data = {"action": action, "event": ref.model_dump(mode="json")}
    general = event.community.rooms.filter(name=GENERAL_ROOM).values_list("pk", flat=True).first()
    rooms = [general] if general is not None else []
    if action != "scheduled":
        rooms.append(event.room_id)
    for room_id in rooms:
        room_event_append(room_id=room_id, kind=EventKind.CALENDAR, author=actor, data=data)
    users_frame_on_commit(
        selectors.audience_user_ids(event),
        CalendarFrame(community=event.community.slug, action=action, event=ref),  # type: ignore[arg-type]
    )


def announce_new(*, event: Event, actor: User) -> None:
    """New events are news for the host community and the communities it is open to."""
    communities = [event.community, *event.guest_communities.all()]
    for community in communities:
        notify_community(
            actor=actor,
            community_id=community.pk,
            category=Category.NEW_EVENT,
            verb=Verb(gettext_noop("scheduled “%(title)s”"), title=event.title)
            if community.pk == event.community_id
            else Verb(
                gettext_noop("scheduled “%(title)s” (%(community)s)"),
                title=event.title,
                community=event.community.name,
            ),
            target=event,
            text=event.description[:300],
            url=event_url(event),
        )
