"""JSON API of reactions and direct conversations: parse, authorise, call one service or
selector, shape the answer (``core/protocol/chat.py``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from community import selectors as community_selectors
from core.protocol.api import ERRORS, ErrorOut
from core.protocol.base import encode
from core.protocol.chat import (
    BlockOut,
    ChatSettingsOut,
    ConversationOut,
    DirectReportOut,
    ReactionOut,
    SearchOut,
    block_out,
    conversation_out,
    direct_report_out,
)
from core.protocol.client import Id
from core.protocol.people import AuthorOut, author_out
from core.protocol.room_events import EventFrame, event_frame

from . import search, selectors, services
from .services.reactions import reaction_summary

router = Router(tags=["chat"])
FILES = File(...)


class ReactionIn(Schema):
    emoji: str = Field(min_length=1, max_length=16)


@router.post("/messages/{message_id}/reactions", response={200: EventFrame, **ERRORS})
def toggle_reaction(request: HttpRequest, message_id: int, payload: ReactionIn) -> HttpResponse:
    """Add the emoji to the message, or take it away if it is yours there already: answered
    with the stored ``reaction`` event (the room's subscribers get it too)."""
    event = services.reaction_toggle(actor=request.auth, message_id=message_id, emoji=payload.emoji)
    return HttpResponse(encode(event_frame(event)), content_type="application/json")


@router.get("/messages/{message_id}/reactions", response={200: list[ReactionOut], **ERRORS})
def list_reactions(request: HttpRequest, message_id: int) -> Any:
    message = community_selectors.message_get(message_id=message_id)
    community_selectors.room_for_reader(user=request.auth, room_id=message.room_id)
    return reaction_summary(message.pk)


class ConversationIn(Schema):
    users: list[Id] = Field(min_length=1, max_length=50)
    title: str = Field("", max_length=200)


@router.get("/direct", response={200: list[ConversationOut], **ERRORS})
def list_conversations(request: HttpRequest) -> Any:
    return [
        conversation_out(c, reader_id=request.auth.pk)
        for c in selectors.conversation_list(user=request.auth)
    ]


@router.post("/direct", response={200: ConversationOut, 201: ConversationOut, **ERRORS})
def start_conversation(request: HttpRequest, payload: ConversationIn) -> Any:
    """Your conversation with one person (200 if you have it already), or a new group."""
    conversation, created = services.conversation_start(
        actor=request.auth, user_ids=payload.users, title=payload.title
    )
    fresh = selectors.conversation_for_participant(user=request.auth, room_id=conversation.room_id)
    return Status(201 if created else 200, conversation_out(fresh, reader_id=request.auth.pk))


@router.get("/direct/people", response={200: list[AuthorOut], **ERRORS})
def people_to_message(
    request: HttpRequest, q: str = Query(..., min_length=1, max_length=100)
) -> Any:
    """People you may write to whose name or handle matches ``q``."""
    return [author_out(u) for u in selectors.people_to_message(user=request.auth, q=q)]


@router.get("/direct/{room_id}/mentionable", response={200: list[AuthorOut], **ERRORS})
def mentionable(request: HttpRequest, room_id: int, q: str = Query("", max_length=40)) -> Any:
    """The other people of a conversation whose handle starts with ``q`` or whose name
    contains it (for @-mention autocomplete); for its participants only."""
    conversation = selectors.conversation_for_participant(user=request.auth, room_id=room_id)
    needle = q.strip().lstrip("@").lower()
    return [
        author_out(p.user)
        for p in conversation.participants.all()
        if p.user_id != request.auth.pk
        and (
            not needle
            or (p.user.handle or "").startswith(needle)
            or needle in p.user.public_name.lower()
        )
    ]


class BlockIn(Schema):
    user: int


@router.get("/direct/blocks", response={200: list[BlockOut], **ERRORS})
def list_blocks(request: HttpRequest) -> Any:
    return [block_out(b) for b in selectors.blocks_of(user=request.auth)]


@router.post("/direct/blocks", response={201: BlockOut, **ERRORS})
def block(request: HttpRequest, payload: BlockIn) -> Any:
    return Status(201, block_out(services.block_create(actor=request.auth, user_id=payload.user)))


@router.delete("/direct/blocks/{user_id}", response={204: None, **ERRORS})
def unblock(request: HttpRequest, user_id: int) -> Any:
    services.block_delete(actor=request.auth, user_id=user_id)
    return Status(204, None)


class DirectReportIn(Schema):
    reason: str = Field(min_length=1, max_length=1000)


@router.post("/direct/messages/{message_id}/report", response={201: DirectReportOut, **ERRORS})
def report(request: HttpRequest, message_id: int, payload: DirectReportIn) -> Any:
    """Report a direct message to the platform's staff."""
    created = services.direct_report_create(
        reporter=request.auth, message_id=message_id, reason=payload.reason
    )
    return Status(201, direct_report_out(created))


class ChatSettingsIn(Schema):
    from_anyone: bool


@router.put("/me/chat-settings", response={200: ChatSettingsOut, **ERRORS})
def update_settings(request: HttpRequest, payload: ChatSettingsIn) -> Any:
    updated = services.chat_settings_update(user=request.auth, from_anyone=payload.from_anyone)
    return ChatSettingsOut(from_anyone=updated.from_anyone)


@router.get("/search/messages", response={200: SearchOut, **ERRORS})
def search_messages(
    request: HttpRequest,
    q: str = Query(..., min_length=1, max_length=200),
    room: int | None = Query(None, ge=1),
    person: str | None = Query(None, max_length=60, description="a handle (with or without @)"),
    since: date | None = None,
    until: date | None = None,
    has_file: bool = False,
    limit: int = Query(20, ge=1, le=50),
    offset: int = Query(0, ge=0, le=1000),
) -> Any:
    """Messages you may read that match ``q`` (every word), best first: your communities'
    rooms and material threads, your direct conversations. ``since``/``until``: first and
    last day (YYYY-MM-DD) in your time zone."""
    filters = search.filters_for(
        user=request.auth, room=room, person=person, since=since, until=until, has_file=has_file
    )
    return search.search_out(request.auth, q, filters, limit=limit, offset=offset)


class MessageWithFilesIn(Schema):
    body: str = Field("", max_length=20000)
    reply_to: int | None = None
    ref: str | None = Field(None, max_length=64)


@router.post(
    "/rooms/{room_id}/messages",
    response={201: EventFrame, 200: EventFrame, 413: ErrorOut, **ERRORS},
)
def post_with_files(
    request: HttpRequest,
    room_id: int,
    payload: Form[MessageWithFilesIn],
    files: list[UploadedFile] = FILES,
) -> HttpResponse:
    """A message with files (multipart: ``files`` once per file, ``body``, ``reply_to``,
    ``ref``), checked like materials' uploads. Answered with the stored event (200 for a
    retry with the same ``ref``); the room's subscribers get it too."""
    event, created = services.message_post_with_files(
        room_id=room_id,
        author=request.auth,
        body=payload.body,
        files=files,
        reply_to_id=payload.reply_to,
        ref=payload.ref,
    )
    return HttpResponse(
        encode(event_frame(event)), content_type="application/json", status=201 if created else 200
    )
