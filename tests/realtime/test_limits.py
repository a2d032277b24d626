"""The size limits agree with each other, and a message that could not be sent is refused
before it is stored."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from community import services
from community.models import RoomEvent
from core.errors import TooLarge
from realtime.apps import RealtimeConfig
from realtime.limits import check_frame_limits, limit_problems


def test_default_limits_agree():
    assert limit_problems() == []
    assert check_frame_limits() == []


def test_a_message_length_the_incoming_frame_limit_cannot_carry_is_refused_at_start(settings):
    settings.KRING_MAX_MESSAGE_LENGTH = 40_000  # with the default 64 KiB frames
    problems = limit_problems()
    assert len(problems) == 1 and "KRING_MAX_FRAME_BYTES=65536" in problems[0]
    assert [e.id for e in check_frame_limits()] == ["kring.E001"]
    with pytest.raises(ImproperlyConfigured):
        RealtimeConfig.ready(RealtimeConfig("realtime", __import__("realtime")))


def test_a_message_length_whose_events_cannot_be_sent_is_refused_at_start(settings):
    settings.KRING_MAX_MESSAGE_LENGTH = 40_000
    settings.KRING_MAX_FRAME_BYTES = 1_000_000
    settings.KRING_MAX_OUTGOING_FRAME_BYTES = 100_000
    (problem,) = limit_problems()
    assert "KRING_MAX_OUTGOING_FRAME_BYTES=100000" in problem


def test_message_too_long_once_formatted_is_refused_before_it_is_stored(settings, room, alice):
    settings.KRING_MAX_OUTGOING_FRAME_BYTES = 20_000
    # 3,000 ampersands: short enough as text, 5 bytes each as HTML
    with pytest.raises(TooLarge, match="too long once formatted"):
        services.message_post(room_id=room.pk, author=alice.user, body="&" * 3000, ref="q")
    assert not RoomEvent.objects.filter(client_ref="q").exists()
    event, _ = services.message_post(room_id=room.pk, author=alice.user, body="a" * 3000)
    with pytest.raises(TooLarge):
        services.message_edit(actor=alice.user, message_id=event.pk, body="&" * 3000)
    event.refresh_from_db()
    assert event.body == "a" * 3000
