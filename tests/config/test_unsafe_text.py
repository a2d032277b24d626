"""NUL characters and unpaired surrogates are a bad request everywhere, never a 500 and never
"unavailable, retry" on a socket (the database would refuse them)."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from community.models import RoomEvent
from tests.conftest import connect, receive_until

NUL_JSON = '{"display_name": "Anna\\u0000"}'
SURROGATE_JSON = '{"display_name": "Anna\\ud800"}'


@pytest.mark.django_db
@pytest.mark.parametrize("body", [NUL_JSON, SURROGATE_JSON])
def test_api_json_with_unsafe_text_is_a_bad_request_and_writes_nothing(alice, body):
    client = Client(HTTP_X_SESSION_TOKEN=alice.token)
    answer = client.patch("/api/me", body, content_type="application/json")
    assert answer.status_code == 400 and answer.json()["error"] == "bad_request"
    alice.user.refresh_from_db()
    assert alice.user.display_name == "Alice Anders"


@pytest.mark.django_db
def test_a_search_with_a_nul_is_a_bad_request_on_pages_and_the_api(alice):
    client = Client(HTTP_X_SESSION_TOKEN=alice.token)
    assert client.get("/api/resources", {"q": "frac\x00tions"}).status_code == 400
    client.force_login(alice.user)
    assert client.get("/communities/", {"q": "a\x00b"}).status_code == 400
    assert client.get("/communities/", {"q": "ab"}).status_code == 200


@pytest.mark.django_db
def test_a_form_field_with_a_nul_is_a_bad_request(alice):
    client = Client()
    client.force_login(alice.user)
    answer = client.post("/me/profile/", {"display_name": "Anna\x00", "bio": ""})
    assert answer.status_code == 400


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("body", ["hi\\u0000", "hi\\udc00"])
async def test_a_post_with_unsafe_text_gets_bad_request_not_unavailable(room, alice, body):
    socket = await connect(alice.token)
    await socket.send_to(
        text_data=f'{{"type": "post", "room": {room.pk}, "body": "{body}", "ref": "x"}}'
    )
    error = await receive_until(socket, "error")
    assert (error["code"], error["ref"]) == ("bad_request", "x")
    assert "NUL" in error["detail"]
    assert not await database_sync_to_async(RoomEvent.objects.filter(client_ref="x").exists)()
    await socket.send_json_to({"type": "ping", "ref": "alive"})
    assert json.dumps(await receive_until(socket, "pong"))
    await socket.disconnect()
