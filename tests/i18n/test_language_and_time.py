"""Each teacher in their own language and time zone: chosen in the profile or the switcher,
taken from the browser at sign-up, used for pages, notifications and emails."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core import mail
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext
from notifications.models import Notification

from community import services
from core.protocol.notifications import notification_out
from delivery import email
from delivery import services as delivery
from delivery.worker import process_pending_jobs
from tests.conftest import make_member

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_language_and_time_zone_are_set_in_the_profile_api_and_checked(alice):
    client = logged_in(alice.user)
    answer = client.patch(
        "/api/me", {"language": "pl", "timezone": "Europe/Warsaw"}, content_type="application/json"
    )
    assert answer.status_code == 200
    assert (answer.json()["language"], answer.json()["timezone"]) == ("pl", "Europe/Warsaw")
    for bad in ({"language": "tlh"}, {"timezone": "Mars/Olympus"}):
        refused = client.patch("/api/me", bad, content_type="application/json")
        assert refused.status_code == 400 and refused.json()["error"] == "bad_request"
    alice.user.refresh_from_db()
    assert (alice.user.language, alice.user.timezone) == ("pl", "Europe/Warsaw")


def test_the_switcher_remembers_the_choice_for_a_signed_in_teacher(alice):
    client = logged_in(alice.user)
    client.post("/me/language/", {"language": "pl", "next": "/"})
    alice.user.refresh_from_db()
    assert alice.user.language == "pl"
    page = client.get("/me/profile/")
    assert page.headers["Content-Language"] == "pl"
    assert "Język" in page.text  # the switcher's label, in Polish


def test_pages_follow_the_teachers_language_over_the_browsers(alice):
    services.profile_update(user=alice.user, language="pl")
    page = logged_in(alice.user).get("/me/profile/", HTTP_ACCEPT_LANGUAGE="fi")
    assert page.headers["Content-Language"] == "pl"


def test_without_a_choice_the_browsers_language_is_used(alice):
    page = logged_in(alice.user).get("/me/profile/", HTTP_ACCEPT_LANGUAGE="fi,en;q=0.5")
    assert page.headers["Content-Language"] == "fi"


def test_a_notification_is_read_in_the_readers_language(room, alice, bob):
    services.profile_update(user=bob.user, language="pl")
    carol = make_member(room.community, display_name="Carol Clark")
    services.message_post(
        room_id=room.pk, author=alice.user, body=f"@{bob.user.handle} @{carol.user.handle} hi"
    )
    process_pending_jobs()
    for_bob = Notification.objects.get(recipient=bob.user)
    for_carol = Notification.objects.get(recipient=carol.user)
    # stored once, as the sentence and its values; the English text stays for old readers
    assert for_bob.data["verb"] == {
        "msgid": "mentioned you in %(room)s",
        "params": {"room": "#general"},
    }
    assert for_bob.verb == "mentioned you in #general"
    bobs = logged_in(bob.user).get("/api/notifications").json()["notifications"]
    carols = logged_in(carol.user).get("/api/notifications").json()["notifications"]
    assert bobs[0]["verb"] == "wspomniał(a) o Tobie w #general"
    assert carols[0]["verb"] == "mentioned you in #general"
    assert notification_out(for_carol).verb == "mentioned you in #general"


def test_a_sentence_stored_before_verbs_were_translated_still_shows(bob):
    old = Notification.objects.create(
        recipient=bob.user,
        actor=bob.user,
        verb="approved your request",
        data={"category": "membership"},
    )
    assert notification_out(old).verb == "approved your request"


def test_an_email_in_finnish_shows_local_time_across_the_october_switch(room, alice, bob):
    """Helsinki leaves summer time on 2026-10-25 at 04:00 local (01:00 UTC): the same UTC
    hour reads 10:00 on the Saturday and 09:00 on the Monday."""
    services.profile_update(user=bob.user, language="fi", timezone="Europe/Helsinki")
    delivery.settings_update(
        user=bob.user, email_mode="immediately", quiet_start=None, quiet_end=None
    )
    for day in (24, 26):
        services.message_post(room_id=room.pk, author=alice.user, body=f"@{bob.user.handle} {day}")
        process_pending_jobs()
        Notification.objects.filter(recipient=bob.user, emailed=False).update(
            timestamp=datetime(2026, 10, day, 7, 0, tzinfo=UTC)
        )
        assert email.send_immediate(now=datetime(2026, 10, day, 7, 1, tzinfo=UTC)) == 1
    saturday, monday = mail.outbox[-2], mail.outbox[-1]
    assert saturday.body.startswith(f"Hei {bob.user.public_name},")
    with translation.override("fi"):
        mentioned = gettext("mentioned you in %(room)s") % {"room": "#general"}
    assert mentioned != "mentioned you in #general" and mentioned in saturday.body
    assert "24.10.2026 10.00" in saturday.body  # Finnish date format, summer time (UTC+3)
    assert "26.10.2026 9.00" in monday.body  # winter time (UTC+2)
    assert "Europe/Helsinki" in monday.body


@pytest.mark.django_db(transaction=True)
async def test_a_live_notification_is_pushed_in_each_readers_language(room, alice, bob):
    from channels.db import database_sync_to_async

    from tests.core.frames import Capture

    def setup() -> str:
        services.profile_update(user=bob.user, language="pl")
        return make_member(room.community, display_name="Carol Clark").user.handle

    carol = await database_sync_to_async(setup)()
    capture = await Capture([room.pk]).start()

    def post_and_fan_out() -> None:
        body = f"@{bob.user.handle} @{carol} hi"
        services.message_post(room_id=room.pk, author=alice.user, body=body)
        process_pending_jobs()

    await database_sync_to_async(post_and_fan_out)()
    pushed = [f for f in await capture.frames() if f["type"] == "notification"]
    verbs = sorted(f["notification"]["verb"] for f in pushed)
    assert verbs == ["mentioned you in #general", "wspomniał(a) o Tobie w #general"]
