"""Running like a service: /metrics only for the allowed, JSON logs with request and user ids
from a real server process, the metrics the hub will fill are registered."""

from __future__ import annotations

import json
import time

import pytest
from django.test import Client

from tests.conftest import http_json, make_member, start_daphne, stop_daphne
from tests.factories import CommunityFactory


@pytest.mark.django_db
def test_metrics_are_served_to_this_machine():
    response = Client().get("/metrics")  # REMOTE_ADDR 127.0.0.1
    assert response.status_code == 200
    text = response.content.decode()
    assert "django_http_requests_total_by_method_total" in text
    for name in ("kring_open_sockets", "kring_outbox_backlog", "kring_hub_lag_seconds"):
        assert name in text


@pytest.mark.django_db
def test_metrics_are_hidden_from_others_unless_they_bring_the_token(settings):
    settings.KRING_METRICS_TOKEN = "scrape-secret"
    outsider = Client(REMOTE_ADDR="203.0.113.9")
    assert outsider.get("/metrics").status_code == 404
    assert outsider.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    assert outsider.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret").status_code == 200


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_request_logs_one_json_line_with_request_and_user_id():
    member = make_member(CommunityFactory())
    server = start_daphne({"KRING_LOG_FORMAT": "json"}, log_name="logs")
    try:
        status, _ = http_json(
            "GET", f"{server.url}/api/me", headers={"X-Session-Token": member.token}
        )
        assert status == 200
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            lines = [json.loads(line) for line in server.log_path.read_text().splitlines()
                     if line.startswith("{")]  # fmt: skip
            finished = [
                line for line in lines
                if line.get("event") == "request_finished" and line.get("request") == "GET /api/me"
            ]  # fmt: skip
            if finished:
                break
            time.sleep(0.1)
        assert finished, server.log()
        assert finished[0]["user_id"] == member.user.pk and finished[0]["request_id"]
        assert finished[0]["ip"] == "127.0.0.1" and finished[0]["code"] == 200
    finally:
        stop_daphne(server)


def test_sentry_receives_logged_errors_when_a_dsn_is_set():
    # a local stand-in for Sentry's ingest endpoint: it records what the SDK sends
    import gzip
    import os
    import subprocess
    import sys
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    received: list[bytes] = []

    class Ingest(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            received.append(body)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Ingest)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        dsn = f"http://publickey@127.0.0.1:{server.server_address[1]}/42"
        probe = (
            "import django, logging, sentry_sdk; django.setup(); "
            "logging.getLogger('kring.api').error('boom from a test'); sentry_sdk.flush(5)"
        )
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "SENTRY_DSN": dsn}
        result = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True,
                                text=True, timeout=60)  # fmt: skip
        assert result.returncode == 0, result.stderr
    finally:
        server.shutdown()
    assert any(b"boom from a test" in body for body in received)


def test_without_a_dsn_sentry_stays_off():
    import os
    import subprocess
    import sys

    probe = "import django, sentry_sdk; django.setup(); print(sentry_sdk.get_client().is_active())"
    env = {k: v for k, v in os.environ.items() if k != "SENTRY_DSN"}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    result = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
    assert result.stdout.strip().splitlines()[-1] == "False", result.stderr
