"""Teaching materials end to end on a real daphne process: upload over HTTP, download by
another member, and a live comment on the material's thread over real WebSockets."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid

import pytest
from asgiref.sync import sync_to_async

from tests.conftest import login_over_http, make_member
from tests.factories import CommunityFactory
from tests.resources.files import PDF

from .test_live_rooms import open_client

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def multipart(fields: dict[str, str], file: tuple[str, str, bytes]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                     f"{value}\r\n".encode())  # fmt: skip
    filename, content_type, content = file
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def request(url: str, token: str, data: bytes | None = None, content_type: str = "") -> tuple:
    headers = {"X-Session-Token": token}
    if content_type:
        headers["Content-Type"] = content_type
    try:
        with urllib.request.urlopen(
            urllib.request.Request(url, data=data, headers=headers), timeout=10
        ) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


async def test_a_material_is_shared_downloaded_and_discussed_live(daphne_server):
    community, alice, bob, outsider = await sync_to_async(_people)()
    tokens = [
        await sync_to_async(login_over_http)(daphne_server, who.user.email)
        for who in (alice, bob, outsider)
    ]
    alice_token, bob_token, outsider_token = tokens
    general = await sync_to_async(lambda: community.rooms.get(name="general").pk)()
    watcher = await open_client(daphne_server, bob_token)
    await watcher.send({"type": "subscribe", "room": general, "since": 0})
    await watcher.until("subscribed")
    body, content_type = multipart(
        {"title": "Lesson: the water cycle", "language": "sv", "licence": "CC-BY-4.0",
         "resource_type": "lesson plan", "subjects": "science"},
        ("vattnets-kretslopp.pdf", "application/pdf", PDF),
    )  # fmt: skip
    status, _, raw = await sync_to_async(request)(
        f"{daphne_server.url}/api/communities/{community.slug}/resources",
        alice_token,
        body,
        content_type,
    )
    assert status == 201, raw
    material = json.loads(raw)
    # The community's general room hears about it live.
    shared = await watcher.until("event")
    assert (shared["room"], shared["event"]["kind"]) == (general, "resource")
    assert shared["event"]["data"]["action"] == "shared"
    assert shared["event"]["data"]["resource"]["id"] == material["id"]
    download_url = daphne_server.url + material["versions"][0]["download"]

    status, headers, content = await sync_to_async(request)(download_url, bob_token)
    assert (status, content) == (200, PDF)
    assert headers["Content-Disposition"].startswith("attachment;")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Security-Policy"] == "sandbox; default-src 'none'"
    status, _, _ = await sync_to_async(request)(download_url, outsider_token)
    assert status == 403

    thread = material["thread_room"]
    a = await open_client(daphne_server, alice_token)
    b = await open_client(daphne_server, bob_token)
    for client in (a, b):
        await client.send({"type": "subscribe", "room": thread, "since": 0})
        await client.until("subscribed")
    await b.send({"type": "post", "room": thread, "body": "Used it with grade 4: great!",
                  "version": 1, "ref": "b1"})  # fmt: skip
    got = await a.until("event")
    assert got["room"] == thread
    assert got["event"]["body"] == "Used it with grade 4: great!"
    assert got["event"]["data"] == {"version": 1}
    assert got["event"]["author"]["name"] == "Bob Berg"
    # An outsider cannot listen in.
    o = await open_client(daphne_server, outsider_token)
    await o.send({"type": "subscribe", "room": thread, "since": 0, "ref": "o1"})
    refused = await o.until("error")
    assert refused["code"] == "forbidden"
    for client in (a, b, o, watcher):
        await client.socket.close()


def _people():
    community = CommunityFactory()
    alice = make_member(community, display_name="Alice Anders")
    bob = make_member(community, display_name="Bob Berg")
    outsider = make_member(CommunityFactory())
    return community, alice, bob, outsider
