"""M1: the facilitators' members table of a 10,000-member community on PostgreSQL, with 120
days of history (150,000 messages in 6 rooms, read markers for most members).

Kring: ``community.member_table.member_table`` as the API and the page call it (one page of
50, and the count), and the CSV export of every row.
R6: the same page with the activity columns as the ORM writes them first: two correlated
subqueries per member (messages of the last 30 days, last read marker).
R7: the floor: a page of memberships with user and profile, sorted by name, without any
activity column.
"""

from __future__ import annotations

import random
import time
from datetime import timedelta

from bench.common import Table, bench_env, ensure_postgres_database, median, setup_django

MEMBERS = 10_000
ROOMS = 6
MESSAGES = 150_000
DAYS = 120
REPEAT = 9
PAGE = 50
SLUG = "bench-members"


def _seed() -> object:
    """Reused between runs: made once (about a minute)."""
    from django.db import connection

    from community import services
    from community.models import (
        Community,
        Membership,
        Profile,
        Room,
        RoomEvent,
        RoomReadState,
        User,
    )

    found = Community.objects.filter(slug=SLUG).first()
    if found is not None and Membership.objects.filter(community=found).count() >= MEMBERS:
        return found
    Community.objects.filter(slug=SLUG).delete()
    rng = random.Random(3)
    existing = set(
        User.objects.filter(email__startswith="bench-m-").values_list("email", flat=True)
    )
    User.objects.bulk_create(
        [User(email=f"bench-m-{i}@bench.test", display_name=f"Teacher {rng.randint(0, 10**6)}",
              handle=f"bench-m-{i}") for i in range(MEMBERS)
         if f"bench-m-{i}@bench.test" not in existing],
        batch_size=2000,
    )  # fmt: skip
    users = list(User.objects.filter(email__startswith="bench-m-").order_by("pk")[:MEMBERS])
    Profile.objects.filter(user__in=users).delete()
    Profile.objects.bulk_create(
        [Profile(user=u, country=rng.choice(["NL", "BE", "SE", "PL", "FI", "EE"]),
                 school=f"School {rng.randint(1, 800)}") for u in users],
        batch_size=2000,
    )  # fmt: skip
    community = services.community_create(creator=users[0], name=SLUG, kind="hub", slug=SLUG)
    Membership.objects.bulk_create(
        [Membership(community=community, user=u, role=rng.choice(["member"] * 9 + ["observer"]))
         for u in users[1:]],
        batch_size=2000,
    )  # fmt: skip
    for i in range(1, ROOMS):
        services.room_create(community=community, name=f"room-{i}")
    rooms = list(Room.objects.filter(community=community).order_by("pk"))
    # A few active teachers write most messages (as in real communities).
    weights = [1 / (rank + 1) for rank in range(len(users))]
    authors = rng.choices(users, weights, k=MESSAGES)
    seqs = dict.fromkeys((r.pk for r in rooms), 0)
    events = []
    for author in authors:
        room = rng.choice(rooms)
        seqs[room.pk] += 1
        events.append(RoomEvent(room=room, seq=seqs[room.pk], kind="message", author=author,
                                body="x", html="<p>x</p>"))  # fmt: skip
    RoomEvent.objects.bulk_create(events, batch_size=5000)
    for room in rooms:
        Room.objects.filter(pk=room.pk).update(last_seq=seqs[room.pk])
    states = []
    for user in rng.sample(users, int(MEMBERS * 0.7)):
        for room in rng.sample(rooms, rng.randint(1, 3)):
            states.append(RoomReadState(user=user, room=room, last_read_seq=1))
    RoomReadState.objects.bulk_create(states, batch_size=5000)
    # auto_now(_add) set every time to now: spread them over the days, in SQL.
    with connection.cursor() as cursor:
        for table in (
            "community_roomevent SET created_at",
            "community_roomreadstate SET updated_at",
        ):
            cursor.execute(
                f"UPDATE {table} = now() - random() * interval '{DAYS} days' "
                "WHERE room_id = ANY(%s)",
                [[r.pk for r in rooms]],
            )
        cursor.execute("ANALYZE")
    return community


