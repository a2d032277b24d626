"""Self-assessment answers: one response per teacher, per school, per yearly cycle."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import User
from core import ratelimit
from core.errors import Forbidden, Invalid

from ..instrument import DONT_KNOW, SCALE, instrument
from ..models import AssessmentResponse, School
from ..permissions import can_assess


def current_year() -> int:
    """The cycle answers go to: the calendar year (UTC)."""
    return timezone.now().year


def clean_answers(answers: Any, instrument_id: str | None = None) -> dict[str, int]:
    """``{statement id: 1..5 or 0 ("don't know")}``; unknown statements or values refused,
    missing statements allowed (a draft), nothing answered refused."""
    if not isinstance(answers, dict):
        raise Invalid(_("Answers are a mapping of statement to rating."), field="answers")
    known = instrument(instrument_id).statement_ids()
    cleaned: dict[str, int] = {}
    for key, value in answers.items():
        if key not in known:
            raise Invalid(_("Unknown statement: %(id)s.") % {"id": str(key)[:60]}, field="answers")
        if value is None or value == "":
            continue
        try:
            rating = int(value)
        except (TypeError, ValueError):
            rating = -1
        if rating != DONT_KNOW and rating not in SCALE:
            raise Invalid(
                _("Rate %(id)s from 1 to 5, or 0 for “don't know”.") % {"id": key},
                field="answers",
            )
        cleaned[key] = rating
    if not cleaned:
        raise Invalid(_("Answer at least one statement."), field="answers")
    return cleaned


def assessment_save(
    *, actor: User, school: School, answers: dict[str, Any], year: int | None = None
) -> AssessmentResponse:
    """Store (or replace) the teacher's answers for this year's cycle. Earlier years are
    closed: they are the history progress is measured against."""
    if school.merged_into_id is not None:
        raise Invalid(_("This school was merged into another one."))
    if not can_assess(actor, school):
        raise Forbidden(_("Only the school's confirmed teachers fill in its self-assessment."))
    this_year = current_year()
    if year is not None and year != this_year:
        raise Invalid(_("Only this year's self-assessment can be changed."), field="year")
    ratelimit.limit("assessment", actor_id=actor.pk, what=_("saved self-assessments"))
    inst = instrument()
    cleaned = clean_answers(answers, inst.id)
    with transaction.atomic():
        response, _created = AssessmentResponse.objects.update_or_create(
            school=school,
            user=actor,
            year=this_year,
            defaults={"answers": cleaned, "instrument": inst.id},
        )
    return response
