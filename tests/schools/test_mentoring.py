"""Mentoring in a hub: suggested pairs with reasons, proposing, both leads accepting (the
private room opens, told live), the plan, reminders through the outbox, the status."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from community.models import RoomKind
from community.permissions import post_refusal
from community.selectors import room_for_reader
from core.errors import Forbidden, Invalid
from delivery.models import OutboxJob
from schools.models import Pairing, PairingStatus, PlanSession
from schools.services import pairing_accept, pairing_propose, session_add
from schools.services.mentoring import reminders_send
from tests.factories import MembershipFactory, UserFactory

from .conftest import add_teacher, api, call, lead_of, make_hub_pair, make_school

pytestmark = pytest.mark.django_db


def test_the_facilitator_sees_the_strong_school_suggested_to_mentor_the_weak_one_with_reasons():
    w = make_hub_pair()
    response = call(
        api(w.facilitator), "get", f"/api/communities/{w.hub.slug}/mentoring/suggestions"
    )
    assert response.status_code == 200, response.content
    best = response.json()[0]
    assert (best["mentor"]["id"], best["mentee"]["id"]) == (w.mentor.pk, w.mentee.pk)
    assert any(
        "Infrastructure and equipment" in r and "5.0" in r and "1.0" in r for r in best["reasons"]
    )
    assert "Same region: Tartumaa" in best["reasons"]
    # never the other way round: the weak school has nothing to offer in that area
    assert all(s["mentor"]["id"] != w.mentee.pk for s in response.json())


def test_across_a_border_a_common_language_is_a_reason():
    w = make_hub_pair()
    w.mentee.country, w.mentee.languages = "LV", ["lv", "en"]
    w.mentee.save()
    best = call(
        api(w.facilitator), "get", f"/api/communities/{w.hub.slug}/mentoring/suggestions"
    ).json()[0]
    assert "Across the border: Estonia and Latvia" in best["reasons"]
    assert "English in common" in best["reasons"]


def test_only_hub_facilitators_see_suggestions_and_propose():
    w = make_hub_pair()
    member = UserFactory()
    MembershipFactory(community=w.hub, user=member)
    assert (
        call(api(member), "get", f"/api/communities/{w.hub.slug}/mentoring/suggestions").status_code
        == 403
    )
    body = {"mentor": w.mentor.pk, "mentee": w.mentee.pk}
    assert (
        call(api(member), "post", f"/api/communities/{w.hub.slug}/mentoring", body).status_code
        == 403
    )
    assert not Pairing.objects.exists()


def test_both_leads_accept_and_the_pair_becomes_active_with_a_private_room(
    django_capture_on_commit_callbacks,
):
    w = make_hub_pair()
    body = {"mentor": w.mentor.pk, "mentee": w.mentee.pk}
    response = call(api(w.facilitator), "post", f"/api/communities/{w.hub.slug}/mentoring", body)
    assert response.status_code == 201, response.content
    pairing_id = response.json()["id"]
    assert (
        call(
            api(w.facilitator), "post", f"/api/communities/{w.hub.slug}/mentoring", body
        ).status_code
        == 409
    )

    teacher = add_teacher(w.mentee)
    assert call(api(teacher), "post", f"/api/mentoring/{pairing_id}/accept").status_code == 403
    first = call(api(lead_of(w.mentor)), "post", f"/api/mentoring/{pairing_id}/accept").json()
    assert first["status"] == "proposed" and first["mentor_accepted"] and first["room"] is None
    second = call(api(lead_of(w.mentee)), "post", f"/api/mentoring/{pairing_id}/accept").json()
    assert second["status"] == "active" and second["room"]

    pairing = Pairing.objects.get(pk=pairing_id)
    room = pairing.room
    assert room.kind == RoomKind.MENTORING and room.community_id == w.hub.pk
    # the two schools' teachers read and post, members of the hub or not
    assert room_for_reader(user=teacher, room_id=room.pk) and post_refusal(teacher, room) is None
    # a member of the hub from another school, and the facilitator, do not
    other = add_teacher(make_school("Other school"))
    MembershipFactory(community=w.hub, user=other)
    for outsider in (other, w.facilitator):
        with pytest.raises(Forbidden):
            room_for_reader(user=outsider, room_id=room.pk)
        assert post_refusal(outsider, room) is not None
    # the room is not in the hub's room list
    rooms = call(api(w.facilitator), "get", f"/api/communities/{w.hub.slug}/rooms").json()
    assert room.pk not in [r["id"] for r in rooms]
    # the facilitator follows the status, without the room
    listed = call(api(w.facilitator), "get", f"/api/communities/{w.hub.slug}/mentoring").json()
    assert listed[0]["status"] == "active" and listed[0]["room"] is None


def test_the_plan_takes_goals_per_area_and_sessions_and_reminds_once_through_the_outbox():
    w = make_hub_pair()
    pairing = pairing_propose(actor=w.facilitator, hub=w.hub, mentor=w.mentor, mentee=w.mentee)
    pairing_accept(actor=lead_of(w.mentor), pairing=pairing)
    pairing = pairing_accept(actor=lead_of(w.mentee), pairing=pairing)
    lead = lead_of(w.mentee)
    url = f"/api/mentoring/{pairing.pk}"
    assert (
        call(
            api(lead),
            "post",
            f"{url}/goals",
            {"area": "infrastructure", "text": "Wi-Fi in every classroom"},
        ).status_code
        == 201
    )
    assert (
        call(api(lead), "post", f"{url}/goals", {"area": "nowhere", "text": "x"}).status_code == 400
    )
    soon = (timezone.now() + timedelta(hours=3)).isoformat()
    response = call(
        api(lead),
        "post",
        f"{url}/sessions",
        {"kind": "visit", "title": "Visit to Tamme", "starts_at": soon, "place": "Tartu"},
    )
    assert response.status_code == 201, response.content
    plan = call(api(add_teacher(w.mentor)), "get", url).json()
    assert (
        plan["goals"][0]["area"] == "infrastructure"
        and plan["sessions"][0]["title"] == "Visit to Tamme"
    )
    assert (
        call(api(add_teacher(w.mentor)), "put", f"{url}/notes", {"notes": "x"}).status_code == 403
    )

    before = OutboxJob.objects.count()
    assert reminders_send() == 1
    assert reminders_send() == 0  # claimed once
    job = OutboxJob.objects.order_by("-pk").first()
    assert OutboxJob.objects.count() == before + 1
    assert "Reminder" in job.payload["verb"]["msgid"]
    assert set(job.payload["users"]) >= {lead.pk, lead_of(w.mentor).pk}
    assert PlanSession.objects.get().reminded_at is not None


def test_a_session_in_the_past_is_refused():
    w = make_hub_pair()
    pairing = pairing_propose(actor=w.facilitator, hub=w.hub, mentor=w.mentor, mentee=w.mentee)
    pairing_accept(actor=lead_of(w.mentor), pairing=pairing)
    pairing = pairing_accept(actor=lead_of(w.mentee), pairing=pairing)
    with pytest.raises(Invalid):
        session_add(
            actor=lead_of(w.mentor),
            pairing=pairing,
            kind="visit",
            title="Old",
            starts_at=timezone.now() - timedelta(days=3),
        )


def test_completing_is_followed_by_the_facilitator():
    w = make_hub_pair()
    pairing = pairing_propose(actor=w.facilitator, hub=w.hub, mentor=w.mentor, mentee=w.mentee)
    pairing_accept(actor=lead_of(w.mentor), pairing=pairing)
    pairing_accept(actor=lead_of(w.mentee), pairing=pairing)
    response = call(api(w.facilitator), "post", f"/api/mentoring/{pairing.pk}/complete")
    assert response.status_code == 200 and response.json()["status"] == PairingStatus.COMPLETED
