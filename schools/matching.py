"""Suggested mentor-mentee pairs of schools in a hub, each with its reasons in plain words:
a mentor strong where the mentee is weak (their latest public self-assessment medians), and
close by — the same region or country — or, across a border, a working language in common
(language codes as the networking suggestions read them). Reasons are ``Verb`` specs
(``core.notify``), rendered in each reader's language."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_noop
from django_countries import countries

from community.models import Community
from core.notify import Verb, render_verb
from networking.features import language_codes
from networking.selectors.people import LANGUAGE_NAMES

from .instrument import instrument
from .models import Pairing, PairingStatus, School, SchoolInHub
from .profile import latest_medians

# A mentor is strong in an area from this median up, a mentee weak up to WEAK, and the gap
# is at least GAP: the mentor has something to show that the mentee is looking for.
STRONG = 3.5
WEAK = 3.0
GAP = 1.0
NEARBY = {"region": 1.0, "country": 0.5, "language": 0.5}
# Across a border with no language in common, a pair is kept but ranked much lower.
NO_COMMON_LANGUAGE = 0.4


@dataclass(frozen=True)
class Suggestion:
    mentor: School
    mentee: School
    score: float
    reasons: list[dict[str, Any]]  # Verb specs

    def rendered(self) -> list[str]:
        return [render_verb(r) for r in self.reasons]


def _gaps(mentor: dict[str, float], mentee: dict[str, float]) -> list[tuple[str, float, float]]:
    gaps = []
    for area in instrument().areas:
        m, e = mentor.get(area.key), mentee.get(area.key)
        if m is not None and e is not None and m >= STRONG and e <= WEAK and m - e >= GAP:
            gaps.append((area.key, m, e))
    return sorted(gaps, key=lambda g: g[2] - g[1])


def pair_reasons(
    mentor: School, mentee: School, medians: dict[int, tuple[int, dict[str, float]]]
) -> tuple[float, list[dict[str, Any]]]:
    """The score and reasons of ``mentor`` mentoring ``mentee`` (score 0: not a match)."""
    if mentor.pk not in medians or mentee.pk not in medians:
        return 0.0, []
    gaps = _gaps(medians[mentor.pk][1], medians[mentee.pk][1])
    if not gaps:
        return 0.0, []
    inst = instrument()
    score = sum(m - e for _area, m, e in gaps)
    reasons = [
        Verb(
            gettext_noop("%(mentor)s is strong in %(area)s (%(m)s) where %(mentee)s is at %(e)s"),
            mentor=mentor.name,
            mentee=mentee.name,
            area=inst.area(area).title if inst.area(area) else area,  # type: ignore[union-attr]
            m=f"{m:.1f}",
            e=f"{e:.1f}",
        ).spec()
        for area, m, e in gaps[:3]
    ]
    if mentor.country == mentee.country:
        if mentor.region and mentor.region.lower() == mentee.region.lower():
            score += NEARBY["region"]
            reasons.append(
                Verb(gettext_noop("Same region: %(region)s"), region=mentor.region).spec()
            )
        else:
            score += NEARBY["country"]
            reasons.append(
                Verb(
                    gettext_noop("Both in %(country)s"), country=countries.name(mentor.country)
                ).spec()
            )
    else:
        common = [
            c for c in language_codes(mentor.languages) if c in language_codes(mentee.languages)
        ]
        where = Verb(
            gettext_noop("Across the border: %(a)s and %(b)s"),
            a=countries.name(mentor.country),
            b=countries.name(mentee.country),
        ).spec()
        if common:
            score += NEARBY["language"]
            names = ", ".join(str(LANGUAGE_NAMES.get(c, c)) for c in common[:3])
            reasons += [
                where,
                Verb(gettext_noop("%(languages)s in common"), languages=names).spec(),
            ]
        else:
            score *= NO_COMMON_LANGUAGE
            reasons += [where, Verb(gettext_noop("No working language in common")).spec()]
    return round(score, 2), reasons


def hub_schools(hub: Community) -> list[School]:
    ids = SchoolInHub.objects.filter(hub=hub).values("school_id")
    return list(School.objects.filter(pk__in=ids, merged_into__isnull=True).order_by("name"))


def suggestions(*, hub: Community, limit: int = 20) -> list[Suggestion]:
    """The best pairs of the hub's schools, best first; pairs already proposed or active are
    left out, and so is a mentee already in an active pair."""
    schools = hub_schools(hub)
    medians = latest_medians(school_ids=[s.pk for s in schools])
    open_pairs = set(
        Pairing.objects.filter(
            status__in=[PairingStatus.PROPOSED, PairingStatus.ACTIVE],
            mentor__in=schools,
        ).values_list("mentor_id", "mentee_id")
    )
    busy_mentees = set(
        Pairing.objects.filter(status=PairingStatus.ACTIVE).values_list("mentee_id", flat=True)
    )
    found = []
    for mentor in schools:
        for mentee in schools:
            if mentor.pk == mentee.pk or (mentor.pk, mentee.pk) in open_pairs:
                continue
            if mentee.pk in busy_mentees:
                continue
            score, reasons = pair_reasons(mentor, mentee, medians)
            if score > 0:
                found.append(Suggestion(mentor, mentee, score, reasons))
    found.sort(key=lambda s: (-s.score, s.mentor.name, s.mentee.name))
    return found[:limit]
