"""The room page's defects from issue 18, each with the test that would have caught it: the
phone layout, what may stop a member posting (mute, lock, slow mode, removal) said before they
type, refused posts, "Load older messages", live unread badges, a dead socket and mentions.

Live changes go through daphne's JSON API (a facilitator's session token), as a facilitator's
browser would: the test process's own channel layer does not reach daphne's sockets.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from community.models import Room
from community.services import message_post
from core import ratelimit
from facilitators.models import Mute
from tests.conftest import http_json, make_member, session_token_for
from tests.factories import CommunityFactory, RoomFactory

from .conftest import PHONE, live_in_room, sign_in
from .proxy import FlakyProxy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _no_rate_limit_for_set_up(settings):
    # Messages written here as set-up (55 of them) are not a member typing too fast.
    settings.KRING_RATE_LIMITS = ratelimit.unlimited()


def api(server, user, method, path, body=None):
    status, answer = http_json(
        method, f"{server.url}{path}", body, {"X-Session-Token": session_token_for(user)}
    )
    assert status < 300, (status, answer)
    return answer


def room_url(server, community, room):
    return f"{server.url}/c/{community.slug}/rooms/{room.pk}/"


def open_room(browser, server, member, community, room, **options):
    page = sign_in(browser, server, member.user.email, **options)
    page.goto(room_url(server, community, room))
    live_in_room(page)
    return page


def post(page, text):
    page.fill("#body", text)
    page.keyboard.press("Enter")


def test_a_long_reply_quote_fits_a_phone_and_the_header_is_one_line(browser, daphne_server):
    community = CommunityFactory(name="Phone circle")
    room = community.rooms.get(name="general")
    anna = make_member(community, display_name="Anna Long")
    first, _ = message_post(
        room_id=room.pk,
        author=anna.user,
        body="A very long question about adaptive practice tools and whole-class talk " * 4,
    )
    message_post(room_id=room.pk, author=anna.user, body="Answering myself", reply_to_id=first.pk)

    page = open_room(browser, daphne_server, anna, community, room, viewport=PHONE)
    page.locator(".reply-quote").wait_for()

    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    send = page.locator("#send").bounding_box()
    assert send["x"] + send["width"] <= PHONE["width"]
    # The top bar is one line (brand, bell, menu), not four lines of links.
    assert page.locator("#topbar").bounding_box()["height"] < 70
    assert not page.locator("#site-nav").is_visible()
    page.click("#menu-toggle")
    assert page.get_by_role("link", name="Materials", exact=True).is_visible()


def test_a_member_muted_live_loses_the_composer_and_reads_the_end_in_their_own_zone(
    browser, daphne_server
):
    community = CommunityFactory()
    room = community.rooms.get(name="general")
    facilitator = make_member(community, role="facilitator")
    member = make_member(community, display_name="Mo Muted")
    page = open_room(browser, daphne_server, member, community, room, timezone_id="Asia/Tokyo")
    assert page.locator("#composer").is_visible()

    api(
        daphne_server,
        facilitator.user,
        "POST",
        f"/api/communities/{community.slug}/members/{member.user.pk}/mute",
        {"minutes": 90, "reason": "Cooling down"},
    )

    notice = page.locator("#composer-state .notice-warn")
    notice.wait_for()
    assert page.locator("#composer").is_hidden()
    assert "muted you in this community" in notice.inner_text()
    assert "Cooling down" in notice.inner_text()
    until = Mute.objects.get(user=member.user).until
    shown = notice.locator("time")
    assert datetime.fromisoformat(shown.get_attribute("datetime")) == until
    tokyo = until.astimezone(ZoneInfo("Asia/Tokyo"))
    assert f"{tokyo.hour % 12 or 12}:{tokyo.minute:02d}" in shown.inner_text()

    api(
        daphne_server,
        facilitator.user,
        "POST",
        f"/api/communities/{community.slug}/members/{member.user.pk}/unmute",
        {},
    )
    page.locator("#composer").wait_for(state="visible")
    assert page.locator("#composer-state .notice").count() == 0


def test_a_page_loaded_while_muted_or_locked_says_so_before_the_member_types(
    browser, daphne_server
):
    community = CommunityFactory()
    room = community.rooms.get(name="general")
    quiet = RoomFactory(community=community, name="quiet", is_locked=True)
    facilitator = make_member(community, role="facilitator", email="fac@lock.test")
    member = make_member(community, email="member@lock.test")
    Mute.objects.create(
        community=community,
        room=room,
        user=member.user,
        until=datetime(2031, 5, 4, 22, 30, tzinfo=UTC),
        reason="Spam",
    )

    page = open_room(browser, daphne_server, member, community, room, timezone_id="Europe/Tallinn")
    notice = page.locator("#composer-state .notice-warn")
    assert "muted you in this room" in notice.inner_text()
    assert "1:30" in notice.locator("time").inner_text()  # 22:30 UTC is 01:30 in Tallinn
    assert page.locator("#composer").is_hidden()

    page.goto(room_url(daphne_server, community, quiet))
    live_in_room(page)
    assert "locked" in page.locator("#composer-state").inner_text()
    assert page.locator("#composer").is_hidden()
    assert page.locator("#room-state").inner_text().strip() == "Locked"

    boss = open_room(browser, daphne_server, facilitator, community, quiet)
    assert boss.locator("#composer").is_visible()
    assert "you can still post" in boss.locator("#composer-state").inner_text()

    # Unlocked live: the member gets the composer back without reloading.
    api(daphne_server, facilitator.user, "PATCH", f"/api/rooms/{quiet.pk}", {"is_locked": False})
    page.locator("#composer").wait_for(state="visible")
    assert page.locator("#room-state").inner_text().strip() == ""


def test_a_refused_post_is_shown_once_with_its_reason_and_can_be_dismissed_or_edited(
    browser, daphne_server
):
    community = CommunityFactory()
    room = community.rooms.get(name="general")
    member = make_member(community)
    page = open_room(browser, daphne_server, member, community, room)
    # Muted behind the page's back (no frame): the server refuses the next posts.
    Mute.objects.create(community=community, user=member.user, reason="")

    post(page, "First try")
    failed = page.locator("#outbox .message.failed")
    failed.wait_for()
    assert "muted you" in failed.locator(".failure").inner_text()
    assert failed.get_by_role("button", name="Try again").count() == 0  # would fail again
    failed.get_by_role("button", name="Dismiss").click()
    assert page.locator("#outbox .message").count() == 0

    post(page, "Second try")
    failed.wait_for()
    failed.get_by_role("button", name="Edit text").click()
    assert page.locator("#outbox .message").count() == 0
    assert page.input_value("#body") == "Second try"


def test_slow_mode_says_when_one_may_post_again_and_a_refused_post_can_be_retried(
    browser, daphne_server
):
    community = CommunityFactory()
    room = community.rooms.get(name="general")
    facilitator = make_member(community, role="facilitator")
    member = make_member(community)
    page = open_room(browser, daphne_server, member, community, room)
    # Slow mode behind the page's back: the page learns of it from the refusal.
    Room.objects.filter(pk=room.pk).update(slow_mode_seconds=3)

    post(page, "One")
    page.locator("#messages .message", has_text="One").wait_for()
    post(page, "Two")
    failed = page.locator("#outbox .message.failed")
    failed.wait_for()
    assert "Slow mode" in failed.locator(".failure").inner_text()
    assert page.locator("#outbox .message").count() == 1
    time.sleep(3.2)
    failed.get_by_role("button", name="Try again").click()
    page.locator("#messages .message", has_text="Two").wait_for()
    page.locator("#outbox .message").first.wait_for(state="detached")

    # Told live: the notice comes before typing, counted from my last message, and Send
    # waits for the window instead of letting refused posts pile up.
    api(
        daphne_server, facilitator.user, "PATCH", f"/api/rooms/{room.pk}", {"slow_mode_seconds": 30}
    )
    page.locator("#composer-state", has_text="wait 30 s between messages").wait_for()
    page.locator("#composer-state", has_text="You can send your next message in").wait_for()
    assert page.locator("#send").is_disabled()
    page.fill("#body", "Three")
    page.keyboard.press("Enter")
    page.wait_for_timeout(300)
    assert page.locator("#outbox .message").count() == 0
    assert page.input_value("#body") == "Three"  # kept for later

    api(daphne_server, facilitator.user, "PATCH", f"/api/rooms/{room.pk}", {"slow_mode_seconds": 0})
    page.locator("#composer-state .notice").wait_for(state="detached")
    page.keyboard.press("Enter")
    page.locator("#messages .message", has_text="Three").wait_for()


def test_a_removal_notice_reaches_only_the_removed_member(browser, daphne_server):
    community = CommunityFactory()
    room = community.rooms.get(name="general")
    facilitator = make_member(community, role="facilitator")
    bram = make_member(community, display_name="Bram Smit", email="bram@remove.test")
    carla = make_member(community, display_name="Carla Stays", email="carla@remove.test")
    bram_page = open_room(browser, daphne_server, bram, community, room)
    carla_page = open_room(browser, daphne_server, carla, community, room)

    api(
        daphne_server,
        facilitator.user,
        "POST",
        f"/api/communities/{community.slug}/members/{bram.user.pk}/remove",
        {"reason": "Left the school"},
    )

    carla_page.locator(".member-event", has_text="Bram Smit was removed").wait_for()
    assert "no longer a member" not in carla_page.locator("#room").inner_text()
    assert carla_page.locator("#composer").is_visible()
    bram_page.locator(
        "#composer-state .notice-error", has_text="You are no longer a member"
    ).wait_for()
    assert bram_page.locator("#composer").is_hidden()


def test_load_older_messages_shows_only_when_there_are_older_messages(browser, daphne_server):
    community = CommunityFactory()
    short = community.rooms.get(name="general")
    long = RoomFactory(community=community, name="busy")
    member = make_member(community)
    for n in range(2):
        message_post(room_id=short.pk, author=member.user, body=f"short {n}")
    for n in range(55):
        message_post(room_id=long.pk, author=member.user, body=f"busy {n}")

    page = open_room(browser, daphne_server, member, community, short)
    page.locator("#messages .message", has_text="short 1").wait_for()
    assert page.locator("#older").is_hidden()

    page.goto(room_url(daphne_server, community, long))
    live_in_room(page)
    assert page.locator("#older").is_visible()
    page.click("#older")
    page.locator("#messages .message", has_text="busy 0").wait_for()
    assert page.locator("#messages .message").count() == 55
    assert page.locator("#older").is_hidden()


def test_the_sidebar_counts_unread_messages_of_other_rooms_live(browser, daphne_server):
    community = CommunityFactory()
    general = community.rooms.get(name="general")
    other = RoomFactory(community=community, name="other")
    reader = make_member(community)
    writer = make_member(community)
    page = open_room(
        browser, daphne_server, reader, community, general, client_options={"unreadInterval": 300}
    )
    badge = page.locator(f"[data-unread-room='{other.pk}']")
    assert badge.is_hidden()

    message_post(room_id=other.pk, author=writer.user, body="Over here")
    message_post(room_id=other.pk, author=writer.user, body="And here")

    page.locator(f"[data-unread-room='{other.pk}']:not([hidden])").wait_for()
    assert badge.locator(".count").inner_text() == "2"


def test_a_dead_socket_shows_offline_by_the_clients_own_ping_timeout(browser, daphne_server):
    community = CommunityFactory()
    room = community.rooms.get(name="general")
    member = make_member(community)
    proxy = FlakyProxy(int(daphne_server.url.rsplit(":", 1)[1]))
    try:
        page = sign_in(
            browser,
            daphne_server,
            member.user.email,
            base_url=proxy.url,
            client_options={"pingInterval": 500, "pingTimeout": 700},
        )
        page.goto(f"{proxy.url}/c/{community.slug}/rooms/{room.pk}/")
        live_in_room(page)

        proxy.mode = "freeze"  # no close, no error: only silence
        started = time.monotonic()
        page.wait_for_selector("#status[data-state=offline]", timeout=5000)
        assert time.monotonic() - started < 4
        assert "Offline" in page.locator("#status").inner_text()

        proxy.mode = "pass"
        page.wait_for_selector("#status[data-state=connected]", timeout=15000)
    finally:
        proxy.close()


def test_mentions_autocomplete_names_highlight_and_warn_about_nobody(browser, daphne_server):
    community = CommunityFactory()
    room = community.rooms.get(name="general")
    writer = make_member(community, display_name="Wendy Writer", email="wendy@mention.test")
    daan = make_member(community, display_name="Daan Visser", email="daan@mention.test")
    page = open_room(browser, daphne_server, writer, community, room)

    page.type("#body", "Thanks @Da")
    option = page.locator("#mention-suggestions [role=option]", has_text="Daan Visser")
    option.wait_for()
    assert f"@{daan.user.handle}" in option.inner_text()
    page.keyboard.press("Enter")  # picks the suggestion, does not send
    assert page.input_value("#body") == f"Thanks @{daan.user.handle} "
    page.keyboard.type("for the slides")
    page.keyboard.press("Enter")
    sent = page.locator("#messages .message", has_text="for the slides")
    sent.wait_for()
    assert sent.locator(".mention").inner_text() == f"@{daan.user.handle}"

    # A mention that matches nobody: said before sending; a second Enter sends anyway.
    page.fill("#body", "@Daan can you help?")
    page.keyboard.press("Escape")
    page.keyboard.press("Enter")
    hint = page.locator("#mention-hint")
    hint.wait_for()
    assert "@Daan matches nobody" in hint.inner_text()
    assert f"@{daan.user.handle}" in hint.inner_text()
    assert page.locator("#messages .message", has_text="can you help").count() == 0
    page.keyboard.press("Enter")
    page.locator("#messages .message", has_text="can you help").wait_for()
    assert page.locator("#mention-hint").is_hidden()


def test_keyboard_reaches_the_message_box_and_new_messages_are_read_out(browser, daphne_server):
    community = CommunityFactory()
    room = community.rooms.get(name="general")
    kim = make_member(community, display_name="Kim Keys", email="kim@keys.test")
    lea = make_member(community, display_name="Lea Other", email="lea@keys.test")
    page = open_room(browser, daphne_server, kim, community, room)
    other = open_room(browser, daphne_server, lea, community, room)

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to the message box"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "body"
    page.keyboard.type("Typed without a mouse")
    page.keyboard.press("Enter")
    other.locator("#messages .message", has_text="Typed without a mouse").wait_for()

    post(other, "Hello Kim")
    page.locator("#announcer", has_text="New message from Lea Other: Hello Kim").wait_for()
    # My own messages and the history are not read out again.
    assert "Typed without a mouse" not in page.locator("#announcer").inner_text()
