"""Events in a real browser: a facilitator schedules a session while a member, on the
community's calendar at phone width in another time zone, sees it appear and answers; the
counts change on the facilitator's open page; a second member gets the waiting list."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from events.models import Event, Rsvp
from tests.conftest import make_member
from tests.factories import CommunityFactory

from .conftest import PHONE, live_in_room, screenshot, sign_in, socket_open
from .test_room_states import api

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_scheduled_session_appears_live_and_answers_update_everyone(browser, daphne_server):
    community = CommunityFactory(name="Gelderland live")
    facilitator = make_member(
        community, role="facilitator", email="fac@events.test", display_name="Fenna"
    )
    member = make_member(community, email="member@events.test", display_name="Mees")
    late = make_member(community, email="late@events.test", display_name="Lotte")
    base = daphne_server.url

    watcher = sign_in(
        browser, daphne_server, member.user.email, viewport=PHONE, timezone_id="Europe/Helsinki"
    )
    watcher.goto(f"{base}/c/{community.slug}/events/")
    watcher.locator("text=Nothing scheduled in these weeks.").wait_for()
    socket_open(watcher)

    organiser = sign_in(
        browser, daphne_server, facilitator.user.email, timezone_id="Europe/Amsterdam"
    )
    organiser.goto(f"{base}/c/{community.slug}/events/new/")
    day = (timezone.now() + timedelta(days=3)).astimezone(ZoneInfo("Europe/Amsterdam")).date()
    organiser.fill("input[name=title]", "Peer coaching session")
    organiser.fill("input[name=starts_at]", f"{day:%Y-%m-%d}T19:00")
    organiser.fill("input[name=ends_at]", f"{day:%Y-%m-%d}T20:30")
    organiser.select_option("select[name=timezone]", "Europe/Amsterdam")
    organiser.select_option("select[name=format]", "online")
    organiser.fill("input[name=online_url]", "https://meet.example.org/peer")
    organiser.fill("input[name=capacity]", "1")
    organiser.click("#event-form button[type=submit]")
    organiser.locator("h1", has_text="Peer coaching session").wait_for()
    live_in_room(organiser)
    event = Event.objects.get()

    # The member's calendar, never reloaded, shows it: at 20:00 their (Helsinki) time.
    item = watcher.locator(f".event-item[data-event='{event.pk}']")
    item.wait_for(timeout=10_000)
    assert "20:00" in item.locator("time").first.inner_text()
    assert "19:00 in Amsterdam" in item.inner_text()
    screenshot(watcher, "event-appeared-390")

    watcher.click("a:has-text('Peer coaching session')")
    live_in_room(watcher)
    watcher.click("button[data-status=going]")
    watcher.locator("#my-rsvp", has_text="You are going.").wait_for()
    assert watcher.locator("button[data-status=going]").get_attribute("aria-pressed") == "true"

    # The organiser's page counts the seat without a reload.
    organiser.locator("[data-count=going]", has_text="1").wait_for(timeout=10_000)

    # A later answer over the API (another device) reaches both pages: the waiting list.
    api(daphne_server, late.user, "POST", f"/api/events/{event.pk}/rsvp", {"status": "going"})
    watcher.locator("[data-count=waiting]", has_text="1").wait_for(timeout=10_000)
    organiser.locator("[data-count=waiting]", has_text="1").wait_for(timeout=10_000)
    assert Rsvp.objects.get(user=late.user).waitlisted

    # The member gives the seat back: Lotte has it, and every page says so.
    watcher.click("button[data-status=no]")
    organiser.locator("#rsvp .waiting").wait_for(state="hidden", timeout=10_000)  # nobody waits
    assert organiser.locator("[data-count=going]").inner_text() == "1"
    assert Rsvp.objects.get(user=late.user).has_seat
    screenshot(organiser, "event-organiser-1280")
    assert watcher.problems == [] and organiser.problems == []
