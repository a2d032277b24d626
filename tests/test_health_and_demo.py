from __future__ import annotations

import pytest
from django.core.management import call_command

from community.models import Community, Membership, RoomEvent, User


@pytest.mark.django_db(transaction=True)
async def test_healthz_reports_database_and_channel_layer(async_client):
    response = await async_client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["state"] == "ok"
    assert body["channel_layer"]["state"] == "ok"


@pytest.mark.django_db
def test_seed_demo_is_idempotent():
    call_command("seed_demo")
    counts = (
        User.objects.count(),
        Community.objects.count(),
        Membership.objects.count(),
        RoomEvent.objects.count(),
    )
    call_command("seed_demo")
    assert counts == (
        User.objects.count(),
        Community.objects.count(),
        Membership.objects.count(),
        RoomEvent.objects.count(),
    )
    kinds = set(Community.objects.values_list("kind", flat=True))
    assert kinds == {"regional", "hub", "cross_border"}
    assert Community.objects.filter(join_policy="request").exists()
    regional_countries = {c.countries[0].code for c in Community.objects.filter(kind="regional")}
    assert len(regional_countries) >= 3
    assert RoomEvent.objects.exists()


@pytest.mark.django_db
def test_failed_logins_are_rate_limited_through_the_shared_cache(settings):
    from django.test import Client

    from tests.factories import UserFactory

    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,3/5m/key"}
    user = UserFactory(email="target@school.test")
    client = Client()
    answers = [
        client.post(
            "/_allauth/app/v1/auth/login",
            {"email": user.email, "password": "wrong"},
            content_type="application/json",
        ).json()
        for _ in range(4)
    ]
    codes = [error["code"] for answer in answers for error in answer.get("errors", [])]
    # three wrong passwords, then allauth refuses to even check the fourth
    assert codes.count("too_many_login_attempts") == 1 and answers[-1]["status"] == 400
    assert answers[-1]["errors"][0]["code"] == "too_many_login_attempts"