def _orm_page(community: object, sort: str, **filters: object) -> list[object]:
    """R6: the activity columns as correlated subqueries per member."""
    from django.db.models import Count, IntegerField, Max, OuterRef, Subquery, Value
    from django.db.models.functions import Coalesce
    from django.utils import timezone

    from community.models import Membership, RoomEvent, RoomReadState

    rooms = community.rooms.values("pk")  # type: ignore[attr-defined]
    since = timezone.now() - timedelta(days=30)
    messages = (
        RoomEvent.objects.filter(author=OuterRef("user_id"), room__in=rooms, kind="message",
                                 created_at__gte=since, deleted_at__isnull=True)
        .order_by().values("author").annotate(n=Count("pk")).values("n")
    )  # fmt: skip
    seen = (
        RoomReadState.objects.filter(user=OuterRef("user_id"), room__in=rooms)
        .order_by().values("user").annotate(t=Max("updated_at")).values("t")
    )  # fmt: skip
    members = (
        Membership.objects.filter(community=community, state="active", **filters)
        .select_related("user", "user__profile")
        .annotate(
            messages_30d=Coalesce(Subquery(messages), Value(0), output_field=IntegerField()),
            last_active=Subquery(seen),
        )
    )
    order = {"name": ["user__display_name"], "-messages": ["-messages_30d"],
             "-last_active": ["-last_active"]}[sort]  # fmt: skip
    return list(members.order_by(*order, "pk")[:PAGE])


def _plain_page(community: object) -> list[object]:
    """R7: memberships with user and profile, by name: no activity at all."""
    from community.models import Membership

    return list(
        Membership.objects.filter(community=community, state="active")
        .select_related("user", "user__profile")
        .order_by("user__display_name", "pk")[:PAGE]
    )


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
    from community.member_table import MemberFilters, member_table, member_table_all

    community = _seed()
    cases = [
        ("by name (the default)", MemberFilters(sort="name"), "name", {}),
        ("most messages first", MemberFilters(sort="-messages"), "-messages", {}),
        ("last active first", MemberFilters(sort="-last_active"), "-last_active", {}),
        ("inactive 30 days, by name", MemberFilters(sort="name", inactive_days=30), None, {}),
        ("country NL, observers", MemberFilters(sort="name", country="NL", role="observer"),
         None, {}),
    ]  # fmt: skip
    table = Table(
        f"M1 members table: {MEMBERS:,} members, {MESSAGES:,} messages over {DAYS} days in "
        f"{ROOMS} rooms, PostgreSQL, a page of {PAGE} with its count (median of {REPEAT}, ms)",
        ["query", "Kring (member_table)", "R6 (ORM, correlated subqueries)", "ratio Kring/R6",
         "R7 (no activity columns)", "ratio Kring/R7"],
    )  # fmt: skip
    plain = _time(lambda: _plain_page(community))
    for label, filters, orm_sort, orm_filters in cases:
        kring = _time(lambda f=filters: member_table(community=community, filters=f, page=2))
        orm = (
            _time(lambda s=orm_sort, o=orm_filters: _orm_page(community, s, **o), repeat=3)
            if orm_sort
            else float("nan")
        )
        table.add(
            label, kring, orm, f"{kring / orm:.2f}x" if orm == orm else "—", plain,
            f"{kring / plain:.1f}x",
        )  # fmt: skip
    export = _time(
        lambda: list(member_table_all(community=community, filters=MemberFilters())), repeat=3
    )
    table.add(f"CSV: all {MEMBERS:,} rows (median of 3)", export, "", "", "", "")
    return table.markdown()


if __name__ == "__main__":
    print(main())
