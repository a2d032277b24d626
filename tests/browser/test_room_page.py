"""The pages in a real browser: Playwright driving Debian's chromium against real daphne."""

from __future__ import annotations

import pytest

from tests.conftest import make_member
from tests.factories import CommunityFactory

from .conftest import sign_in, socket_open

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_message_typed_in_one_page_appears_in_the_other(browser, daphne_server):
    community = CommunityFactory(name="Browser test community")
    room = community.rooms.get(name="general")
    anna = make_member(community, display_name="Anna Browser")
    make_member(community, display_name="Piotr Browser", email="piotr@browser.test")
    page_a = sign_in(browser, daphne_server, anna.user.email)
    page_b = sign_in(browser, daphne_server, "piotr@browser.test")
    room_url = f"{daphne_server.url}/c/{community.slug}/rooms/{room.pk}/"
    for page in (page_a, page_b):
        page.goto(room_url)
        page.wait_for_selector("#status[data-state=connected]")
    page_b.wait_for_selector("#presence li:has-text('Anna Browser')")

    page_a.fill("#body", "Hello from **Arnhem**")
    page_a.keyboard.press("Enter")

    message = page_b.locator("#messages .message", has_text="Hello from Arnhem")
    message.wait_for(timeout=5000)
    assert message.locator("strong.author").inner_text() == "Anna Browser"
    assert message.locator(".body strong").inner_text() == "Arnhem"
    page_a.locator("#messages .message.mine", has_text="Hello from Arnhem").wait_for()
    assert page_a.locator("#messages .pending").count() == 0


def test_typing_and_reply_show_up_live(browser, daphne_server):
    community = CommunityFactory()
    room = community.rooms.get(name="general")
    make_member(community, display_name="Erik Typer", email="erik@browser.test")
    make_member(community, display_name="Lina Reader", email="lina@browser.test")
    page_a = sign_in(browser, daphne_server, "erik@browser.test")
    page_b = sign_in(browser, daphne_server, "lina@browser.test")
    room_url = f"{daphne_server.url}/c/{community.slug}/rooms/{room.pk}/"
    for page in (page_a, page_b):
        page.goto(room_url)
        page.wait_for_selector("#status[data-state=connected]")
    page_a.type("#body", "Who has")
    page_b.wait_for_selector("#typing:has-text('Erik Typer')")
    # A whole translated sentence with the name in it, not a name glued to "is typing".
    assert page_b.locator("#typing").inner_text() == "Erik Typer is typing…"
    page_a.keyboard.press("Enter")
    incoming = page_b.locator("#messages .message", has_text="Who has")
    incoming.wait_for()
    incoming.hover()
    incoming.get_by_role("button", name="Reply").click()
    assert page_b.locator("#replying span").inner_text() == "Replying to Erik Typer: Who has"
    page_b.fill("#body", "Me!")
    page_b.keyboard.press("Enter")
    reply = page_a.locator("#messages .message", has_text="Me!")
    reply.wait_for()
    assert "Who has" in reply.locator(".reply-quote").inner_text()


def test_reload_resumes_history_and_directory_join_flow(browser, daphne_server):
    community = CommunityFactory(name="Open circle", join_policy="open")
    make_member(community, display_name="Kadri Host", email="kadri@browser.test")
    from tests.factories import UserFactory

    UserFactory(email="newbie@browser.test", display_name="New Teacher")
    page = sign_in(browser, daphne_server, "newbie@browser.test")
    page.get_by_role("link", name="Find a learning community").click()  # home, no community yet
    page.get_by_role("link", name="Open circle").click()
    page.get_by_test_id("join").click()
    page.wait_for_selector("text=Welcome to Open circle!")
    page.get_by_role("link", name="# general").click()
    page.wait_for_selector("#status[data-state=connected]")
    page.fill("#body", "First message after joining")
    page.keyboard.press("Enter")
    page.locator("#messages .message.mine", has_text="First message after joining").wait_for()
    page.reload()
    page.locator("#messages .message", has_text="First message after joining").wait_for()
    assert page.locator("#messages .message").count() == 1


