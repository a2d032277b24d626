"""Web Push in a real browser: a teacher turns notifications on for their phone on the settings
page, a colleague mentions them, the push service receives the encrypted push, and the page's
own service worker shows it and opens it (marking it read).

Headless Chromium here has no push service (``PushManager.subscribe`` fails: "Registration
failed - permission denied", and there is no network to a vendor's service anyway). So the
browser's API is replaced at its boundary only: ``pushManager.subscribe`` /
``getSubscription`` return a subscription whose endpoint and keys are those of a device of the
tests' own push service (tests/push_service.py), exactly what a browser would hand out.
Everything else is real: the permission request, the service worker registered at /sw.js, the
API call, the server's fan-out and sender, the encryption and VAPID signature (checked and
decrypted by the push service), and the service worker's push and click handlers (given the
payload the push service decrypted).
"""

from __future__ import annotations

import base64
import json
import time

import pytest
from django.test.utils import override_settings
from notifications.models import Notification

from community import services
from delivery.models import DeliverySettings, PushSubscription
from delivery.push import keys
from tests.conftest import E2E_QUEUE, make_member
from tests.factories import CommunityFactory

from .conftest import PHONE, screenshot, sign_in, wait_until
from .test_accessibility import _check

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Replaces the browser's push subscription (see the module docstring); counts permission
# requests, to prove none is made on page load.
FAKE_PUSH = """
(() => {
  const info = %s;
  const ask = Notification.requestPermission.bind(Notification);
  Notification.requestPermission = (...args) => {
    sessionStorage.setItem("asked", String(Number(sessionStorage.getItem("asked") || 0) + 1));
    return ask(...args);
  };
  const make = () => ({
    endpoint: info.endpoint,
    expirationTime: null,
    options: { userVisibleOnly: true, applicationServerKey: null },
    toJSON: () => info,
    unsubscribe: () => { localStorage.removeItem("fake-push"); return Promise.resolve(true); },
  });
  PushManager.prototype.subscribe = function (options) {
    const key = btoa(String.fromCharCode(...new Uint8Array(options.applicationServerKey)));
    localStorage.setItem("fake-push", key);
    return Promise.resolve(make());
  };
  PushManager.prototype.getSubscription = function () {
    return Promise.resolve(localStorage.getItem("fake-push") ? make() : null);
  };
})();
"""


def _b64url(standard: str) -> str:
    return base64.urlsafe_b64encode(base64.b64decode(standard)).rstrip(b"=").decode()


def test_a_teacher_turns_pushes_on_for_their_phone_and_a_mention_arrives_and_opens(
    browser, e2e_worker, push_service
):
    server = e2e_worker
    community = CommunityFactory(name="Skåne digital")
    alice = make_member(community, email="alice@push.test", display_name="Alice Anders")
    bob = make_member(community, email="bob@push.test", display_name="Bob Berg")
    DeliverySettings.objects.create(user=bob.user, quiet_start=None, quiet_end=None)
    phone = push_service.device("bob's phone")

    page = sign_in(browser, server, bob.user.email, viewport=PHONE)
    page.context.grant_permissions(["notifications"], origin=server.url)
    page.context.add_init_script(FAKE_PUSH % json.dumps(phone.subscription()))
    page.goto(f"{server.url}/notifications/settings/")

    # On load: nothing asked, nothing written; the teacher is offered the choice.
    turn_on = page.locator("#push-on")
    turn_on.wait_for()
    assert page.evaluate("() => sessionStorage.getItem('asked')") is None
    assert "does not get notifications" in page.locator("#push-status").inner_text()
    assert not PushSubscription.objects.exists()

    turn_on.click()
    page.locator("#push-off").wait_for()  # reloaded, and recognised as this device
    assert page.evaluate("() => sessionStorage.getItem('asked')") == "1"  # by the click only
    assert page.locator("li[data-device] [data-this-device]").is_visible()
    device = PushSubscription.objects.get(user=bob.user)
    assert device.endpoint == phone.endpoint
    assert _b64url(page.evaluate("() => localStorage.getItem('fake-push')")) == keys.public_key()
    registration = wait_until(
        page,
        "async () => { const r = await navigator.serviceWorker.getRegistration('/');"
        " return r && r.active ? [r.scope, r.active.scriptURL] : null; }",
        what="the service worker to be active",
    )
    assert registration == [f"{server.url}/", f"{server.url}/sw.js"]
    assert _check(page, "push settings @390") == []
    screenshot(page, "teacher-push-on-390")

    # A colleague mentions Bob: the deployment's worker pushes to his phone.
    with override_settings(KRING_OUTBOX_QUEUE=E2E_QUEUE):
        services.message_post(
            room_id=community.rooms.get(name="general").pk,
            author=alice.user,
            body="@bob-berg shall we compare rubrics on Thursday?",
        )
    deadline = time.monotonic() + 15
    while not push_service.received:
        assert time.monotonic() < deadline, "the push never reached the push service"
        time.sleep(0.05)
    (payload,) = push_service.payloads()
    notification = Notification.objects.get(recipient=bob.user)
    assert (payload["title"], payload["url"]) == (
        "Alice Anders mentioned you in #general",
        f"/notifications/{notification.pk}/open/",
    )

    # The page's service worker shows that payload, and a click opens it, marked read.
    worker = page.context.service_workers[0]
    shown = worker.evaluate(
        """async (payload) => {
          const show = self.registration.showNotification.bind(self.registration);
          let outcome = "not called";
          self.registration.showNotification = (...args) => {
            const shown = show(...args);
            outcome = shown.then(() => "shown", (e) => "refused: " + e);
            return shown;
          };
          try { self.dispatchEvent(new PushEvent("push", { data: JSON.stringify(payload) })); }
          catch (e) { /* waitUntil on an event the test made: the handler ran */ }
          const settled = await outcome;
          for (let i = 0; i < 100; i++) {
            const found = await self.registration.getNotifications({ tag: payload.tag });
            if (found.length) return found.map((n) => [n.title, n.body, n.data.url]);
            await new Promise((r) => setTimeout(r, 100));
          }
          return [settled];
        }""",
        payload,
    )
    assert shown == [[payload["title"], payload["body"], payload["url"]]]
    with page.expect_navigation():
        worker.evaluate(
            """async (tag) => {
              const [notification] = await self.registration.getNotifications({ tag });
              try { self.dispatchEvent(new NotificationEvent("notificationclick", { notification })); }
              catch (e) { /* as above */ }
            }""",
            payload["tag"],
        )
    page.wait_for_url(f"**/c/{community.slug}/rooms/**")
    notification.refresh_from_db()
    assert notification.unread is False

    # Turning it off removes the device from the server and the browser.
    page.goto(f"{server.url}/notifications/settings/")
    page.locator("#push-off").click()
    page.locator("#push-on").wait_for()
    assert not PushSubscription.objects.exists()
    assert page.problems == []
