"""Web Push devices over the JSON API and the settings page: register, list, remove; bad input
refused with nothing written; signing out forgets the session's device; GDPR; /sw.js."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.test import Client, override_settings

from community.services import account_delete, account_export
from delivery.models import PushSubscription
from delivery.push import keys
from tests.conftest import make_member
from tests.push_service import Device, PushService

pytestmark = pytest.mark.django_db
API = "/api/me/push-subscriptions"
CHROME_ANDROID = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/131.0 Mobile"


@pytest.fixture
def service():
    # Devices need an endpoint, not a running server: these tests never push.
    return PushService()


def signed_in(member) -> Client:
    client = Client(HTTP_USER_AGENT=CHROME_ANDROID)
    client.force_login(member.user)
    return client


def register(client: Client, body) -> tuple[int, dict]:
    answer = client.post(API, json.dumps(body), content_type="application/json")
    return answer.status_code, answer.json()


def test_a_teacher_registers_this_browser_and_sees_it_listed(alice, service):
    client = signed_in(alice)
    device = service.device("phone")

    status, created = register(client, device.subscription())
    again_status, again = register(client, device.subscription())

    assert (status, again_status, again["id"]) == (201, 200, created["id"])
    assert created["label"] == "Chrome on Android"
    assert created["fingerprint"] == hashlib.sha256(device.endpoint.encode()).hexdigest()
    assert "endpoint" not in created, "a capability URL is never shown"
    listed = client.get(API).json()
    assert [d["id"] for d in listed] == [created["id"]]
    assert client.get("/api/push/key").json() == {"public_key": keys.public_key()}


def _bad_bodies(device: Device) -> dict[str, dict]:
    good = device.subscription()
    return {
        "plain http to a push service": {
            **good,
            "endpoint": "http://fcm.googleapis.com/fcm/send/x",
        },
        "a host that is no push service": {**good, "endpoint": "https://intranet.school.test/x"},
        "a push service's look-alike": {
            **good,
            "endpoint": "https://fcm.googleapis.com.evil.test/x",
        },
        "credentials in the URL": {**good, "endpoint": "https://u:p@fcm.googleapis.com/fcm/x"},
        "not a URL": {**good, "endpoint": "fcm.googleapis.com"},
        "an endpoint too long": {**good, "endpoint": "https://fcm.googleapis.com/" + "a" * 2100},
        "p256dh not on the curve": {**good, "keys": {**good["keys"], "p256dh": "BA" + "A" * 85}},
        "p256dh not base64url": {**good, "keys": {**good["keys"], "p256dh": "%%%"}},
        "auth of the wrong length": {**good, "keys": {**good["keys"], "auth": "AAAA"}},
        "no keys": {"endpoint": good["endpoint"]},
    }


@pytest.mark.parametrize(
    "case",
    [
        "plain http to a push service",
        "a host that is no push service",
        "a push service's look-alike",
        "credentials in the URL",
        "not a URL",
        "an endpoint too long",
        "p256dh not on the curve",
        "p256dh not base64url",
        "auth of the wrong length",
        "no keys",
    ],
)
def test_bad_subscriptions_are_refused_with_a_reason_and_nothing_is_stored(alice, service, case):
    status, body = register(signed_in(alice), _bad_bodies(service.device("phone"))[case])

    assert (status, body["error"]) == (400, "bad_request")
    assert body["detail"]
    assert not PushSubscription.objects.exists()


@override_settings(KRING_PUSH_MAX_DEVICES=2)
def test_a_teacher_has_at_most_the_devices_the_settings_allow(alice, service):
    client = signed_in(alice)
    register(client, service.device("phone").subscription())
    register(client, service.device("laptop").subscription())

    status, body = register(client, service.device("tablet").subscription())

    assert (status, body["error"]) == (409, "conflict")
    assert "remove one" in body["detail"]
    assert PushSubscription.objects.filter(user=alice.user).count() == 2


def test_a_teacher_removes_their_own_devices_only(alice, bob, service):
    mine = register(signed_in(alice), service.device("phone").subscription())[1]
    theirs = register(signed_in(bob), service.device("bob").subscription())[1]
    client = signed_in(alice)

    assert client.delete(f"{API}/{theirs['id']}").status_code == 404
    assert client.delete(f"{API}/{mine['id']}").status_code == 204
    assert list(PushSubscription.objects.values_list("pk", flat=True)) == [theirs["id"]]
    assert client.get(API).json() == []


def test_a_browser_registered_by_the_next_teacher_stops_pushing_to_the_first(alice, bob, service):
    shared_computer = service.device("classroom pc")
    register(signed_in(alice), shared_computer.subscription())

    register(signed_in(bob), shared_computer.subscription())

    assert list(PushSubscription.objects.values_list("user_id", flat=True)) == [bob.user.pk]


def test_signing_out_forgets_the_device_registered_in_that_session(alice, service):
    phone = Client(HTTP_USER_AGENT=CHROME_ANDROID)
    phone.force_login(alice.user)
    register(phone, service.device("phone").subscription())
    classroom = Client()
    classroom.force_login(alice.user)
    register(classroom, service.device("classroom pc").subscription())

    classroom.post("/accounts/logout/")

    assert list(PushSubscription.objects.values_list("browser", flat=True)) == ["Chrome"]


def test_signing_out_of_an_app_session_forgets_its_device(alice, service):
    app = Client(HTTP_X_SESSION_TOKEN=alice.token)
    register(app, service.device("app").subscription())

    assert app.delete("/_allauth/app/v1/auth/session").status_code in (200, 401)
    assert not PushSubscription.objects.exists()


def test_the_data_export_lists_devices_and_erasure_removes_them(community, service):
    zofia = make_member(community, display_name="Zofia Kowalska")
    register(signed_in(zofia), service.device("phone").subscription())

    exported = account_export(user=zofia.user)["push_subscriptions"]
    assert [d["browser"] for d in exported] == ["Chrome"]
    assert exported[0]["endpoint"].startswith(service.url)

    account_delete(user=zofia.user)
    assert not PushSubscription.objects.exists()


def test_the_api_schema_describes_the_push_endpoints(alice):
    paths = signed_in(alice).get("/api/openapi.json").json()["paths"]
    assert {"get", "post"} <= set(paths["/api/me/push-subscriptions"])
    assert "delete" in paths["/api/me/push-subscriptions/{subscription_id}"]
    assert "get" in paths["/api/push/key"]


def test_the_service_worker_is_served_for_the_whole_site(client):
    answer = client.get("/sw.js")

    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/javascript")
    assert answer["Service-Worker-Allowed"] == "/"
    assert "no-cache" in answer["Cache-Control"]
    text = answer.content.decode()
    assert 'addEventListener("push"' in text and 'addEventListener("notificationclick"' in text


def test_the_settings_page_lists_devices_and_removes_one(alice, service):
    client = signed_in(alice)
    device = register(client, service.device("phone").subscription())[1]

    page = client.get("/notifications/settings/")
    assert f'data-push-key="{keys.public_key()}"' in page.text
    assert f'data-fingerprint="{device["fingerprint"]}"' in page.text
    assert "Chrome on Android" in page.text

    client.post("/notifications/settings/", {"action": "remove_device", "device": device["id"]})
    assert not PushSubscription.objects.exists()


def test_the_settings_page_cannot_remove_another_teachers_device(alice, bob, service):
    theirs = register(signed_in(bob), service.device("bob").subscription())[1]

    answer = signed_in(alice).post(
        "/notifications/settings/", {"action": "remove_device", "device": theirs["id"]}, follow=True
    )

    assert "does not get your notifications" in answer.text
    assert PushSubscription.objects.filter(pk=theirs["id"]).exists()


def test_the_notification_list_offers_pushes_until_a_device_gets_them(alice, service):
    client = signed_in(alice)
    offer = "Turn on notifications for a device"
    assert offer in client.get("/notifications/").text

    register(client, service.device("phone").subscription())

    assert offer not in client.get("/notifications/").text


def test_registering_browsers_again_and_again_is_limited(alice, service, settings):
    settings.KRING_RATE_LIMITS = {**settings.KRING_RATE_LIMITS, "push_device": (2, 3600)}
    client = signed_in(alice)
    device = service.device("phone")
    statuses = [register(client, device.subscription())[0] for _ in range(3)]

    assert statuses == [201, 200, 429]
    assert PushSubscription.objects.count() == 1
