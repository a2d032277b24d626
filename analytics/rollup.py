"""Keeping the daily rollups: recompute a (community, day) from the raw tables, and the
worker's sweep that finds which days changed.

* ``rollup_day`` replaces one day's rows with ``facts.day_facts`` and re-aggregates the
  summaries of the people and pairs concerned, in one transaction: idempotent, and safe to
  run for any day at any time (``manage.py analytics_rollup`` recomputes days on demand).
* ``sweep`` (a periodic worker task) reads what is new in the raw tables since its cursors
  (a little behind the present, so rows committed out of id order are not missed), marks
  the days they touch dirty, rolls the dirty days up, and makes the xAPI statements. Once a
  day it also marks the last ``KRING_ANALYTICS_SETTLE_DAYS`` days of every community dirty:
  removals (a reaction taken back, a deleted account) leave no row to find.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, Min, Sum
from django.utils import timezone

from community.models import Community, RoomEvent
from events.models import Rsvp
from resources.models import Reaction, Resource

from . import facts as facts_module
from .models import (
    CommunityDay,
    DirtyDay,
    MemberDay,
    MemberSummary,
    Question,
    SweepCursor,
    Tie,
    TieDay,
)

logger = logging.getLogger(__name__)


def rollup_day(*, community_id: int, day: dt.date) -> facts_module.DayFacts:
    """Replace the rollup rows of one community's day with what the raw tables say now."""
    with transaction.atomic():
        facts = facts_module.day_facts(community_id=community_id, day=day)
        old_users = set(
            MemberDay.objects.filter(community_id=community_id, day=day).values_list(
                "user_id", flat=True
            )
        )
        old_pairs = set(
            TieDay.objects.filter(community_id=community_id, day=day).values_list("low", "high")
        )
        CommunityDay.objects.filter(community_id=community_id, day=day).delete()
        MemberDay.objects.filter(community_id=community_id, day=day).delete()
        TieDay.objects.filter(community_id=community_id, day=day).delete()
        Question.objects.filter(community_id=community_id, day=day).delete()
        if facts.counts["messages"] or facts.members or any(facts.counts.values()):
            CommunityDay.objects.create(community_id=community_id, day=day, **facts.counts)
        MemberDay.objects.bulk_create(
            MemberDay(community_id=community_id, day=day, user_id=user, **row)
            for user, row in facts.members.items()
        )
        TieDay.objects.bulk_create(
            TieDay(
                community_id=community_id,
                day=day,
                low_id=low,
                high_id=high,
                low_country=lc,
                high_country=hc,
                via=via,
            )
            for (low, high), (lc, hc, via) in facts.ties.items()
        )
        Question.objects.bulk_create(
            Question(
                message_id=pk,
                community_id=community_id,
                day=day,
                asked_at=asked,
                first_reply_at=first,
            )
            for pk, (asked, first) in facts.questions.items()
        )
        refresh_member_summaries(community_id, old_users | set(facts.members))
        refresh_ties(community_id, old_pairs | set(facts.ties))
    return facts


def refresh_member_summaries(community_id: int, user_ids: Iterable[int]) -> None:
    users = sorted(set(user_ids))
    for start in range(0, len(users), 500):
        chunk = users[start : start + 500]
        rows = (
            MemberDay.objects.filter(community_id=community_id, user_id__in=chunk)
            .values("user_id")
            .annotate(
                first=Min("day"),
                last=Max("day"),
                n=Count("pk"),
                **{f: Sum(f) for f in facts_module.MEMBER_FIELDS},
            )
        )
        summaries = [
            MemberSummary(
                community_id=community_id,
                user_id=r["user_id"],
                first_day=r["first"],
                last_day=r["last"],
                active_days=r["n"],
                **{f: r[f] for f in facts_module.MEMBER_FIELDS},
            )
            for r in rows
        ]
        MemberSummary.objects.filter(community_id=community_id, user_id__in=chunk).exclude(
            user_id__in=[s.user_id for s in summaries]
        ).delete()
        MemberSummary.objects.bulk_create(
            summaries,
            update_conflicts=True,
            unique_fields=["community", "user"],
            update_fields=["first_day", "last_day", "active_days", *facts_module.MEMBER_FIELDS],
        )


