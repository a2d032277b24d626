"""docs/permissions.md "Web Push devices", cell by cell through the JSON API."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from delivery.models import PushSubscription
from tests.conftest import make_member
from tests.factories import CommunityFactory, UserFactory
from tests.permission_matrix import matrix
from tests.push_service import PushService

pytestmark = pytest.mark.django_db
MATRIX = matrix("Web Push devices")
API = "/api/me/push-subscriptions"


def test_the_table_covers_every_row_and_action():
    assert set(MATRIX) == {"anonymous", "user", "member", "facilitator", "staff"}
    assert all(
        set(row) == {"key", "subscribe", "list", "remove", "list_other", "remove_other"}
        for row in MATRIX.values()
    )


def _actor(who: str, community):
    if who == "anonymous":
        return None
    if who == "user":
        return UserFactory()
    if who == "staff":
        return UserFactory(is_staff=True)
    return make_member(community, role="facilitator" if who == "facilitator" else "member").user


@pytest.mark.parametrize("who", list(MATRIX))
@pytest.mark.parametrize(
    "action", ["key", "subscribe", "list", "remove", "list_other", "remove_other"]
)
def test_api_cell(who, action):
    service = PushService()  # endpoints only: nothing is pushed here
    community = CommunityFactory()
    other = make_member(community, display_name="Other Teacher").user
    actor = _actor(who, community)
    client = Client()
    if actor is not None:
        client.force_login(actor)
    theirs = PushSubscription.objects.create(
        user=other, endpoint=service.device("x").endpoint, endpoint_hash="theirs",
        p256dh="k", auth="a",
    )  # fmt: skip
    own = None
    if actor is not None:
        own = PushSubscription.objects.create(
            user=actor, endpoint=service.device("y").endpoint, endpoint_hash="own",
            p256dh="k", auth="a",
        )  # fmt: skip

    if action == "key":
        answer = client.get("/api/push/key")
        allowed = answer.status_code == 200
    elif action == "subscribe":
        body = json.dumps(service.device("new").subscription())
        answer = client.post(API, body, content_type="application/json")
        allowed = answer.status_code == 201
    elif action == "list":
        answer = client.get(API)
        allowed = answer.status_code == 200 and [d["id"] for d in answer.json()] == [own.pk]
    elif action == "list_other":
        answer = client.get(API)
        allowed = answer.status_code == 200 and theirs.pk in [d["id"] for d in answer.json()]
    elif action == "remove":
        answer = client.delete(f"{API}/{own.pk if own else theirs.pk}")
        allowed = answer.status_code == 204
    else:
        answer = client.delete(f"{API}/{theirs.pk}")
        allowed = answer.status_code == 204
    assert allowed == MATRIX[who][action], (who, action, answer.status_code)
    if not allowed:
        expected = 401 if who == "anonymous" else (404 if action == "remove_other" else 200)
        assert answer.status_code == expected
    assert PushSubscription.objects.filter(pk=theirs.pk).exists()
