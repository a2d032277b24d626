"""Kring in Polish, as a teacher in Kraków uses it on a phone: she switches the language once
and the room page, the notification bell and what the server refuses all speak Polish.

Expected texts come from the Polish catalogue (whatever its wording), and each must differ from
the English, so the test fails if a catalogue or the language switch stops working.
"""

from __future__ import annotations

import pytest
from django.utils import translation
from django.utils.translation import gettext

from community.models import Room
from core import ratelimit
from tests.conftest import make_member
from tests.factories import CommunityFactory

from .conftest import PHONE, live_in_room, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def polish(msgid: str) -> str:
    with translation.override("pl"):
        text = gettext(msgid)
    assert text != msgid, f"no Polish for {msgid!r}"
    return text


def test_a_teacher_switches_to_polish_and_the_room_bell_and_errors_follow(
    browser, e2e_worker, settings
):
    daphne_server = e2e_worker  # the mention's notification needs the deployment's worker
    settings.KRING_RATE_LIMITS = ratelimit.unlimited()
    community = CommunityFactory(name="Małopolska: cyfrowa szkoła")
    room = community.rooms.get(name="general")
    ola = make_member(community, display_name="Ola Nowak", email="ola@krakow.test")
    piotr = make_member(community, display_name="Piotr Zieliński", email="piotr@krakow.test")

    page = sign_in(browser, daphne_server, ola.user.email, viewport=PHONE,
                   timezone_id="Europe/Warsaw")  # fmt: skip
    page.goto(f"{daphne_server.url}/c/{community.slug}/rooms/{room.pk}/")
    page.click("#menu-toggle")  # on a phone the switcher is in the menu
    page.select_option("#lang-select", "pl")
    page.wait_for_load_state()
    page.locator("html[lang=pl]").wait_for()
    ola.user.refresh_from_db()
    assert ola.user.language == "pl"

    # The room page.
    live_in_room(page)
    assert page.locator("#send").inner_text().strip() == polish("Send")
    assert page.locator("#composer-help").inner_text().strip() == polish(
        "Enter sends, Shift+Enter starts a new line. Markdown works. Type @ and a name to "
        "mention a colleague."
    )

    # The bell: its label in Polish, the badge counting live, the notification in Polish.
    assert page.locator(".topbar-bell .visually-hidden").inner_text() == polish("Notifications")
    colleague = sign_in(browser, daphne_server, piotr.user.email)
    colleague.goto(f"{daphne_server.url}/c/{community.slug}/rooms/{room.pk}/")
    live_in_room(colleague)
    colleague.fill("#body", f"@{ola.user.handle} zobacz plan lekcji")
    colleague.keyboard.press("Enter")
    page.locator("#notification-badge:not([hidden])", has_text="1").wait_for()
    page.goto(f"{daphne_server.url}/notifications/")
    expected = polish("mentioned you in %(room)s") % {"room": "#general"}
    page.locator("#notification-list", has_text=expected).wait_for()

    # A refusal from the server, in Polish: slow mode behind the page's back.
    page.goto(f"{daphne_server.url}/c/{community.slug}/rooms/{room.pk}/")
    live_in_room(page)
    Room.objects.filter(pk=room.pk).update(slow_mode_seconds=30)
    page.fill("#body", "Pierwsza")
    page.keyboard.press("Enter")
    page.locator("#messages .message", has_text="Pierwsza").wait_for()
    page.fill("#body", "Druga")
    page.keyboard.press("Enter")
    failure = page.locator("#outbox .message.failed .failure")
    failure.wait_for()
    slow_mode = polish("Slow mode: one message every %(seconds)s s in this room. Wait %(wait)s s.")
    assert slow_mode.split("%(")[0].strip() in failure.inner_text()
    assert not page.problems