def test_facilitator_hides_a_message_and_the_member_sees_a_placeholder(browser, daphne_server):
    community = CommunityFactory(name="Moderated circle")
    room = community.rooms.get(name="general")
    make_member(
        community, role="facilitator", display_name="Fiona Facilitator", email="fiona@browser.test"
    )
    make_member(community, display_name="Mats Member", email="mats@browser.test")
    facilitator_page = sign_in(browser, daphne_server, "fiona@browser.test")
    member_page = sign_in(browser, daphne_server, "mats@browser.test")
    room_url = f"{daphne_server.url}/c/{community.slug}/rooms/{room.pk}/"
    for page in (facilitator_page, member_page):
        page.goto(room_url)
        page.wait_for_selector("#status[data-state=connected]")

    member_page.fill("#body", "Something off topic")
    member_page.keyboard.press("Enter")
    message = facilitator_page.locator("#messages .message", has_text="Something off topic")
    message.wait_for()
    facilitator_page.once("dialog", lambda dialog: dialog.accept("Please stay on topic"))
    message.hover()
    message.get_by_role("button", name="Hide").click()

    placeholder = member_page.locator("#messages .message.hidden-msg")
    placeholder.wait_for()
    assert "Please stay on topic" in placeholder.inner_text()
    assert "Something off topic" not in placeholder.inner_text()
    # the facilitator still sees the text, marked as hidden
    facilitator_page.locator(
        "#messages .message.hidden-msg.reveal", has_text="Something off topic"
    ).wait_for()
    # and after a reload the member still gets the placeholder from history
    member_page.reload()
    member_page.locator("#messages .message.hidden-msg").wait_for()
    assert member_page.locator("#messages", has_text="Something off topic").count() == 0


def test_facilitator_dashboard_mutes_a_member(browser, daphne_server):
    community = CommunityFactory(name="Dashboard circle")
    make_member(
        community, role="facilitator", display_name="Fiona Dash", email="fdash@browser.test"
    )
    member = make_member(community, display_name="Noisy Nils", email="nils@browser.test")
    page = sign_in(browser, daphne_server, "fdash@browser.test")
    page.goto(f"{daphne_server.url}/c/{community.slug}/facilitate/")
    row = page.locator(f".member-row[data-user='{member.user.pk}']")
    row.get_by_text("Actions").click()
    row.locator(".mute-form input[name=reason]").fill("Too many off-topic posts")
    row.get_by_role("button", name="Mute", exact=True).click()
    page.wait_for_selector("text=Done.")
    page.locator(".audit", has_text="Noisy Nils").wait_for()
    from facilitators.models import Mute

    assert Mute.objects.filter(user=member.user, reason="Too many off-topic posts").exists()


def test_notification_badge_updates_live_when_mentioned(browser, e2e_worker):
    daphne_server = e2e_worker

    community = CommunityFactory(name="Badge circle")
    room = community.rooms.get(name="general")
    make_member(community, display_name="Rita Mentioner", email="rita@browser.test")
    make_member(community, display_name="Sven Listener", email="sven@browser.test")
    listener = sign_in(browser, daphne_server, "sven@browser.test")
    listener.goto(f"{daphne_server.url}/c/{community.slug}/")
    badge = listener.locator("#notification-badge")
    assert badge.is_hidden()
    socket_open(listener)

    writer = sign_in(browser, daphne_server, "rita@browser.test")
    writer.goto(f"{daphne_server.url}/c/{community.slug}/rooms/{room.pk}/")
    writer.wait_for_selector("#status[data-state=connected]")
    writer.fill("#body", "@sven-listener could you share your slides?")
    writer.keyboard.press("Enter")

    listener.wait_for_selector("#notification-badge:not([hidden])", timeout=10000)
    assert badge.inner_text() == "1"
    listener.get_by_role("link", name="Notifications").click()
    listener.locator(".notifications li", has_text="mentioned you in #general").wait_for()