def refresh_ties(community_id: int, pairs: Iterable[tuple[int, int]]) -> None:
    wanted = sorted(set(pairs))
    for start in range(0, len(wanted), 300):
        chunk = wanted[start : start + 300]
        lows = {low for low, _ in chunk}
        rows = (
            TieDay.objects.filter(community_id=community_id, low_id__in=lows)
            .values("low_id", "high_id")
            .annotate(first=Min("day"), last=Max("day"), n=Count("pk"))
        )
        via: dict[tuple[int, int], int] = {}
        countries: dict[tuple[int, int], tuple[str, str]] = {}
        for low, high, bits, lc, hc in TieDay.objects.filter(
            community_id=community_id, low_id__in=lows
        ).values_list("low_id", "high_id", "via", "low_country", "high_country"):
            via[(low, high)] = via.get((low, high), 0) | bits
            countries[(low, high)] = (lc, hc)
        keep = set(chunk)
        ties = [
            Tie(
                community_id=community_id,
                low_id=r["low_id"],
                high_id=r["high_id"],
                low_country=countries[(r["low_id"], r["high_id"])][0],
                high_country=countries[(r["low_id"], r["high_id"])][1],
                first_day=r["first"],
                last_day=r["last"],
                days=r["n"],
                via=via[(r["low_id"], r["high_id"])],
            )
            for r in rows
            if (r["low_id"], r["high_id"]) in keep
        ]
        present = {(t.low_id, t.high_id) for t in ties}
        for low, high in keep - present:
            Tie.objects.filter(community_id=community_id, low_id=low, high_id=high).delete()
        Tie.objects.bulk_create(
            ties,
            update_conflicts=True,
            unique_fields=["community", "low", "high"],
            update_fields=["low_country", "high_country", "first_day", "last_day", "days", "via"],
        )


def mark_dirty(days: Iterable[tuple[int, dt.date]]) -> int:
    """Mark (community id, day) pairs for recomputation (again: ``marked_at`` moves)."""
    now = timezone.now()
    rows = [DirtyDay(community_id=c, day=d, marked_at=now) for c, d in set(days) if c]
    DirtyDay.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["community", "day"], update_fields=["marked_at"]
    )
    return len(rows)


def rollup_dirty(limit: int = 200) -> int:
    """Roll up dirty days, oldest mark first; each in its own transaction, claimed with a row
    lock so several workers share the work. Returns how many days were rolled up."""
    done = 0
    while done < limit:
        with transaction.atomic():
            dirty = (
                DirtyDay.objects.select_for_update(skip_locked=True).order_by("marked_at").first()
            )
            if dirty is None:
                return done
            rollup_day(community_id=dirty.community_id, day=dirty.day)
            # A mark made while we read the facts moved marked_at: then the day stays dirty.
            DirtyDay.objects.filter(pk=dirty.pk, marked_at=dirty.marked_at).delete()
        done += 1
    return done


def _cursor(name: str) -> SweepCursor:
    cursor, _ = SweepCursor.objects.select_for_update().get_or_create(name=name)
    return cursor


def _new_rows(queryset, name: str, fields: tuple[str, ...]) -> tuple[SweepCursor, list[tuple]]:
    """Rows after the cursor that are older than ``KRING_ANALYTICS_SWEEP_LAG_SECONDS``: ids
    are taken in insert order but committed in commit order, so a row is read only once no
    transaction that could still commit a smaller id can be open (they are short)."""
    cursor = _cursor(name)
    now = timezone.now()
    horizon = now - dt.timedelta(seconds=settings.KRING_ANALYTICS_SWEEP_LAG_SECONDS)
    rows = list(
        queryset.filter(pk__gt=cursor.last_id)
        .order_by("pk")
        .values_list("pk", "created_at", *fields)[: settings.KRING_ANALYTICS_SWEEP_BATCH]
    )
    ripe: list[tuple] = []
    for row in rows:
        # A time ahead of the clock (another process's skew) must not hold the cursor.
        if horizon <= row[1] <= now + dt.timedelta(seconds=60):
            break
        ripe.append(row)
    if ripe:
        cursor.last_id = ripe[-1][0]
        cursor.save(update_fields=["last_id"])
    return cursor, ripe


