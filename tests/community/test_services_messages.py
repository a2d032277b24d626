"""message_post / edit / delete / read_mark: the room event log."""

from __future__ import annotations

import pytest
from django.db import transaction

from community import services
from community.models import Room, RoomEvent, RoomReadState
from core.errors import Forbidden, Invalid, NotFound, RateLimited, TooLarge
from tests.conftest import make_member

pytestmark = pytest.mark.django_db


def test_post_stores_message_with_next_seq_and_sanitised_html(room, alice):
    # given a room with no events
    # when alice posts Markdown with raw HTML in it
    event, created = services.message_post(
        room_id=room.pk, author=alice.user, body="**Hello** <img src=x onerror=alert(1)>"
    )
    # then it is stored as seq 1 with safe HTML
    assert created
    assert event.seq == 1
    assert event.kind == "message"
    assert event.html == "<p><strong>Hello</strong> &lt;img src=x onerror=alert(1)&gt;</p>"
    room.refresh_from_db()
    assert room.last_seq == 1


def test_seqs_are_consecutive_per_room(community, alice):
    other_room = services.room_create(community=community, name="second")
    general = community.rooms.get(name="general")
    seqs = [
        services.message_post(room_id=r.pk, author=alice.user, body="x")[0].seq
        for r in (general, general, other_room, general)
    ]
    assert seqs == [1, 2, 1, 3]


