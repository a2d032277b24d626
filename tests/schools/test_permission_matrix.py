"""docs/permissions.md "Schools and mentoring", cell by cell, through the JSON API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from community.permissions import post_refusal
from schools.models import LinkState, SchoolInHub, SchoolLink
from schools.services import pairing_accept, pairing_propose
from tests.factories import UserFactory
from tests.permission_matrix import matrix

from .conftest import add_teacher, api, call, lead_of, make_hub_pair, make_school

pytestmark = pytest.mark.django_db

TABLE = matrix("Schools and mentoring")
CELLS = [(who, action) for who in TABLE for action in TABLE[who]]


@dataclass
class _Answer:
    status_code: int


def _world() -> dict[str, Any]:
    w = make_hub_pair()
    school = w.mentee
    proposed_with = make_school("Annelinna Gümnaasium", "EE", region="Tartumaa")
    SchoolInHub.objects.create(school=proposed_with, hub=w.hub)
    active = pairing_propose(actor=w.facilitator, hub=w.hub, mentor=w.mentor, mentee=school)
    pairing_accept(actor=lead_of(w.mentor), pairing=active)
    active = pairing_accept(actor=lead_of(school), pairing=active)
    proposed = pairing_propose(actor=w.facilitator, hub=w.hub, mentor=proposed_with, mentee=school)
    pending = UserFactory()
    SchoolLink.objects.create(school=school, user=pending, state=LinkState.PENDING)
    return {
        "w": w,
        "school": school,
        "active": active,
        "proposed": proposed,
        "pending_link": SchoolLink.objects.create(
            school=school, user=UserFactory(), state=LinkState.PENDING
        ),
        "actors": {
            "anonymous": None,
            "teacher": UserFactory(),
            "pending": pending,
            "school_teacher": add_teacher(school),
            "school_lead": lead_of(school),
            "hub_facilitator": w.facilitator,
            "coordinator": UserFactory(is_coordinator=True),
        },
    }


def _act(client: Client, action: str, world: dict[str, Any]) -> Any:
    school, hub = world["school"], world["w"].hub
    sid, active, proposed = school.pk, world["active"], world["proposed"]
    if action == "view":
        return call(client, "get", f"/api/schools/{sid}")
    if action == "link":
        return call(client, "post", f"/api/schools/{sid}/links", {})
    if action == "confirm":
        return call(client, "post", f"/api/schools/{sid}/links/{world['pending_link'].pk}/confirm")
    if action == "edit":
        return call(client, "patch", f"/api/schools/{sid}", {"region": "Tartu maakond"})
    if action == "merge":
        duplicate = make_school("Elva Pohikool", "EE")
        return call(client, "post", f"/api/schools/{duplicate.pk}/merge", {"into": sid})
    if action == "assess":
        body = {"answers": {"leadership.strategy": 4}}
        return call(client, "put", f"/api/schools/{sid}/assessment", body)
    if action == "profile":
        return call(client, "get", f"/api/schools/{sid}/profile")
    if action == "answers":
        return call(client, "get", f"/api/schools/{sid}/assessment/answers")
    if action == "suggestions":
        return call(client, "get", f"/api/communities/{hub.slug}/mentoring/suggestions")
    if action == "propose":
        other = make_school("Rõngu Kool", "EE")
        SchoolInHub.objects.create(school=other, hub=hub)
        body = {"mentor": world["w"].mentor.pk, "mentee": other.pk}
        return call(client, "post", f"/api/communities/{hub.slug}/mentoring", body)
    if action == "accept":
        return call(client, "post", f"/api/mentoring/{proposed.pk}/accept")
    if action == "plan":
        return call(client, "get", f"/api/mentoring/{active.pk}")
    if action == "plan_edit":
        body = {
            "kind": "online",
            "title": "Co-planning",
            "starts_at": (timezone.now() + timedelta(days=3)).isoformat(),
        }
        return call(client, "post", f"/api/mentoring/{active.pk}/sessions", body)
    if action == "room":
        # Reading over HTTP; posting as the socket does, by the one post rule.
        read = call(client, "get", f"/api/rooms/{active.room_id}/events")
        if read.status_code >= 300:
            return read
        refused = post_refusal(world["current"], active.room)
        return read if refused is None else _Answer(403)
    raise AssertionError(action)


@pytest.mark.parametrize(("who", "action"), CELLS)
def test_schools_and_mentoring_cell(who, action):
    world = _world()
    actor = world["actors"][who]
    world["current"] = actor
    response = _act(api(actor), action, world)
    if TABLE[who][action]:
        assert response.status_code < 300, (
            who,
            action,
            response.status_code,
            getattr(response, "content", b""),
        )
    else:
        expected = 401 if who == "anonymous" else 403
        assert response.status_code == expected, (who, action, response.status_code)


def test_the_table_covers_every_role_and_action():
    assert set(TABLE) == {
        "anonymous",
        "teacher",
        "pending",
        "school_teacher",
        "school_lead",
        "hub_facilitator",
        "coordinator",
    }
    assert len(CELLS) == 7 * 14
