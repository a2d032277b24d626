"""Rollups equal the raw computation: over random event streams (posts, replies, deletions,
materials shared and adapted across communities, reactions given and taken back, events
with attendance), swept incrementally by the worker's task in random batches, the dashboard's
figures from the rollups equal the same figures computed straight from the raw tables."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from analytics import raw, rollup, selectors
from analytics.models import CommunityDay, MemberDay, MemberSummary, Tie, TieDay

from .streams import make_world, random_step, unreact

TODAY = dt.datetime.now(dt.UTC).date()


@pytest.fixture(autouse=True)
def _no_lag(settings: Any) -> None:
    settings.KRING_ANALYTICS_SWEEP_LAG_SECONDS = 0


def sweep_all() -> None:
    rollup.find_dirty_days()
    rollup.rollup_dirty(limit=10_000)


def rollup_state(community: Any) -> dict[str, Any]:
    def rows(model: Any, *fields: str) -> list[tuple]:
        return sorted(model.objects.filter(community=community).values_list(*fields))

    return {
        "days": rows(
            CommunityDay,
            "day",
            "messages",
            "replies",
            "threads",
            "questions",
            "reactions",
            "used_in_class",
            "materials_shared",
            "adaptations",
            "adapted_elsewhere",
            "attendances",
            "active_people",
        ),
        "member_days": rows(
            MemberDay,
            "day",
            "user_id",
            "posts",
            "replies",
            "reactions",
            "attended",
            "shared",
            "adapted",
        ),
        "summaries": rows(MemberSummary, "user_id", "first_day", "last_day", "active_days"),
        "tie_days": rows(TieDay, "day", "low_id", "high_id", "via"),
        "ties": rows(Tie, "low_id", "high_id", "first_day", "last_day", "days", "via"),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("seed", range(10))
def test_rollups_equal_the_raw_computation(seed: int) -> None:
    world = make_world(seed, today=TODAY, people=world_size(seed))
    steps = world.rng.randint(60, 160)
    for n in range(steps):
        random_step(world)
        if world.rng.random() < 0.08:  # the worker passes at random moments
            sweep_all()
        if n % 40 == 39:
            unreact(world, recent_days=3)
    sweep_all()
    rollup.settle_recent_days(today=TODAY)  # taking back leaves no row: the daily settling
    sweep_all()

    for community in (world.community, world.other):
        expected = raw.figures(community=community, today=TODAY).comparable()
        got = selectors.figures(community=community, today=TODAY).comparable()
        assert got == expected, f"seed {seed}, {community.slug}"
    assert (
        sum(
            w.counts["messages"]
            for w in selectors.figures(community=world.community, today=TODAY, weeks=20).weeks
        )
        > 0
    )


def world_size(seed: int) -> int:
    return 4 + seed % 9


@pytest.mark.django_db
def test_recomputing_any_day_again_changes_nothing() -> None:
    world = make_world(99, today=TODAY)
    for _ in range(120):
        random_step(world)
    sweep_all()
    before = rollup_state(world.community)
    assert before["days"] and before["member_days"]
    for n in range(0, 130, 3):
        rollup.rollup_day(community_id=world.community.pk, day=TODAY - dt.timedelta(days=n))
    rollup.recompute(community=world.community, first=TODAY - dt.timedelta(days=130), last=TODAY)
    assert rollup_state(world.community) == before


@pytest.mark.django_db
def test_incremental_sweeps_equal_one_rollup_from_scratch() -> None:
    world = make_world(7, today=TODAY)
    for n in range(150):
        random_step(world)
        if n % 10 == 0:
            sweep_all()
    sweep_all()
    incremental = rollup_state(world.community)
    for model in (CommunityDay, MemberDay, MemberSummary, TieDay, Tie):
        model.objects.all().delete()
    rollup.recompute(community=world.community, first=TODAY - dt.timedelta(days=130), last=TODAY)
    assert rollup_state(world.community) == incremental