def test_event_is_broadcast_only_after_commit(room, alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        services.message_post(room_id=room.pk, author=alice.user, body="hi")
    assert len(callbacks) == 1


def test_rolled_back_post_broadcasts_nothing_and_frees_its_seq(
    room, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        try:
            with transaction.atomic():
                services.message_post(room_id=room.pk, author=alice.user, body="lost")
                raise RuntimeError("caller failed after posting")
        except RuntimeError:
            pass
    assert callbacks == []
    assert RoomEvent.objects.count() == 0
    assert services.message_post(room_id=room.pk, author=alice.user, body="kept")[0].seq == 1


def test_retried_post_with_same_ref_is_stored_once(room, alice):
    first, created_first = services.message_post(
        room_id=room.pk, author=alice.user, body="hi", ref="abc"
    )
    again, created_again = services.message_post(
        room_id=room.pk, author=alice.user, body="hi", ref="abc"
    )
    assert created_first and not created_again
    assert again.pk == first.pk and again.seq == first.seq
    assert RoomEvent.objects.count() == 1


def test_same_ref_from_another_author_is_a_new_post(room, alice, bob):
    services.message_post(room_id=room.pk, author=alice.user, body="hi", ref="abc")
    _, created = services.message_post(room_id=room.pk, author=bob.user, body="hi", ref="abc")
    assert created


@pytest.mark.parametrize("body", ["", "   \n "])
def test_empty_body_is_invalid(room, alice, body):
    with pytest.raises(Invalid):
        services.message_post(room_id=room.pk, author=alice.user, body=body)


def test_too_long_body_is_too_large(room, alice, settings):
    settings.KRING_MAX_MESSAGE_LENGTH = 10
    with pytest.raises(TooLarge):
        services.message_post(room_id=room.pk, author=alice.user, body="x" * 11)
    assert not RoomEvent.objects.exists()


@pytest.mark.parametrize(
    ("role", "state"),
    [("observer", "active"), ("member", "pending"), ("member", "left")],
)
def test_only_active_posting_members_post(community, room, role, state):
    member = make_member(community, role=role, state=state)
    with pytest.raises(Forbidden):
        services.message_post(room_id=room.pk, author=member.user, body="hi")
    room.refresh_from_db()
    assert room.last_seq == 0, "a refused post must not take a seq"


def test_non_member_cannot_post(room):
    from tests.factories import UserFactory

    with pytest.raises(Forbidden):
        services.message_post(room_id=room.pk, author=UserFactory(), body="hi")


def test_post_to_missing_room_is_not_found(alice):
    with pytest.raises(NotFound):
        services.message_post(room_id=999_999, author=alice.user, body="hi")


def test_reply_links_to_message_in_same_room(community, room, alice, bob):
    parent, _ = services.message_post(room_id=room.pk, author=alice.user, body="question?")
    reply, _ = services.message_post(
        room_id=room.pk, author=bob.user, body="answer", reply_to_id=parent.pk
    )
    assert reply.reply_to_id == parent.pk
    other = services.room_create(community=community, name="elsewhere")
    with pytest.raises(NotFound):
        services.message_post(room_id=other.pk, author=bob.user, body="x", reply_to_id=parent.pk)


def test_rate_limit_refuses_posts_over_the_limit(room, alice, settings):
    settings.KRING_RATE_LIMITS = {**settings.KRING_RATE_LIMITS, "post": (3, 60)}
    for _ in range(3):
        services.message_post(room_id=room.pk, author=alice.user, body="x")
    with pytest.raises(RateLimited) as info:
        services.message_post(room_id=room.pk, author=alice.user, body="x")
    assert info.value.retry_after is not None
    assert RoomEvent.objects.count() == 3


def test_edit_updates_message_and_appends_edit_event(room, alice):
    message, _ = services.message_post(room_id=room.pk, author=alice.user, body="teh typo")
    edit = services.message_edit(actor=alice.user, message_id=message.pk, body="the fix")
    message.refresh_from_db()
    assert (message.body, message.edited_at is not None) == ("the fix", True)
    assert (edit.kind, edit.seq, edit.target_id, edit.body) == ("edit", 2, message.pk, "the fix")


def test_cannot_edit_or_delete_someone_elses_message(room, alice, bob):
    message, _ = services.message_post(room_id=room.pk, author=alice.user, body="mine")
    with pytest.raises(Forbidden):
        services.message_edit(actor=bob.user, message_id=message.pk, body="hijack")
    with pytest.raises(Forbidden):
        services.message_delete(actor=bob.user, message_id=message.pk)


def test_delete_erases_text_of_message_and_its_edits(room, alice):
    message, _ = services.message_post(room_id=room.pk, author=alice.user, body="secret v1")
    edit = services.message_edit(actor=alice.user, message_id=message.pk, body="secret v2")
    delete = services.message_delete(actor=alice.user, message_id=message.pk)
    message.refresh_from_db()
    edit.refresh_from_db()
    assert message.deleted_at is not None
    assert (message.body, message.html, edit.body, edit.html) == ("", "", "", "")
    assert (delete.kind, delete.seq, delete.target_id) == ("delete", 3, message.pk)
    with pytest.raises(NotFound):
        services.message_edit(actor=alice.user, message_id=message.pk, body="again")


def test_read_mark_moves_forward_only_and_counts_unread(room, alice, bob):
    for i in range(4):
        services.message_post(room_id=room.pk, author=bob.user, body=f"m{i}")
    services.message_post(room_id=room.pk, author=alice.user, body="own message is never unread")
    assert services.read_mark(user=alice.user, room_id=room.pk, seq=2) == (2, 2)
    assert services.read_mark(user=alice.user, room_id=room.pk, seq=1) == (2, 2)
    assert services.read_mark(user=alice.user, room_id=room.pk, seq=999) == (5, 0)
    assert RoomReadState.objects.get(user=alice.user, room=room).last_read_seq == 5


def test_read_mark_requires_membership(room):
    from tests.factories import UserFactory

    with pytest.raises(Forbidden):
        services.read_mark(user=UserFactory(), room_id=room.pk, seq=1)


def test_last_seq_matches_number_of_events(room, alice):
    for _ in range(5):
        services.message_post(room_id=room.pk, author=alice.user, body="x")
    assert Room.objects.get(pk=room.pk).last_seq == RoomEvent.objects.filter(room=room).count()


def test_retry_of_a_stored_post_is_answered_with_it_even_if_refused_now(community, room, alice):
    from facilitators.models import Mute

    original, _ = services.message_post(room_id=room.pk, author=alice.user, body="hi", ref="r-1")
    Mute.objects.create(community=community, user=alice.user)
    again, created = services.message_post(room_id=room.pk, author=alice.user, body="hi", ref="r-1")
    assert (again.pk, created) == (original.pk, False)
    with pytest.raises(Forbidden):
        services.message_post(room_id=room.pk, author=alice.user, body="new", ref="r-2")


def test_posting_is_a_handful_of_queries(room, alice, django_assert_max_num_queries):
    # seq + community (UPDATE ... RETURNING), membership + mute + watchers (one SELECT),
    # the INSERT, and the savepoint pair of the transaction
    with django_assert_max_num_queries(5):
        services.message_post(room_id=room.pk, author=alice.user, body="plain message", ref="q-1")
