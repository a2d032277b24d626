"""Posting messages: one at a time (``message_post``), or several from different sockets in one
transaction (``message_post_batch``, the socket edge's group commit)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core import ratelimit
from core.emitters import room_event_on_commit
from core.errors import Forbidden, Invalid, KringError, NotFound, RateLimited

from .. import selectors
from ..models import EventKind, Room, RoomEvent, User
from ..permissions import can_moderate, post_refusal
from ..posting import take_seq_and_store
from ..registry import PostingContext, message_posted, room_kinds
from .messages import clean_body, rendered

logger = logging.getLogger(__name__)

Posted = tuple[RoomEvent, bool]


@dataclass(frozen=True)
class PostRequest:
    """One message to post: ``message_post``'s arguments. ``language``: the one its errors
    are told in (a batch mixes posts of different sockets); None keeps the active one."""

    room_id: int
    author: User
    body: str
    reply_to_id: int | None = None
    ref: str | None = None
    version: int | None = None
    extra: dict[str, Any] | None = None
    language: str | None = None


@dataclass(frozen=True)
class _Checked:
    """A request whose text is checked and rendered and whose rate limit is counted: what is
    left is the transaction, which a batch may have to run twice."""

    request: PostRequest
    body: str
    html: str


def message_post(
    *,
    room_id: int,
    author: User,
    body: str,
    reply_to_id: int | None = None,
    ref: str | None = None,
    version: int | None = None,
    extra: dict[str, Any] | None = None,
) -> Posted:
    """Post a message. Returns ``(event, created)``. ``extra``: what an app above adds to the
    message's ``data`` (the chat app's attachments), stored and sent with it.

    Idempotent per ``(author, ref)``: a retried post (same ref) is not stored again and returns
    the event stored the first time, with ``created=False``. In a teaching material's thread,
    ``version`` says which version the comment is about, and commenting follows the thread.
    """
    return _post_alone(PostRequest(room_id, author, body, reply_to_id, ref, version, extra))


def message_post_batch(requests: Sequence[PostRequest]) -> list[Posted | Exception]:
    """Post messages of different sockets in one transaction (group commit: one BEGIN, one
    COMMIT and one thread for all of them, bench S3). Returns, in order, what
    ``message_post`` would have returned for each, or the exception it would have raised.

    Each outcome is the one the post would have had alone: if any post of the batch is
    refused or fails, the whole transaction is rolled back and each post is stored again in
    its own. Rooms are locked in id order, so two batches never wait for each other in a
    cycle. Each post is checked and counted against its rate limit once."""
    outcomes: list[Posted | Exception | None] = [None] * len(requests)
    checked: list[tuple[int, _Checked]] = []
    for index, request in enumerate(requests):
        with _told_in(request.language):
            try:
                checked.append((index, _checked(request)))
            except Exception as exc:
                outcomes[index] = _outcome(_original_of_retry, request, exc)
    stored = _stored_together(checked) if len(checked) > 1 else None
    if stored is not None:
        for (index, _item), event in zip(checked, stored, strict=True):
            outcomes[index] = (event, True)
    else:
        for index, item in checked:
            with _told_in(item.request.language):
                outcomes[index] = _outcome(_post_alone, item.request, item)
    return outcomes  # type: ignore[return-value]


def _stored_together(checked: list[tuple[int, _Checked]]) -> list[RoomEvent] | None:
    """Store every checked post in one transaction (rooms locked in id order); their events,
    in the order given, or None (nothing stored) if any of them is refused or fails."""
    items = [item for _index, item in checked]
    in_room_order = sorted(range(len(items)), key=lambda i: items[i].request.room_id)
    events: list[RoomEvent | None] = [None] * len(items)
    try:
        with transaction.atomic():
            for i in in_room_order:
                with _told_in(items[i].request.language):
                    events[i] = _store(items[i])
    except Exception as exc:
        # Usually a refusal (a mute, slow mode, a retried ref); each is told its own after.
        logger.debug("a batch of %s posts is stored one by one: %r", len(items), exc)
        return None
    return events  # type: ignore[return-value]


def _outcome(post: Callable[..., Posted], *args: Any) -> Posted | Exception:
    try:
        return post(*args)
    except Exception as exc:
        return exc


@contextlib.contextmanager
def _told_in(language: str | None) -> Iterator[None]:
    if language is None:
        yield
    else:
        with translation.override(language):
            yield


def _checked(request: PostRequest) -> _Checked:
    body = clean_body(request.body)
    html = rendered(body)  # before taking the room's lock: posters queue on it
    ratelimit.limit("post", actor_id=request.author.pk, what=_("posts and edits"))
    return _Checked(request, body, html)


def _post_alone(request: PostRequest, checked: _Checked | None = None) -> Posted:
    """Check the post (unless ``checked`` already is) and store it in its own transaction."""
    try:
        item = checked or _checked(request)
        with transaction.atomic():
            return _store(item), True
    except (IntegrityError, KringError) as refusal:
        return _original_of_retry(request, refusal)


def _original_of_retry(request: PostRequest, refusal: Exception) -> Posted:
    """A retry of a post that was stored (the unique (author, ref) constraint refused the
    second copy, or the retry is refused now: a mute, a limit) is answered with the original.
    Looked up only on this path, so a first post costs no extra query. Anything else raises
    ``refusal``."""
    if isinstance(refusal, IntegrityError | KringError) and request.ref is not None:
        existing = _event_by_ref(request.author, request.ref)
        if existing is not None:
            return existing, False
    raise refusal


def _store(item: _Checked) -> RoomEvent:
    """Store the post with the room's next seq and check the posting rules; raise on a refusal
    (the caller's transaction then takes the row and the seq back). Inside a transaction."""
    event = _event(item)
    # Stored with its seq in the statement that reads the posting rules (one round trip,
    # bench S3); every refusal after it raises and so takes it back.
    room, context = take_seq_and_store(event, item.request.author.pk)
    _refuse_or_announce(item, event, room, context)
    return event


def _event(item: _Checked) -> RoomEvent:
    request = item.request
    data = dict(request.extra or {})
    if request.version is not None:
        data["version"] = request.version
    return RoomEvent(
        room_id=request.room_id,
        kind=EventKind.MESSAGE,
        author=request.author,
        reply_to_id=request.reply_to_id,
        body=item.body,
        html=item.html,
        client_ref=request.ref,
        data=data,
    )


def _refuse_or_announce(
    item: _Checked, event: RoomEvent, room: Room, context: PostingContext
) -> None:
    """Raise if the posting rules refuse the stored post; else broadcast it after commit and
    run the hooks of the apps above (notifications)."""
    request = item.request
    refusal = post_refusal(request.author, room, context)
    if refusal:
        raise Forbidden(refusal)
    _check_slow_mode(request.author, room)
    if request.reply_to_id is not None:
        # Read under the room's lock: a deletion of the target either came first (and is
        # seen here) or comes after this reply.
        event.reply_to = _reply_target(request.room_id, request.reply_to_id)
        if event.reply_to is None:
            raise NotFound(
                _("No message %(reply_to_id)s to reply to in this room.")
                % {"reply_to_id": request.reply_to_id}
            )
    if request.version is not None:
        _check_version_reference(room, request.version)
    room_event_on_commit(event)
    for hook in message_posted.values():
        hook(event, room, context)


def _check_slow_mode(author: User, room: Room) -> None:
    if not room.slow_mode_seconds or can_moderate.test(author, room):
        return
    # Before the post being checked, which is already stored.
    last_post = selectors.last_message_at(user=author, room_id=room.pk, before_seq=room.last_seq)
    if last_post is None:
        return
    wait = room.slow_mode_seconds - (timezone.now() - last_post).total_seconds()
    if wait > 0:
        raise RateLimited(
            _("Slow mode: one message every %(seconds)s s in this room. Wait %(wait)s s.")
            % {"seconds": room.slow_mode_seconds, "wait": int(wait) + 1},
            retry_after=wait,
        )


def _reply_target(room_id: int, reply_to_id: int) -> RoomEvent | None:
    return (
        RoomEvent.objects.select_related("author")
        .filter(pk=reply_to_id, room_id=room_id, kind=EventKind.MESSAGE, deleted_at__isnull=True)
        .first()
    )


def _check_version_reference(room: Room, version: int) -> None:
    """A comment may name a version only in a room about something with versions (a teaching
    material's thread), and only one that exists."""
    hooks = room_kinds.get(room.kind) if room.kind in room_kinds else None
    if hooks is None or hooks.has_version is None:
        raise Invalid(_("Only comments on a teaching material can refer to a version."))
    if not hooks.has_version(room.pk, version):
        raise NotFound(_("This material has no version %(version)s.") % {"version": version})


def _event_by_ref(author: User, ref: str) -> RoomEvent | None:
    return (
        RoomEvent.objects.select_related("author", "reply_to", "reply_to__author", "target")
        .filter(author_id=author.pk, client_ref=ref)
        .first()
    )
