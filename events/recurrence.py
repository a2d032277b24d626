"""Times that stay right: wall-clock times in an IANA zone, and RFC 5545 recurrence rules
expanded with python-dateutil.

A series repeats at the same wall-clock time in the organiser's zone: the rule is expanded
from a start that carries its ``ZoneInfo``, so every occurrence gets the offset of its own
date (19:00 in Amsterdam is 18:00 UTC in winter and 17:00 UTC in summer). A local time that
does not exist (in the hour the clocks skip in March) is refused when typed; an occurrence
that falls in it is shifted forward by the gap, as RFC 5545 says. An ambiguous local time
(the hour that repeats in October) means its first, summer-time instance.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import islice
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from dateutil.rrule import rrule, rrulestr
from django.conf import settings

from .errors import FieldInvalid

FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
# Daily and weekly rules may not narrow by day of month or year: such a rule can match no
# date at all, and finding that out walks every day to the year 9999 (seconds of CPU).
NOT_FOR_SHORT = ("BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYSETPOS")
PARTS = (
    "FREQ",
    "INTERVAL",
    "COUNT",
    "UNTIL",
    "BYDAY",
    "BYMONTHDAY",
    "BYMONTH",
    "BYSETPOS",
    "BYWEEKNO",
    "BYYEARDAY",
    "WKST",
)


def zone(name: str, field: str = "timezone") -> ZoneInfo:
    """The IANA zone ``name`` (``Europe/Amsterdam``); offsets like ``+01:00`` are not zones:
    they do not know about summer time."""
    name = (name or "").strip()
    if not name or ("/" not in name and name != "UTC"):
        raise FieldInvalid(field, f"'{name}' is not an IANA time zone (e.g. Europe/Amsterdam).")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise FieldInvalid(field, f"'{name}' is not an IANA time zone.") from None


def zone_names() -> list[str]:
    """Every IANA zone with a region (for forms), sorted."""
    return sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/"))


def parse_local(value: str | datetime, tz: ZoneInfo, field: str) -> datetime:
    """An ISO 8601 time typed for ``tz`` as a naive wall-clock time. A time sent with an
    offset (or Z) is converted to that zone's wall clock."""
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            raise FieldInvalid(field, "a date and time, e.g. 2026-03-03T19:00.") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(tz).replace(tzinfo=None)
    return moment.replace(second=0, microsecond=0)


def to_utc(local: datetime, tz: ZoneInfo, field: str) -> datetime:
    """A naive wall-clock time in ``tz`` as an aware UTC time. Refuses a time that does not
    exist there (the clocks skip it); an ambiguous one is its first instance."""
    aware = local.replace(tzinfo=tz, fold=0)
    try:
        utc = aware.astimezone(UTC)
    except OverflowError:
        raise FieldInvalid(field, f"{local:%Y} is out of range.") from None
    if utc.astimezone(tz).replace(tzinfo=None) != local:
        raise FieldInvalid(
            field,
            f"{local:%H:%M} does not exist on {local:%d %B %Y} in {tz.key}: the clocks skip "
            "that hour. Choose a time outside it.",
        )
    return utc


def local_of(moment: datetime, tz: ZoneInfo) -> datetime:
    """A UTC time as the naive wall-clock time in ``tz``."""
    return moment.astimezone(tz).replace(tzinfo=None)


def _parts(rule: str) -> dict[str, str]:
    rule = rule.strip()
    if rule.upper().startswith("RRULE:"):
        rule = rule[6:]
    parts: dict[str, str] = {}
    for piece in filter(None, rule.split(";")):
        key, sep, value = piece.partition("=")
        key = key.strip().upper()
        if not sep or not value.strip():
            raise FieldInvalid("rrule", f"'{piece}' is not NAME=VALUE.")
        if key not in PARTS:
            raise FieldInvalid("rrule", f"{key} is not supported here ({', '.join(PARTS)}).")
        if key in parts:
            raise FieldInvalid("rrule", f"{key} is given twice.")
        parts[key] = value.strip().upper()
    return parts


def _until_utc(value: str, tz: ZoneInfo) -> datetime:
    """UNTIL as UTC: ``20260630T215959Z``; a date means the end of that day, and a time
    without Z a wall-clock time, both in the event's zone."""
    try:
        if len(value) == 8:
            day = datetime.strptime(value, "%Y%m%d")
            return to_utc(datetime.combine(day.date(), time(23, 59, 59)), tz, "rrule")
        if value.endswith("Z"):
            return datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        return to_utc(datetime.strptime(value, "%Y%m%dT%H%M%S"), tz, "rrule")
    except ValueError:
        raise FieldInvalid("rrule", f"UNTIL={value} is not a date (20260630) or time.") from None


