"""The figures of one community's analytics, as plain data: what the dashboard, the
programme view, the API and the CSV show. ``selectors`` fills them from the rollups (fast);
``raw`` fills them straight from the raw tables (the reference the property test and the
benchmark compare with)."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field

WEEK_FIELDS = (
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
    "new_ties",
)
WINDOWS = (7, 30, 90)


@dataclass
class Week:
    start: dt.date
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(WEEK_FIELDS, 0))


@dataclass
class Figures:
    today: dt.date
    members: int = 0
    active: dict[int, int] = field(default_factory=dict)  # window days -> active members
    new: int = 0
    returning: int = 0
    dormant: int = 0
    weeks: list[Week] = field(default_factory=list)
    # Seconds until someone else first replied, for questions asked in the last 90 days.
    reply_seconds: list[float] = field(default_factory=list)
    unanswered: int = 0
    totals_90: dict[str, int] = field(default_factory=dict)  # the week fields, last 90 days
    ties: int = 0
    # (country, country) -> ties between members of those countries (sorted pair).
    country_ties: dict[tuple[str, str], int] = field(default_factory=dict)

    @property
    def median_reply_seconds(self) -> float | None:
        return statistics.median(self.reply_seconds) if self.reply_seconds else None

    def comparable(self) -> dict:
        """Everything, in a form two computations can be compared with ``==``."""
        return {
            "members": self.members,
            "active": self.active,
            "new": self.new,
            "returning": self.returning,
            "dormant": self.dormant,
            "weeks": [(w.start, w.counts) for w in self.weeks],
            "reply_seconds": sorted(round(s, 3) for s in self.reply_seconds),
            "unanswered": self.unanswered,
            "totals_90": self.totals_90,
            "ties": self.ties,
            "country_ties": self.country_ties,
        }


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def week_starts(today: dt.date, weeks: int) -> list[dt.date]:
    last = monday(today)
    return [last - dt.timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]


def classify(
    *,
    joined: dt.date,
    last_active: dt.date | None,
    today: dt.date,
    new_days: int,
    dormant_days: int,
) -> str:
    """new: joined in the last ``new_days``; returning: joined earlier and active in the
    last ``dormant_days``; dormant: joined earlier and silent since."""
    if joined > today - dt.timedelta(days=new_days):
        return "new"
    if last_active is not None and last_active > today - dt.timedelta(days=dormant_days):
        return "returning"
    return "dormant"
