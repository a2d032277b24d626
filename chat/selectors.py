"""Read-only queries of the chat app; joins and prefetching decided here."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import (
    Count,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from community import selectors as community_selectors
from community.models import EventKind, MembershipState, RoomEvent, RoomReadState, User
from core.errors import Gone, NotFound

from .models import Attachment, Block, ChatSettings, DirectConversation, DirectParticipant


def _hidden_for(user: Any) -> QuerySet[DirectParticipant]:
    """Conversations of two where the other one is someone ``user`` blocked."""
    blocked = Block.objects.filter(blocker_id=user.pk).values("blocked_id")
    return DirectParticipant.objects.filter(
        user_id__in=blocked, conversation__pair_key__isnull=False
    ).values("conversation_id")


def conversation_list(*, user: Any) -> list[DirectConversation]:
    """The user's conversations, newest message first, with ``unread`` (messages by others
    after their read marker), ``last_message_at`` and ``last_body``; conversations of two
    with someone they blocked are left out."""
    read_seq = RoomReadState.objects.filter(room=OuterRef("room_id"), user_id=user.pk).values(
        "last_read_seq"
    )[:1]
    messages = RoomEvent.objects.filter(
        room=OuterRef("room_id"), kind=EventKind.MESSAGE, deleted_at__isnull=True
    )
    unread = (
        messages.filter(seq__gt=OuterRef("read_seq"))
        .exclude(author_id=user.pk)
        .order_by()
        .values("room")
        .annotate(n=Count("pk"))
        .values("n")
    )
    newest = messages.order_by("-seq")
    conversations = (
        DirectConversation.objects.filter(participants__user_id=user.pk)
        .exclude(pk__in=_hidden_for(user))
        .select_related("room")
        .prefetch_related(
            Prefetch(
                "participants",
                queryset=DirectParticipant.objects.select_related("user").order_by("pk"),
            )
        )
        .annotate(read_seq=Coalesce(Subquery(read_seq), Value(0), output_field=IntegerField()))
        .annotate(
            unread=Coalesce(Subquery(unread), Value(0), output_field=IntegerField()),
            last_message_at=Subquery(newest.values("created_at")[:1]),
            last_body=Subquery(newest.filter(hidden_at__isnull=True).values("body")[:1]),
        )
        .order_by("-room__last_seq", "-pk")
    )
    return sorted(
        conversations,
        key=lambda c: c.last_message_at or c.created_at,
        reverse=True,
    )


def conversation_for_participant(*, user: Any, room_id: int) -> DirectConversation:
    """The conversation of this room if ``user`` is in it; otherwise ``NotFound`` (whoever
    is not in it learns nothing, not even that it exists)."""
    conversation = (
        DirectConversation.objects.filter(room_id=room_id, participants__user_id=user.pk)
        .select_related("room")
        .prefetch_related(
            Prefetch(
                "participants",
                queryset=DirectParticipant.objects.select_related("user").order_by("pk"),
            )
        )
        .first()
    )
    if conversation is None:
        raise NotFound(_("No such conversation."))
    return conversation


def people_to_message(*, user: Any, q: str, limit: int = 20) -> list[Any]:
    """People ``user`` may start a conversation with whose name or handle matches ``q``:
    those sharing an active community, and those who take messages from anyone; never
    someone who blocked them. By name."""
    q = q.strip().lstrip("@")
    if not q:
        return []
    mine = user.memberships.filter(state=MembershipState.ACTIVE).values("community_id")
    shared = Q(memberships__community_id__in=mine, memberships__state=MembershipState.ACTIVE) | Q(
        pk__in=ChatSettings.objects.filter(from_anyone=True).values("user_id")
    )
    blocked_me = Block.objects.filter(blocked_id=user.pk).values("blocker_id")
    people = (
        User.objects.filter(is_active=True)
        .filter(shared)
        .filter(Q(display_name__icontains=q) | Q(handle__istartswith=q))
        .exclude(pk=user.pk)
        .exclude(pk__in=blocked_me)
        .distinct()
        .order_by("display_name")
    )
    return list(people[: max(1, min(limit, 50))])


def blocks_of(*, user: Any) -> list[Block]:
    return list(Block.objects.filter(blocker_id=user.pk).select_related("blocked"))


def chat_settings_of(*, user: Any) -> ChatSettings:
    return ChatSettings.objects.filter(user_id=user.pk).first() or ChatSettings(user=user)


def unread_direct_total(*, user: Any) -> int:
    return sum(c.unread for c in conversation_list(user=user))


def attachment_for_reader(*, user: Any, key: str) -> Attachment:
    """An attachment ``user`` may open: they may read its room now, and its message is
    neither deleted (``NotFound``) nor hidden by a facilitator (``Gone``)."""
    try:
        attachment = Attachment.objects.select_related("message", "room").filter(key=key).first()
    except (ValueError, ValidationError):
        attachment = None
    if attachment is None:
        raise NotFound(_("No such file."))
    community_selectors.room_for_reader(user=user, room_id=attachment.room_id)
    if attachment.message.deleted_at is not None:
        raise NotFound(_("This file's message was deleted."))
    if attachment.message.hidden_at is not None:
        raise Gone(_("A facilitator hid this file's message; the file is not available."))
    return attachment
