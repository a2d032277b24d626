"""Issue 13's "done": from the demo data, the Tartu hub's facilitator pairs two of its
schools from a suggestion, both school leads accept, and the pair's private room opens live
on the first lead's open page; both talk there. Three browser contexts, one real daphne."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

from community.models import RoomKind
from schools.models import Pairing

from .conftest import PHONE, live_in_room, screenshot, sign_in, socket_open

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_PASSWORD = "kring-demo-2026"
HUB = "tartu-innovation-hub"


def test_a_hub_facilitator_pairs_two_schools_both_leads_accept_and_the_room_opens_live(
    browser, daphne_server
):
    call_command("seed_demo", verbosity=0)
    url = daphne_server.url

    # The facilitator proposes the suggested pair, with its reasons in view.
    kadri = sign_in(browser, daphne_server, "kadri@demo.kring.eu", password=DEMO_PASSWORD)
    kadri.goto(f"{url}/c/{HUB}/mentoring/")
    suggestion = kadri.get_by_test_id("pair-suggestion").filter(
        has_text="Tamme Gümnaasium could mentor Elva Põhikool"
    )
    assert "Infrastructure and equipment" in suggestion.inner_text()
    assert "Same region: Tartumaa" in suggestion.inner_text()
    suggestion.get_by_role("button", name="Propose Tamme Gümnaasium and Elva Põhikool").click()
    kadri.wait_for_url(re.compile(r".*/mentoring/\d+/$"))
    pairing = Pairing.objects.get(mentor__name="Tamme Gümnaasium", mentee__name="Elva Põhikool")
    pair_url = f"{url}/mentoring/{pairing.pk}/"

    # The mentor school's lead accepts on a phone, and keeps the page open.
    mart = sign_in(browser, daphne_server, "mart@demo.kring.eu", PHONE, password=DEMO_PASSWORD)
    mart.goto(pair_url)
    mart.get_by_role("button", name="Accept for Tamme Gümnaasium").click()
    mart.wait_for_url(pair_url)
    assert mart.locator("#pair-status").inner_text() == "Proposed"
    assert mart.locator('[data-accepted-side="mentor"]').inner_text() == "accepted"
    assert mart.locator("#pair-room-link").count() == 0
    socket_open(mart)

    # The mentee school's lead accepts: the pair is active, with its room.
    liis = sign_in(browser, daphne_server, "liis@demo.kring.eu", password=DEMO_PASSWORD)
    liis.goto(pair_url)
    liis.get_by_role("button", name="Accept for Elva Põhikool").click()
    liis.wait_for_url(pair_url)
    assert liis.locator("#pair-status").inner_text() == "Active"

    # ... and the room opens live on the mentor lead's page, without a reload.
    mart.locator("#pair-room-link").wait_for(timeout=10_000)
    assert mart.locator("#pair-status").inner_text() == "Active"
    assert mart.locator('[data-accepted-side="mentee"]').inner_text() == "accepted"
    screenshot(mart, "mentoring-room-opened-390")
    pairing.refresh_from_db()
    assert pairing.status == "active" and pairing.room.kind == RoomKind.MENTORING

    # Both are in the room: a message from one reaches the other live.
    liis.get_by_role("link", name="Open the pair's room").click()
    live_in_room(liis)
    mart.locator("#pair-room-link").click()
    live_in_room(mart)
    mart.fill("#body", "Tere, Elva! When can you visit us?")
    mart.keyboard.press("Enter")
    liis.locator("#messages .message", has_text="When can you visit us?").wait_for(timeout=10_000)

    # The facilitator follows the status, and is not let into the room.
    kadri.goto(f"{url}/c/{HUB}/mentoring/")
    item = kadri.locator(f'[data-pairing="{pairing.pk}"]')
    assert "Active" in item.inner_text()
    kadri.goto(f"{url}/mentoring/{pairing.pk}/room/")
    assert kadri.url == pair_url
    for page in (kadri, mart, liis):
        assert page.problems == []
