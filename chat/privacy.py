"""The chat app's part of a person's export and erasure (``core.gdpr``)."""

from __future__ import annotations

from typing import Any

from community.models import EventKind, RoomEvent
from core.gdpr import iso
from core.protocol.people import author_out

from .models import Block, ChatSettings, DirectParticipant, MessageReaction
from .services.reactions import reaction_summary


def export_chat(user: Any) -> dict[str, Any]:
    settings_row = ChatSettings.objects.filter(user=user).first()
    return {
        "reactions": [
            {"message": r.message_id, "emoji": r.emoji, "at": iso(r.created_at)}
            for r in MessageReaction.objects.filter(user=user).order_by("pk")
        ],
        "direct_conversations": [
            {"room": p.conversation.room_id, "joined_at": iso(p.joined_at)}
            for p in DirectParticipant.objects.filter(user=user).select_related("conversation")
        ],
        "blocked": [
            {"user": b.blocked_id, "at": iso(b.created_at)}
            for b in Block.objects.filter(blocker=user)
        ],
        "messages_from_anyone": bool(settings_row and settings_row.from_anyone),
    }


def erase_chat(user: Any, _erase_messages: bool) -> None:
    """Their reactions go, and the summaries on the messages they reacted to (which name
    them) are rebuilt without them; past reaction events name a deleted user instead."""
    message_ids = list(
        MessageReaction.objects.filter(user=user).values_list("message_id", flat=True).distinct()
    )
    MessageReaction.objects.filter(user=user).delete()
    for message in RoomEvent.objects.filter(pk__in=message_ids):
        summary = [r.model_dump(mode="json") for r in reaction_summary(message.pk)]
        RoomEvent.objects.filter(pk=message.pk).update(data={**message.data, "reactions": summary})
    deleted = author_out(None).model_dump(mode="json")
    for event in RoomEvent.objects.filter(kind=EventKind.REACTION, target_id__in=message_ids):
        for reaction in event.data.get("reactions", []):
            reaction["users"] = [
                deleted if u.get("id") == user.pk else u for u in reaction.get("users", [])
            ]
        RoomEvent.objects.filter(pk=event.pk).update(data=event.data)
