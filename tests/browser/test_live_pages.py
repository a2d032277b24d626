"""Pages other than the room that must change while they are open, and the facilitator
dashboard's controls, in a real browser."""

from __future__ import annotations

import pytest
from notifications.models import Notification

from community.models import Membership
from resources.models import Resource
from tests.conftest import make_member
from tests.factories import CommunityFactory
from tests.resources.files import PDF

from .conftest import live_in_room, new_page, sign_in, socket_open
from .test_room_states import api

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reaction_counts_change_on_an_open_material_page(browser, daphne_server, tmp_path):
    community = CommunityFactory()
    author = make_member(community, email="author@react.test")
    reader = make_member(community, email="reader@react.test")
    page = sign_in(browser, daphne_server, author.user.email)
    worksheet = tmp_path / "sheet.pdf"
    worksheet.write_bytes(PDF)
    page.goto(f"{daphne_server.url}/c/{community.slug}/resources/share/")
    page.fill("input[name=title]", "Fractions with pizza")
    page.fill("input[name=language]", "nl")
    page.set_input_files("input[name=file]", str(worksheet))
    page.click("form.material-form button[type=submit]")
    page.wait_for_selector("h1:has-text('Fractions with pizza')")
    resource = Resource.objects.get()

    watcher = sign_in(
        browser, daphne_server, reader.user.email, client_options={"reactionsInterval": 300}
    )
    watcher.goto(f"{daphne_server.url}/resources/{resource.pk}/")
    live_in_room(watcher)
    count = watcher.locator("button[data-reaction=used_in_class] .count")
    assert count.inner_text() == "0"

    page.click("button[data-reaction=used_in_class]")  # no reload: fetch
    page.wait_for_selector("button[data-reaction=used_in_class][aria-pressed=true]")
    assert page.locator("button[data-reaction=used_in_class] .count").inner_text() == "1"

    watcher.locator("button[data-reaction=used_in_class] .count", has_text="1").wait_for()


def test_the_waiting_page_turns_into_a_welcome_when_a_facilitator_approves(browser, daphne_server):
    community = CommunityFactory(name="Asking circle", join_policy="request")
    facilitator = make_member(community, role="facilitator")
    newcomer = make_member(community, state="pending", email="new@wait.test")
    Membership.objects.filter(user=newcomer.user).update(request_message="I teach maths")
    page = sign_in(browser, daphne_server, newcomer.user.email)
    page.goto(f"{daphne_server.url}/c/{community.slug}/")
    page.locator("#waiting").wait_for()
    socket_open(page)

    api(
        daphne_server,
        facilitator.user,
        "POST",
        f"/api/communities/{community.slug}/requests/{newcomer.user.pk}/approve",
        {"message": "Welcome, glad you are here"},
    )

    page.locator("#join-state", has_text="approved your request").wait_for()
    assert "Welcome, glad you are here" in page.locator("#join-state").inner_text()
    # ...and then the page as a member sees it.
    page.get_by_role("button", name="Leave community").wait_for(timeout=10000)


def test_asking_to_join_sends_the_message_to_the_facilitators(browser, daphne_server):
    community = CommunityFactory(name="Message circle", join_policy="request")
    make_member(community, role="facilitator", email="fac@ask.test")
    from tests.factories import UserFactory

    UserFactory(email="asker@ask.test")
    page = sign_in(browser, daphne_server, "asker@ask.test")
    page.goto(f"{daphne_server.url}/c/{community.slug}/")
    page.fill("#join-message", "I teach physics in Tarnów and look for inquiry ideas.")
    page.get_by_test_id("join").click()
    page.locator("#waiting").wait_for()

    facilitator = sign_in(browser, daphne_server, "fac@ask.test")
    facilitator.goto(f"{daphne_server.url}/c/{community.slug}/facilitate/")
    request = facilitator.locator(".request", has_text="inquiry ideas")
    request.wait_for()


def test_opening_a_notification_marks_it_read(browser, daphne_server):
    community = CommunityFactory()
    room = community.rooms.get(name="general")
    reader = make_member(community, email="reader@open.test")
    writer = make_member(community, display_name="Wim Writer")
    notification = Notification.objects.create(
        recipient=reader.user,
        actor=writer.user,
        verb="mentioned you in #general",
        data={"category": "mention", "community": community.slug, "room": room.pk,
              "url": f"/c/{community.slug}/rooms/{room.pk}/"},
    )  # fmt: skip
    page = sign_in(browser, daphne_server, reader.user.email)
    page.goto(f"{daphne_server.url}/notifications/")
    page.get_by_role("link", name="Wim Writer mentioned you in #general").click()
    page.wait_for_url(f"{daphne_server.url}/c/{community.slug}/rooms/{room.pk}/")
    notification.refresh_from_db()
    assert notification.unread is False


def test_the_dashboard_offers_nothing_against_equal_ranks_and_confirms_removal(
    browser, daphne_server
):
    community = CommunityFactory()
    make_member(community, role="facilitator", display_name="Fenna Lead", email="lead@dash.test")
    co = make_member(community, role="co_facilitator", display_name="Cas Co", email="co@dash.test")
    member = make_member(community, display_name="Mira Member")
    page = sign_in(browser, daphne_server, co.user.email)
    page.goto(f"{daphne_server.url}/c/{community.slug}/facilitate/")

    lead_row = page.locator(".member-row", has_text="Fenna Lead")
    assert lead_row.locator("details.menu").count() == 0  # higher rank: nothing to offer
    row = page.locator(".member-row", has_text="Mira Member")
    row.get_by_text("Actions").click()
    roles = row.locator("select[name=role] option").all_inner_texts()
    assert sorted(roles) == ["Member", "Observer"]  # only below the co-facilitator's own rank

    page.once("dialog", lambda dialog: dialog.dismiss())
    row.get_by_role("button", name="Remove").click()
    page.wait_for_timeout(300)
    assert Membership.objects.get(user=member.user).state == "active"
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Remove").click()
    page.wait_for_selector("text=Done.")
    assert Membership.objects.get(user=member.user).state == "left"


def test_api_docs_render_from_our_own_server_under_the_csp(browser, daphne_server):
    page = new_page(browser)
    hosts = set()
    page.on("request", lambda request: hosts.add(request.url.split("/")[2]))
    page.goto(f"{daphne_server.url}/api/docs")
    page.locator(".swagger-ui .info .title", has_text="Kring API").wait_for()
    page.locator(".opblock-tag", has_text="communities").first.wait_for()
    assert hosts == {daphne_server.url.split("/")[2]}
    assert page.problems == []


def test_the_dashboard_says_when_something_new_needs_a_look(browser, daphne_server):
    from tests.factories import UserFactory

    from .test_room_states import api

    community = CommunityFactory(join_policy="request")
    make_member(community, role="facilitator", email="lead@live.test")
    asker = UserFactory()
    page = sign_in(browser, daphne_server, "lead@live.test")
    page.goto(f"{daphne_server.url}/c/{community.slug}/facilitate/")
    socket_open(page)
    assert page.locator("#live-activity").is_hidden()

    api(daphne_server, asker, "POST", f"/api/communities/{community.slug}/join")

    page.locator("#live-activity").wait_for(state="visible")
