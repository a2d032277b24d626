"""Telling people: services call ``notify_users`` / ``notify_community`` inside their own
transaction. That writes one durable outbox job (nothing else), so the request returns without
waiting for the fan-out; the delivery app works out recipients, levels, pushes and emails.

Also a port to follow a room (its new messages notify the follower): the delivery app, which
owns notification levels, provides it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from . import outbox
from .registry import Port

TEXT_EXCERPT_LENGTH = 300


class Category(models.TextChoices):
    MENTION = "mention", _("Mentions and replies")
    MEMBERSHIP = "membership", _("Your membership (approvals, roles, mutes, removals)")
    FACILITATION = "facilitation", _("Join requests and reports (facilitators)")
    ANNOUNCEMENT = "announcement", _("Announcements by facilitators")
    RESOURCE = "resource", _("Teaching materials")
    YOUR_RESOURCE = "your_resource", _("Your teaching materials (versions, adaptations, reactions)")
    MESSAGE = "message", _("New messages in rooms and threads you watch")
    NETWORKING = "networking", _("People you may want to meet (weekly)")


# Job kinds the delivery app handles (names kept stable: pending jobs survive upgrades).
USERS_JOB = "users"
COMMUNITY_JOB = "community"


def target_ref(target: Model | None) -> dict[str, Any] | None:
    """How a notification names what it is about: ``{"model": "app.model", "id": pk}``."""
    if target is None:
        return None
    return {"model": target._meta.label_lower, "id": target.pk}


def notify_users(
    *,
    actor: Any,
    user_ids: Iterable[int],
    category: str,
    verb: str,
    community_id: int | None = None,
    room_id: int | None = None,
    target: Model | None = None,
    text: str = "",
    url: str = "",
    members_only: bool = True,
) -> Any:
    """Notify these users (never the actor). Their levels for the community/room apply, and
    only active members are told unless ``members_only`` is false (someone just removed,
    banned or declined still hears about it). Returns the job, or ``None`` for nobody."""
    recipients = sorted({uid for uid in user_ids if uid and uid != getattr(actor, "pk", None)})
    if not recipients:
        return None
    payload = _payload(actor, category, verb, community_id, room_id, target, text, url)
    return outbox.enqueue(
        kind=USERS_JOB, payload={**payload, "users": recipients, "members_only": members_only}
    )


def notify_community(
    *,
    actor: Any,
    community_id: int,
    category: str,
    verb: str,
    room_id: int | None = None,
    target: Model | None = None,
    text: str = "",
    url: str = "",
) -> Any:
    """Notify every active member of a community (except the actor) whose level takes this
    category."""
    payload = _payload(actor, category, verb, community_id, room_id, target, text, url)
    return outbox.enqueue(kind=COMMUNITY_JOB, payload=payload)


def _payload(
    actor: Any,
    category: str,
    verb: str,
    community_id: int | None,
    room_id: int | None,
    target: Model | None,
    text: str,
    url: str,
) -> dict[str, Any]:
    return {
        "actor": getattr(actor, "pk", None),
        "category": category,
        "verb": verb,
        "community": community_id,
        "room": room_id,
        "target": target_ref(target),
        "text": text[:TEXT_EXCERPT_LENGTH],
        "url": url,
    }


# follow_room(user=..., room=...): the user hears of every new message in the room (unless
# they chose a level for it themselves).
follow_room: Port[..., None] = Port("following a room")
