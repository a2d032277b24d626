"""Every page, as the demo's teachers use it, at 1280 px and at 390 px (a phone):

* axe-core (vendored in static/vendor, never a CDN) finds no serious or critical violation
  of WCAG 2.2 A/AA or axe's best practices;
* no page is wider than the viewport (the phone must never scroll sideways);
* nothing marked ``hidden`` is on screen (a component's ``display`` must never beat it);
* no Content-Security-Policy violation and no script error;
* a screenshot of each is saved in tests/browser/screenshots/ (not committed).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from notifications.models import Notification

from chat.models import DirectConversation
from community.models import Community, Room, User
from community.services import message_post
from delivery.models import PushSubscription
from events.models import Event
from resources.models import Resource, Toolkit

from .conftest import DESKTOP, PHONE, new_page, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_PASSWORD = "kring-demo-2026"
GELDERLAND = "gelderland-personalised-learning"
SERIOUS = ("serious", "critical")

AXE_OPTIONS = """{
  runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]},
  resultTypes: ["violations"]
}"""


def _demo() -> dict[str, Any]:
    """The demo data of `make run`, plus what makes pages show their harder states: a reply
    with a long quote (the phone overflow), a mention and notifications to list."""
    call_command("seed_demo", verbosity=0)
    general = Room.objects.get(community__slug=GELDERLAND, name="general")
    daan = User.objects.get(email="daan@demo.kring.eu")
    marieke = User.objects.get(email="marieke@demo.kring.eu")
    long_one, _ = message_post(
        room_id=general.pk,
        author=daan,
        body="Has anyone tried letting pupils choose between three adaptive practice tools "
        "for a whole term and then compare what they learnt? " * 2,
    )
    message_post(
        room_id=general.pk,
        author=marieke,
        body="Yes @daan-visser, we did that in year 2 with a shared rubric.",
        reply_to_id=long_one.pk,
    )
    for verb in ("mentioned you in #general", "replied to you in #general"):
        Notification.objects.create(
            recipient=daan,
            actor=marieke,
            verb=verb,
            description="Yes @daan-visser, we did that in year 2 with a shared rubric.",
            data={"category": "mention", "community": GELDERLAND, "room": general.pk,
                  "url": f"/c/{GELDERLAND}/rooms/{general.pk}/"},
        )  # fmt: skip
    # A phone that gets Daan's notifications, listed on the notification settings page (its
    # push service is nowhere: nothing is pushed in this test).
    PushSubscription.objects.create(
        user=daan, endpoint="https://fcm.googleapis.com/fcm/send/demo-phone",
        endpoint_hash="demo-phone", p256dh="demo", auth="demo", browser="Chrome",
        platform="Android", last_push_at=timezone.now(),
    )  # fmt: skip
    material = Resource.objects.filter(community__slug=GELDERLAND).order_by("pk").first()
    event = Event.objects.filter(community__slug=GELDERLAND).order_by("pk").first()
    kit = Toolkit.objects.get(published_at__isnull=False)
    open_material = kit.items.filter(resource__licence="CC-BY-4.0").first().resource
    return {
        "general": general,
        "material": material,
        "event": event,
        "kit": kit,
        "open_material": open_material,
        "conversation": DirectConversation.objects.filter(title="").order_by("pk").first(),
    }


def _pages(who: str, demo: dict[str, Any]) -> list[tuple[str, str]]:
    room = demo["general"]
    material = demo["material"]
    other = Community.objects.get(slug="malopolska-cyfrowa-szkola")
    kit = demo["kit"]
    member_pages = [
        ("home", "/"),
        ("directory", "/communities/"),
        ("community", f"/c/{GELDERLAND}/"),
        ("community-not-member", f"/c/{other.slug}/"),
        ("room", f"/c/{GELDERLAND}/rooms/{room.pk}/"),
        ("library", "/resources/"),
        ("community-library", f"/c/{GELDERLAND}/resources/"),
        ("material", f"/resources/{material.pk}/"),
        ("share", f"/c/{GELDERLAND}/resources/share/"),
        ("adapt", f"/resources/{material.pk}/adapt/"),
        ("notifications", "/notifications/"),
        ("notification-settings", "/notifications/settings/"),
        ("profile", "/me/profile/"),
        ("people", "/people/"),
        ("people-search", "/people/?q=a"),
        ("person", "/people/piotr-wisniewski/"),
        ("propose", "/communities/propose/"),
        ("toolkits", "/toolkits/"),
        ("toolkit", f"/toolkits/{kit.slug}/"),
        ("not-found", "/no-such-page/"),
        ("events-calendar", f"/c/{GELDERLAND}/events/"),
        ("events-month", f"/c/{GELDERLAND}/events/?view=month"),
        ("event", f"/events/{demo['event'].pk}/"),
        ("my-events", "/events/"),
        ("messages", "/messages/"),
        ("messages-find", "/messages/?q=a"),
        ("conversation", f"/messages/{demo['conversation'].room_id}/"),
        ("learning-records", "/me/learning-records/"),
    ]
    if who == "anonymous":
        return [
            ("public-home", "/"),
            ("login", "/accounts/login/"),
            ("signup", "/accounts/signup/"),
            ("public-toolkits", "/toolkits/"),
            ("public-toolkit", f"/toolkits/{kit.slug}/"),
            ("public-material", f"/toolkits/{kit.slug}/materials/{demo['open_material'].pk}/"),
        ]
    if who == "facilitator":
        return [
            *member_pages,
            ("dashboard", f"/c/{GELDERLAND}/facilitate/"),
            ("edit-material", f"/resources/{material.pk}/edit/"),
            ("event-new", f"/c/{GELDERLAND}/events/new/"),
            ("event-edit", f"/events/{demo['event'].pk}/edit/?scope=series"),
            ("settings", f"/c/{GELDERLAND}/settings/"),
            ("members", f"/c/{GELDERLAND}/members/"),
            ("circle-settings", "/c/european-learning-circle/settings/"),
            ("toolkit-edit", f"/toolkits/{kit.slug}/edit/"),
            ("new-toolkit", f"/c/{GELDERLAND}/toolkits/new/"),
            ("analytics", f"/c/{GELDERLAND}/analytics/"),
        ]
    if who == "staff":
        return [
            ("design", "/design/"),
            ("coordinate", "/coordinate/"),
            ("programme", "/coordinate/programme/"),
        ]
    return member_pages


ACCOUNTS = {
    "teacher": "daan@demo.kring.eu",
    "facilitator": "marieke@demo.kring.eu",
    "staff": "coordinator@demo.kring.eu",
}


def _check(page: Any, name: str) -> list[str]:
    problems = []
    if page.locator("#room").count():
        page.wait_for_selector("#status[data-state=connected]")
    page.wait_for_load_state("networkidle")
    page.add_script_tag(url="/static/vendor/axe-core/axe.min.js")
    result = page.evaluate(f"async () => await axe.run(document, {AXE_OPTIONS})")
    for violation in result["violations"]:
        if violation["impact"] in SERIOUS:
            targets = [" ".join(node["target"]) for node in violation["nodes"][:3]]
            problems.append(f"{name}: axe {violation['impact']} {violation['id']}: {targets}")
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    if width[0] > width[1]:
        wide = page.evaluate(
            """() => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                .slice(0, 3).map(e => e.tagName + '.' + e.className)"""
        )
        problems.append(f"{name}: {width[0]} px wide in a {width[1]} px viewport: {wide}")
    shown = page.evaluate(
        """() => [...document.querySelectorAll('[hidden]')]
            .filter(e => e.getClientRects().length > 0).map(e => e.outerHTML.slice(0, 80))"""
    )
    if shown:
        problems.append(f"{name}: hidden but shown: {shown}")
    problems += [f"{name}: {p}" for p in page.problems]
    page.problems.clear()
    return problems


@pytest.mark.parametrize("who", ["anonymous", "teacher", "facilitator", "staff"])
def test_every_page_is_accessible_fits_a_phone_and_hides_what_is_hidden(
    browser, daphne_server, who
):
    demo = _demo()
    problems: list[str] = []
    for label, viewport in (("1280", DESKTOP), ("390", PHONE)):
        if who == "anonymous":
            page = new_page(browser, viewport)
        else:
            page = sign_in(browser, daphne_server, ACCOUNTS[who], viewport, password=DEMO_PASSWORD)
        for name, path in _pages(who, demo):
            page.goto(f"{daphne_server.url}{path}")
            problems += _check(page, f"{who} {name} @{label}")
            screenshot(page, f"{who}-{name}-{label}")
        page.context.close()
    assert problems == [], "\n".join(problems)
