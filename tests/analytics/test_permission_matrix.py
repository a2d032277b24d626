"""Every cell of docs/permissions.md "## Analytics", through the JSON API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from community.models import Membership
from tests.conftest import make_member
from tests.factories import CommunityFactory, UserFactory
from tests.permission_matrix import matrix

MATRIX = matrix("Analytics")
CELLS = [(who, action) for who, row in MATRIX.items() for action in row]


def test_matrix_covers_every_row_and_action() -> None:
    assert set(MATRIX) == {
        "anonymous",
        "non_member",
        "observer",
        "member",
        "co_facilitator",
        "facilitator",
        "other_facilitator",
        "coordinator",
        "staff",
    }
    assert set(MATRIX["member"]) == {
        "view",
        "individuals",
        "target",
        "nudge",
        "export",
        "programme",
    }


def _actor(who: str, community: Any) -> Any:
    if who == "anonymous":
        return None
    if who in {"observer", "member", "co_facilitator", "facilitator"}:
        return make_member(community, role=who).user
    if who == "other_facilitator":
        return make_member(CommunityFactory(), role="facilitator").user
    if who == "coordinator":
        return UserFactory(is_coordinator=True)
    if who == "staff":
        return UserFactory(is_staff=True)
    return UserFactory()


def _allowed(who: str, action: str, client: Client, community: Any, sleeper: Any) -> bool:
    base = f"/api/communities/{community.slug}"
    if action == "view":
        return client.get(f"{base}/analytics").status_code == 200
    if action == "individuals":
        answer = client.get(f"{base}/analytics")
        return answer.status_code == 200 and answer.json()["dormant_members"] is not None
    if action == "target":
        answer = client.put(
            f"{base}/analytics/target",
            {"active_members": 12, "window_days": 30},
            content_type="application/json",
        )
        return answer.status_code == 200
    if action == "nudge":
        answer = client.post(
            f"{base}/analytics/nudges", {"user": sleeper.pk}, content_type="application/json"
        )
        return answer.status_code == 201
    if action == "export":
        return client.get(f"{base}/xapi/statements").status_code == 200
    if action == "programme":
        return client.get("/api/analytics/programme").status_code == 200
    raise AssertionError(action)


@pytest.mark.django_db
@pytest.mark.parametrize(("who", "action"), CELLS)
def test_cell(who: str, action: str) -> None:
    community = CommunityFactory()
    sleeper = make_member(community, display_name="Dormant Dora").user
    Membership.objects.filter(user=sleeper).update(
        joined_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=120)
    )
    actor = _actor(who, community)
    client = Client()
    if actor is not None:
        client.force_login(actor)
    assert _allowed(who, action, client, community, sleeper) is MATRIX[who][action], (who, action)
