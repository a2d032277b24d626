"""The schools pages render for those they are for, and refuse the others."""

from __future__ import annotations

import pytest
from django.test import Client

from schools.models import Pairing, SchoolLink
from schools.services import pairing_accept, pairing_propose
from tests.factories import UserFactory

from .conftest import add_teacher, answered_by, lead_of, make_hub_pair, make_school, rate_all

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_school_page_shows_charts_only_from_the_threshold():
    school = make_school()
    answered_by(school, 3, rate_all(4, {"infrastructure": 2}))
    page = _client(UserFactory()).get(f"/schools/{school.pk}/").content.decode()
    assert 'role="img"' in page and '<title id="chart-infrastructure-t">' in page
    assert "Median per year:" in page and "2.0" in page
    few = make_school("Few answers")
    answered_by(few, 2, rate_all(4))
    page = _client(UserFactory()).get(f"/schools/{few.pk}/").content.decode()
    assert "Not enough answers yet to show a median." in page


def test_linking_from_the_school_page_and_the_lead_confirming():
    school = make_school()
    teacher = UserFactory()
    _client(teacher).post(f"/schools/{school.pk}/link/", {"primary": "1"})
    link = SchoolLink.objects.get(user=teacher)
    assert link.state == "pending" and link.is_primary
    lead_page = _client(lead_of(school)).get(f"/schools/{school.pk}/").content.decode()
    assert "Teachers waiting for you" in lead_page
    _client(lead_of(school)).post(f"/schools/{school.pk}/links/{link.pk}/", {"action": "confirm"})
    link.refresh_from_db()
    assert link.state == "confirmed"


def test_the_assessment_form_saves_answers():
    school = make_school()
    teacher = add_teacher(school)
    client = _client(teacher)
    assert client.get(f"/schools/{school.pk}/assessment/").status_code == 200
    response = client.post(
        f"/schools/{school.pk}/assessment/", {"leadership.strategy": "4", "pupils.safety": "0"}
    )
    assert response.status_code == 302
    assert teacher.school_responses.get().answers == {"leadership.strategy": 4, "pupils.safety": 0}


def test_the_answers_page_is_the_leads_only():
    school = make_school()
    assert _client(add_teacher(school)).get(f"/schools/{school.pk}/answers/").status_code == 404
    assert _client(lead_of(school)).get(f"/schools/{school.pk}/answers/").status_code == 200


def test_the_hub_mentoring_page_and_proposing_from_a_suggestion():
    w = make_hub_pair()
    client = _client(w.facilitator)
    page = client.get(f"/c/{w.hub.slug}/mentoring/").content.decode()
    assert "could mentor" in page and "Same region: Tartumaa" in page
    response = client.post(
        f"/c/{w.hub.slug}/mentoring/", {"mentor": w.mentor.pk, "mentee": w.mentee.pk}
    )
    pairing = Pairing.objects.get()
    assert response.status_code == 302 and response.url == f"/mentoring/{pairing.pk}/"
    member = add_teacher(make_school("Other"))
    assert _client(member).get(f"/c/{w.hub.slug}/mentoring/").status_code == 302


def test_the_pair_page_and_its_room_for_the_pairs_teachers():
    w = make_hub_pair()
    pairing = pairing_propose(actor=w.facilitator, hub=w.hub, mentor=w.mentor, mentee=w.mentee)
    page = _client(lead_of(w.mentee)).get(f"/mentoring/{pairing.pk}/").content.decode()
    assert "Accept for Elva Põhikool" in page
    pairing_accept(actor=lead_of(w.mentor), pairing=pairing)
    _client(lead_of(w.mentee)).post(f"/mentoring/{pairing.pk}/", {"action": "accept"})
    pairing.refresh_from_db()
    assert pairing.status == "active"
    teacher = add_teacher(w.mentor)
    assert _client(teacher).get(f"/mentoring/{pairing.pk}/room/").status_code == 200
    assert _client(w.facilitator).get(f"/mentoring/{pairing.pk}/room/").status_code == 302
    outsider = UserFactory()
    assert _client(outsider).get(f"/mentoring/{pairing.pk}/").status_code == 404
    # the community's room page sends the pair's teachers to the pair's room page
    response = _client(teacher).get(f"/c/{w.hub.slug}/rooms/{pairing.room_id}/")
    assert response.status_code == 302 and response.url == f"/mentoring/{pairing.pk}/room/"
