"""Degrade, never 500: a daphne process over a Redis of the test's own, which the test kills.
Sign-in and sign-up keep working (allauth's rate limits fall back to local memory), the
probes tell liveness from readiness, and readiness leaves no Redis subscription behind."""

from __future__ import annotations

import pytest
import redis
from django.test import override_settings

from tests.conftest import http_json, start_daphne, stop_daphne
from tests.factories import PASSWORD, UserFactory
from tests.reliability.conftest import redis_server  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def server(redis_server):  # noqa: F811
    live = start_daphne(
        {"REDIS_URL": redis_server.url, "KRING_WORKER_IN_PROCESS": "0",
         "KRING_TEST_RATE_LIMITS": "1"},
        log_name="degrade",
    )  # fmt: skip
    yield live
    stop_daphne(live)


def login(server, email: str, password: str = PASSWORD) -> tuple[int, dict]:
    return http_json(
        "POST", f"{server.url}/_allauth/app/v1/auth/login", {"email": email, "password": password}
    )


def signup(server, email: str) -> tuple[int, dict]:
    return http_json(
        "POST",
        f"{server.url}/_allauth/app/v1/auth/signup",
        {"email": email, "password": "a-long-passphrase-2026", "display_name": "Nieuwe Leraar"},
    )


def test_sign_in_and_sign_up_keep_working_while_redis_is_down(server, redis_server):  # noqa: F811
    # given a teacher, and Redis serving the cache
    UserFactory(email="anna@school.test")
    assert login(server, "anna@school.test")[0] == 200
    # when Redis dies
    redis_server.kill()
    # then signing in and signing up still work, and wrong passwords are still limited
    status, body = login(server, "anna@school.test")
    assert status == 200, body
    status, body = signup(server, "nieuw@school.test")
    assert status == 200, (status, body, server.log())
    codes = [
        error["code"]
        for _ in range(12)
        for error in login(server, "anna@school.test", "wrong")[1].get("errors", [])
    ]
    assert "too_many_login_attempts" in codes


def test_readiness_says_degraded_and_liveness_ok_while_redis_is_down(server, redis_server):  # noqa: F811
    redis_server.kill()
    status, body = http_json("GET", f"{server.url}/healthz/ready")
    assert status == 503 and body["channel_layer"]["state"].startswith("error")
    assert body["database"]["state"] == "ok"
    assert http_json("GET", f"{server.url}/healthz/live") == (200, {"status": "ok"})
    assert http_json("GET", f"{server.url}/healthz")[0] == 503  # the old name is readiness


def test_readiness_probes_leave_no_redis_subscription_behind(server, redis_server):  # noqa: F811
    client = redis.Redis(port=redis_server.port)
    assert http_json("GET", f"{server.url}/healthz/ready")[0] == 200
    before = len(client.pubsub_channels())
    for _ in range(20):
        assert http_json("GET", f"{server.url}/healthz/ready")[0] == 200
    assert len(client.pubsub_channels()) == before
    client.close()


@override_settings()
def test_the_fallback_cache_answers_from_memory_while_redis_is_down(redis_server):  # noqa: F811
    from config.cache import FallbackRedisCache

    cache = FallbackRedisCache(redis_server.url, {"KEY_PREFIX": "t"})
    cache.set("k", 1)
    assert cache.get("k") == 1
    redis_server.kill()
    cache.set("k", 2)  # no exception: kept locally
    assert cache.get("k") == 2
    assert cache.incr("k") == 3
