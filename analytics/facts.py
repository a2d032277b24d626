"""What happened in one community on one UTC day, read straight from the raw tables (the
room event log, materials, reactions, attendance). ``rollup.rollup_day`` stores this; nothing
here writes. Definitions (the community page tells members the same, in plain words):

* a message counts unless deleted; a *reply* is a message answering another one; a *thread*
  is a top-level message that got at least one reply; a *question* is a top-level message
  with a question mark, answered when someone else first replies to it;
* *active* means posted, replied, reacted to a material, shared or adapted one, or attended
  an event (marked by its organiser) that day;
* a *cross-border tie* is two people with different countries on their profiles who replied
  to each other, adapted one another's material, or attended the same session (sessions with
  more than ``KRING_ANALYTICS_EVENT_TIE_MAX_ATTENDEES`` attendees do not count: sitting in
  the same large audience is not meeting).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations

from django.conf import settings
from django.db.models import Exists, Min, OuterRef, Q, Subquery

from community.models import EventKind, Profile, RoomEvent
from events.models import Rsvp
from resources.models import Reaction, ReactionKind, Resource

QUESTION_MARKS = ("?", "\uff1f", "\u00bf")  # also the full-width (CJK) and Spanish opening marks
MEMBER_FIELDS = ("posts", "replies", "reactions", "attended", "shared", "adapted")


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
    return start, start + dt.timedelta(days=1)


def utc_day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(dt.UTC).date()


def is_question(body: str) -> bool:
    return any(mark in body for mark in QUESTION_MARKS)


@dataclass
class DayFacts:
    community_id: int
    day: dt.date
    counts: dict[str, int] = field(default_factory=dict)
    members: dict[int, dict[str, int]] = field(default_factory=dict)
    # (low, high) -> (low country, high country, via bits)
    ties: dict[tuple[int, int], list] = field(default_factory=dict)
    # message id -> (asked at, first reply by someone else or None)
    questions: dict[int, tuple[dt.datetime, dt.datetime | None]] = field(default_factory=dict)

    def bump(self, user_id: int | None, what: str, by: int = 1) -> None:
        if user_id is None:
            return
        row = self.members.setdefault(user_id, dict.fromkeys(MEMBER_FIELDS, 0))
        row[what] += by


def _live_messages():
    return RoomEvent.objects.filter(kind=EventKind.MESSAGE, deleted_at__isnull=True)


def day_facts(*, community_id: int, day: dt.date) -> DayFacts:
    start, end = day_bounds(day)
    facts = DayFacts(community_id=community_id, day=day)
    pairs: list[tuple[int | None, int | None, int]] = []  # (user, user, via bit)

    replies_of = _live_messages().filter(reply_to=OuterRef("pk"))
    messages = (
        _live_messages()
        .filter(room__community_id=community_id, created_at__gte=start, created_at__lt=end)
        .annotate(
            answered=Exists(replies_of),
            first_reply_at=Subquery(
                replies_of.exclude(author_id=OuterRef("author_id"))
                .order_by()
                .values("reply_to")
                .annotate(first=Min("created_at"))
                .values("first")[:1]
            ),
        )
        .values_list(
            "pk",
            "author_id",
            "reply_to_id",
            "reply_to__author_id",
            "created_at",
            "answered",
            "first_reply_at",
            "body",
        )
    )
    n_messages = n_replies = n_threads = 0
    for pk, author, reply_to, parent_author, created, answered, first_reply, body in messages:
        n_messages += 1
        if reply_to is not None:
            n_replies += 1
            facts.bump(author, "replies")
            pairs.append((author, parent_author, 1))
            continue
        facts.bump(author, "posts")
        if answered:
            n_threads += 1
        if is_question(body):
            facts.questions[pk] = (created, first_reply)

    reactions = Reaction.objects.filter(
        resource__community_id=community_id, created_at__gte=start, created_at__lt=end
    ).values_list("user_id", "kind")
    n_reactions = n_used = 0
    for user, kind in reactions:
        n_reactions += 1
        n_used += kind == ReactionKind.USED_IN_CLASS
        facts.bump(user, "reactions")

    created_today = Resource.objects.filter(created_at__gte=start, created_at__lt=end)
    n_shared = n_adapted = n_elsewhere = 0
    for community, author, source, source_author in created_today.filter(
        Q(community_id=community_id) | Q(adapted_from__resource__community_id=community_id)
    ).values_list(
        "community_id",
        "author_id",
        "adapted_from_id",
        "adapted_from__resource__author_id",
    ):
        if source is not None:
            pairs.append((author, source_author, 2))
        if community != community_id:
            n_elsewhere += 1
            continue
        if source is None:
            n_shared += 1
            facts.bump(author, "shared")
        else:
            n_adapted += 1
            facts.bump(author, "adapted")

    attendees: dict[int, list[int]] = defaultdict(list)
    for occurrence, user in Rsvp.objects.filter(
        attended=True,
        occurrence__event__community_id=community_id,
        occurrence__starts_at__gte=start,
        occurrence__starts_at__lt=end,
    ).values_list("occurrence_id", "user_id"):
        attendees[occurrence].append(user)
        facts.bump(user, "attended")
    for users in attendees.values():
        if len(users) <= settings.KRING_ANALYTICS_EVENT_TIE_MAX_ATTENDEES:
            pairs.extend((a, b, 4) for a, b in combinations(sorted(users), 2))

    _collect_ties(facts, pairs)
    facts.counts = {
        "messages": n_messages,
        "replies": n_replies,
        "threads": n_threads,
        "questions": len(facts.questions),
        "reactions": n_reactions,
        "used_in_class": n_used,
        "materials_shared": n_shared,
        "adaptations": n_adapted,
        "adapted_elsewhere": n_elsewhere,
        "attendances": sum(len(users) for users in attendees.values()),
        "active_people": len(facts.members),
    }
    return facts


def _collect_ties(facts: DayFacts, pairs: list[tuple[int | None, int | None, int]]) -> None:
    people = {u for a, b, _ in pairs for u in (a, b) if u is not None}
    countries = dict(
        Profile.objects.filter(user_id__in=people)
        .exclude(country="")
        .values_list("user_id", "country")
    )
    for a, b, via in pairs:
        if a is None or b is None or a == b:
            continue
        low, high = min(a, b), max(a, b)
        low_country, high_country = countries.get(low), countries.get(high)
        if not low_country or not high_country or low_country == high_country:
            continue
        tie = facts.ties.setdefault((low, high), [str(low_country), str(high_country), 0])
        tie[2] |= via
