"""The JSON API: shapes, authentication (cookie + CSRF, X-Session-Token) and errors."""

from __future__ import annotations

import pytest
from django.test import Client

from community import services
from core.protocol.base import encode
from core.protocol.room_events import event_frame
from tests.conftest import make_member, session_token_for
from tests.factories import CommunityFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(alice):
    client = Client()
    client.force_login(alice.user)
    return client


def token_client(user):
    return Client(HTTP_X_SESSION_TOKEN=session_token_for(user))


def test_anonymous_gets_401_json():
    response = Client().get("/api/communities")
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"


def test_list_communities_shape(api, community, alice):
    CommunityFactory(countries=["PL"], kind="hub")
    response = api.get("/api/communities")
    assert response.status_code == 200
    mine = next(c for c in response.json() if c["slug"] == community.slug)
    assert set(mine) >= {"id", "slug", "name", "kind", "countries", "languages", "join_policy",
                         "member_count", "is_member", "role"}  # fmt: skip
    assert (mine["is_member"], mine["role"], mine["member_count"]) == (True, "member", 1)
    assert mine["countries"] == ["NL"]


def test_list_communities_filters(api, community):
    hub = CommunityFactory(countries=["PL"], kind="hub", name="Kraków hub")
    assert [c["slug"] for c in api.get("/api/communities?kind=hub").json()] == [hub.slug]
    assert [c["slug"] for c in api.get("/api/communities?country=PL").json()] == [hub.slug]
    assert [c["slug"] for c in api.get("/api/communities?q=krak").json()] == [hub.slug]
    bad = api.get("/api/communities?kind=galaxy")
    assert bad.status_code == 400 and bad.json()["error"] == "bad_request"


def test_token_auth_works_without_cookie(alice, community):
    response = token_client(alice.user).get(f"/api/communities/{community.slug}")
    assert response.status_code == 200
    assert response.json()["description"] == community.description


def test_invalid_token_is_401():
    response = Client(HTTP_X_SESSION_TOKEN="nope").get("/api/me")
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("policy", "status", "state"),
    [("open", 200, "active"), ("request", 200, "pending"), ("invite", 403, None)],
)
def test_join(policy, status, state):
    community = CommunityFactory(join_policy=policy)
    client = token_client(UserFactory())
    response = client.post(f"/api/communities/{community.slug}/join")
    assert response.status_code == status
    if state:
        assert response.json() == {"state": state, "role": "member"}
    else:
        assert response.json()["error"] == "forbidden"


def test_leave(alice, community):
    response = token_client(alice.user).post(f"/api/communities/{community.slug}/leave")
    assert response.json() == {"state": "left", "role": "member"}
    again = token_client(alice.user).post(f"/api/communities/{community.slug}/leave")
    assert again.status_code == 409 and again.json()["error"] == "conflict"


def test_cookie_auth_needs_csrf_for_unsafe_methods(alice, community):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice.user)
    assert client.get("/api/me").status_code == 200
    refused = client.post(f"/api/communities/{community.slug}/leave")
    assert refused.status_code == 403
    client.get("/communities/")  # sets the csrftoken cookie
    token = client.cookies["csrftoken"].value
    allowed = client.post(f"/api/communities/{community.slug}/leave", HTTP_X_CSRFTOKEN=token)
    assert allowed.status_code == 200


def test_missing_community_is_404(api):
    response = api.get("/api/communities/nowhere")
    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "detail": "No community 'nowhere'."}


def test_rooms_with_unread(api, community, room, bob):
    services.message_post(room_id=room.pk, author=bob.user, body="hello")
    response = api.get(f"/api/communities/{community.slug}/rooms")
    assert response.json() == [
        {"id": room.pk, "name": "general", "topic": "Everything", "last_seq": 1, "unread": 1}
    ]


def test_history_returns_exactly_the_socket_frames(api, room, alice, bob):
    first, _ = services.message_post(room_id=room.pk, author=alice.user, body="question")
    services.message_post(room_id=room.pk, author=bob.user, body="answer", reply_to_id=first.pk)
    frames = api.get(f"/api/rooms/{room.pk}/events").json()
    from community import selectors

    expected = [encode(event_frame(e)) for e in selectors.room_events(room_id=room.pk)]
    import json

    assert frames == [json.loads(text) for text in expected]
    assert frames[1]["event"]["reply_preview"]["excerpt"] == "question"


def test_history_paging_and_limits(api, room, alice, settings):
    for i in range(6):
        services.message_post(room_id=room.pk, author=alice.user, body=f"m{i}")
    seqs = lambda q: [f["seq"] for f in api.get(f"/api/rooms/{room.pk}/events{q}").json()]  # noqa: E731
    assert seqs("?limit=2") == [5, 6]
    assert seqs("?before=5&limit=2") == [3, 4]
    assert seqs("?after=1&limit=2") == [2, 3]
    too_many = api.get(f"/api/rooms/{room.pk}/events?limit={settings.KRING_HISTORY_PAGE_MAX + 1}")
    assert too_many.status_code == 400


def test_history_forbidden_for_non_members_and_observers_can_read(community, room):
    outsider = token_client(UserFactory()).get(f"/api/rooms/{room.pk}/events")
    assert outsider.status_code == 403
    observer = make_member(community, role="observer")
    assert token_client(observer.user).get(f"/api/rooms/{room.pk}/events").status_code == 200
    assert token_client(observer.user).get("/api/rooms/999999/events").status_code == 404


def test_me_get_and_patch(alice):
    client = token_client(alice.user)
    me = client.get("/api/me").json()
    assert me["display_name"] == "Alice Anders"
    patched = client.patch(
        "/api/me",
        {
            "country": "pl",
            "languages": ["pl", "en"],
            "age_groups": ["primary"],
            "subjects": ["maths"],
        },
        content_type="application/json",
    )
    assert patched.status_code == 200
    assert (patched.json()["country"], patched.json()["languages"]) == ("PL", ["pl", "en"])
    bad = client.patch("/api/me", {"country": "ZZ"}, content_type="application/json")
    assert bad.status_code == 400 and "country" in bad.json()["detail"]
    assert client.get("/api/me").json()["country"] == "PL"


def test_openapi_schema_is_served(api):
    schema = api.get("/api/openapi.json").json()
    assert "/api/rooms/{room_id}/events" in schema["paths"]
    assert api.get("/api/docs").status_code == 200


def test_an_id_beyond_what_the_database_stores_is_a_bad_request_not_a_crash(api, alice):
    too_big = 2**70
    answer = api.get(f"/api/rooms/{too_big}/events")
    assert answer.status_code in (400, 404) and answer.json()["error"] in (
        "bad_request",
        "not_found",
    )
    answer = api.post("/api/direct", {"users": [too_big]}, content_type="application/json")
    assert answer.status_code == 400 and answer.json()["error"] == "bad_request"


def test_token_clients_reach_their_own_settings(alice):
    # Endpoints must take the person from the authentication (cookie or token), not the
    # session: a token client is anonymous to Django's session middleware.
    client = token_client(alice.user)
    answer = client.get("/api/me/xapi-forwarding")
    assert answer.status_code == 200 and answer.json()["forward"] is True
    answer = client.put(
        "/api/me/xapi-forwarding", {"forward": False}, content_type="application/json"
    )
    assert answer.status_code == 200 and answer.json()["forward"] is False
    assert client.get("/api/me/xapi-forwarding").json()["forward"] is False
