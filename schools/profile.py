"""A school's self-assessment profile: the median per area and how many answered, per yearly
cycle, shown to anyone but the school lead only with ``KRING_SCHOOL_MIN_RESPONDENTS`` or more
respondents in an area (fewer would let colleagues work out one person's answers).

A respondent's score for an area is the mean of their ratings of its statements ("don't
know" left out); the area's value is the median of those scores across respondents."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from statistics import mean, median
from typing import Any

from django.conf import settings

from .instrument import DONT_KNOW, Instrument, instrument
from .models import AssessmentResponse


@dataclass(frozen=True)
class AreaResult:
    area: str
    title: str
    median: float | None  # None: hidden (too few answered) or nobody rated it
    answered: int
    shown: bool


@dataclass(frozen=True)
class YearResult:
    year: int
    respondents: int
    areas: list[AreaResult]

    def by_area(self) -> dict[str, AreaResult]:
        return {a.area: a for a in self.areas}


def threshold() -> int:
    return max(1, settings.KRING_SCHOOL_MIN_RESPONDENTS)


def _area_scores(answers: dict[str, int], inst: Instrument) -> dict[str, float]:
    scores: dict[str, float] = {}
    for area in inst.areas:
        rated = [
            answers[s.id] for s in area.statements if answers.get(s.id, DONT_KNOW) != DONT_KNOW
        ]
        if rated:
            scores[area.key] = mean(rated)
    return scores


def year_results(responses: list[Any], *, reveal: bool = False) -> list[YearResult]:
    """Per year (oldest first) from these responses; ``reveal`` (the school lead) shows
    medians below the threshold too."""
    inst = instrument()
    per_year: dict[int, list[Any]] = defaultdict(list)
    for response in responses:
        per_year[response.year].append(response)
    results = []
    for year in sorted(per_year):
        scores: dict[str, list[float]] = defaultdict(list)
        for response in per_year[year]:
            for area, score in _area_scores(response.answers, inst).items():
                scores[area].append(score)
        areas = []
        for area in inst.areas:
            values = scores.get(area.key, [])
            shown = bool(values) and (reveal or len(values) >= threshold())
            areas.append(
                AreaResult(
                    area=area.key,
                    title=area.label,
                    median=round(float(median(values)), 2) if shown else None,
                    answered=len(values),
                    shown=shown,
                )
            )
        results.append(YearResult(year=year, respondents=len(per_year[year]), areas=areas))
    return results


def school_profile(*, school_id: int, reveal: bool = False) -> list[YearResult]:
    responses = list(AssessmentResponse.objects.filter(school_id=school_id).order_by("year"))
    return year_results(responses, reveal=reveal)


def latest_medians(*, school_ids: list[int]) -> dict[int, tuple[int, dict[str, float]]]:
    """For each school, its latest year's shown medians (public ones only, never revealed):
    ``{school id: (year, {area: median})}``; schools without a shown area are left out."""
    per_school: dict[int, list[Any]] = defaultdict(list)
    for response in AssessmentResponse.objects.filter(school_id__in=school_ids):
        per_school[response.school_id].append(response)
    out: dict[int, tuple[int, dict[str, float]]] = {}
    for school_id, responses in per_school.items():
        for result in reversed(year_results(responses)):
            medians = {a.area: a.median for a in result.areas if a.median is not None}
            if medians:
                out[school_id] = (result.year, medians)
                break
    return out
