"""Who gets what from an outbox job: each job kind turns its payload into a ``Delivery`` (per
recipient, what happened to *them* and its category: mentions, replies, watchers, a private
room's own people only), and the recipients are read with one query each, their effective
level (room, then community, then default) and delivery settings joined in. ``fanout.py``
writes the rows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import BooleanField, CharField, F, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_noop

from community.models import (
    Community,
    EventKind,
    Membership,
    MembershipState,
    Room,
    RoomEvent,
    User,
)
from community.permissions import is_private_room, is_room_guest
from community.selectors import facilitator_ids, room_label
from core.notify import Category, Verb

from .categories import DEFAULT_LEVEL
from .models import DeliverySettings, EmailMode, NotificationPreference
from .selectors import watchers

MENTION = re.compile(r"(?<![\w@])@([a-z0-9][a-z0-9._-]{1,38}[a-z0-9])\b", re.IGNORECASE)
FACILITATORS_MENTION = "facilitators"


@dataclass
class Recipient:
    user_id: int
    level: str
    live: bool
    email_mode: str
    email_categories: list[str]
    language: str  # what their pushes are written in


def _verb_key(verb: Verb | str | dict[str, Any]) -> str:
    """A verb as it travels inside a job: JSON text of its spec (or a legacy sentence)."""
    if isinstance(verb, Verb):
        verb = verb.spec()
    return json.dumps(verb, sort_keys=True, ensure_ascii=False)


@dataclass
class Delivery:
    """What one job produces: per recipient a verb (what happened to *them*) and a category."""

    actor_id: int | None
    community_id: int | None
    room_id: int | None
    target: dict[str, Any] | None
    text: str
    url: str
    # user -> (verb key, category): what happened to *them*
    per_user: dict[int, tuple[str, str]] = field(default_factory=dict)

    def add(
        self,
        user_ids: Iterable[int],
        verb: Verb | str | dict,
        category: str,
        include_actor: bool = False,
    ) -> None:
        key = _verb_key(verb)
        for user_id in user_ids:
            if (include_actor or user_id != self.actor_id) and user_id not in self.per_user:
                self.per_user[user_id] = (key, category)


def _settings_annotations(user_ref: str) -> dict[str, Any]:
    settings_of = DeliverySettings.objects.filter(user=OuterRef(user_ref))
    return {
        "live": Coalesce(
            Subquery(settings_of.values("live")[:1]), Value(True), output_field=BooleanField()
        ),
        "email_mode": Coalesce(
            Subquery(settings_of.values("email_mode")[:1]),
            Value(EmailMode.DAILY),
            output_field=CharField(),
        ),
        "email_categories": Subquery(settings_of.values("email_categories")[:1]),
    }


FIELDS = ("level", "live", "email_mode", "email_categories", "language")


def _recipients(
    community_id: int | None, room_id: int | None, user_ids: Iterable[int] | None
) -> QuerySet:
    """Users with their effective level (room, then community, then default) and delivery
    settings, all in one query. Without a community: the given users at the default level."""
    if community_id is None:
        return (
            User.objects.filter(pk__in=list(user_ids or []), is_active=True)
            .annotate(
                level=Value(DEFAULT_LEVEL, output_field=CharField()), **_settings_annotations("pk")
            )
            .values_list("pk", "level", "live", "email_mode", "email_categories", "language")
        )
    members = Membership.objects.filter(
        community_id=community_id, state=MembershipState.ACTIVE, user__is_active=True
    )
    if user_ids is not None:
        members = members.filter(user_id__in=list(user_ids))
    community_level = NotificationPreference.objects.filter(
        user=OuterRef("user_id"), community_id=community_id, room__isnull=True
    ).values("level")[:1]
    levels: list[Any] = [Subquery(community_level)]
    if room_id is not None:
        room_level = NotificationPreference.objects.filter(
            user=OuterRef("user_id"), room_id=room_id
        ).values("level")[:1]
        levels.insert(0, Subquery(room_level))
    return members.annotate(
        level=Coalesce(*levels, Value(DEFAULT_LEVEL), output_field=CharField()),
        language=F("user__language"),
        **_settings_annotations("user_id"),
    ).values_list("user_id", *FIELDS)


def _load_recipients(rows: Iterable[tuple]) -> dict[int, Recipient]:
    every_category = list(Category.values)
    found = {}

    for user_id, level, live, email_mode, email_categories, language in rows:
        if isinstance(email_categories, str):  # JSON from a subquery can come back as text
            email_categories = json.loads(email_categories)
        found[user_id] = Recipient(
            user_id=user_id,
            level=level,
            live=bool(live),
            email_mode=email_mode,
            email_categories=every_category if email_categories is None else email_categories,
            language=language or settings.LANGUAGE_CODE,
        )
    return found


# --- job kinds ---------------------------------------------------------------------------------


def _users_job(payload: dict[str, Any]) -> tuple[Delivery, dict[int, Recipient]]:
    delivery = _delivery(payload)
    delivery.add(
        payload["users"], payload["verb"], payload["category"], payload.get("include_actor", False)
    )
    community = payload["community"] if payload.get("members_only", True) else None
    recipients = _load_recipients(_recipients(community, payload["room"], payload["users"]))
    return delivery, recipients


def _community_job(payload: dict[str, Any]) -> tuple[Delivery, dict[int, Recipient]]:
    delivery = _delivery(payload)
    recipients = _load_recipients(_recipients(payload["community"], payload["room"], None))
    delivery.add(recipients, payload["verb"], payload["category"])
    return delivery, recipients


def _communities_job(payload: dict[str, Any]) -> tuple[Delivery, dict[int, Recipient]]:
    """Members of several communities (a network announcement), each once: the level of
    the first community they belong to decides, in the order the job lists them."""
    delivery = _delivery(payload)
    recipients: dict[int, Recipient] = {}
    for community_id in payload["communities"]:
        room_id = payload["room"] if community_id == payload["community"] else None
        for user_id, recipient in _load_recipients(
            _recipients(community_id, room_id, None)
        ).items():
            recipients.setdefault(user_id, recipient)
    delivery.add(recipients, payload["verb"], payload["category"])
    return delivery, recipients


def _message_job(payload: dict[str, Any]) -> tuple[Delivery, dict[int, Recipient]]:
    event = (
        RoomEvent.objects.select_related("room", "author", "reply_to")
        .filter(pk=payload["event"], kind=EventKind.MESSAGE, deleted_at__isnull=True)
        .first()
    )
    room = event.room if event else Room.objects.filter(pk=payload["room"]).first()
    delivery = Delivery(
        actor_id=event.author_id if event else None,
        community_id=payload["community"],
        room_id=payload["room"],
        target={"model": "community.roomevent", "id": payload["event"]},
        text=event.body[:300] if event else "",
        url=_room_url(payload["community"], payload["room"], payload["event"]),
    )
    if event is None or room is None or event.hidden_at is not None:
        return delivery, {}  # deleted or hidden before the worker got to it: tell nobody
    where = room_label(room)
    handles = {h.lower() for h in MENTION.findall(event.body)}
    if FACILITATORS_MENTION in handles:
        delivery.add(
            facilitator_ids(payload["community"]),
            Verb(gettext_noop("mentioned the facilitators in %(room)s"), room=where),
            Category.MENTION,
        )
    named = handles - {FACILITATORS_MENTION}
    if named:
        mentioned = Membership.objects.filter(
            community_id=payload["community"], state=MembershipState.ACTIVE, user__handle__in=named
        ).values_list("user_id", flat=True)
        delivery.add(
            mentioned, Verb(gettext_noop("mentioned you in %(room)s"), room=where), Category.MENTION
        )
    if event.reply_to_id and event.reply_to and event.reply_to.author_id:
        delivery.add(
            [event.reply_to.author_id],
            Verb(gettext_noop("replied to you in %(room)s"), room=where),
            Category.MENTION,
        )
    delivery.add(
        watchers(community_id=payload["community"], room_id=payload["room"]),
        Verb(gettext_noop("posted in %(room)s"), room=where),
        Category.MESSAGE,
    )
    _keep_private_readers(delivery, room)
    recipients = _load_recipients(
        _recipients(payload["community"], payload["room"], list(delivery.per_user))
    )
    return delivery, recipients


def _keep_private_readers(delivery: Delivery, room: Room) -> None:
    """A private room's words reach only its own people: a mention of, or a watcher who is,
    anyone else in the community is told nothing."""
    if not is_private_room(room) or not delivery.per_user:
        return
    readers = {
        user.pk
        for user in User.objects.filter(pk__in=list(delivery.per_user))
        if is_room_guest(user, room)
    }
    delivery.per_user = {k: v for k, v in delivery.per_user.items() if k in readers}


def _delivery(payload: dict[str, Any]) -> Delivery:
    return Delivery(
        actor_id=payload.get("actor"),
        community_id=payload.get("community"),
        room_id=payload.get("room"),
        target=payload.get("target"),
        text=payload.get("text", ""),
        url=payload.get("url", ""),
    )


def _room_url(community_id: int, room_id: int, event_id: int | None = None) -> str:
    slug = Community.objects.filter(pk=community_id).values_list("slug", flat=True).first()
    anchor = f"#m{event_id}" if event_id else ""
    return f"/c/{slug}/rooms/{room_id}/{anchor}"