def find_dirty_days() -> int:
    """Read what is new since the cursors, mark the days it touches and make its xAPI
    statements. Returns the number of new rows seen."""
    from .xapi import making  # the statements come from the same new rows

    with transaction.atomic():
        days: set[tuple[int, dt.date]] = set()
        _c, events = _new_rows(
            RoomEvent.objects.all(),
            "room_events",
            (
                "room__community_id",
                "target__created_at",
                "target__reply_to__created_at",
                "reply_to__created_at",
            ),
        )
        for _pk, created, community, target_at, target_parent_at, parent_at in events:
            for moment in (created, target_at, target_parent_at, parent_at):
                if moment is not None:
                    days.add((community, facts_module.utc_day(moment)))
        making.statements_for_events([r[0] for r in events])

        _c, reactions = _new_rows(Reaction.objects.all(), "reactions", ("resource__community_id",))
        days.update((c, facts_module.utc_day(t)) for _pk, t, c in reactions)
        making.statements_for_reactions([r[0] for r in reactions])

        _c, resources = _new_rows(
            Resource.objects.all(),
            "resources",
            ("community_id", "adapted_from__resource__community_id"),
        )
        for _pk, created, community, source_community in resources:
            days.add((community, facts_module.utc_day(created)))
            if source_community:
                days.add((source_community, facts_module.utc_day(created)))
        making.statements_for_resources([r[0] for r in resources])

        seen = len(events) + len(reactions) + len(resources) + _attendance_changes(days)
        mark_dirty(days)
    return seen


def _attendance_changes(days: set[tuple[int, dt.date]]) -> int:
    """Attendance is marked on existing RSVP rows: read those changed since the cursor (up
    to the same lag as the id cursors)."""
    from .xapi import making

    cursor = _cursor("rsvps")
    horizon = timezone.now() - dt.timedelta(seconds=settings.KRING_ANALYTICS_SWEEP_LAG_SECONDS)
    since = cursor.last_time or dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    rows = list(
        Rsvp.objects.filter(updated_at__gte=since, updated_at__lt=horizon).values_list(
            "pk", "occurrence__event__community_id", "occurrence__starts_at", "attended"
        )
    )
    days.update((c, facts_module.utc_day(t)) for _pk, c, t, _a in rows)
    making.statements_for_attendance([pk for pk, _c, _t, attended in rows if attended])
    cursor.last_time = horizon
    cursor.save(update_fields=["last_time"])
    return len(rows)


def settle_recent_days(*, today: dt.date | None = None) -> int:
    """Once a day: mark the last few days of every community with activity dirty, so what
    was taken back (no row left to find) is corrected within ``KRING_ANALYTICS_SETTLE_DAYS``."""
    today = today or timezone.now().date()
    with transaction.atomic():
        cursor = _cursor("settle")
        if cursor.last_time and cursor.last_time.date() >= today:
            return 0
        first = today - dt.timedelta(days=settings.KRING_ANALYTICS_SETTLE_DAYS)
        communities = set(
            CommunityDay.objects.filter(day__gte=first).values_list("community_id", flat=True)
        )
        days = [
            (c, first + dt.timedelta(days=n))
            for c in communities
            for n in range(settings.KRING_ANALYTICS_SETTLE_DAYS + 1)
        ]
        mark_dirty(days)
        cursor.last_time = timezone.now()
        cursor.save(update_fields=["last_time"])
    return len(days)


def sweep() -> int:
    """The periodic worker task: new rows -> dirty days -> rollups (and xAPI statements)."""
    seen = find_dirty_days()
    settle_recent_days()
    rolled = rollup_dirty()
    if rolled:
        logger.info("analytics: %s new rows, %s days rolled up", seen, rolled)
    return rolled


def recompute(*, community: Community, first: dt.date, last: dt.date) -> int:
    """Recompute every day of a community in [first, last] (the management command)."""
    day, n = first, 0
    while day <= last:
        rollup_day(community_id=community.pk, day=day)
        day += dt.timedelta(days=1)
        n += 1
    return n
