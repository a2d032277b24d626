"""Searching the messages a reader may see: the rooms of their active communities (discussion
rooms, material threads, event rooms) and their direct conversations, never a room they left
or were removed from, never a deleted or hidden message.

PostgreSQL: the stored, GIN-indexed documents of ``chat_message_search`` (kept by triggers,
see ``search_sql``), ranked with ``ts_rank``, snippets by ``ts_headline``. SQLite: ``LIKE``
over the room event log, newest first.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection
from django.db.models import Prefetch, Q
from django.utils.translation import gettext as _

from community.models import (
    EventKind,
    Membership,
    MembershipState,
    Room,
    RoomEvent,
    RoomKind,
    User,
)
from community.registry import room_kinds
from community.selectors import room_label
from core.errors import Invalid
from core.protocol.chat import SearchOut, search_hit_out

from .models import DirectConversation, DirectParticipant
from .search_sql import config_for
from .selectors import _hidden_for

MAX_WORDS = 8
SNIPPET_WORDS = 24
# ts_headline marks matches with these; the text is escaped before they become <mark>.
START, STOP = "\x02", "\x03"


@dataclass(frozen=True)
class Filters:
    room_id: int | None = None
    author_id: int | None = None
    since: datetime | None = None  # inclusive, UTC
    until: datetime | None = None  # exclusive, UTC
    has_file: bool = False


@dataclass(frozen=True)
class Hit:
    message: RoomEvent
    snippet_html: str
    rank: float


def words_of(q: str) -> list[str]:
    """Plain words of a query, safe inside a tsquery ("-word" excluded words left out)."""
    found: list[str] = []
    for raw in q.split():
        if not raw.startswith("-"):
            found.extend(re.findall(r"\w+", raw.lower()))
    return found[:MAX_WORDS]


def readable_room_ids(*, user: Any) -> list[int]:
    """Every room whose messages ``user`` may search now: rooms of the communities where
    they are an active member (observers too), and their direct conversations (not those of
    two with someone they blocked). Staff search their own rooms only, like anyone."""
    communities = Membership.objects.filter(user_id=user.pk, state=MembershipState.ACTIVE).values(
        "community_id"
    )
    community_rooms = Room.objects.filter(community_id__in=communities).exclude(
        kind=RoomKind.DIRECT
    )
    direct = (
        DirectParticipant.objects.filter(user_id=user.pk)
        .exclude(conversation_id__in=_hidden_for(user))
        .values_list("conversation__room_id", flat=True)
    )
    return sorted({*community_rooms.values_list("pk", flat=True), *direct})


def _configs(user: Any, room_ids: list[int]) -> list[str]:
    """The stemming configurations of the reader's communities with a single language."""
    languages = (
        Room.objects.filter(pk__in=room_ids, community__isnull=False)
        .values_list("community__languages", flat=True)
        .distinct()
    )
    configs = {config_for(langs[0]) for langs in languages if langs and len(langs) == 1}
    return sorted(configs - {"simple"})


def message_search(
    *, user: Any, q: str, filters: Filters | None = None, limit: int = 20, offset: int = 0
) -> tuple[list[Hit], bool]:
    """Up to ``limit`` messages matching ``q`` that ``user`` may read, best first, and
    whether there are more. Every word must match (as written, as a word beginning, or
    stemmed in the language of the message's community)."""
    filters = filters or Filters()
    words = words_of(q)
    room_ids = readable_room_ids(user=user)
    if filters.room_id is not None:
        room_ids = [r for r in room_ids if r == filters.room_id]
    if not words or not room_ids:
        return [], False
    if connection.vendor == "postgresql":
        return _postgres(user, q, words, room_ids, filters, limit, offset)
    return _fallback(words, room_ids, filters, limit, offset)


def _postgres(
    user: Any,
    q: str,
    words: list[str],
    room_ids: list[int],
    filters: Filters,
    limit: int,
    offset: int,
) -> tuple[list[Hit], bool]:
    parts = ["websearch_to_tsquery('simple', %s)", "to_tsquery('simple', %s)"]
    params: list[Any] = [q, " & ".join(f"{w}:*" for w in words)]
    for config in _configs(user, room_ids):
        parts.append(f"websearch_to_tsquery('{config}', %s)")
        params.append(q)
    # The query is written out where it is used, not taken from a CTE: with its words in
    # sight the planner estimates how many rows match (a common word and a date filter then
    # go by date, not through every match in the GIN index).
    query = f"({' || '.join(parts)})"
    where = ["s.room_id = ANY(%s)", f"s.document @@ {query}"]
    where_params: list[Any] = [room_ids, *params]
    if filters.author_id is not None:
        where.append("s.author_id = %s")
        where_params.append(filters.author_id)
    if filters.since is not None:
        where.append("s.created_at >= %s")
        where_params.append(filters.since)
    if filters.until is not None:
        where.append("s.created_at < %s")
        where_params.append(filters.until)
    if filters.has_file:
        where.append("s.has_file")
    options = (
        f"StartSel={START}, StopSel={STOP}, MaxWords={SNIPPET_WORDS}, MinWords=8, MaxFragments=2"
    )
    sql = (
        "WITH hits AS (SELECT s.message_id, s.config, s.created_at, "
        f"ts_rank(s.document, {query}) AS rank FROM chat_message_search s "
        f"WHERE {' AND '.join(where)} ORDER BY rank DESC, s.created_at DESC, s.message_id DESC "
        "LIMIT %s OFFSET %s) "
        "SELECT h.message_id, h.rank, ts_headline(h.config::regconfig, "
        # escaped first: ts_headline would drop what looks like a tag ("<Friday>")
        "replace(replace(replace(e.body, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), "
        f"{query}, %s) "
        "FROM hits h JOIN community_roomevent e ON e.id = h.message_id "
        "ORDER BY h.rank DESC, h.created_at DESC, h.message_id DESC"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *where_params, limit + 1, offset, *params, options])
        rows = cursor.fetchall()
    more = len(rows) > limit
    rows = rows[:limit]
    messages = _messages([row[0] for row in rows])
    hits = [
        Hit(message=messages[pk], snippet_html=_marked(headline), rank=float(rank))
        for pk, rank, headline in rows
        if pk in messages
    ]
    return hits, more


