"""Learning analytics as the JSON API answers them: one community's figures
(``AnalyticsOut``), the programme's rows (``ProgrammeRowOut``), a target, a nudge, the
member's xAPI forwarding choice, and an xAPI export (``XapiExportOut``: the statements are
xAPI 1.0.3 JSON objects, passed through as made)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema
from pydantic import Field


class WeekOut(Schema):
    start: dt.date = Field(description="Monday of the week (UTC days)")
    messages: int
    replies: int
    threads: int = Field(description="Top-level messages of the week that got a reply")
    questions: int
    reactions: int
    used_in_class: int
    materials_shared: int
    adaptations: int
    adapted_elsewhere: int = Field(description="This community's materials adapted elsewhere")
    attendances: int
    new_ties: int


class TargetOut(Schema):
    active_members: int | None
    window_days: int


class CountryTieOut(Schema):
    countries: list[str] = Field(description="Two ISO 3166-1 codes")
    ties: int


class DormantOut(Schema):
    id: int
    name: str
    handle: str | None
    last_active: dt.date | None
    nudged_at: dt.datetime | None


class AnalyticsOut(Schema):
    community: str
    today: dt.date = Field(description="The last UTC day counted")
    members: int
    active: dict[str, int] = Field(description='Active members per window: {"7", "30", "90"}')
    target: TargetOut | None
    new: int
    returning: int
    dormant: int
    weeks: list[WeekOut]
    median_first_reply_seconds: float | None
    questions_answered: int
    questions_unanswered: int
    last_90_days: dict[str, int]
    ties: int
    country_ties: list[CountryTieOut]
    dormant_members: list[DormantOut] | None = Field(
        description="Only for the community's own facilitators; null for others"
    )


class ProgrammeRowOut(Schema):
    community: str
    name: str
    kind: str
    members: int
    active_7: int
    active_30: int
    active_90: int
    target: TargetOut | None
    active_in_target_window: int
    messages_30: int
    attendances_30: int
    materials_30: int
    new_ties_30: int


class NudgeOut(Schema):
    user: int
    sent_at: dt.datetime


class XapiForwardingOut(Schema):
    forward: bool
    lrs_configured: bool


class XapiExportOut(Schema):
    community: str
    first_day: dt.date
    last_day: dt.date
    count: int
    statements: list[dict[str, Any]] = Field(description="xAPI 1.0.3 statements")


def analytics_out(
    *, community: Any, figures: Any, target: Any, dormant: list[dict[str, Any]] | None
) -> AnalyticsOut:
    return AnalyticsOut(
        community=community.slug,
        today=figures.today,
        members=figures.members,
        active={str(k): v for k, v in figures.active.items()},
        target=TargetOut(active_members=target.active_members, window_days=target.window_days)
        if target
        else None,
        new=figures.new,
        returning=figures.returning,
        dormant=figures.dormant,
        weeks=[WeekOut(start=w.start, **w.counts) for w in figures.weeks],
        median_first_reply_seconds=figures.median_reply_seconds,
        questions_answered=len(figures.reply_seconds),
        questions_unanswered=figures.unanswered,
        last_90_days=dict(figures.totals_90),
        ties=figures.ties,
        country_ties=[
            CountryTieOut(countries=list(pair), ties=n)
            for pair, n in sorted(figures.country_ties.items())
        ],
        dormant_members=None
        if dormant is None
        else [
            DormantOut(
                id=row["user"].pk,
                name=row["user"].display_name,
                handle=row["user"].handle,
                last_active=row["last_active"],
                nudged_at=row["nudged"],
            )
            for row in dormant
        ],
    )


def programme_row_out(row: dict[str, Any]) -> ProgrammeRowOut:
    c = row["community"]
    return ProgrammeRowOut(
        community=c.slug,
        name=c.name,
        kind=c.kind,
        members=row["members"],
        active_7=row["active_7"],
        active_30=row["active_30"],
        active_90=row["active_90"],
        target=TargetOut(active_members=row["target"], window_days=row["window"])
        if row["target"]
        else None,
        active_in_target_window=row["active"],
        messages_30=row["messages_30"],
        attendances_30=row["attendances_30"],
        materials_30=row["materials_30"],
        new_ties_30=row["new_ties_30"],
    )
