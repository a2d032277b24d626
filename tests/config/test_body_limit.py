"""The ASGI body limit (config.asgi.BodyLimitMiddleware), which bounds bodies whatever the
ASGI server: driven with raw ASGI messages, as a streaming server would send them."""

from __future__ import annotations

import json

import pytest
from asgiref.testing import ApplicationCommunicator

from config.asgi import BodyLimitMiddleware
from config.asgi import application as kring_application

MB = 1024 * 1024


def http_scope(path: str, headers: list[tuple[bytes, bytes]]) -> dict:
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "headers": [(b"host", b"127.0.0.1"), *headers],
        "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8000),
    }  # fmt: skip


async def answer(communicator: ApplicationCommunicator) -> tuple[int, dict, bytes]:
    start = await communicator.receive_output(5)
    assert start["type"] == "http.response.start"
    body = b""
    while True:
        message = await communicator.receive_output(5)
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    return start["status"], dict(start["headers"]), body


class CountingApp:
    """An application that reads the whole body and says how much it got."""

    def __init__(self) -> None:
        self.read = 0

    async def __call__(self, scope, receive, send) -> None:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            self.read += len(message.get("body", b""))
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"read %d" % self.read})


async def test_a_declared_length_over_the_limit_is_refused_without_reading(settings):
    settings.KRING_REQUEST_MAX_BYTES = MB
    app = CountingApp()
    scope = http_scope("/api/me", [(b"content-length", str(1024 * MB).encode())])
    communicator = ApplicationCommunicator(BodyLimitMiddleware(app), scope)
    # nothing of the body is offered: the answer must come without it
    status, headers, body = await answer(communicator)
    assert status == 413 and headers[b"content-type"] == b"application/json"
    assert json.loads(body)["error"] == "too_large"
    assert app.read == 0


async def test_a_streamed_body_is_cut_off_once_it_passes_the_limit(settings):
    settings.KRING_REQUEST_MAX_BYTES = MB
    app = CountingApp()
    communicator = ApplicationCommunicator(BodyLimitMiddleware(app), http_scope("/page", []))
    for _ in range(3):  # 1.5 MB in 512 KB pieces, no Content-Length
        await communicator.send_input(
            {"type": "http.request", "body": b"x" * (MB // 2), "more_body": True}
        )
    status, headers, body = await answer(communicator)
    assert status == 413 and headers[b"content-type"].startswith(b"text/html")
    assert b"Too large" in body
    assert app.read <= MB  # the piece that crossed the limit never reached the application


async def test_a_body_within_the_limit_reaches_the_application(settings):
    settings.KRING_REQUEST_MAX_BYTES = MB
    app = CountingApp()
    communicator = ApplicationCommunicator(BodyLimitMiddleware(app), http_scope("/page", []))
    await communicator.send_input({"type": "http.request", "body": b"x" * 1000})
    status, _, body = await answer(communicator)
    assert (status, body) == (200, b"read 1000")


@pytest.mark.django_db
async def test_kring_refuses_an_oversized_upload_through_django_too(settings):
    # the whole application (not a stand-in): over the upload limit plus overhead
    settings.KRING_UPLOAD_MAX_BYTES = MB
    settings.KRING_MULTIPART_OVERHEAD_BYTES = 1000
    scope = http_scope(
        "/api/communities/any/resources",
        [(b"content-type", b"multipart/form-data; boundary=x"),
         (b"content-length", str(MB + 2000).encode())],
    )  # fmt: skip
    status, _, body = await answer(ApplicationCommunicator(kring_application, scope))
    assert status == 413 and json.loads(body)["error"] == "too_large"
