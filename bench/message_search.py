"""C1: message search on PostgreSQL, 1,000,000 messages in 500 rooms of 50 communities; the
reader is an active member of 2 communities (20 rooms, about 40,000 messages).

Kring: ``chat.search.message_search`` as the API and page call it: the reader's rooms and
languages looked up, the ranked query over the trigger-kept ``chat_message_search`` (GIN),
snippets (``ts_headline``) for the page of 20, message objects with authors and rooms built.
R8: the bare SQL of the same page (room ids given, ids and ranks only, no snippets): the
floor of the index. Goal: Kring <= 50 ms.

Seeded once with COPY (the insert trigger off, the index filled in one statement, as the
migration does for existing messages) and reused between runs. Uses BENCH_DATABASE_URL.
"""

from __future__ import annotations

import io
import random
import time
from datetime import UTC, datetime, timedelta

from bench.common import Table, bench_env, ensure_postgres_database, median, setup_django

MESSAGES = 1_000_000
COMMUNITIES = 50
ROOMS_PER_COMMUNITY = 10
READER_COMMUNITIES = 2
AUTHORS = 200
REPEAT = 15
PAGE = 20
SLUG = "bench-search"
GOAL_MS = 50.0
LANGUAGES = [["nl"], ["sv"], ["pl", "en"], ["en"], ["fi"]]


def _vocabulary() -> list[str]:
    rng = random.Random(3)
    made = {
        "".join(rng.choice("abcdefghijklmnoprstuvwyz") for _ in range(rng.randint(3, 11)))
        for _ in range(20000)
    }
    known = ["fractions", "excursie", "rubric", "fietsen", "portfolio", "museum", "erasmus"]
    return known + sorted(made - set(known))


def _seed() -> tuple[object, list[int], list[int]]:
    from django.db import connection

    from community import services
    from community.models import Community, Membership, Room, User

    reader, _ = User.objects.get_or_create(
        email="bench-search-reader@bench.test", defaults={"display_name": "Search Reader"}
    )
    authors = []
    for i in range(AUTHORS):
        author, _ = User.objects.get_or_create(
            email=f"bench-search-{i}@bench.test",
            defaults={"display_name": f"Search Author {i}"},
        )
        authors.append(author)
    rooms: list[int] = []
    for index in range(COMMUNITIES):
        slug = f"{SLUG}-{index}"
        community = Community.objects.filter(slug=slug).first()
        if community is None:
            community = services.community_create(
                creator=authors[index % AUTHORS], name=slug, kind="hub", slug=slug,
                languages=LANGUAGES[index % len(LANGUAGES)],
            )  # fmt: skip
            for r in range(1, ROOMS_PER_COMMUNITY):
                services.room_create(community=community, name=f"room-{r}")
            Membership.objects.bulk_create(
                [Membership(community=community, user=a) for a in authors],
                ignore_conflicts=True,
            )
        if index < READER_COMMUNITIES:
            Membership.objects.get_or_create(community=community, user=reader)
        rooms += list(community.rooms.order_by("pk").values_list("pk", flat=True))
    reader_rooms = rooms[: READER_COMMUNITIES * ROOMS_PER_COMMUNITY]
    have = Room.objects.filter(pk__in=rooms).values_list("last_seq", flat=True)
    if sum(have) >= MESSAGES:
        return reader, reader_rooms, [a.pk for a in authors]
    _copy_messages(connection, rooms, [a.pk for a in authors])
    return reader, reader_rooms, [a.pk for a in authors]


