"""Issue 11's "done": from the demo data, the coordinator creates a regional community with a
facilitator invited by email; that facilitator signs up, accepts, creates two rooms, links
the community to the European circle and posts an announcement to the network, which
reaches a member of both communities live. Three browser contexts, one real daphne."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

from community.models import CircleLink, Community, Membership, Room

from .conftest import PHONE, live_in_room, new_page, screenshot, sign_in, socket_open

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_PASSWORD = "kring-demo-2026"
NAME = "Noord-Brabant: leren met AI"
SLUG = "noord-brabant-leren-met-ai"
EMAIL = "anouk@brabant.test"


def _found(browser, server) -> str:
    """The coordinator founds the community; returns the invitation's path."""
    page = sign_in(browser, server, "coordinator@demo.kring.eu", password=DEMO_PASSWORD)
    page.goto(f"{server.url}/coordinate/")
    form = page.locator("form.found-form")
    form.get_by_label("Name").fill(NAME)
    form.get_by_label("Kind").select_option("regional")
    form.get_by_label("Countries").fill("NL")
    form.get_by_label("Region").fill("Noord-Brabant")
    form.get_by_label("Languages").fill("nl, en")
    form.get_by_label("Who can join").select_option("open")
    form.get_by_label("First facilitator's email").fill(EMAIL)
    form.get_by_role("button", name="Create community").click()
    page.wait_for_url(f"{server.url}/c/{SLUG}/")
    flash = page.locator(".flash").inner_text()
    assert "has no account yet" in flash
    return re.search(r"(/invite/[\w-]+/)", flash).group(1)


def _accept(browser, server, invitation: str):
    """The invited facilitator signs up with that address and accepts."""
    page = new_page(browser, PHONE)
    page.goto(f"{server.url}/accounts/signup/?next={invitation}")
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=display_name]", "Anouk van Dijk")
    page.fill("input[name=password1]", "a-long-brabant-password")
    page.fill("input[name=password2]", "a-long-brabant-password")
    page.locator("form button[type=submit]").click()
    page.wait_for_url(f"{server.url}{invitation}")
    page.get_by_role("button", name=re.compile("Accept|Join", re.I)).click()
    page.wait_for_url(f"{server.url}/c/{SLUG}/")
    return page


def test_a_coordinator_sets_up_a_community_that_then_runs_itself(browser, daphne_server):
    call_command("seed_demo", verbosity=0)
    server = daphne_server
    invitation = _found(browser, server)
    facilitator = _accept(browser, server, invitation)
    assert Membership.objects.get(community__slug=SLUG, user__email=EMAIL).role == "facilitator"

    # A teacher of the European circle joins the new community and keeps its page open.
    daan = sign_in(browser, server, "daan@demo.kring.eu", password=DEMO_PASSWORD)
    daan.goto(f"{server.url}/c/{SLUG}/")
    daan.get_by_test_id("join").click()
    daan.get_by_role("button", name="Leave community").wait_for()
    socket_open(daan)

    # The facilitator creates two rooms: they appear on Daan's page without a reload.
    facilitator.goto(f"{server.url}/c/{SLUG}/settings/")
    for name, topic in (("ai-in-de-klas", "AI in the classroom"), ("toetsing", "Assessment")):
        facilitator.fill("#id_new-name", name)
        facilitator.fill("#id_new-topic", topic)
        facilitator.get_by_role("button", name="Create room").click()
        facilitator.locator(".flash", has_text=f"#{name}").wait_for()
    rooms = daan.locator("[data-room-list] a")
    rooms.filter(has_text="# toetsing").wait_for()
    assert rooms.all_inner_texts() == ["# general", "# ai-in-de-klas", "# toetsing"]

    # ...links the community to the European circle...
    facilitator.select_option("#link-circle", label="European learning circle")
    facilitator.get_by_role("button", name="Link", exact=True).click()
    facilitator.locator(".flash", has_text="Done").wait_for()
    circle = Community.objects.get(slug="european-learning-circle")
    assert CircleLink.objects.filter(circle=circle, community__slug=SLUG).exists()

    # Daan has the general rooms of both communities open, live.
    here = Room.objects.get(community__slug=SLUG, name="general")
    there = Room.objects.get(community=circle, name="general")
    daan.goto(f"{server.url}/c/{SLUG}/rooms/{here.pk}/")
    live_in_room(daan)
    in_circle = daan.context.new_page()
    in_circle.goto(f"{server.url}/c/{circle.slug}/rooms/{there.pk}/")
    live_in_room(in_circle)

    # ...and announces to the network from the dashboard, after a preview.
    facilitator.goto(f"{server.url}/c/{SLUG}/facilitate/")
    facilitator.fill("#announce-body", "Peer visits in **May**: sign up in #toetsing")
    facilitator.click("#announce-preview")
    facilitator.locator("#announce-preview-box strong", has_text="May").wait_for()
    facilitator.check("input[name=scope][value=network]")
    facilitator.get_by_role("button", name="Send announcement").click()
    facilitator.locator(".flash", has_text="Done").wait_for()

    for page in (daan, in_circle):
        page.locator("li.message.announcement", has_text="Peer visits in May").wait_for()
    screenshot(in_circle, "running-network-announcement")
    assert not facilitator.problems and not daan.problems


def test_an_archived_room_goes_read_only_on_an_open_page(browser, daphne_server):
    call_command("seed_demo", verbosity=0)
    server = daphne_server
    room = Room.objects.get(
        community__slug="gelderland-personalised-learning", name="ai-in-de-klas"
    )
    daan = sign_in(browser, server, "daan@demo.kring.eu", password=DEMO_PASSWORD)
    daan.goto(f"{server.url}/c/gelderland-personalised-learning/rooms/{room.pk}/")
    live_in_room(daan)
    assert daan.locator("#composer").is_visible()

    marieke = sign_in(browser, server, "marieke@demo.kring.eu", password=DEMO_PASSWORD)
    marieke.goto(f"{server.url}/c/gelderland-personalised-learning/settings/")
    marieke.on("dialog", lambda dialog: dialog.accept())  # the confirmation before archiving
    marieke.locator(f"li[data-room='{room.pk}']").get_by_role("button", name="Archive").click()
    marieke.locator(".flash", has_text="Done").wait_for()

    daan.locator("#composer-state", has_text="archived").wait_for()
    assert not daan.locator("#composer").is_visible()
    assert "# ai-in-de-klas" not in daan.locator("[data-room-list]").inner_text()
