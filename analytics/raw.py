"""The same figures as ``selectors.figures``, computed straight from the raw tables (room
event log, materials, reactions, RSVPs, memberships, profiles) with no rollup: the reference
the property test checks the rollups against, and the benchmark's same-run baseline.
Written independently of ``facts``/``rollup`` on purpose (whole history in one go, in
Python), so a mistake in one does not hide in the other."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from itertools import combinations

from django.conf import settings

from community.models import Community, EventKind, Membership, MembershipState, Profile, RoomEvent
from events.models import Rsvp
from resources.models import Reaction, ReactionKind, Resource

from .figures import WEEK_FIELDS, WINDOWS, Figures, Week, classify, monday, week_starts


def _day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(dt.UTC).date()


def figures(*, community: Community, today: dt.date, weeks: int | None = None) -> Figures:
    weeks = weeks or settings.KRING_ANALYTICS_WEEKS
    result = Figures(today=today)
    last_active: dict[int, dt.date] = {}
    daily: dict[dt.date, Counter] = defaultdict(Counter)
    pairs: list[tuple[int | None, int | None, dt.date]] = []

    def saw(user: int | None, day: dt.date) -> None:
        if user is not None and (user not in last_active or last_active[user] < day):
            last_active[user] = day

    messages = list(
        RoomEvent.objects.filter(
            room__community=community, kind=EventKind.MESSAGE, deleted_at__isnull=True
        ).values_list("pk", "author_id", "reply_to_id", "created_at", "body")
    )
    by_id = {pk: (author, created) for pk, author, _r, created, _b in messages}
    # Replies (live ones) to each message, from anyone: (author, time).
    replies_to: dict[int, list[tuple[int | None, dt.datetime]]] = defaultdict(list)
    for _pk, author, reply_to, created, _body in messages:
        if reply_to is not None:
            replies_to[reply_to].append((author, created))
    parent_author = dict(
        RoomEvent.objects.filter(pk__in={r for _p, _a, r, _c, _b in messages if r}).values_list(
            "pk", "author_id"
        )
    )
    since_90 = today - dt.timedelta(days=89)
    for pk, author, reply_to, created, body in messages:
        day = _day(created)
        saw(author, day)
        daily[day]["messages"] += 1
        if reply_to is not None:
            daily[day]["replies"] += 1
            pairs.append((author, parent_author.get(reply_to), day))
            continue
        if replies_to.get(pk):
            daily[day]["threads"] += 1
        if any(mark in body for mark in ("?", "\uff1f", "\u00bf")):
            daily[day]["questions"] += 1
            if since_90 <= day <= today:
                others = [t for a, t in replies_to.get(pk, []) if a != author]
                if others:
                    result.reply_seconds.append((min(others) - created).total_seconds())
                else:
                    result.unanswered += 1
    del by_id

    for user, kind, created in Reaction.objects.filter(resource__community=community).values_list(
        "user_id", "kind", "created_at"
    ):
        day = _day(created)
        saw(user, day)
        daily[day]["reactions"] += 1
        daily[day]["used_in_class"] += kind == ReactionKind.USED_IN_CLASS

    for author, created, source in Resource.objects.filter(community=community).values_list(
        "author_id", "created_at", "adapted_from_id"
    ):
        day = _day(created)
        saw(author, day)
        daily[day]["adaptations" if source else "materials_shared"] += 1
    adaptations = Resource.objects.filter(adapted_from__isnull=False).filter(
        community=community
    ) | Resource.objects.filter(adapted_from__resource__community=community)
    for own, author, source_author, created in adaptations.values_list(
        "community_id", "author_id", "adapted_from__resource__author_id", "created_at"
    ):
        day = _day(created)
        pairs.append((author, source_author, day))
        if own != community.pk:
            daily[day]["adapted_elsewhere"] += 1

    sessions: dict[int, list[int]] = defaultdict(list)
    session_day: dict[int, dt.date] = {}
    for occurrence, user, starts in Rsvp.objects.filter(
        attended=True, occurrence__event__community=community
    ).values_list("occurrence_id", "user_id", "occurrence__starts_at"):
        day = _day(starts)
        saw(user, day)
        daily[day]["attendances"] += 1
        sessions[occurrence].append(user)
        session_day[occurrence] = day
    for occurrence, users in sessions.items():
        if len(users) <= settings.KRING_ANALYTICS_EVENT_TIE_MAX_ATTENDEES:
            pairs.extend((a, b, session_day[occurrence]) for a, b in combinations(users, 2))

    # Members: active windows, new / returning / dormant.
    for user, joined in Membership.objects.filter(
        community=community, state=MembershipState.ACTIVE
    ).values_list("user_id", "joined_at"):
        result.members += 1
        last = last_active.get(user)
        kind = classify(
            joined=_day(joined),
            last_active=last,
            today=today,
            new_days=settings.KRING_ANALYTICS_NEW_DAYS,
            dormant_days=settings.KRING_ANALYTICS_DORMANT_DAYS,
        )
        setattr(result, kind, getattr(result, kind) + 1)
        for window in WINDOWS:
            if last is not None and today - dt.timedelta(days=window - 1) <= last <= today:
                result.active[window] = result.active.get(window, 0) + 1
    result.active = {w: result.active.get(w, 0) for w in WINDOWS}

    # Cross-border ties: the first day each pair of people from two countries interacted.
    countries = dict(Profile.objects.exclude(country="").values_list("user_id", "country"))
    first_day: dict[tuple[int, int], dt.date] = {}
    for a, b, day in pairs:
        if a is None or b is None or a == b or day > today:
            continue
        ca, cb = countries.get(a), countries.get(b)
        if not ca or not cb or ca == cb:
            continue
        key = (min(a, b), max(a, b))
        if key not in first_day or day < first_day[key]:
            first_day[key] = day
    result.ties = len(first_day)
    for (a, b), day in first_day.items():
        daily[day]["new_ties"] += 1
        pair = tuple(sorted((str(countries[a]), str(countries[b]))))
        result.country_ties[pair] = result.country_ties.get(pair, 0) + 1  # type: ignore[index]

    result.weeks = [Week(start=s) for s in week_starts(today, weeks)]
    by_week = {w.start: w for w in result.weeks}
    result.totals_90 = dict.fromkeys(WEEK_FIELDS, 0)
    for day, counts in daily.items():
        if day > today:
            continue
        week = by_week.get(monday(day))
        for name in WEEK_FIELDS:
            if week is not None:
                week.counts[name] += counts[name]
            if day >= since_90:
                result.totals_90[name] += counts[name]
    return result
