"""Reactions: toggling an emoji on a message, stored as a room event with its own seq."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from community import selectors as community_selectors
from community.models import EventKind, RoomEvent, User
from community.services import room_event_append
from core import ratelimit
from core.errors import Forbidden, Invalid, NotFound
from core.protocol.chat import ReactionOut, reaction_data, reactions_out

from ..models import MessageReaction
from ..permissions import reaction_refusal


def reaction_summary(message_id: int) -> list[ReactionOut]:
    rows = (
        MessageReaction.objects.filter(message_id=message_id)
        .select_related("user")
        .order_by("created_at", "pk")
    )
    return reactions_out(
        ((r.emoji, r.user) for r in rows),
        order=list(settings.KRING_REACTION_EMOJI),
        names_shown=settings.KRING_REACTION_NAMES_SHOWN,
    )


def reaction_toggle(*, actor: User, message_id: int, emoji: str) -> RoomEvent:
    """Add ``emoji`` to a message, or take it away if the actor had it there. Stores a
    ``reaction`` event (everyone in the room gets it live, resume replays it) and keeps the
    summary on the message (history shows current counts)."""
    if emoji not in settings.KRING_REACTION_EMOJI:
        raise Invalid(
            _("React with one of %(emoji)s.") % {"emoji": " ".join(settings.KRING_REACTION_EMOJI)}
        )
    message = community_selectors.message_get(message_id=message_id)
    refusal = reaction_refusal(actor, message.room)
    if refusal:
        raise Forbidden(refusal)
    if message.deleted_at is not None:
        raise NotFound(_("This message was deleted."))
    if message.hidden_at is not None:
        raise Forbidden(_("A facilitator hid this message; it takes no reactions."))
    ratelimit.limit("reaction", actor_id=actor.pk, what=_("reactions"))
    with transaction.atomic():
        # The message row's lock orders concurrent toggles on it: each summary is exact.
        locked = RoomEvent.objects.select_for_update().get(pk=message.pk)
        mine = MessageReaction.objects.filter(message=locked, user=actor, emoji=emoji)
        added = not mine.exists()
        if added:
            MessageReaction.objects.create(message=locked, user=actor, emoji=emoji)
        else:
            mine.delete()
        summary = reaction_summary(locked.pk)
        data = reaction_data(emoji, added, summary)
        RoomEvent.objects.filter(pk=locked.pk).update(
            data={**locked.data, "reactions": data["reactions"]}
        )
        return room_event_append(
            room_id=locked.room_id,
            kind=EventKind.REACTION,
            author=actor,
            target=locked,
            data=data,
        )
