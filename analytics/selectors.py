"""Reads of the analytics, from the rollups only (a handful of indexed queries, whatever the
size of the event log)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.conf import settings
from django.db.models import (
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
)
from django.utils import timezone

from community.models import Community, Membership, MembershipState

from .figures import WEEK_FIELDS, WINDOWS, Figures, Week, monday, week_starts
from .models import CommunityDay, CommunityTarget, MemberSummary, Nudge, Question, Tie

DAY_FIELDS = tuple(f for f in WEEK_FIELDS if f != "new_ties")


def today_utc() -> dt.date:
    return timezone.now().astimezone(dt.UTC).date()


def _active_memberships(community: Community):
    return Membership.objects.filter(community=community, state=MembershipState.ACTIVE)


def figures(
    *, community: Community, today: dt.date | None = None, weeks: int | None = None
) -> Figures:
    today = today or today_utc()
    weeks = weeks or settings.KRING_ANALYTICS_WEEKS
    result = Figures(today=today)
    _members(result, community, today)
    starts = week_starts(today, weeks)
    result.weeks = [Week(start=s) for s in starts]
    by_week = {w.start: w for w in result.weeks}
    since_90 = today - dt.timedelta(days=89)
    first = min(starts[0], since_90)
    result.totals_90 = dict.fromkeys(WEEK_FIELDS, 0)
    for row in CommunityDay.objects.filter(
        community=community, day__gte=first, day__lte=today
    ).values("day", *DAY_FIELDS):
        week = by_week.get(monday(row["day"]))
        for name in DAY_FIELDS:
            if week is not None:
                week.counts[name] += row[name]
            if row["day"] >= since_90:
                result.totals_90[name] += row[name]
    _ties(result, community, by_week, since_90, today)
    _questions(result, community, since_90, today)
    return result


def _members(result: Figures, community: Community, today: dt.date) -> None:
    last_day = MemberSummary.objects.filter(
        community=community, user_id=OuterRef("user_id")
    ).values("last_day")[:1]
    since_new = dt.datetime.combine(
        today - dt.timedelta(days=settings.KRING_ANALYTICS_NEW_DAYS - 1), dt.time.min, tzinfo=dt.UTC
    )
    recent = today - dt.timedelta(days=settings.KRING_ANALYTICS_DORMANT_DAYS - 1)
    is_new = Q(joined_at__gte=since_new)
    counts = (
        _active_memberships(community)
        .annotate(last=Subquery(last_day))
        .aggregate(
            members=Count("pk"),
            new=Count("pk", filter=is_new),
            returning=Count("pk", filter=~is_new & Q(last__gte=recent)),
            **{
                f"a{n}": Count("pk", filter=Q(last__gte=today - dt.timedelta(days=n - 1)))
                for n in WINDOWS
            },
        )
    )
    result.members = counts["members"]
    result.new = counts["new"]
    result.returning = counts["returning"]
    result.dormant = result.members - result.new - result.returning
    result.active = {n: counts[f"a{n}"] for n in WINDOWS}


def _ties(
    result: Figures, community: Community, by_week: dict, since: dt.date, today: dt.date
) -> None:
    """The ties' figures (their number, new ones per week and in the last 90 days, and the
    pairs of countries) from one pass over the community's ties, grouped by day and pair: four
    queries, each scanning every tie again, took ~0.28 s at 324,536 ties (bench A1)."""
    first_week = min(by_week)
    total = recent = 0
    pairs: Counter[tuple[str, str]] = Counter()
    for day, low, high, n in (
        Tie.objects.filter(community=community, first_day__lte=today)
        .values("first_day", "low_country", "high_country")
        .annotate(n=Count("pk"))
        .values_list("first_day", "low_country", "high_country", "n")
    ):
        total += n
        if day >= first_week:
            by_week[monday(day)].counts["new_ties"] += n
        if day >= since:
            recent += n
        pairs[tuple(sorted((low, high)))] += n  # type: ignore[index]
    result.ties = total
    result.totals_90["new_ties"] = recent
    result.country_ties = dict(pairs)


def _questions(result: Figures, community: Community, since: dt.date, today: dt.date) -> None:
    # The wait is subtracted by the database: one duration per question read back instead of
    # two zoned timestamps (parsing those took ~0.4 s for 20,000 questions, bench A1).
    waits = (
        Question.objects.filter(community=community, day__gte=since, day__lte=today)
        .annotate(wait=ExpressionWrapper(F("first_reply_at") - F("asked_at"), DurationField()))
        .values_list("wait", flat=True)
    )
    for wait in waits:
        if wait is None:
            result.unanswered += 1
        else:
            result.reply_seconds.append(wait.total_seconds())


def target_of(community: Community) -> CommunityTarget | None:
    return CommunityTarget.objects.filter(community=community).first()


def dormant_members(
    *, community: Community, today: dt.date | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    """Facilitators only: members silent for ``KRING_ANALYTICS_DORMANT_DAYS`` (longest silent
    first), with when they were last active and last nudged."""
    today = today or today_utc()
    recent = today - dt.timedelta(days=settings.KRING_ANALYTICS_DORMANT_DAYS - 1)
    since_new = dt.datetime.combine(
        today - dt.timedelta(days=settings.KRING_ANALYTICS_NEW_DAYS - 1), dt.time.min, tzinfo=dt.UTC
    )
    last_day = MemberSummary.objects.filter(community=community, user_id=OuterRef("user_id"))
    last_nudge = Nudge.objects.filter(community=community, user_id=OuterRef("user_id")).order_by(
        "-sent_at"
    )
    rows = (
        _active_memberships(community)
        .filter(joined_at__lt=since_new)
        .annotate(
            last=Subquery(last_day.values("last_day")[:1]),
            nudged=Subquery(last_nudge.values("sent_at")[:1]),
        )
        .filter(Q(last__isnull=True) | Q(last__lt=recent))
        .select_related("user")
        .order_by(F("last").asc(nulls_first=True), "user__display_name")[:limit]
    )
    return [
        {"user": m.user, "last_active": m.last, "joined": m.joined_at, "nudged": m.nudged}
        for m in rows
    ]


def member_activity(*, community: Community, limit: int = 20) -> list[MemberSummary]:
    """Facilitators only: the most active members of the last days (by active days)."""
    return list(
        MemberSummary.objects.filter(community=community)
        .select_related("user")
        .order_by("-last_day", "-active_days")[:limit]
    )


def programme_rows(*, today: dt.date | None = None) -> list[dict[str, Any]]:
    """Every open community against its target (coordinators): members, active in the
    target's window, target, messages and new ties of the last 30 days."""
    today = today or today_utc()
    since_30 = today - dt.timedelta(days=29)
    communities = list(
        Community.objects.filter(archived_at__isnull=True)
        .select_related("analytics_target")
        .order_by("name")
    )
    members = dict(
        Membership.objects.filter(state=MembershipState.ACTIVE)
        .values("community_id")
        .annotate(n=Count("pk"))
        .values_list("community_id", "n")
    )
    active: dict[tuple[int, int], int] = {}
    for window in WINDOWS:
        cutoff = today - dt.timedelta(days=window - 1)
        active_member = Membership.objects.filter(
            community_id=OuterRef("community_id"),
            user_id=OuterRef("user_id"),
            state=MembershipState.ACTIVE,
        )
        for community_id, n in (
            MemberSummary.objects.filter(last_day__gte=cutoff)
            .filter(Exists(active_member))
            .values("community_id")
            .annotate(n=Count("pk"))
            .values_list("community_id", "n")
        ):
            active[(community_id, window)] = n
    month = {
        r["community_id"]: r
        for r in CommunityDay.objects.filter(day__gte=since_30, day__lte=today)
        .values("community_id")
        .annotate(
            messages=Sum("messages"),
            attendances=Sum("attendances"),
            shared=Sum("materials_shared"),
            adaptations=Sum("adaptations"),
        )
    }
    ties = dict(
        Tie.objects.filter(first_day__gte=since_30)
        .values("community_id")
        .annotate(n=Count("pk"))
        .values_list("community_id", "n")
    )
    rows = []
    for c in communities:
        target = getattr(c, "analytics_target", None)
        window = target.window_days if target else 30
        got = active.get((c.pk, window), 0)
        goal = target.active_members if target else None
        m = month.get(c.pk, {})
        rows.append(
            {
                "community": c,
                "members": members.get(c.pk, 0),
                "active_7": active.get((c.pk, 7), 0),
                "active_30": active.get((c.pk, 30), 0),
                "active_90": active.get((c.pk, 90), 0),
                "window": window,
                "active": got,
                "target": goal,
                "share": (got / goal) if goal else None,
                "messages_30": m.get("messages") or 0,
                "attendances_30": m.get("attendances") or 0,
                "materials_30": (m.get("shared") or 0) + (m.get("adaptations") or 0),
                "new_ties_30": ties.get(c.pk, 0),
            }
        )
    return rows
