"""Web Push through the outbox, against a real push service of the tests' own
(tests/push_service.py) that verifies each push's VAPID token and decrypts its payload."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone
from notifications.models import Notification

from community import services
from core import metrics
from delivery import services as delivery
from delivery.categories import Level
from delivery.models import DeliverySettings, PushDelivery, PushState, PushSubscription
from delivery.push import keys, sender
from delivery.push.services import push_subscription_register
from delivery.worker import process_pending_jobs

pytestmark = pytest.mark.django_db


def subscribe(member, device):
    subscription = device.subscription()
    return push_subscription_register(
        user=member.user,
        endpoint=subscription["endpoint"],
        p256dh=subscription["keys"]["p256dh"],
        auth=subscription["keys"]["auth"],
        user_agent="Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/131.0 Mobile",
    )[0]


def no_quiet_hours(*members):
    for member in members:
        delivery.settings_update(user=member.user, quiet_start=None, quiet_end=None)


def mention(room, author, handle="bob-berg", text="can you share the rubric?"):
    services.message_post(room_id=room.pk, author=author.user, body=f"@{handle} {text}")
    process_pending_jobs()


def test_a_mention_reaches_every_device_of_the_mentioned_teacher_encrypted_and_signed(
    room, alice, bob, push_service
):
    no_quiet_hours(alice, bob)
    phone, laptop = push_service.device("phone"), push_service.device("laptop")
    subscribe(bob, phone)
    subscribe(bob, laptop)
    subscribe(alice, push_service.device("alice"))

    mention(room, alice)
    assert sender.send_due() == 2

    notification = Notification.objects.get(recipient=bob.user)
    assert push_service.problems == []
    assert sorted(r.device for r in push_service.received) == ["laptop", "phone"]
    for received in push_service.received:
        assert received.payload == {
            "type": "notification",
            "id": notification.pk,
            "title": "Alice Anders mentioned you in #general",
            "body": "@bob-berg can you share the rubric?",
            "url": f"/notifications/{notification.pk}/open/",
            "tag": f"kring-{notification.pk}",
            "lang": "en",
            "unread": 1,
            "created_at": received.payload["created_at"],
        }
        assert received.vapid_key == keys.public_key()
        assert received.claims["sub"] == settings.KRING_VAPID_SUBJECT
        assert received.headers["ttl"] == str(settings.KRING_PUSH_TTL_SECONDS)
        assert received.headers["urgency"] == "high"
    assert set(PushDelivery.objects.values_list("state", flat=True)) == {PushState.SENT}
    assert PushSubscription.objects.filter(user=bob.user, last_push_at__isnull=False).count() == 2


def test_each_notification_is_pushed_once_to_each_device(room, alice, bob, push_service):
    no_quiet_hours(bob)
    phone, laptop = push_service.device("phone"), push_service.device("laptop")
    subscribe(bob, phone)
    subscribe(bob, laptop)
    for i in range(3):
        mention(room, alice, text=f"question {i}")

    sender.send_due()
    sender.send_due()  # nothing left: a second pass sends nothing again

    pushed = sorted((r.device, r.payload["id"]) for r in push_service.received)
    ids = sorted(Notification.objects.filter(recipient=bob.user).values_list("pk", flat=True))
    assert pushed == sorted([("laptop", i) for i in ids] + [("phone", i) for i in ids])


def test_a_push_already_read_in_the_app_is_not_sent(room, alice, bob, push_service):
    no_quiet_hours(bob)
    subscribe(bob, push_service.device("phone"))
    mention(room, alice)
    delivery.notification_mark_all_read(user=bob.user)

    sender.send_due()

    assert push_service.received == []
    assert PushDelivery.objects.get().state == PushState.SKIPPED


@pytest.mark.parametrize("status", [410, 404])
def test_a_subscription_the_push_service_says_is_gone_is_removed(
    room, alice, bob, push_service, status
):
    no_quiet_hours(bob)
    gone = subscribe(bob, push_service.device("old phone", status=status))
    subscribe(bob, push_service.device("laptop"))
    mention(room, alice)

    sender.send_due()

    assert not PushSubscription.objects.filter(pk=gone.pk).exists()
    assert [r.device for r in push_service.received] == ["laptop"]
    assert metrics.WEB_PUSHES.labels(outcome="gone")._value.get() >= 1
    assert PushSubscription.objects.filter(user=bob.user).count() == 1


def test_a_busy_push_service_is_tried_again_after_its_retry_after(room, alice, bob, push_service):
    no_quiet_hours(bob)
    phone = push_service.device("phone", status=429)
    phone.retry_after = "120"
    subscribe(bob, phone)
    mention(room, alice)

    sender.send_due()
    row = PushDelivery.objects.get()
    assert (row.state, row.attempts) == (PushState.PENDING, 1)
    assert row.not_before > timezone.now() + timedelta(seconds=100)
    assert sender.send_due() == 0  # not before its time

    phone.status = 201
    sender.send_due(now=timezone.now() + timedelta(seconds=121))
    assert [r.device for r in push_service.received] == ["phone"]
    assert PushDelivery.objects.get().state == PushState.SENT


@override_settings(KRING_PUSH_MAX_ATTEMPTS=2)
def test_a_push_service_that_keeps_failing_is_given_up_after_the_last_try(
    room, alice, bob, push_service
):
    no_quiet_hours(bob)
    subscribe(bob, push_service.device("phone", status=500))
    mention(room, alice)

    sender.send_due()
    sender.send_due(now=timezone.now() + timedelta(hours=1))

    row = PushDelivery.objects.get()
    assert (row.state, row.attempts, row.last_error) == (PushState.FAILED, 2, "500")


def test_muted_levels_never_push(community, room, alice, bob, push_service):
    no_quiet_hours(bob)
    subscribe(bob, push_service.device("phone"))
    delivery.preference_set(user=bob.user, community=community, level=Level.MUTE)

    mention(room, alice)
    sender.send_due()

    assert Notification.objects.filter(recipient=bob.user).exists(), "muted is stored, not lost"
    assert not PushDelivery.objects.exists()
    assert push_service.received == []


def test_pushes_are_written_in_the_recipients_language(room, alice, bob, push_service):
    no_quiet_hours(bob)
    services.profile_update(user=bob.user, language="pl")
    subscribe(bob, push_service.device("phone"))

    mention(room, alice)
    sender.send_due()

    (payload,) = push_service.payloads()
    assert payload["title"] == "Alice Anders wspomniał(a) o Tobie w #general"
    assert payload["lang"] == "pl"


def _quiet_now(member, zone: str):
    """Quiet hours around this very moment on the member's clock in ``zone``."""
    services.profile_update(user=member.user, timezone=zone)
    local = timezone.now().astimezone(member.user.zone)
    start = (local - timedelta(hours=1)).time().replace(second=0, microsecond=0)
    end = (local + timedelta(hours=2)).time().replace(second=0, microsecond=0)
    delivery.settings_update(user=member.user, quiet_start=start, quiet_end=end)
    end_today = datetime.combine(local.date(), end, tzinfo=member.user.zone)
    return (end_today if end_today > local else end_today + timedelta(days=1)).astimezone(UTC)


