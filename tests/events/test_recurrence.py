"""Times are always right: rules expanded in the organiser's wall-clock time, and the DST
switches of March and October in Amsterdam, Helsinki, London and Warsaw."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from events.errors import FieldInvalid
from events.recurrence import (
    Series,
    first_start,
    last_end,
    normalise_rule,
    rule_ending_before,
    rule_from,
    starts_between,
    to_utc,
    zone,
)


def _series(start_local: datetime, zone_name: str, rule: str, hours: float = 1.5) -> Series:
    tz = ZoneInfo(zone_name)
    normalised = normalise_rule(rule, tz=tz, start_local=start_local)
    series = Series(
        to_utc(start_local, tz, "starts_at"), timedelta(hours=hours), zone_name, normalised
    )
    first = first_start(series)
    return Series(first, series.duration, zone_name, normalised)


def _local(moments: list[datetime], zone_name: str) -> list[str]:
    return [m.astimezone(ZoneInfo(zone_name)).strftime("%Y-%m-%d %H:%M %z") for m in moments]


def test_every_first_tuesday_starts_on_the_first_match_and_keeps_its_time():
    series = _series(
        datetime(2026, 2, 20, 19, 0), "Europe/Amsterdam", "FREQ=MONTHLY;BYDAY=1TU;COUNT=4"
    )
    starts = starts_between(series, series.starts_at, series.starts_at + timedelta(days=400))
    assert _local(starts, "Europe/Amsterdam") == [
        "2026-03-03 19:00 +0100",
        "2026-04-07 19:00 +0200",  # after the March switch: still 19:00 there
        "2026-05-05 19:00 +0200",
        "2026-06-02 19:00 +0200",
    ]
    assert last_end(series) == starts[-1] + timedelta(hours=1.5)


def test_weekly_for_six_weeks_then_stops():
    series = _series(datetime(2026, 9, 29, 16, 0), "Europe/Warsaw", "FREQ=WEEKLY;COUNT=6")
    starts = starts_between(series, series.starts_at, series.starts_at + timedelta(days=365))
    assert len(starts) == 6
    assert [s - starts[0] for s in starts][1:3] == [timedelta(days=7), timedelta(days=14)]


def test_a_window_only_returns_what_overlaps_it():
    series = _series(datetime(2026, 1, 5, 10, 0), "Europe/London", "FREQ=DAILY", hours=2)
    after = datetime(2026, 1, 10, 11, 0, tzinfo=UTC)  # inside the 10th's 10:00-12:00
    starts = starts_between(series, after, after + timedelta(days=2))
    assert _local(starts, "Europe/London")[0] == "2026-01-10 10:00 +0000"
    assert len(starts) == 3


# Last Sunday of March 2026 is the 29th, of October the 25th (EU rules, all four zones).
DST = [
    ("Europe/Amsterdam", "+0100", "+0200", "18:00", "17:00"),
    ("Europe/Warsaw", "+0100", "+0200", "18:00", "17:00"),
    ("Europe/Helsinki", "+0200", "+0300", "17:00", "16:00"),
    ("Europe/London", "+0000", "+0100", "19:00", "18:00"),
]


@pytest.mark.parametrize(("zone_name", "winter", "summer", "utc_winter", "utc_summer"), DST)
def test_a_weekly_series_across_the_march_switch_keeps_its_local_time(
    zone_name, winter, summer, utc_winter, utc_summer
):
    series = _series(datetime(2026, 3, 19, 19, 0), zone_name, "FREQ=WEEKLY;COUNT=3")
    starts = starts_between(series, series.starts_at, series.starts_at + timedelta(days=30))
    assert _local(starts, zone_name) == [
        f"2026-03-19 19:00 {winter}",
        f"2026-03-26 19:00 {winter}",
        f"2026-04-02 19:00 {summer}",
    ]
    assert [s.strftime("%H:%M") for s in starts] == [utc_winter, utc_winter, utc_summer]


@pytest.mark.parametrize(("zone_name", "winter", "summer", "utc_winter", "utc_summer"), DST)
def test_a_weekly_series_across_the_october_switch_keeps_its_local_time(
    zone_name, winter, summer, utc_winter, utc_summer
):
    series = _series(datetime(2026, 10, 18, 19, 0), zone_name, "FREQ=WEEKLY;COUNT=3")
    starts = starts_between(series, series.starts_at, series.starts_at + timedelta(days=30))
    assert _local(starts, zone_name) == [
        f"2026-10-18 19:00 {summer}",
        f"2026-10-25 19:00 {winter}",
        f"2026-11-01 19:00 {winter}",
    ]
    assert [s.strftime("%H:%M") for s in starts] == [utc_summer, utc_winter, utc_winter]


@pytest.mark.parametrize(
    ("zone_name", "skipped"),
    [
        ("Europe/Amsterdam", "02:30"),
        ("Europe/Warsaw", "02:30"),
        ("Europe/Helsinki", "03:30"),
        ("Europe/London", "01:30"),
    ],
)
def test_a_time_the_clocks_skip_is_refused(zone_name, skipped):
    hour, minute = map(int, skipped.split(":"))
    with pytest.raises(FieldInvalid) as error:
        to_utc(datetime(2026, 3, 29, hour, minute), ZoneInfo(zone_name), "starts_at")
    assert error.value.field == "starts_at"
    assert "does not exist" in error.value.detail


@pytest.mark.parametrize(
    ("zone_name", "repeated", "first_utc"),
    [
        ("Europe/Amsterdam", "02:30", "00:30"),
        ("Europe/Warsaw", "02:30", "00:30"),
        ("Europe/Helsinki", "03:30", "00:30"),
        ("Europe/London", "01:30", "00:30"),
    ],
)
def test_a_time_that_happens_twice_in_october_means_the_first(zone_name, repeated, first_utc):
    hour, minute = map(int, repeated.split(":"))
    moment = to_utc(datetime(2026, 10, 25, hour, minute), ZoneInfo(zone_name), "starts_at")
    assert moment.strftime("%H:%M") == first_utc


def test_an_occurrence_in_the_skipped_hour_moves_forward_by_the_gap():
    """RFC 5545: a recurrence instance whose local time does not exist takes the offset
    before the gap (02:30 on 29 March is 03:30 summer time in Amsterdam)."""
    series = _series(datetime(2026, 3, 28, 2, 30), "Europe/Amsterdam", "FREQ=DAILY;COUNT=3")
    starts = starts_between(series, series.starts_at, series.starts_at + timedelta(days=5))
    assert _local(starts, "Europe/Amsterdam") == [
        "2026-03-28 02:30 +0100",
        "2026-03-29 03:30 +0200",
        "2026-03-30 02:30 +0200",
    ]


def test_until_is_kept_in_utc_and_a_date_means_the_end_of_that_day_there():
    tz = ZoneInfo("Europe/Helsinki")
    rule = normalise_rule(
        "RRULE:freq=weekly;until=20260331", tz=tz, start_local=datetime(2026, 3, 3, 18)
    )
    assert rule == "FREQ=WEEKLY;UNTIL=20260331T205959Z"
    series = _series(datetime(2026, 3, 3, 18), "Europe/Helsinki", rule)
    starts = starts_between(series, series.starts_at, series.starts_at + timedelta(days=60))
    assert _local(starts, "Europe/Helsinki")[-1] == "2026-03-31 18:00 +0300"


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        ("FREQ=HOURLY", "FREQ"),
        ("FREQ=WEEKLY;COUNT=2;UNTIL=20270101", "COUNT or UNTIL"),
        ("FREQ=WEEKLY;COUNT=100000", "COUNT"),
        ("FREQ=WEEKLY;BYHOUR=3", "not supported"),
        ("FREQ=WEEKLY;DTSTART=20260101", "not supported"),
        ("FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=2", "no date"),
        ("FREQ=WEEKLY;INTERVAL=0", "INTERVAL"),
        ("FREQ", "NAME=VALUE"),
    ],
)
def test_bad_rules_are_refused_with_a_reason(rule, problem):
    with pytest.raises(FieldInvalid) as error:
        normalise_rule(rule, tz=ZoneInfo("Europe/Amsterdam"), start_local=datetime(2026, 3, 3, 19))
    assert error.value.field == "rrule"
    assert problem in error.value.detail


def test_splitting_a_counted_series_keeps_the_total():
    series = _series(datetime(2026, 3, 2, 19), "Europe/Amsterdam", "FREQ=WEEKLY;COUNT=6")
    starts = starts_between(series, series.starts_at, series.starts_at + timedelta(days=60))
    head = Series(
        series.starts_at, series.duration, series.timezone, rule_ending_before(series, starts[2])
    )
    tail_rule = rule_from(series, starts[2])
    assert head.rule.endswith("COUNT=2") and tail_rule.endswith("COUNT=4")
    until_series = _series(datetime(2026, 3, 2, 19), "Europe/Amsterdam", "FREQ=WEEKLY")
    cut = rule_ending_before(until_series, starts[2])
    cut_series = Series(until_series.starts_at, until_series.duration, until_series.timezone, cut)
    assert (
        starts_between(cut_series, series.starts_at, series.starts_at + timedelta(days=60))
        == starts[:2]
    )


@pytest.mark.parametrize("name", ["+01:00", "CET", "Mars/Olympus", ""])
def test_a_zone_must_be_an_iana_zone(name):
    with pytest.raises(FieldInvalid):
        zone(name)


@pytest.mark.parametrize(
    "rule",
    ["FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", "FREQ=WEEKLY;BYSETPOS=1", "FREQ=WEEKLY;BYDAY=1MO"],
)
def test_daily_and_weekly_rules_that_could_match_nothing_are_refused_at_once(rule):
    """Such a rule would walk every day to the year 9999 before saying it has no date."""
    with pytest.raises(FieldInvalid) as error:
        normalise_rule(rule, tz=ZoneInfo("Europe/Amsterdam"), start_local=datetime(2026, 3, 3, 19))
    assert "plain weekdays" in error.value.detail


def test_an_until_far_away_is_refused_beyond_the_occurrence_limit():
    with pytest.raises(FieldInvalid) as error:
        normalise_rule(
            "FREQ=DAILY;UNTIL=99991231", tz=ZoneInfo("Europe/Amsterdam"),
            start_local=datetime(2026, 3, 3, 19),
        )  # fmt: skip
    assert "at most" in error.value.detail