def _format_until(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _build(parts: dict[str, str]) -> str:
    return ";".join(f"{key}={parts[key]}" for key in PARTS if key in parts)


def normalise_rule(rule: str, *, tz: ZoneInfo, start_local: datetime) -> str:
    """A rule as stored: its parts checked and in a fixed order, UNTIL in UTC. Refuses rules
    that repeat more often than daily, run past the occurrence limit, or never occur."""
    if not rule.strip():
        return ""
    parts = _parts(rule)
    if parts.get("FREQ") not in FREQUENCIES:
        raise FieldInvalid("rrule", f"FREQ: one of {', '.join(FREQUENCIES)}.")
    if "COUNT" in parts and "UNTIL" in parts:
        raise FieldInvalid("rrule", "Give COUNT or UNTIL, not both.")
    if parts["FREQ"] in ("DAILY", "WEEKLY"):
        narrowing = [key for key in NOT_FOR_SHORT if key in parts]
        if narrowing or any(not day.isalpha() for day in parts.get("BYDAY", "").split(",") if day):
            raise FieldInvalid(
                "rrule", f"{parts['FREQ']} rules take BYDAY (plain weekdays) and BYMONTH only."
            )
    limit = settings.KRING_EVENT_MAX_OCCURRENCES
    for key, low, high in (("INTERVAL", 1, 366), ("COUNT", 1, limit)):
        if key in parts and (not parts[key].isdigit() or not low <= int(parts[key]) <= high):
            raise FieldInvalid("rrule", f"{key}: a whole number from {low} to {high}.")
    if "UNTIL" in parts:
        parts["UNTIL"] = _format_until(_until_utc(parts["UNTIL"], tz))
    normalised = _build(parts)
    try:
        expansion = series_rule(normalised, start_local.replace(tzinfo=tz))
        first = next(iter(expansion), None)
    except (ValueError, TypeError) as exc:
        raise FieldInvalid("rrule", f"Not a valid RFC 5545 rule: {exc}.") from None
    if first is None:
        raise FieldInvalid("rrule", "This rule gives no date at all after the start.")
    if "UNTIL" in parts and len(list(islice(expansion, limit + 1))) > limit:
        raise FieldInvalid("rrule", f"UNTIL: at most {limit} occurrences in a series.")
    return normalised


def series_rule(rule: str, start: datetime) -> rrule:
    """The dateutil rule from ``start`` (aware, in the event's zone): occurrences keep its
    wall-clock time and get their own date's offset."""
    return rrulestr(f"RRULE:{rule}", dtstart=start)  # type: ignore[return-value]


@dataclass(frozen=True)
class Series:
    """What expanding needs of an event: first start (UTC), duration, zone name, rule."""

    starts_at: datetime
    duration: timedelta
    timezone: str
    rule: str

    @classmethod
    def of(cls, event: object) -> Series:
        return cls(
            starts_at=event.starts_at,  # type: ignore[attr-defined]
            duration=event.ends_at - event.starts_at,  # type: ignore[attr-defined]
            timezone=event.timezone,  # type: ignore[attr-defined]
            rule=event.rrule,  # type: ignore[attr-defined]
        )


def starts_between(series: Series, after: datetime, before: datetime) -> list[datetime]:
    """Rule starts (UTC) of occurrences that overlap ``[after, before)``, in order, at most
    ``KRING_EVENT_MAX_OCCURRENCES``."""
    if not series.rule:
        end = series.starts_at + series.duration
        return [series.starts_at] if series.starts_at < before and end > after else []
    tz = ZoneInfo(series.timezone)
    rule = series_rule(series.rule, series.starts_at.astimezone(tz))
    found = []
    limit = settings.KRING_EVENT_MAX_OCCURRENCES
    for start in rule.xafter(after - series.duration, inc=False):
        start_utc = start.astimezone(UTC)
        if start_utc >= before or len(found) >= limit:
            break
        if start_utc + series.duration > after:
            found.append(start_utc)
    return found


def is_rule_start(series: Series, moment: datetime) -> bool:
    """Does the rule give an occurrence starting exactly at ``moment`` (UTC)?"""
    return moment in starts_between(series, moment, moment + timedelta(seconds=1))


def first_start(series: Series) -> datetime | None:
    """The first occurrence by the rule (RFC 5545 counts DTSTART as one even when it does
    not match; Kring moves DTSTART to the first match instead, as calendars display)."""
    if not series.rule:
        return series.starts_at
    tz = ZoneInfo(series.timezone)
    first = next(iter(series_rule(series.rule, series.starts_at.astimezone(tz))), None)
    return first.astimezone(UTC) if first is not None else None


def last_end(series: Series) -> datetime | None:
    """The end of the last occurrence, or None for a rule without COUNT or UNTIL."""
    if not series.rule:
        return series.starts_at + series.duration
    parts = _parts(series.rule)
    if "COUNT" not in parts and "UNTIL" not in parts:
        return None
    tz = ZoneInfo(series.timezone)
    last = None
    limit = settings.KRING_EVENT_MAX_OCCURRENCES
    for last in islice(series_rule(series.rule, series.starts_at.astimezone(tz)), limit):  # noqa: B007
        pass
    return last.astimezone(UTC) + series.duration if last is not None else series.starts_at


def rule_ending_before(series: Series, split: datetime) -> str:
    """The rule cut so its last occurrence comes before ``split`` (UTC): COUNT becomes the
    number of occurrences before it, otherwise UNTIL is set just before it."""
    parts = _parts(series.rule)
    if "COUNT" in parts:
        before = starts_between(
            Series(series.starts_at, timedelta(seconds=1), series.timezone, series.rule),
            series.starts_at,
            split,
        )
        parts["COUNT"] = str(max(1, len(before)))
    else:
        parts["UNTIL"] = _format_until(split - timedelta(seconds=1))
    return _build(parts)


def rule_from(series: Series, split: datetime) -> str:
    """The rule of the part of a series from ``split`` on: a COUNT keeps only what is left."""
    parts = _parts(series.rule)
    if "COUNT" in parts:
        before = len(
            starts_between(
                Series(series.starts_at, timedelta(seconds=1), series.timezone, series.rule),
                series.starts_at,
                split,
            )
        )
        parts["COUNT"] = str(max(1, int(parts["COUNT"]) - before))
    return _build(parts)


def describe_rule(rule: str) -> dict[str, str]:
    """The parts of a stored rule (for the edit form)."""
    return _parts(rule) if rule else {}


def day_range(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """A calendar day in ``tz`` as a UTC interval (23 or 25 hours long on DST days)."""
    start = datetime.combine(day, time(0)).replace(tzinfo=tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0)).replace(tzinfo=tz).astimezone(UTC)
    return start, end
