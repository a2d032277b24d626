"""The interface of issue 18 as the server renders it: the signed-in home page, language
prefixes, styled error pages, the design page, what the room page says before anyone types,
and the small reads behind the live parts (mention autocomplete, unread counts)."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.test import Client
from django.utils import timezone

from community.models import Membership
from community.services import message_post
from facilitators.models import Mute
from tests.conftest import make_member
from tests.factories import CommunityFactory, RoomFactory, UserFactory

pytestmark = pytest.mark.django_db


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def composer_state(response) -> dict:
    found = re.search(r'<script id="composer-state-data" type="application/json">(.*?)</script>',
                      response.text, re.S)  # fmt: skip
    assert found, "the room page has no composer state"
    return json.loads(found.group(1))


def test_home_shows_my_communities_rooms_with_unread_counts_and_mentions(community, alice, bob):
    room = community.rooms.get(name="general")
    message_post(room_id=room.pk, author=bob.user, body=f"Hi @{alice.user.handle}")
    message_post(room_id=room.pk, author=bob.user, body="Anyone?")
    other = CommunityFactory(name="Asked circle", join_policy="request")
    Membership.objects.create(community=other, user=alice.user, state="pending")

    page = logged_in(alice.user).get("/")

    assert community.name in page.text
    badge = re.search(rf'data-unread-room="{room.pk}"[^>]*><span class="count">(\d+)', page.text)
    assert badge and badge.group(1) == "2"
    assert "Asked circle is waiting for a facilitator" in page.text
    assert f"@{alice.user.handle}" in page.text  # how colleagues mention me


def test_language_prefixes_lead_home_in_that_language():
    response = Client().get("/nl/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "nl"
    assert Client().get("/pl").status_code == 302
    assert Client().get("/xx/").status_code == 404


def test_error_pages_are_styled_and_the_500_page_needs_no_request():
    response = logged_in(UserFactory()).get("/no-such-page/")
    assert response.status_code == 404
    assert "We could not find that page" in response.text
    assert "kring.css" in response.text
    html = render_to_string("500.html")  # Django renders it without a request or context
    assert "Something went wrong on our side" in html and "kring.css" in html
    assert "You cannot open this page" in render_to_string("403.html")


def test_design_page_is_for_staff_or_debug():
    assert logged_in(UserFactory()).get("/design/").status_code == 404
    page = logged_in(UserFactory(is_staff=True)).get("/design/")
    assert page.status_code == 200 and "Kring design system" in page.text


def test_a_room_page_says_a_mute_with_its_end_as_iso_time(community, room, alice):
    until = timezone.now() + timedelta(hours=2)
    Mute.objects.create(community=community, room=room, user=alice.user, until=until, reason="x")
    state = composer_state(logged_in(alice.user).get(f"/c/{community.slug}/rooms/{room.pk}/"))
    assert state["muted"] == {"room": room.pk, "until": until.isoformat(), "reason": "x"}


def test_a_room_page_says_lock_and_slow_mode_wait(community, alice):
    room = RoomFactory(community=community, name="slow", slow_mode_seconds=60, is_locked=True)
    facilitator = make_member(community, role="facilitator")
    message_post(room_id=room.pk, author=facilitator.user, body="mine")
    member_state = composer_state(
        logged_in(alice.user).get(f"/c/{community.slug}/rooms/{room.pk}/")
    )
    assert member_state["locked"] is True and member_state["moderates"] is False
    assert member_state["slow_mode_seconds"] == 60
    boss = composer_state(logged_in(facilitator.user).get(f"/c/{community.slug}/rooms/{room.pk}/"))
    assert boss["moderates"] is True and boss["slow_wait_seconds"] == 0  # slow mode spares them


def test_slow_mode_wait_counts_from_my_last_message(community, room, alice):
    message_post(room_id=room.pk, author=alice.user, body="just now")
    room.slow_mode_seconds = 120
    room.save()
    state = composer_state(logged_in(alice.user).get(f"/c/{community.slug}/rooms/{room.pk}/"))
    assert 100 < state["slow_wait_seconds"] <= 120


def test_mentionable_members_by_name_or_handle_for_members_only(community, alice):
    daan = make_member(community, display_name="Daan Visser")
    make_member(community, display_name="Someone Pending", state="pending")
    client = logged_in(alice.user)
    found = client.get(f"/api/communities/{community.slug}/mentionable?q=da").json()
    assert [p["handle"] for p in found] == [daan.user.handle]
    by_handle = client.get(f"/api/communities/{community.slug}/mentionable?q=daan-v").json()
    assert by_handle[0]["name"] == "Daan Visser"
    assert client.get(f"/api/communities/{community.slug}/mentionable?q=pending").json() == []
    outsider = logged_in(UserFactory())
    assert outsider.get(f"/api/communities/{community.slug}/mentionable?q=da").status_code == 403


def test_unread_counts_of_all_my_rooms(community, room, alice, bob):
    message_post(room_id=room.pk, author=bob.user, body="one")
    message_post(room_id=room.pk, author=alice.user, body="my own does not count")
    elsewhere = CommunityFactory()
    rows = logged_in(alice.user).get("/api/me/unread").json()
    assert [(r["room"], r["unread"], r["community"]) for r in rows] == [
        (room.pk, 1, community.slug)
    ]
    assert all(r["community"] != elsewhere.slug for r in rows)


def test_asking_to_join_keeps_the_message(community):
    community.join_policy = "request"
    community.save()
    user = UserFactory()
    logged_in(user).post(f"/c/{community.slug}/join/", {"message": "I teach physics"})
    assert Membership.objects.get(user=user).request_message == "I teach physics"


def test_an_expired_form_gets_the_styled_page():
    response = Client(enforce_csrf_checks=True).post("/i18n/setlang/", {"language": "nl"})
    assert response.status_code == 403
    assert "That form has expired" in response.content.decode()
