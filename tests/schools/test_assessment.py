"""The self-assessment: answers validated, one per teacher per school per year, aggregates
shown only from the threshold on (2 answers show nothing, 3 show medians), individual answers
to the lead only, progress year over year, and the instrument's texts ready for translation."""

from __future__ import annotations

import pytest
from django.utils import timezone

from core.errors import Invalid
from schools.instrument import strings_module
from schools.models import AssessmentResponse
from schools.profile import school_profile

from .conftest import (
    add_teacher,
    answer,
    answered_by,
    api,
    call,
    lead_of,
    make_hub_pair,
    make_school,
    rate_all,
)

pytestmark = pytest.mark.django_db
YEAR = timezone.now().year


def _areas(response) -> dict[str, dict]:
    return {a["area"]: a for a in response.json()["years"][-1]["areas"]}


def test_two_answers_show_no_median_to_others():
    school = make_school()
    answered_by(school, 2, rate_all(4))
    outsider = add_teacher(make_school("Another school"))
    areas = _areas(call(api(outsider), "get", f"/api/schools/{school.pk}/profile"))
    assert all(a["median"] is None and not a["shown"] for a in areas.values())
    assert areas["leadership"]["answered"] == 2


def test_three_answers_show_the_median_per_area():
    school = make_school()
    answer(school, add_teacher(school), rate_all(2, {"infrastructure": 5}))
    answer(school, add_teacher(school), rate_all(3, {"infrastructure": 4}))
    answer(school, add_teacher(school), rate_all(5, {"infrastructure": 1}))
    outsider = add_teacher(make_school("Another school"))
    areas = _areas(call(api(outsider), "get", f"/api/schools/{school.pk}/profile"))
    assert areas["leadership"]["median"] == 3.0
    assert areas["infrastructure"]["median"] == 4.0
    assert areas["leadership"]["answered"] == 3 and areas["leadership"]["shown"]


def test_dont_know_answers_do_not_count_towards_an_area():
    school = make_school()
    answered_by(school, 2, rate_all(4))
    answer(school, add_teacher(school), rate_all(4, {"assessment": 0}))
    result = school_profile(school_id=school.pk)[-1].by_area()
    assert result["assessment"].answered == 2 and result["assessment"].median is None
    assert result["leadership"].median == 4.0


def test_the_threshold_is_a_setting(settings):
    settings.KRING_SCHOOL_MIN_RESPONDENTS = 2
    school = make_school()
    answered_by(school, 2, rate_all(4))
    assert school_profile(school_id=school.pk)[-1].by_area()["leadership"].median == 4.0


def test_a_teacher_answers_once_per_year_and_saving_again_replaces():
    school = make_school()
    teacher = add_teacher(school)
    first = {"leadership.strategy": 2, "pupils.safety": 0}
    assert (
        call(
            api(teacher), "put", f"/api/schools/{school.pk}/assessment", {"answers": first}
        ).status_code
        == 200
    )
    again = {"leadership.strategy": 4}
    response = call(api(teacher), "put", f"/api/schools/{school.pk}/assessment", {"answers": again})
    assert response.status_code == 200 and response.json()["answers"] == again
    assert AssessmentResponse.objects.filter(school=school, user=teacher, year=YEAR).count() == 1


@pytest.mark.parametrize(
    "answers",
    [{"leadership.strategy": 6}, {"no.such": 3}, {"leadership.strategy": -1}, {}],
)
def test_bad_answers_are_refused_and_nothing_is_stored(answers):
    school = make_school()
    teacher = add_teacher(school)
    response = call(
        api(teacher), "put", f"/api/schools/{school.pk}/assessment", {"answers": answers}
    )
    assert response.status_code == 400 and set(response.json()) == {"error", "detail"}
    assert not AssessmentResponse.objects.exists()


def test_only_confirmed_teachers_answer():
    school = make_school()
    pending = add_teacher(school, state="pending")
    body = {"answers": {"leadership.strategy": 3}}
    assert (
        call(api(pending), "put", f"/api/schools/{school.pk}/assessment", body).status_code == 403
    )


def test_individual_answers_are_for_the_lead_only():
    school = make_school()
    teacher = add_teacher(school)
    answer(school, teacher, rate_all(3))
    url = f"/api/schools/{school.pk}/assessment/answers"
    assert call(api(teacher), "get", url).status_code == 403
    rows = call(api(lead_of(school)), "get", url).json()
    assert len(rows) == 1 and rows[0]["answers"]["leadership.strategy"] == 3


def test_the_lead_sees_medians_below_the_threshold():
    school = make_school()
    answered_by(school, 1, rate_all(3))
    areas = _areas(call(api(lead_of(school)), "get", f"/api/schools/{school.pk}/profile"))
    assert areas["leadership"]["median"] == 3.0


def test_progress_year_over_year_is_visible_per_area():
    school = make_school()
    answered_by(school, 3, rate_all(2, {"infrastructure": 1}), year=YEAR - 1)
    answered_by(school, 3, rate_all(3, {"infrastructure": 4}), year=YEAR)
    outsider = add_teacher(make_school("Another school"))
    years = call(api(outsider), "get", f"/api/schools/{school.pk}/profile").json()["years"]
    assert [y["year"] for y in years] == [YEAR - 1, YEAR]
    before = {a["area"]: a["median"] for a in years[0]["areas"]}
    after = {a["area"]: a["median"] for a in years[1]["areas"]}
    assert before["infrastructure"] == 1.0 and after["infrastructure"] == 4.0
    assert after["leadership"] - before["leadership"] == 1.0


def test_last_years_answers_are_closed():
    school = make_school()
    teacher = add_teacher(school)
    from schools.services import assessment_save

    with pytest.raises(Invalid) as refused:
        assessment_save(
            actor=teacher, school=school, answers={"leadership.strategy": 3}, year=YEAR - 1
        )
    assert "this year" in str(refused.value)


def test_the_instrument_is_served_translated_and_its_texts_are_marked_for_translation():
    from schools.instrument import INSTRUMENTS

    generated = (INSTRUMENTS.parent / "instrument_strings.py").read_text()
    assert generated == strings_module(), "run: python -m schools.instrument"
    teacher = add_teacher(make_school())
    body = call(api(teacher), "get", "/api/schools/instrument", None).json()
    assert [a["key"] for a in body["areas"]] == [
        "leadership",
        "infrastructure",
        "cpd",
        "teaching",
        "assessment",
        "pupils",
    ]
    assert body["scale"]["0"] == "Don't know"


def test_a_completed_self_assessment_becomes_a_valid_xapi_statement_in_each_hub(settings):
    from ralph.models.xapi.base.statements import BaseXapiStatement

    from analytics.models import XapiStatement
    from analytics.xapi import making

    settings.KRING_ANALYTICS_SWEEP_LAG_SECONDS = 0  # the answers were given a moment ago
    pair = make_hub_pair()  # three answers for each of two schools in one hub
    making.statements_from_sources()
    completed = XapiStatement.objects.filter(verb="completed")
    assert completed.count() == 6
    assert {row.community_id for row in completed} == {pair.hub.pk}
    for row in completed:
        BaseXapiStatement.model_validate(row.statement)
        assert row.statement["verb"]["id"] == "http://adlnet.gov/expapi/verbs/completed"
        assert "/assessment/" in row.statement["object"]["id"]
    making.statements_from_sources()  # made once
    assert XapiStatement.objects.filter(verb="completed").count() == 6
