"""Announcements: a facilitator's message to every member of a community."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_noop

from community.models import Community, EventKind, RoomEvent, User
from community.services import GENERAL_ROOM, clean_body, rendered, room_event_append
from core.errors import NotFound
from core.notify import Category, Verb, notify_community

from .base import require_moderator


def announcement_post(*, actor: User, community: Community, body: str) -> RoomEvent:
    """A facilitator's announcement: an ``announcement`` event in the general room, and a
    notification to every member (even those who chose "mentions only")."""
    body = clean_body(body)
    html = rendered(body)
    require_moderator(actor, community)
    general = community.rooms.filter(name=GENERAL_ROOM).first()
    if general is None:
        raise NotFound("This community has no general room.")
    with transaction.atomic():
        event = room_event_append(
            room_id=general.pk,
            kind=EventKind.ANNOUNCEMENT,
            author=actor,
            body=body,
            html=html,
        )
        notify_community(
            actor=actor,
            community_id=community.pk,
            category=Category.ANNOUNCEMENT,
            verb=Verb(
                gettext_noop("posted an announcement in %(community)s"), community=community.name
            ),
            room_id=general.pk,
            target=event,
            text=body,
            url=f"/c/{community.slug}/rooms/{general.pk}/#m{event.pk}",
        )
    return event
