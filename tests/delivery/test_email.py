"""Immediate emails, quiet hours, digests and one-click unsubscribe."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.test import Client
from notifications.models import Notification

from community import services
from core.notify import Category
from delivery import email
from delivery import selectors as delivery_selectors
from delivery import services as delivery
from delivery.models import DeliverySettings
from delivery.worker import process_pending_jobs
from facilitators import services as moderation
from tests.conftest import make_member

pytestmark = pytest.mark.django_db
UTC = ZoneInfo("UTC")


def mention(room, author, handle, body="please have a look"):
    services.message_post(room_id=room.pk, author=author, body=f"@{handle} {body}")
    process_pending_jobs()


def test_immediate_email_with_unsubscribe_link(room, alice, bob):
    delivery.settings_update(
        user=bob.user, email_mode="immediately", quiet_start=None, quiet_end=None
    )
    mention(room, alice.user, "bob-berg")
    assert email.send_immediate() == 1
    [message] = mail.outbox
    assert message.to == [bob.user.email]
    assert "Alice Anders mentioned you in #general" in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/notifications/unsubscribe/" in message.extra_headers["List-Unsubscribe"]
    assert Notification.objects.get().emailed is True
    assert email.send_immediate() == 0, "never sent twice"


def test_quiet_hours_hold_immediate_email_until_they_end(room, alice, bob):
    delivery.settings_update(
        user=bob.user, email_mode="immediately", timezone="Europe/Warsaw",
        quiet_start=time(19, 0), quiet_end=time(7, 0),
    )  # fmt: skip
    mention(room, alice.user, "bob-berg")
    evening_in_warsaw = datetime(2026, 11, 25, 20, 30, tzinfo=UTC)  # 21:30 local
    assert email.send_immediate(now=evening_in_warsaw) == 0
    morning_in_warsaw = datetime(2026, 11, 26, 6, 30, tzinfo=UTC)  # 07:30 local
    assert email.send_immediate(now=morning_in_warsaw) == 1


def test_in_quiet_hours_across_midnight_and_in_the_day():
    settings_ = DeliverySettings(quiet_start=time(19), quiet_end=time(7))
    stockholm = ZoneInfo("Europe/Stockholm")
    assert email.in_quiet_hours(settings_, stockholm, datetime(2026, 6, 1, 22, 0, tzinfo=UTC))
    assert not email.in_quiet_hours(settings_, stockholm, datetime(2026, 6, 1, 10, 0, tzinfo=UTC))
    lunch = DeliverySettings(quiet_start=time(12), quiet_end=time(13))
    assert email.in_quiet_hours(lunch, ZoneInfo("UTC"), datetime(2026, 6, 1, 12, 30, tzinfo=UTC))
    assert not email.in_quiet_hours(
        DeliverySettings(quiet_start=None, quiet_end=None), stockholm, datetime.now(UTC)
    )


def test_daily_digest_groups_everything_waiting(community, room, alice, bob):
    facilitator = make_member(community, role="facilitator", display_name="Fiona Facilitator")
    mention(room, alice.user, "bob-berg", "first")
    moderation.announcement_post(
        actor=facilitator.user, community=community, body="Workshop on Friday"
    )
    process_pending_jobs()
    yesterday = datetime(2026, 11, 24, 6, 30, tzinfo=UTC)
    for member in (alice, bob):
        DeliverySettings.objects.create(user=member.user, last_digest_at=yesterday)
    six_in_brussels = datetime(2026, 11, 25, 5, 0, tzinfo=UTC)
    assert email.send_digests(now=six_in_brussels) == 0, "not before the digest hour (07:00)"
    assert email.send_digests(now=datetime(2026, 11, 25, 6, 30, tzinfo=UTC)) == 2  # 07:30 local
    digest = next(m for m in mail.outbox if m.to == [bob.user.email])
    assert [m.to for m in mail.outbox if "mentioned" in m.body] == [[bob.user.email]]

    assert "daily digest" in digest.subject
    assert "mentioned you in #general" in digest.body and "posted an announcement" in digest.body
    assert community.name in digest.body
    assert email.send_digests(now=datetime(2026, 11, 25, 7, 30, tzinfo=UTC)) == 0, "one per day"


def test_digest_due_respects_time_zone_and_weekday():
    amsterdam, utc = ZoneInfo("Europe/Amsterdam"), ZoneInfo("UTC")
    daily = DeliverySettings(email_mode="daily", digest_hour=7)
    assert email.digest_due(daily, amsterdam, datetime(2026, 11, 25, 6, 5, tzinfo=UTC))  # 07:05
    daily.last_digest_at = datetime(2026, 11, 25, 6, 5, tzinfo=UTC)
    assert not email.digest_due(daily, amsterdam, datetime(2026, 11, 25, 20, 0, tzinfo=UTC))
    assert email.digest_due(daily, amsterdam, datetime(2026, 11, 26, 6, 5, tzinfo=UTC))
    weekly = DeliverySettings(email_mode="weekly", digest_hour=7, digest_weekday=0,
                              last_digest_at=datetime(2026, 11, 23, 7, 1, tzinfo=UTC))  # a Monday  # fmt: skip
    assert not email.digest_due(weekly, utc, datetime(2026, 11, 29, 23, 0, tzinfo=UTC))  # Sunday
    assert email.digest_due(weekly, utc, datetime(2026, 11, 30, 7, 1, tzinfo=UTC))  # next Monday
    assert not email.digest_due(DeliverySettings(email_mode="never"), utc, datetime.now(UTC))


def test_first_digest_waits_for_the_next_slot_after_the_first_notification():
    new_teacher, utc = DeliverySettings(email_mode="daily", digest_hour=7), ZoneInfo("UTC")
    evening = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)
    assert not email.digest_due(new_teacher, utc, evening, oldest_waiting=evening)
    assert email.digest_due(
        new_teacher, utc, datetime(2026, 11, 26, 7, 1, tzinfo=UTC), oldest_waiting=evening
    )


def test_never_and_unwanted_categories_send_nothing(room, alice, bob):
    delivery.settings_update(user=bob.user, email_mode="immediately", quiet_start=None, quiet_end=None,
                             email_categories=[Category.ANNOUNCEMENT])  # fmt: skip
    mention(room, alice.user, "bob-berg")
    assert email.send_immediate() == 0
    assert Notification.objects.get().data["email"] is None


def test_one_click_unsubscribe_per_category(bob):
    token = email.unsubscribe_token(bob.user.pk, Category.MENTION)
    client = Client()
    page = client.get(f"/notifications/unsubscribe/{token}/")
    assert page.status_code == 200 and "Mentions and replies" in page.content.decode()
    assert (
        Category.MENTION in delivery_selectors.delivery_settings_of(user=bob.user).email_categories
    )
    done = Client(enforce_csrf_checks=True).post(
        f"/notifications/unsubscribe/{token}/", {"List-Unsubscribe": "One-Click"}
    )
    assert done.status_code == 200
    remaining = delivery_selectors.delivery_settings_of(user=bob.user).email_categories
    assert Category.MENTION not in remaining and Category.ANNOUNCEMENT in remaining
    assert client.get("/notifications/unsubscribe/forged-token/").status_code == 400
