"""The notifications page as a reader sees it: names not slugs, a material's title not its
thread's room name, "… ago", and opening a notification marks it read."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from notifications.models import Notification

from tests.conftest import make_member
from tests.resources.conftest import share

pytestmark = pytest.mark.django_db


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def notify(recipient, actor, verb, room, community, **extra):
    return Notification.objects.create(
        recipient=recipient,
        actor=actor,
        verb=verb,
        timestamp=extra.pop("timestamp", timezone.now()),
        data={"category": "mention", "community": community.slug, "room": room.pk,
              "url": extra.pop("url", f"/c/{community.slug}/rooms/{room.pk}/")},
    )  # fmt: skip


def test_the_list_names_communities_and_materials_and_says_how_long_ago(community, alice, bob):
    material = share(bob.user, community, title="Fractions with pizza")
    thread = material.thread
    notify(alice.user, bob.user, f"posted in #{thread.name}", thread, community,
           timestamp=timezone.now() - timedelta(minutes=5))  # fmt: skip

    page = logged_in(alice.user).get("/notifications/").text

    assert "posted in “Fractions with pizza”" in page
    assert f"#{thread.name}" not in page
    assert community.name in page and f">{community.slug}<" not in page
    assert "5\xa0minutes ago" in page


def test_opening_a_notification_marks_it_read_and_goes_to_its_page(community, room, alice, bob):
    notification = notify(alice.user, bob.user, "mentioned you in #general", room, community)
    response = logged_in(alice.user).get(f"/notifications/{notification.pk}/open/")
    assert response.status_code == 302
    assert response["Location"] == f"/c/{community.slug}/rooms/{room.pk}/"
    notification.refresh_from_db()
    assert notification.unread is False


def test_opening_never_leaves_the_site_nor_opens_someone_elses(community, room, alice, bob):
    away = notify(alice.user, bob.user, "x", room, community, url="https://evil.example/")
    assert logged_in(alice.user).get(f"/notifications/{away.pk}/open/")["Location"] == (
        "/notifications/"
    )
    theirs = notify(bob.user, alice.user, "x", room, community)
    logged_in(alice.user).get(f"/notifications/{theirs.pk}/open/")
    theirs.refresh_from_db()
    assert theirs.unread is True


def test_an_empty_list_says_so(community, alice):
    page = logged_in(make_member(community).user).get("/notifications/").text
    assert "Nothing here yet" in page
