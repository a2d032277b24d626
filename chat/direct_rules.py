"""What the community app asks of a direct conversation's room (registered in
``ChatConfig.ready``): its page, who is in it (its participants, nobody else: the room kind is
``private``), how a sentence names it, a post check for blocks, and notifying the others of
each new message (the delivery app notifies community rooms only)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from community.models import RoomKind
from community.registry import PostCheck, PostingContext, exists_sql, sql_ref
from core.notify import Category, Verb, notify_users

from .models import Block, DirectConversation, DirectParticipant


def page_url(room: Any) -> str:
    return f"/messages/{room.pk}/"


def is_participant(user: Any, room: Any) -> bool:
    return DirectParticipant.objects.filter(conversation__room_id=room.pk, user_id=user.pk).exists()


def label(room: Any) -> str:
    conversation = DirectConversation.objects.filter(room_id=room.pk).first()
    if conversation is not None and conversation.title:
        return f"“{conversation.title}”"
    return _("a direct conversation")


def _blocked_sql() -> tuple[str, tuple[Any, ...]]:
    # Someone in the room blocked the poster.
    return exists_sql(
        Block.objects.filter(
            blocked_id=sql_ref("u.id"),
            blocker__direct_conversations__conversation__room_id=sql_ref("r.id"),
        )
    )


def blocked_refusal(user: Any, room: Any, community_id: int | None) -> str | None:
    if room is None or room.kind != RoomKind.DIRECT:
        return None
    return _("You cannot write here: someone in this conversation blocked you.")


BLOCKED_CHECK = PostCheck(sql=_blocked_sql, refusal=blocked_refusal)


def notify_participants(event: Any, room: Any, context: PostingContext) -> None:
    """Run in the post's transaction: everyone else in the conversation hears of it (their
    levels, quiet hours and pushes apply as for any notification)."""
    if room.kind != RoomKind.DIRECT:
        return
    conversation = DirectConversation.objects.filter(room_id=room.pk).first()
    if conversation is None:
        return
    others = list(
        conversation.participants.exclude(user_id=event.author_id).values_list("user_id", flat=True)
    )
    if conversation.is_group:
        verb = Verb(
            gettext_noop("wrote in %(conversation)s"),
            conversation=conversation.title or gettext_noop("your group conversation"),
        )
    else:
        verb = Verb(gettext_noop("sent you a direct message"))
    notify_users(
        actor=event.author,
        user_ids=others,
        category=Category.MENTION,
        verb=verb,
        room_id=room.pk,
        target=event,
        text=event.body,
        url=f"/messages/{room.pk}/#m{event.pk}",
        members_only=False,
    )
