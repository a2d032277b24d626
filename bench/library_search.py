"""L1: the materials library on PostgreSQL with 20,000 materials in a teacher's communities.

Kring: ``resources.selectors.resource_list`` as the API and pages call it (newest, most used,
free-text search, prefix search, filters), first page of 30 rows, model objects built.
R4: the same page computed per request, as the first version of the library did (tsvector
built from the columns and reactions/versions counted on every query): what the stored,
GIN-indexed ``search_document`` and the kept counters save.
R5: raw SQL returning the ids of the same page from the same indexes: the floor.
"""

from __future__ import annotations

import random
import time
import uuid

from bench.common import Table, bench_env, ensure_postgres_database, median, setup_django

MATERIALS = 20_000
COMMUNITIES = 4
REPEAT = 15
PAGE = 30
SLUG = "bench-library"


def _vocabulary() -> list[str]:
    rng = random.Random(7)
    made = {
        "".join(rng.choice("abcdefghijklmnoprstuvwyz") for _ in range(rng.randint(4, 10)))
        for _ in range(3000)
    }
    return ["fractions", "photosynthesis", "microbit", "erasmus", *sorted(made)]


def _seed() -> tuple[object, list[int]]:
    """Materials with Zipf-distributed words (a few common, most rare), reused between runs."""
    from community import services
    from community.models import Community, Membership, Room, RoomKind, User
    from resources.models import Resource

    user, _ = User.objects.get_or_create(
        email="bench-library@bench.test", defaults={"display_name": "Library Reader"}
    )
    ids = []
    for index in range(COMMUNITIES):
        slug = f"{SLUG}-{index}"
        community = Community.objects.filter(slug=slug).first() or services.community_create(
            creator=user, name=slug, kind="hub", slug=slug
        )
        Membership.objects.get_or_create(community=community, user=user)
        ids.append(community.pk)
    have = Resource.objects.filter(community_id__in=ids).count()
    if have >= MATERIALS:
        return user, ids
    words = _vocabulary()
    weights = [1 / (rank + 1) for rank in range(len(words))]
    rng = random.Random(11)
    communities = [rng.choice(ids) for _ in range(MATERIALS - have)]
    threads = Room.objects.bulk_create(
        [Room(community_id=c, name=f"resource-{uuid.uuid4().hex[:12]}", kind=RoomKind.RESOURCE)
         for c in communities],
        batch_size=2000,
    )  # fmt: skip
    Resource.objects.bulk_create(
        [
            Resource(
                community_id=thread.community_id, author=user, thread=thread,
                title=" ".join(rng.choices(words, weights, k=4)).capitalize(),
                description=" ".join(rng.choices(words, weights, k=60)),
                subjects=rng.sample(["maths", "science", "languages", "art", "history"], 2),
                tags=rng.choices(words, weights, k=3), age_min=rng.randint(4, 12),
                age_max=rng.randint(12, 18), language=rng.choice(["nl", "pl", "sv", "en"]),
                licence="CC-BY-4.0", used_count=rng.randint(0, 30),
                useful_count=rng.randint(0, 30), version_count=1,
            )
            for thread in threads
        ],
        batch_size=2000,
    )  # fmt: skip
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE resources_resource")
    return user, ids


def _naive(user: object, q: str | None, sort: str, **filters: object) -> list[object]:
    """R4: the library as first written: everything computed per request."""
    from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
    from django.db.models import Count, Q

    from resources import selectors
    from resources.models import ReactionKind

    resources = selectors.resource_list(user=user, **filters).annotate(
        used=Count("reactions", filter=Q(reactions__kind=ReactionKind.USED_IN_CLASS)),
        useful=Count("reactions", filter=Q(reactions__kind=ReactionKind.USEFUL)),
        n_versions=Count("versions"),
    )
    if q:
        vector = (
            SearchVector("title", weight="A", config="simple")
            + SearchVector("tags", "subjects", weight="B", config="simple")
            + SearchVector("description", weight="C", config="simple")
        )
        query = SearchQuery(q, search_type="websearch", config="simple") | SearchQuery(
            " & ".join(f"{w}:*" for w in q.split()), search_type="raw", config="simple"
        )
        resources = resources.annotate(doc=vector, naive_rank=SearchRank(vector, query)).filter(
            doc=query
        )
        return list(resources.order_by("-naive_rank", "-created_at")[:PAGE])
    order = ["-used", "-useful", "-created_at"] if sort == "most_used" else ["-created_at"]
    return list(resources.order_by(*order)[:PAGE])


def _raw(ids: list[int], q: str | None, sort: str) -> list[int]:
    """R5: the ids of the same page, straight from the indexes."""
    from django.db import connection

    where = "community_id = ANY(%s) AND withdrawn_at IS NULL"
    params: list[object] = [ids]
    order = "created_at DESC"
    if sort == "most_used":
        order = "used_count DESC, useful_count DESC, created_at DESC"
    if q:
        tsquery = "(websearch_to_tsquery('simple', %s) || to_tsquery('simple', %s))"
        prefix = " & ".join(f"{w}:*" for w in q.split())
        where += f" AND search_document @@ {tsquery}"
        params += [q, prefix]
        order = f"ts_rank(search_document, {tsquery}) DESC, created_at DESC"
        params += [q, prefix]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM resources_resource WHERE {where} ORDER BY {order} LIMIT {PAGE}",
            params,
        )
        return [row[0] for row in cursor.fetchall()]


def _time(call: object) -> float:
    samples = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        call()  # type: ignore[operator]
        samples.append((time.perf_counter() - started) * 1000)
    return median(samples)


def main() -> str:
    ensure_postgres_database()
    setup_django(bench_env())
    from resources import selectors

    user, ids = _seed()
    words = _vocabulary()
    cases = [
        ("newest first", None, "newest", {}),
        ("most used first", None, "most_used", {}),
        ("search: a common word", words[5], "newest", {}),
        ("search: a rare word", words[1500], "newest", {}),
        ("search: two words", f"{words[6]} {words[40]}", "newest", {}),
        ("search: a word beginning", words[8][:4], "newest", {}),
        ("filter: subject + age", None, "newest", {"subject": "science", "age": 9}),
    ]
    table = Table(
        f"L1 materials library: {MATERIALS:,} materials in {COMMUNITIES} of the reader's "
        f"communities, PostgreSQL, first page of {PAGE} (median of {REPEAT}, ms)",
        ["query", "Kring (selector, objects built)", "R4 (computed per request)",
         "ratio Kring/R4", "R5 (raw SQL ids)", "ratio Kring/R5"],
    )  # fmt: skip
    for label, q, sort, filters in cases:
        kring = _time(
            lambda q=q, sort=sort, filters=filters: list(
                selectors.resource_list(user=user, q=q, sort=sort, **filters)[:PAGE]
            )
        )
        naive = _time(lambda q=q, sort=sort, filters=filters: _naive(user, q, sort, **filters))
        raw = _time(lambda q=q, sort=sort: _raw(ids, q, sort)) if not filters else float("nan")
        table.add(
            label, kring, naive, f"{kring / naive:.2f}x", raw,
            f"{kring / raw:.1f}x" if raw == raw else "—",
        )  # fmt: skip
    return table.markdown()


if __name__ == "__main__":
    print(main())
