"""Every JSON API error is ``{"error", "detail"}``: unknown endpoints, crashes, too-large
bodies (tests/config/test_body_limit.py, tests/e2e/test_request_limits.py)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_an_unknown_api_path_is_a_json_404():
    response = Client().get("/api/no/such/thing")
    assert response.status_code == 404
    assert response.json() == {
        "error": "not_found",
        "detail": "There is no such API endpoint (see /api/docs).",
    }


def test_an_unknown_page_is_still_a_page():
    response = Client().get("/no/such/page")
    assert response.status_code == 404 and response["content-type"].startswith("text/html")


def test_a_crash_inside_an_endpoint_is_a_json_500_and_is_logged(monkeypatch, caplog):
    # given a bug in a selector (the one thing made to fail here)
    from community import selectors

    def broken(**kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(selectors, "community_list", broken)
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory())
    response = client.get("/api/communities")
    assert response.status_code == 500
    assert set(response.json()) == {"error", "detail"}
    assert response.json()["error"] == "server_error"
    assert "a bug" in caplog.text
