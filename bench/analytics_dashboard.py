"""A1: the facilitator's Analytics tab of a community with 10,000 members and 1,000,000 room
events over 180 days (PostgreSQL), plus 2,000 materials (a fifth adapted, some elsewhere),
20,000 reactions and 90 event sessions with attendance.

Kring: the whole page (``GET /c/<slug>/analytics/`` as its facilitator: figures from the
daily rollups, the dormant list, charts rendered to SVG, the template) and the figures
alone (``analytics.selectors.figures``).
R8: the same figures computed straight from the raw tables (``analytics.raw.figures``, the
property test's reference), in the same run; the numbers are compared too.
Also: the one-off cost of rolling up all 180 days (what the worker does a day at a time).
"""

from __future__ import annotations

import datetime as dt
import random
import time

from bench.common import Table, bench_env, ensure_postgres_database, median, setup_django

MEMBERS = 10_000
ROOMS = 8
EVENTS = 1_000_000
DAYS = 180
MATERIALS = 2_000
REACTIONS = 20_000
SESSIONS = 90
REPEAT = 9
SLUG = "bench-analytics"


def _seed() -> object:
    """Reused between runs: made once (a few minutes)."""
    from django.db import connection

    from community import services
    from community.models import Community, Membership, Profile, Room, RoomKind, User
    from events.models import Event, Occurrence, Rsvp
    from resources.models import Reaction, Resource, ResourceVersion

    found = Community.objects.filter(slug=SLUG).first()
    if found is not None and Membership.objects.filter(community=found).count() >= MEMBERS:
        return found
    Community.objects.filter(slug=SLUG).delete()
    rng = random.Random(16)
    existing = set(
        User.objects.filter(email__startswith="bench-a-").values_list("email", flat=True)
    )
    User.objects.bulk_create(
        [User(email=f"bench-a-{i}@bench.test", display_name=f"Teacher A{i}", handle=f"bench-a-{i}")
         for i in range(MEMBERS) if f"bench-a-{i}@bench.test" not in existing],
        batch_size=2000,
    )  # fmt: skip
    users = list(User.objects.filter(email__startswith="bench-a-").order_by("pk")[:MEMBERS])
    Profile.objects.filter(user__in=users).delete()
    Profile.objects.bulk_create(
        [Profile(user=u, country=rng.choice(["NL", "BE", "SE", "PL", "FI", "EE", "DE", "PT"]))
         for u in users],
        batch_size=2000,
    )  # fmt: skip
    community = services.community_create(
        creator=users[0], name=SLUG, kind="cross_border", slug=SLUG
    )
    other = Community.objects.filter(slug=SLUG + "-other").first() or services.community_create(
        creator=users[1], name=SLUG + "-other", kind="regional", slug=SLUG + "-other"
    )
    Membership.objects.bulk_create(
        [Membership(community=community, user=u) for u in users[1:]], batch_size=2000
    )
    now = dt.datetime.now(dt.UTC)
    Membership.objects.filter(community=community).update(joined_at=now - dt.timedelta(days=200))
    for i in range(1, ROOMS):
        services.room_create(community=community, name=f"room-{i}")
    rooms = list(Room.objects.filter(community=community).order_by("pk"))
    ids = [u.pk for u in users]
    per_room = EVENTS // len(rooms)
    with connection.cursor() as cursor:
        for room in rooms:
            # Authors: a few very active teachers and a long tail; times spread over the
            # days in seq order; a tenth are questions.
            cursor.execute(
                """
                INSERT INTO community_roomevent
                  (room_id, seq, kind, author_id, body, html, data, created_at, hidden_reason)
                SELECT %s, g, 'message', (%s::bigint[])[1 + floor(%s * power(random(), 3))::int],
                       CASE WHEN random() < 0.1 THEN 'Any tips?' ELSE 'x' END, '<p>x</p>', '{}',
                       %s::timestamptz + (g * %s) * interval '1 second', ''
                FROM generate_series(1, %s) AS g
                """,
                [room.pk, ids, MEMBERS, now - dt.timedelta(days=DAYS),
                 DAYS * 86400 / per_room * 0.999, per_room],
            )  # fmt: skip
            # Two in five answer one of the ten messages before them.
            cursor.execute(
                """
                UPDATE community_roomevent SET reply_to_id = id - 1 - floor(random() * 10)::int
                WHERE room_id = %s AND seq > 20 AND seq %% 5 IN (1, 2)
                """,
                [room.pk],
            )
            cursor.execute(
                "UPDATE community_room SET last_seq = %s WHERE id = %s", [per_room, room.pk]
            )
    threads = Room.objects.bulk_create(
        [Room(community=community if n % 10 else other, name=f"material-{n}", kind=RoomKind.RESOURCE)
         for n in range(MATERIALS)]
    )  # fmt: skip
    materials: list[Resource] = []
    for n, thread in enumerate(threads):
        source = rng.choice(materials[:n]) if n > 50 and n % 5 == 0 else None
        resource = Resource.objects.create(
            community_id=thread.community_id,
            title=f"Material {n}",
            language="en",
            licence="CC-BY-4.0",
            author_id=rng.choice(ids),
            thread=thread,
            adapted_from=source.versions.first() if source else None,
        )
        ResourceVersion.objects.create(resource=resource, number=1, url="https://example.org/m")
        materials.append(resource)
    Reaction.objects.bulk_create(
        {(r.pk, u, k): Reaction(resource=r, user_id=u, kind=k) for r, u, k in (
            (rng.choice(materials), rng.choice(ids), rng.choice(["used_in_class", "useful"]))
            for _ in range(REACTIONS))}.values(),
        batch_size=5000,
    )  # fmt: skip
    for n in range(SESSIONS):
        starts = now - dt.timedelta(days=DAYS * n / SESSIONS, hours=3)
        room = Room.objects.create(community=community, name=f"event-{n}", kind=RoomKind.EVENT)
        event = Event.objects.create(
            community=community,
            title=f"Session {n}",
            timezone="Europe/Amsterdam",
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=1),
            format="online",
            online_url="https://meet.example.org/a",
            room=room,
        )
        occurrence = Occurrence.objects.create(
            event=event,
            original_start=starts,
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=1),
        )
        Rsvp.objects.bulk_create(
            [Rsvp(occurrence=occurrence, user_id=u, status="going", attended=rng.random() < 0.8)
             for u in rng.sample(ids, 30)]
        )  # fmt: skip
    with connection.cursor() as cursor:
        for table in ("resources_resource", "resources_reaction"):
            cursor.execute(
                f"UPDATE {table} SET created_at = now() - random() * interval '{DAYS} days'"
            )
        cursor.execute("ANALYZE")
    return community


