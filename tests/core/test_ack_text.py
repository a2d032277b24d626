"""A post's ack is spliced from the event frame the broadcast already encoded; it must be
byte for byte what encoding the ack model gives."""

from __future__ import annotations

import pytest

from community import selectors, services
from core.protocol.base import encode
from core.protocol.room_events import ack_frame, ack_text, event_frame, event_text

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "ref", [None, "r-1", 'quote " and \\ backslash', "zażółć gęślą jaźń ✓", "tab\tnew\nline\u2028"]
)
def test_the_spliced_ack_is_the_encoded_ack(room, alice, bob, ref):
    original, _ = services.message_post(room_id=room.pk, author=alice.user, body="Eerste *bericht*")
    reply, _ = services.message_post(
        room_id=room.pk, author=bob.user, body="Odpowiedź „tak”", reply_to_id=original.pk, ref=ref
    )
    assert ack_text(reply, ref) == encode(ack_frame(reply, ref))
    assert event_text(reply) == encode(event_frame(reply))
    stored = selectors.message_get(message_id=reply.pk)  # not encoded yet: built on the spot
    assert ack_text(stored, ref) == encode(ack_frame(stored, ref))