def test_quiet_hours_hold_pushes_until_they_end_on_the_teachers_clock(
    room, alice, bob, push_service
):
    ends = _quiet_now(bob, "Pacific/Auckland")
    subscribe(bob, push_service.device("phone"))
    mention(room, alice)

    sender.send_due()
    assert push_service.received == []
    assert PushDelivery.objects.get().not_before == ends
    assert PushDelivery.objects.get().attempts == 0  # waiting is not a try

    sender.send_due(now=ends - timedelta(minutes=1))
    assert push_service.received == []
    sender.send_due(now=ends + timedelta(seconds=1))
    assert [p["type"] for p in push_service.payloads()] == ["notification"]


def test_after_quiet_hours_only_unread_ones_are_pushed_and_many_become_one_summary(
    room, alice, bob, push_service
):
    ends = _quiet_now(bob, "Europe/Tallinn")
    subscribe(bob, push_service.device("phone"))
    for i in range(6):
        mention(room, alice, text=f"evening question {i}")
    sender.send_due()
    first = Notification.objects.filter(recipient=bob.user).order_by("pk").first()
    delivery.notification_mark(user=bob.user, notification_id=first.pk)  # read in the app

    sender.send_due(now=ends + timedelta(seconds=1))

    (summary,) = push_service.payloads()
    assert (summary["type"], summary["title"], summary["url"]) == (
        "summary",
        "5 new notifications",
        "/notifications/?unread=1",
    )
    assert summary["body"] == "Alice Anders mentioned you in #general"
    states = sorted(PushDelivery.objects.values_list("state", flat=True))
    assert states == [PushState.SENT] * 5 + [PushState.SKIPPED]


def test_a_claim_left_by_a_dead_worker_is_sent_by_the_next_one_once(room, alice, bob, push_service):
    no_quiet_hours(bob)
    subscribe(bob, push_service.device("phone"))
    mention(room, alice)
    claim = sender.claim_due(timezone.now())  # a worker claims, then dies before posting
    assert len(claim.pushes) == 1

    assert sender.send_due() == 0, "a fresh claim belongs to a worker that may be alive"
    later = timezone.now() + timedelta(seconds=settings.KRING_PUSH_CLAIM_SECONDS + 1)
    sender.send_due(now=later)
    sender.send_due(now=later + timedelta(seconds=1))

    assert len(push_service.received) == 1
    assert PushDelivery.objects.get().state == PushState.SENT


def test_a_long_message_still_fits_one_push(room, alice, bob, push_service):
    no_quiet_hours(bob)
    subscribe(bob, push_service.device("phone"))
    mention(room, alice, text="ż" * 3000)

    sender.send_due()

    (payload,) = push_service.payloads()
    assert push_service.problems == []
    assert len(payload["body"]) == 240 and payload["body"].endswith("…")


def test_pushes_from_another_queue_are_left_to_its_workers(room, alice, bob, push_service):
    no_quiet_hours(bob)
    subscribe(bob, push_service.device("phone"))
    with override_settings(KRING_OUTBOX_QUEUE="elsewhere"):
        services.message_post(room_id=room.pk, author=alice.user, body="@bob-berg hi")
        process_pending_jobs()
    assert sender.send_due() == 0
    with override_settings(KRING_OUTBOX_QUEUE="elsewhere"):
        assert sender.send_due() == 1


def test_quiet_hours_end_is_the_next_end_on_the_local_clock_across_dst():
    own = DeliverySettings(quiet_start=time(19, 0), quiet_end=time(7, 0))
    zone = ZoneInfo("Europe/Amsterdam")
    # The night the clocks go forward (29 March 2026): 07:00 CEST is 05:00 UTC.
    now = datetime(2026, 3, 28, 22, 0, tzinfo=UTC)  # 23:00 in Amsterdam (CET)
    assert sender.quiet_hours_end(own, zone, now) == datetime(2026, 3, 29, 5, 0, tzinfo=UTC)
