"""Notifications over the JSON API: own ones only."""

from __future__ import annotations

import pytest
from django.test import Client

from community import services
from delivery.worker import process_pending_jobs
from tests.conftest import make_member, session_token_for

pytestmark = pytest.mark.django_db


def api(user):
    return Client(HTTP_X_SESSION_TOKEN=session_token_for(user))


@pytest.fixture
def bobs_notifications(community, room, alice, bob):
    for i in range(3):
        services.message_post(room_id=room.pk, author=alice.user, body=f"@bob-berg question {i}")
    process_pending_jobs()
    return api(bob.user).get("/api/notifications").json()


def test_list_newest_first_with_unread_count(bobs_notifications, alice):
    assert bobs_notifications["unread"] == 3
    first = bobs_notifications["notifications"][0]
    assert first["text"] == "@bob-berg question 2"
    assert first["actor"]["name"] == "Alice Anders"
    assert (first["category"], first["verb"], first["unread"]) == (
        "mention",
        "mentioned you in #general",
        True,
    )
    assert first["url"].endswith(f"#m{first['target']['id']}")
    assert api(alice.user).get("/api/notifications").json() == {"notifications": [], "unread": 0}


def test_mark_read_unread_all_and_delete(bobs_notifications, bob):
    client = api(bob.user)
    ids = [n["id"] for n in bobs_notifications["notifications"]]
    assert client.post(f"/api/notifications/{ids[0]}/read").json() == {"unread": 2}
    assert client.post(f"/api/notifications/{ids[0]}/unread").json() == {"unread": 3}
    assert client.delete(f"/api/notifications/{ids[1]}").json() == {"unread": 2}
    assert client.post("/api/notifications/read-all").json() == {"unread": 0}
    assert [n["id"] for n in client.get("/api/notifications").json()["notifications"]] == [
        ids[0],
        ids[2],
    ]
    assert client.get("/api/notifications?unread=true").json()["notifications"] == []


def test_nobody_reads_marks_or_deletes_another_users_notifications(bobs_notifications, alice, bob):
    stranger = api(alice.user)
    target = bobs_notifications["notifications"][0]["id"]
    for response in (
        stranger.post(f"/api/notifications/{target}/read"),
        stranger.post(f"/api/notifications/{target}/unread"),
        stranger.delete(f"/api/notifications/{target}"),
    ):
        assert (response.status_code, response.json()["error"]) == (404, "not_found")
    stranger.post("/api/notifications/read-all")
    assert api(bob.user).get("/api/notifications/unread").json() == {"unread": 3}


def test_catch_up_with_after(bobs_notifications, bob):
    oldest = bobs_notifications["notifications"][-1]["id"]
    newer = api(bob.user).get(f"/api/notifications?after={oldest}").json()["notifications"]
    assert [n["text"] for n in newer] == ["@bob-berg question 1", "@bob-berg question 2"]


def test_levels_and_settings(community, room, bob):
    client = api(bob.user)
    assert client.get(f"/api/communities/{community.slug}/notification-level").json() == {
        "level": "normal",
        "source": "default",
    }
    client.put(
        f"/api/communities/{community.slug}/notification-level",
        {"level": "mentions"},
        content_type="application/json",
    )
    assert client.get(f"/api/rooms/{room.pk}/notification-level").json() == {
        "level": "mentions",
        "source": "community",
    }
    client.put(
        f"/api/rooms/{room.pk}/notification-level",
        {"level": "watching"},
        content_type="application/json",
    )
    assert client.get(f"/api/rooms/{room.pk}/notification-level").json() == {
        "level": "watching",
        "source": "room",
    }
    bad = client.put(
        f"/api/rooms/{room.pk}/notification-level",
        {"level": "loud"},
        content_type="application/json",
    )
    assert bad.status_code == 400
    settings = client.get("/api/me/notification-settings").json()
    assert (settings["email_mode"], settings["quiet_start"], settings["live"]) == (
        "daily",
        "19:00:00",
        True,
    )
    patched = client.patch("/api/me/notification-settings", {"email_mode": "weekly", "timezone": "Europe/Stockholm"},
                           content_type="application/json")  # fmt: skip
    assert (patched.json()["email_mode"], patched.json()["timezone"]) == (
        "weekly",
        "Europe/Stockholm",
    )
    wrong_zone = client.patch(
        "/api/me/notification-settings",
        {"timezone": "Mars/Olympus"},
        content_type="application/json",
    )
    assert wrong_zone.status_code == 400


def test_non_members_cannot_set_levels(community):
    from tests.factories import UserFactory

    client = api(UserFactory())
    response = client.put(f"/api/communities/{community.slug}/notification-level", {"level": "watching"},
                          content_type="application/json")  # fmt: skip
    assert response.status_code == 403


def test_only_facilitators_announce(community, alice):
    facilitator = make_member(community, role="facilitator")
    refused = api(alice.user).post(
        f"/api/communities/{community.slug}/announcements",
        {"body": "hi"},
        content_type="application/json",
    )
    assert refused.status_code == 403
    created = api(facilitator.user).post(f"/api/communities/{community.slug}/announcements", {"body": "Hello all"},
                                         content_type="application/json")  # fmt: skip
    assert created.status_code == 201 and created.json()["event"]["kind"] == "announcement"


def test_notification_pages(bobs_notifications, bob):
    client = Client()
    client.force_login(bob.user)
    page = client.get("/notifications/").content.decode()
    assert "mentioned you in #general" in page
    assert 'id="notification-badge"' in page
    client.post("/notifications/", {"action": "read_all"})
    assert "question" in client.get("/notifications/").content.decode()
    settings_page = client.get("/notifications/settings/")
    assert settings_page.status_code == 200