def _marked(headline: str) -> str:
    """The snippet as safe HTML: the text was escaped before ``ts_headline`` (no ``<`` is
    left but the marks), the matches in ``<mark>``; quotes escaped too, for attributes."""
    safe = headline.replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    return safe.replace(START, "<mark>").replace(STOP, "</mark>")


def _messages(ids: list[int]) -> dict[int, RoomEvent]:
    events = RoomEvent.objects.select_related("author", "room", "room__community").filter(
        pk__in=ids
    )
    return {event.pk: event for event in events}


def _fallback(
    words: list[str], room_ids: list[int], filters: Filters, limit: int, offset: int
) -> tuple[list[Hit], bool]:
    messages = RoomEvent.objects.filter(
        room_id__in=room_ids,
        kind=EventKind.MESSAGE,
        deleted_at__isnull=True,
        hidden_at__isnull=True,
    )
    for word in words:
        messages = messages.filter(body__icontains=word)
    if filters.author_id is not None:
        messages = messages.filter(author_id=filters.author_id)
    if filters.since is not None:
        messages = messages.filter(created_at__gte=filters.since)
    if filters.until is not None:
        messages = messages.filter(created_at__lt=filters.until)
    if filters.has_file:
        messages = messages.filter(~Q(data__attachments=[]), data__has_key="attachments")
    found = list(
        messages.select_related("author", "room", "room__community").order_by("-created_at", "-pk")[
            offset : offset + limit + 1
        ]
    )
    more = len(found) > limit
    return [
        Hit(message=m, snippet_html=snippet(m.body, words), rank=0.0) for m in found[:limit]
    ], more


def snippet(body: str, words: list[str]) -> str:
    """About ``SNIPPET_WORDS`` words of ``body`` around the first match, escaped, with the
    words that match a query word at their beginning in ``<mark>`` (SQLite)."""
    tokens = body.split()
    lowered = [t.lower() for t in tokens]
    first = next(
        (i for i, t in enumerate(lowered) if any(w in t for w in words)),
        0,
    )
    start = max(0, first - SNIPPET_WORDS // 3)
    shown = tokens[start : start + SNIPPET_WORDS]
    out = []
    for token in shown:
        escaped = html.escape(token)
        if any(w in token.lower() for w in words):
            escaped = f"<mark>{escaped}</mark>"
        out.append(escaped)
    prefix = "… " if start > 0 else ""
    suffix = " …" if start + SNIPPET_WORDS < len(tokens) else ""
    return prefix + " ".join(out) + suffix


def room_places(rooms: list[Room], *, reader: Any) -> dict[int, tuple[str, str]]:
    """How search results name their rooms, and the pages that show them, per room id."""
    places: dict[int, tuple[str, str]] = {}
    direct = [room.pk for room in rooms if room.kind == RoomKind.DIRECT]
    conversations = {
        c.room_id: c
        for c in DirectConversation.objects.filter(room_id__in=direct).prefetch_related(
            Prefetch("participants", queryset=DirectParticipant.objects.select_related("user"))
        )
    }
    for room in rooms:
        if room.pk in places:
            continue
        if room.kind == RoomKind.DIRECT:
            conversation = conversations[room.pk]
            names = [
                p.user.public_name
                for p in conversation.participants.all()
                if p.user_id != reader.pk
            ]
            places[room.pk] = (conversation.title or ", ".join(names), f"/messages/{room.pk}/")
            continue
        hooks = room_kinds.get(room.kind) if room.kind in room_kinds else None
        if hooks is not None and hooks.page_url is not None:
            places[room.pk] = (room_label(room), hooks.page_url(room))
        else:
            places[room.pk] = (room_label(room), f"/c/{room.community.slug}/rooms/{room.pk}/")
    return places


def filters_for(
    *,
    user: Any,
    room: int | None = None,
    person: str | None = None,
    since: date | None = None,
    until: date | None = None,
    has_file: bool = False,
) -> Filters:
    """Filters from what a reader asked: a person by handle (nobody: an impossible id), days
    in the reader's time zone as UTC bounds (``until`` inclusive)."""
    if since and until and until < since:
        raise Invalid(_("The last day comes before the first."))
    author_id = None
    if person:
        handle = person.strip().lstrip("@").lower()
        author_id = User.objects.filter(handle=handle).values_list("pk", flat=True).first() or 0
    zone = user.zone
    return Filters(
        room_id=room,
        author_id=author_id,
        since=datetime.combine(since, time.min, tzinfo=zone) if since else None,
        until=datetime.combine(until + timedelta(days=1), time.min, tzinfo=zone) if until else None,
        has_file=has_file,
    )


def search_out(user: Any, q: str, filters: Filters, *, limit: int, offset: int) -> SearchOut:
    hits, more = message_search(user=user, q=q, filters=filters, limit=limit, offset=offset)
    places = room_places([hit.message.room for hit in hits], reader=user)
    return SearchOut(
        results=[
            search_hit_out(
                hit,
                label=places[hit.message.room_id][0],
                room_url=places[hit.message.room_id][1],
            )
            for hit in hits
        ],
        more=more,
    )