def _time(call: object, repeat: int = REPEAT) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()  # type: ignore[operator]
        samples.append((time.perf_counter() - started) * 1000)
    return median(samples)


def main() -> str:
    ensure_postgres_database()
    setup_django(bench_env())
    from django.test import Client

    from analytics import raw, rollup, selectors
    from analytics.models import CommunityDay
    from community.models import Membership

    community = _seed()
    today = dt.datetime.now(dt.UTC).date()
    rollup_seconds = float("nan")
    if not CommunityDay.objects.filter(community=community).exists():
        started = time.perf_counter()
        for c in (community, community.__class__.objects.get(slug=SLUG + "-other")):
            rollup.recompute(community=c, first=today - dt.timedelta(days=DAYS + 1), last=today)
        rollup_seconds = time.perf_counter() - started
    facilitator = Membership.objects.get(community=community, role="facilitator").user
    client = Client()
    client.force_login(facilitator)
    url = f"/c/{SLUG}/analytics/"

    def page() -> None:
        answer = client.get(url, HTTP_HOST="127.0.0.1")
        assert answer.status_code == 200, answer.status_code

    page()  # warm: templates compiled, connection open
    kring_page = _time(page)
    kring_figures = _time(lambda: selectors.figures(community=community, today=today))
    started = time.perf_counter()
    reference = raw.figures(community=community, today=today)
    raw_ms = (time.perf_counter() - started) * 1000
    same = (
        selectors.figures(community=community, today=today).comparable() == reference.comparable()
    )
    table = Table(
        f"A1 analytics tab: {MEMBERS:,} members, {EVENTS:,} room events over {DAYS} days, "
        f"{MATERIALS:,} materials, {REACTIONS:,} reactions, {SESSIONS} sessions; PostgreSQL "
        f"(median of {REPEAT}, ms)",
        ["what", "Kring (rollups)", "R8 (raw tables, once)", "ratio Kring/R8", "same numbers"],
    )
    table.add("the whole page, as its facilitator", kring_page, raw_ms, f"{kring_page / raw_ms:.4f}x",
              "yes" if same else "NO")  # fmt: skip
    table.add("the figures alone", kring_figures, raw_ms, f"{kring_figures / raw_ms:.4f}x",
              "yes" if same else "NO")  # fmt: skip
    if rollup_seconds == rollup_seconds:
        table.add(f"rolling up all {DAYS} days once (s)", rollup_seconds, "", "", "")
    return table.markdown()


if __name__ == "__main__":
    print(main())