def _copy_messages(connection: object, rooms: list[int], authors: list[int]) -> None:
    words = _vocabulary()
    weights = [1 / (rank + 1) for rank in range(len(words))]
    rng = random.Random(5)
    now = datetime.now(UTC)
    per_room = MESSAGES // len(rooms)
    with connection.cursor() as cursor:  # type: ignore[attr-defined]
        cursor.execute("ALTER TABLE community_roomevent DISABLE TRIGGER chat_message_search_insert")
        for start in range(0, len(rooms), 50):
            buffer = io.StringIO()
            for room in rooms[start : start + 50]:
                for seq in range(1, per_room + 1):
                    body = " ".join(rng.choices(words, weights, k=rng.randint(8, 30)))
                    data = '{"attachments": [{"kind": "file"}]}' if rng.random() < 0.02 else "{}"
                    created = now - timedelta(minutes=(per_room - seq) * 260 / 1 + rng.random())
                    buffer.write(
                        f"{room}\t{seq}\tmessage\t{rng.choice(authors)}\t{body}\t\t"
                        f"{data}\t{created.isoformat()}\t\n"
                    )
            buffer.seek(0)
            with cursor.copy(
                "COPY community_roomevent (room_id, seq, kind, author_id, body, html, data, "
                "created_at, hidden_reason) FROM STDIN"
            ) as copy:
                copy.write(buffer.read())
        cursor.execute(
            "UPDATE community_room SET last_seq = %s WHERE id = ANY(%s)", [per_room, rooms]
        )
        cursor.execute("ALTER TABLE community_roomevent ENABLE TRIGGER chat_message_search_insert")
        cursor.execute(
            """
            INSERT INTO chat_message_search
                (message_id, room_id, author_id, created_at, has_file, config, document)
            SELECT e.id, e.room_id, e.author_id, e.created_at,
                   coalesce(jsonb_array_length(e.data -> 'attachments'), 0) > 0, cfg.c::text,
                   to_tsvector(cfg.c, e.body) || to_tsvector('simple', e.body)
              FROM community_roomevent e
              JOIN community_room r ON r.id = e.room_id
              LEFT JOIN community_community co ON co.id = r.community_id
              CROSS JOIN LATERAL (SELECT coalesce(chat_search_config(
                    CASE WHEN jsonb_array_length(co.languages) = 1
                         THEN co.languages ->> 0 END), 'simple'::regconfig) AS c) cfg
             WHERE e.room_id = ANY(%s) AND e.kind = 'message'
            ON CONFLICT (message_id) DO NOTHING
            """,
            [rooms],
        )
        cursor.execute("ANALYZE community_roomevent")
        cursor.execute("ANALYZE chat_message_search")


def _bare(room_ids: list[int], q: str, extra: str = "", params: list | None = None) -> list:
    """R8: ids and ranks of the same page, straight from the index."""
    from django.db import connection

    words = q.split()
    query = "(websearch_to_tsquery('simple', %s) || to_tsquery('simple', %s))"
    prefix = " & ".join(f"{w}:*" for w in words)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT message_id, ts_rank(document, {query}) AS rank FROM chat_message_search "
            f"WHERE room_id = ANY(%s) AND document @@ {query} {extra} "
            f"ORDER BY rank DESC, created_at DESC LIMIT {PAGE}",
            [q, prefix, room_ids, q, prefix, *(params or [])],
        )
        return cursor.fetchall()


def _time(call: object) -> float:
    call()  # type: ignore[operator]  # warm the cache
    samples = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        call()  # type: ignore[operator]
        samples.append((time.perf_counter() - started) * 1000)
    return median(samples)


def _frequent(room_ids: list[int]) -> tuple[str, str, str]:
    """A common, a middling and a rare word of the reader's rooms (from the index)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT word, ndoc FROM ts_stat($$SELECT document FROM chat_message_search "
            f"WHERE room_id = ANY(ARRAY{room_ids[:2]}::bigint[])$$) ORDER BY ndoc DESC"
        )
        stats = cursor.fetchall()
    return stats[3][0], stats[len(stats) // 50][0], stats[len(stats) // 2][0]


def main() -> str:
    ensure_postgres_database()
    setup_django(bench_env())
    from chat import search

    started = time.perf_counter()
    reader, room_ids, authors = _seed()
    seeded = time.perf_counter() - started
    common, middling, rare = _frequent(room_ids)
    since = datetime.now(UTC) - timedelta(days=30)
    author = authors[7]
    cases = [
        ("a rare word", rare, {}, "", []),
        (f"a common word (“{common}”)", common, {}, "", []),
        ("two words", f"{common} {middling}", {}, "", []),
        ("a word beginning", middling[:4], {}, "", []),
        ("common word, by one person", common, {"author_id": author}, "AND author_id = %s",
         [author]),
        ("common word, last 30 days", common, {"since": since}, "AND created_at >= %s", [since]),
        ("common word, with a file", common, {"has_file": True}, "AND has_file", []),
    ]  # fmt: skip
    table = Table(
        f"C1 message search: {MESSAGES:,} messages in {COMMUNITIES * ROOMS_PER_COMMUNITY} rooms, "
        f"the reader in {len(room_ids)} of them, PostgreSQL, first page of {PAGE} "
        f"(median of {REPEAT}, ms; seeding/reuse took {seeded:.0f} s)",
        ["query", "Kring (selector, snippets, objects)", "R8 (bare SQL ids)", "ratio Kring/R8",
         f"goal <= {GOAL_MS:.0f} ms"],
    )  # fmt: skip
    for label, q, filters, extra, params in cases:
        kring = _time(
            lambda q=q, filters=filters: search.message_search(
                user=reader, q=q, filters=search.Filters(**filters), limit=PAGE
            )
        )
        bare = _time(lambda q=q, extra=extra, params=params: _bare(room_ids, q, extra, params))
        table.add(
            label, kring, bare, f"{kring / bare:.1f}x", "met" if kring <= GOAL_MS else "MISSED"
        )
    return table.markdown()


if __name__ == "__main__":
    print(main())
