"""Who the client is, behind nginx (KRING_TRUSTED_PROXY_COUNT=1) and without a proxy (0):
a client cannot escape a per-address limit by writing its own X-Forwarded-For."""

from __future__ import annotations

import pytest

from tests.conftest import http_json, start_daphne, stop_daphne

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def failed_logins(server, forwarded_for: list[str]) -> list[str]:
    codes = []
    for index, xff in enumerate(forwarded_for):
        status, body = http_json(
            "POST", f"{server.url}/_allauth/app/v1/auth/login",
            {"email": f"nobody{index}@school.test", "password": "wrong"},
            headers={"X-Forwarded-For": xff},
        )  # fmt: skip
        assert status < 500, body
        codes += [error["code"] for error in body.get("errors", [])]
    return codes


def limited_server(proxies: int):
    return start_daphne(
        {"KRING_TEST_RATE_LIMITS": "1", "LOGIN_RATE_LIMIT": "3/m/ip",
         "KRING_TRUSTED_PROXY_COUNT": str(proxies)},
        log_name=f"proxy-{proxies}",
    )  # fmt: skip


def test_behind_one_proxy_the_address_the_proxy_saw_counts_not_what_the_client_wrote():
    server = limited_server(1)
    try:
        # one client (nginx saw 203.0.113.7) writing a new address in front each time
        spoofed = [f"198.51.100.{n}, 203.0.113.7" for n in range(5)]
        assert "too_many_login_attempts" in failed_logins(server, spoofed)
        # another client, as nginx reports it, is not limited by the first one's failures
        assert "too_many_login_attempts" not in failed_logins(server, ["203.0.113.8"])
    finally:
        stop_daphne(server)


def test_without_a_proxy_x_forwarded_for_is_ignored():
    server = limited_server(0)
    try:
        spoofed = [f"198.51.100.{n}" for n in range(5)]
        assert "too_many_login_attempts" in failed_logins(server, spoofed)
    finally:
        stop_daphne(server)
