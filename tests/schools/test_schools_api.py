"""Schools and links over the API: creating (the creator leads), linking (one primary, more
allowed), the lead confirming, editing, merging duplicates."""

from __future__ import annotations

import pytest

from schools.models import AssessmentResponse, LinkState, Pairing, School, SchoolLink
from tests.factories import UserFactory

from .conftest import add_teacher, answer, api, call, lead_of, make_school, rate_all

pytestmark = pytest.mark.django_db


def test_the_creator_of_a_school_is_its_confirmed_lead_and_it_is_their_primary_school():
    teacher = UserFactory()
    response = call(
        api(teacher),
        "post",
        "/api/schools",
        {
            "name": "Basisschool De Regenboog",
            "country": "NL",
            "kind": "primary",
            "region": "Gelderland",
            "languages": ["nl"],
            "size_band": "small",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["viewer"] == {"link": "confirmed", "lead": True, "primary": True}
    link = SchoolLink.objects.get(user=teacher)
    assert link.is_lead and link.is_primary and link.state == LinkState.CONFIRMED


def test_bad_input_is_refused_with_a_clear_error_and_writes_nothing():
    teacher = UserFactory()
    response = call(
        api(teacher), "post", "/api/schools", {"name": "X", "country": "NL", "kind": "primary"}
    )
    assert response.status_code == 400
    assert set(response.json()) == {"error", "detail"}
    response = call(
        api(teacher),
        "post",
        "/api/schools",
        {"name": "A school", "country": "ZZ", "kind": "primary"},
    )
    assert response.status_code == 400
    assert not School.objects.exists()


def test_a_teacher_links_to_two_schools_with_one_primary_and_the_lead_confirms():
    first, second = make_school("Szkoła Podstawowa nr 5", "PL"), make_school("Liceum nr 2", "PL")
    teacher = UserFactory()
    assert call(api(teacher), "post", f"/api/schools/{first.pk}/links", {}).status_code == 201
    response = call(api(teacher), "post", f"/api/schools/{second.pk}/links", {"primary": True})
    assert response.status_code == 201
    links = {link.school_id: link for link in SchoolLink.objects.filter(user=teacher)}
    assert links[second.pk].is_primary and not links[first.pk].is_primary
    assert links[first.pk].state == LinkState.PENDING

    # Only the lead confirms
    other = add_teacher(first)
    url = f"/api/schools/{first.pk}/links/{links[first.pk].pk}/confirm"
    assert call(api(other), "post", url).status_code == 403
    response = call(api(lead_of(first)), "post", url)
    assert response.status_code == 200 and response.json()["state"] == "confirmed"


def test_only_the_lead_edits_the_school():
    school = make_school()
    teacher = add_teacher(school)
    assert (
        call(api(teacher), "patch", f"/api/schools/{school.pk}", {"region": "Tartumaa"}).status_code
        == 403
    )
    response = call(
        api(lead_of(school)), "patch", f"/api/schools/{school.pk}", {"region": "Tartumaa"}
    )
    assert response.status_code == 200 and response.json()["region"] == "Tartumaa"


def test_the_only_lead_cannot_leave_while_teachers_remain():
    school = make_school()
    add_teacher(school)
    lead = lead_of(school)
    link = SchoolLink.objects.get(user=lead)
    response = call(api(lead), "delete", f"/api/schools/{school.pk}/links/{link.pk}")
    assert response.status_code == 409


def test_a_coordinator_merges_a_duplicate_and_everything_moves_to_the_survivor():
    survivor, duplicate = make_school("Tamme Gümnaasium"), make_school("Tamme gymnasium")
    both = add_teacher(survivor)
    SchoolLink.objects.create(
        school=duplicate, user=both, state=LinkState.CONFIRMED, is_primary=True
    )
    only_dup = add_teacher(duplicate)
    answer(duplicate, only_dup, rate_all(3))
    answer(duplicate, both, rate_all(2))
    answer(survivor, both, rate_all(4))
    other = make_school("Elva Põhikool")
    from tests.factories import CommunityFactory

    hub = CommunityFactory(kind="hub")
    Pairing.objects.create(hub=hub, mentor=duplicate, mentee=other)

    lead = lead_of(duplicate)
    assert (
        call(
            api(lead), "post", f"/api/schools/{duplicate.pk}/merge", {"into": survivor.pk}
        ).status_code
        == 403
    )
    coordinator = UserFactory(is_coordinator=True)
    response = call(
        api(coordinator), "post", f"/api/schools/{duplicate.pk}/merge", {"into": survivor.pk}
    )
    assert response.status_code == 200, response.content

    duplicate.refresh_from_db()
    assert duplicate.merged_into_id == survivor.pk
    assert SchoolLink.objects.filter(school=duplicate).count() == 0
    assert SchoolLink.objects.get(school=survivor, user=both).is_primary
    assert SchoolLink.objects.filter(school=survivor, user=only_dup).exists()
    # the survivor's own answer of the year wins over the duplicate's
    assert AssessmentResponse.objects.get(school=survivor, user=both).answers == rate_all(4)
    assert AssessmentResponse.objects.filter(school=survivor, user=only_dup).exists()
    assert Pairing.objects.get().mentor_id == survivor.pk
    # the duplicate's address answers with the survivor
    assert call(api(coordinator), "get", f"/api/schools/{duplicate.pk}").json()["id"] == survivor.pk
