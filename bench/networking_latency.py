"""Q2: one teacher's people suggestions at 10,000 discoverable teachers, PostgreSQL.

Kring: ``networking.selectors.people_suggestions(user, limit=5)`` as the API and pages call
it, the process's index warm: the version check, the viewer's vector and communities,
scoring both tiers in numpy, the reasons (with their queries) — and the same through
``GET /api/me/suggestions/people``. Also the first request after a profile changed (the
index is rebuilt from the stored vectors).
R6: the floor, numpy only: one matrix-vector product over 10,000 x 512 and the top 5.
R7: without the in-memory index: every request loads the 10,000 stored vectors and scores
(what the per-process index saves).

Profiles come from bench/teachers.py (several seeds); the stored embeddings are random unit
vectors (embedding 20,000 texts would take minutes and does not change the timing), with
activity on 2,000 materials in 20 communities; the viewers share a 1,000-member community.
"""

from __future__ import annotations

import os
import random
import statistics
import time

import numpy as np

from bench.common import Table, bench_env, ensure_postgres_database, percentile, setup_django

TEACHERS = 10_000
VIEWERS = 30
EMAIL = "bench-net-{}@bench.test"


def _seed() -> list[int]:
    from community.models import Community, Membership, Profile, User
    from networking import embed, features
    from networking.models import PersonVector

    from .teachers import population

    have = User.objects.filter(email__startswith="bench-net-").count()
    if have < TEACHERS:
        User.objects.filter(email__startswith="bench-net-").delete()
        people = []
        seed = 10
        while len(people) < TEACHERS:
            people += population(seed)
            seed += 1
        people = people[:TEACHERS]
        users = User.objects.bulk_create(
            [User(email=EMAIL.format(i), display_name=f"Net Teacher {i}", handle=f"bench-net-{i}")
             for i in range(TEACHERS)],
            batch_size=2000,
        )  # fmt: skip
        rng = np.random.default_rng(5)
        Profile.objects.bulk_create(
            [Profile(user=u, **{k: v for k, v in t.profile.items()}) for u, t in zip(users, people, strict=True)],
            batch_size=2000,
        )  # fmt: skip
        vectors = rng.standard_normal((TEACHERS, 2, 512)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=2, keepdims=True)
        pick = random.Random(3)
        rows = []
        for i, (u, t) in enumerate(zip(users, people, strict=True)):
            resources = {
                str(pick.randrange(2000)): [pick.randrange(20), ["used_in_class"]]
                for _ in range(pick.randrange(8))
            }
            rows.append(
                PersonVector(
                    user=u,
                    embedding=embed.to_bytes(vectors[i]),
                    features=features.profile_features(t.profile),
                    activity={"resources": resources, "rooms": {}, "partners": {}},
                    stale=False,
                    computed_at=__import__("django.utils.timezone", fromlist=["now"]).now(),
                )
            )
        PersonVector.objects.bulk_create(rows, batch_size=1000)
    community, _ = Community.objects.get_or_create(
        slug="bench-net", defaults={"name": "Bench networking", "kind": "cross_border"}
    )
    ids = list(
        User.objects.filter(email__startswith="bench-net-")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not Membership.objects.filter(community=community).exists():
        Membership.objects.bulk_create(
            [Membership(community=community, user_id=uid) for uid in ids[:1000]], batch_size=1000
        )
    return ids[:VIEWERS]


def _time(fn, repeat: int = 1) -> float:
    started = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - started) / repeat * 1000


def main() -> str:
    ensure_postgres_database()
    setup_django(bench_env())
    from django.test import Client
    from django.utils.timezone import now

    from community.models import Profile, User
    from networking import index_cache, selectors
    from networking.models import PersonVector

    viewer_ids = _seed()
    viewers = list(User.objects.filter(pk__in=viewer_ids))
    index_cache.clear()
    build_ms = _time(index_cache.people_index)
    index = index_cache.people_index()
    for user in viewers[:3]:  # warm-up
        selectors.people_suggestions(user, limit=5)
    kring = [_time(lambda u=u: selectors.people_suggestions(u, limit=5)) for u in viewers]
    found = [len(selectors.people_suggestions(u, limit=5)) for u in viewers]
    client = Client(HTTP_HOST="127.0.0.1")
    api = []
    for user in viewers:
        client.force_login(user)
        api.append(_time(lambda: client.get("/api/me/suggestions/people?limit=5")))
    # The first request after a profile changed: the index is rebuilt in the background,
    # the request is served from the current one.
    after_change = []
    for user in viewers[:3]:
        Profile.objects.filter(user_id=viewer_ids[-1]).update(bio="changed", updated_at=now())
        index_cache._state["checked"] = 0.0
        after_change.append(_time(lambda u=user: selectors.people_suggestions(u, limit=5)))
        while index_cache._state["building"]:
            time.sleep(0.05)
    # R6: the floor.
    matrix = index.tiers["public"].vectors
    query = matrix[0].copy()

    def floor() -> None:
        sims = matrix @ query
        top = np.argpartition(-sims, 5)[:5]
        top[np.argsort(-sims[top])]

    floor_ms = [_time(floor) for _ in range(VIEWERS)]

    # R7: no in-memory index: load and score on every request.
    def naive(user: object) -> None:
        index_cache.clear()
        selectors.people_suggestions(user, limit=5)

    naive_ms = [_time(lambda u=u: naive(u)) for u in viewers[:5]]
    index_cache.clear()
    rows = PersonVector.objects.count()
    table = Table(
        f"Q2 one teacher's people suggestions, {len(index):,} discoverable teachers "
        f"({rows:,} vectors), PostgreSQL, one process (median of {VIEWERS} viewers; load average {os.getloadavg()[0]:.1f} at the start)",
        ["measure", "Kring", "R6 (numpy floor: 10,000 x 512 product + top 5)", "R7 (no index: load + score per request)", "ratio Kring/R7", "target"],
    )  # fmt: skip
    median_kring = statistics.median(kring)
    table.add("suggestions, selector (ms, median)", median_kring, statistics.median(floor_ms),
              statistics.median(naive_ms), f"{median_kring / statistics.median(naive_ms):.2f}x", "<= 50 ms")  # fmt: skip
    table.add("suggestions, selector (ms, p95)", percentile(kring, 95), percentile(floor_ms, 95),
              percentile(naive_ms, 95), "", "")  # fmt: skip
    table.add("GET /api/me/suggestions/people (ms, median)", statistics.median(api), "", "", "", "")
    table.add(
        "first request after a profile changed (ms, median; rebuild in the background)",
        statistics.median(after_change),
        "",
        "",
        "",
        "",
    )
    table.add(
        "index build from the 10,000 stored vectors (ms, background thread)",
        build_ms,
        "",
        "",
        "",
        "",
    )
    table.add("suggestions returned per viewer (median)", statistics.median(found), "", "", "", "5")
    return table.markdown()


if __name__ == "__main__":
    print(main())
