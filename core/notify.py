"""Telling people: services call ``notify_users`` / ``notify_community`` inside their own
transaction. That writes one durable outbox job (nothing else), so the request returns without
waiting for the fan-out; the delivery app works out recipients, levels, pushes and emails.

Also a port to follow a room (its new messages notify the follower): the delivery app, which
owns notification levels, provides it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.db import models
from django.db.models import Model
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import outbox, ratelimit
from .registry import Port

TEXT_EXCERPT_LENGTH = 300
logger = logging.getLogger(__name__)


class Category(models.TextChoices):
    MENTION = "mention", _("Mentions and replies")
    MEMBERSHIP = "membership", _("Your membership (approvals, roles, mutes, removals)")
    FACILITATION = "facilitation", _("Join requests and reports (facilitators)")
    ANNOUNCEMENT = "announcement", _("Announcements by facilitators")
    RESOURCE = "resource", _("Teaching materials")
    YOUR_RESOURCE = "your_resource", _("Your teaching materials (versions, adaptations, reactions)")
    MESSAGE = "message", _("New messages in rooms and threads you watch")
    EVENT = "event", _("Events you go to (reminders, changes, cancellations, waiting list)")
    NEW_EVENT = "new_event", _("New events in your communities")
    NETWORKING = "networking", _("People you may want to meet (weekly)")
    SCHOOLS = "schools", _("Your school: links to confirm, mentoring pairs and their meetings")


class Verb:
    """What the actor did, as each reader will be told it in their own language: an English
    sentence marked for translation at the call site (``gettext_noop``, ``%(name)s``
    placeholders) and the values for it. Stored as both; rendered when read, pushed or
    emailed, in the reader's language."""

    def __init__(self, msgid: str, **params: Any) -> None:
        self.msgid = msgid
        self.params = {k: str(v) for k, v in params.items()}

    def spec(self) -> dict[str, Any]:
        return {"msgid": self.msgid, "params": self.params}

    def english(self) -> str:
        return self.msgid % self.params


def render_verb(stored: Any) -> str:
    """A stored verb in the active language: a ``Verb.spec()`` translated; a sentence stored
    as text (before verbs were translated) as it was written."""
    if isinstance(stored, dict) and "msgid" in stored:
        try:
            return gettext(stored["msgid"]) % stored.get("params", {})
        except (KeyError, ValueError, TypeError):  # a translation that lost a placeholder
            return str(stored["msgid"]) % stored.get("params", {})
    return str(stored or "")


def _verb_spec(verb: Verb | str) -> Any:
    return verb.spec() if isinstance(verb, Verb) else verb


# Job kinds the delivery app handles (names kept stable: pending jobs survive upgrades).
USERS_JOB = "users"
COMMUNITY_JOB = "community"
COMMUNITIES_JOB = "communities"


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
    verb: Verb | str,
    community_id: int | None = None,
    room_id: int | None = None,
    target: Model | None = None,
    text: str = "",
    url: str = "",
    members_only: bool = True,
    include_actor: bool = False,
) -> Any:
    """Notify these users (never the actor, unless ``include_actor``: the actor is then who
    the notification is from, not who caused it, e.g. an event's organiser in a reminder).
    Their levels for the community/room apply, and only active members are told unless
    ``members_only`` is false (someone just removed, banned or declined still hears about it;
    a guest of another community). Returns the job, or ``None`` for nobody."""
    actor_id = getattr(actor, "pk", None)
    if not _within_cap(actor):
        return None
    recipients = sorted({uid for uid in user_ids if uid and (include_actor or uid != actor_id)})
    if not recipients:
        return None
    payload = _payload(actor, category, verb, community_id, room_id, target, text, url)
    extra: dict[str, Any] = {"users": recipients, "members_only": members_only}
    if include_actor:
        extra["include_actor"] = True
    return outbox.enqueue(kind=USERS_JOB, payload={**payload, **extra})


def notify_community(
    *,
    actor: Any,
    community_id: int,
    category: str,
    verb: Verb | str,
    room_id: int | None = None,
    target: Model | None = None,
    text: str = "",
    url: str = "",
) -> Any:
    """Notify every active member of a community (except the actor) whose level takes this
    category."""
    if not _within_cap(actor):
        return None
    payload = _payload(actor, category, verb, community_id, room_id, target, text, url)
    return outbox.enqueue(kind=COMMUNITY_JOB, payload=payload)


def _within_cap(actor: Any) -> bool:
    """One account's actions may cause at most ``KRING_RATE_LIMITS["notify"]`` notification
    jobs per window; past it they are dropped (and logged), not the actions themselves."""
    actor_id = getattr(actor, "pk", None)
    if actor_id is None or ratelimit.allow("notify", actor_id=actor_id):
        return True
    logger.warning("notifications of user %s dropped: over the per-actor cap", actor_id)
    return False


def notify_communities(
    *,
    actor: Any,
    community_ids: list[int],
    category: str,
    verb: Verb | str,
    room_id: int | None = None,
    target: Model | None = None,
    text: str = "",
    url: str = "",
) -> Any:
    """Notify every active member of several communities at once (a network announcement):
    one job, and each person once however many of the communities they belong to (their
    level in the first of them that they belong to applies). The first community is where
    the notification points (``room_id`` is its room)."""
    if not community_ids or not _within_cap(actor):
        return None
    payload = _payload(actor, category, verb, community_ids[0], room_id, target, text, url)
    return outbox.enqueue(
        kind=COMMUNITIES_JOB, payload={**payload, "communities": list(community_ids)}
    )


def _payload(
    actor: Any,
    category: str,
    verb: Verb | str,
    community_id: int | None,
    room_id: int | None,
    target: Model | None,
    text: str,
    url: str,
) -> dict[str, Any]:
    return {
        "actor": getattr(actor, "pk", None),
        "category": category,
        "verb": _verb_spec(verb),
        "community": community_id,
        "room": room_id,
        "target": target_ref(target),
        "text": text[:TEXT_EXCERPT_LENGTH],
        "url": url,
    }


# follow_room(user=..., room=...): the user hears of every new message in the room (unless
# they chose a level for it themselves).
follow_room: Port[..., None] = Port("following a room")
