"""core.rows: the hand-written INSERT stores what the ORM would, and on PostgreSQL the hot
statements are prepared once per connection and keep working across rollbacks."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import override_settings

from community import services
from community.models import EventKind, RoomEvent
from core import rows

pytestmark = pytest.mark.django_db
on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"
)


def _stored(event_id: int) -> dict:
    return RoomEvent.objects.filter(pk=event_id).values().get()


def test_insert_stores_the_row_the_orm_would(room, alice):
    written = rows.insert(
        RoomEvent(room_id=room.pk, seq=1, kind=EventKind.MESSAGE, author=alice.user,
                  body="Hallo", html="<p>Hallo</p>", client_ref="r-1", data={"version": 2})
    )  # fmt: skip
    by_orm = RoomEvent.objects.create(
        room_id=room.pk, seq=2, kind=EventKind.MESSAGE, author=alice.user, body="Hallo",
        html="<p>Hallo</p>", client_ref="r-2", data={"version": 2},
    )  # fmt: skip

    assert written.pk is not None and not written._state.adding
    mine, theirs = _stored(written.pk), _stored(by_orm.pk)
    differing = {k for k in mine if mine[k] != theirs[k]}
    assert differing == {"id", "seq", "client_ref", "created_at"}
    assert mine["data"] == {"version": 2} and mine["hidden_reason"] == ""
    assert mine["created_at"] is not None and written.created_at == mine["created_at"]


def test_insert_refuses_a_duplicate_and_the_transaction_rolls_back(room, alice):
    rows.insert(RoomEvent(room_id=room.pk, seq=1, kind=EventKind.MESSAGE, author=alice.user))
    with pytest.raises(IntegrityError), transaction.atomic():
        rows.insert(RoomEvent(room_id=room.pk, seq=1, kind=EventKind.MESSAGE, author=alice.user))
    assert RoomEvent.objects.filter(room=room).count() == 1


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [statement for (statement,) in cursor.fetchall()]


@on_postgres
def test_the_post_statement_is_prepared_once_per_connection(room, alice):
    for n in range(3):
        services.message_post(room_id=room.pk, author=alice.user, body=f"post {n}")
    statements = _prepared_statements()
    # One statement takes the seq, stores the message and reads the posting rules.
    post_statements = [s for s in statements if "SET last_seq = last_seq + 1" in s]
    assert len(post_statements) == 1
    assert 'INSERT INTO community_roomevent ("room_id", "seq"' in post_statements[0]
    assert list(RoomEvent.objects.filter(room=room).values_list("seq", flat=True)) == [1, 2, 3]


@on_postgres
def test_posting_goes_on_after_a_rollback_drops_the_prepared_statements(room, alice):
    services.message_post(room_id=room.pk, author=alice.user, body="before", ref="same")
    # A retried post (same ref) is refused by the database and rolled back (here to a
    # savepoint; the test below does it with real transactions, after which psycopg forgets
    # every statement it prepared and the next post prepares them again).
    _event, created = services.message_post(
        room_id=room.pk, author=alice.user, body="before", ref="same"
    )
    assert not created
    with pytest.raises(IntegrityError), transaction.atomic():
        rows.insert(RoomEvent(room_id=room.pk, seq=1, kind=EventKind.MESSAGE, author=alice.user))
    services.message_post(room_id=room.pk, author=alice.user, body="after")
    assert list(RoomEvent.objects.filter(room=room).values_list("body", "seq")) == [
        ("before", 1), ("after", 2),
    ]  # fmt: skip


@on_postgres
def test_the_setting_turns_preparing_off_and_the_orm_never_prepares(room, alice):
    with rows.prepared_cursor() as cursor:
        cursor.execute("SELECT %s::int + 40", [2])
        assert cursor.fetchone() == (42,)
    with override_settings(KRING_DB_PREPARED_STATEMENTS=False), rows.prepared_cursor() as cursor:
        cursor.execute("SELECT %s::int + 41", [1])
    for _ in range(3):
        list(RoomEvent.objects.filter(room=room, body="orm"))
    statements = _prepared_statements()
    assert any("+ 40" in s for s in statements)
    assert not any("+ 41" in s for s in statements)
    assert not any('"body" = ' in s for s in statements)


@pytest.mark.django_db(transaction=True)  # a real BEGIN, not a savepoint in the test's
def test_a_prepared_first_statement_is_inside_the_transaction(room):
    """A rollback undoes what a prepared statement did (a refused post gives its seq back)."""
    from community.models import Room

    with pytest.raises(RuntimeError), transaction.atomic():
        row = rows.fetch_one(
            "UPDATE community_room SET last_seq = last_seq + 1 WHERE id = %s RETURNING last_seq",
            [room.pk],
        )
        assert row == (1,)
        raise RuntimeError("refused")
    assert Room.objects.get(pk=room.pk).last_seq == 0
    with transaction.atomic():
        rows.fetch_one(
            "UPDATE community_room SET last_seq = last_seq + 1 WHERE id = %s RETURNING id",
            [room.pk],
        )
        assert not connection.get_autocommit()
    assert Room.objects.get(pk=room.pk).last_seq == 1


def test_a_refused_post_leaves_no_row_and_gives_its_seq_back(room, alice):
    """The message is stored in the statement that reads the posting rules; a refusal after
    it must take the row and the seq back."""
    from community.models import Room
    from core.errors import Forbidden, NotFound

    services.message_post(room_id=room.pk, author=alice.user, body="open")
    Room.objects.filter(pk=room.pk).update(is_locked=True)
    with pytest.raises(Forbidden):
        services.message_post(room_id=room.pk, author=alice.user, body="locked out")
    Room.objects.filter(pk=room.pk).update(is_locked=False)
    with pytest.raises(NotFound):
        services.message_post(room_id=room.pk, author=alice.user, body="re", reply_to_id=10**9)
    services.message_post(room_id=room.pk, author=alice.user, body="open again")
    assert list(RoomEvent.objects.filter(room=room).values_list("body", "seq")) == [
        ("open", 1), ("open again", 2),
    ]  # fmt: skip
    assert Room.objects.get(pk=room.pk).last_seq == 2


@on_postgres  # SQLite does not enforce a varchar's length
def test_a_value_too_long_for_its_column_is_refused_not_cut_short(room, alice):
    """The post's statement casts its parameters (INSERT ... SELECT needs types); a cast to
    varchar(64) would silently cut a long ref to 64 characters."""
    from django.db import DataError

    too_long = "r" * 65
    with pytest.raises(DataError):
        services.message_post(room_id=room.pk, author=alice.user, body="hi", ref=too_long)
    with pytest.raises(DataError), transaction.atomic():
        rows.insert(RoomEvent(room_id=room.pk, seq=9, kind=EventKind.MESSAGE, client_ref=too_long))
    assert not RoomEvent.objects.filter(room=room).exists()


@pytest.mark.django_db(transaction=True)  # real transactions, real rollbacks
def test_a_retried_and_a_refused_post_in_real_transactions(room, alice):
    """A duplicate ref and a refusal roll the post's transaction back (psycopg then drops its
    prepared statements), and posting goes on with gapless seqs."""
    from community.models import Room
    from core.errors import Forbidden

    first, created = services.message_post(room_id=room.pk, author=alice.user, body="a", ref="r")
    again, created_again = services.message_post(
        room_id=room.pk, author=alice.user, body="a", ref="r"
    )
    assert created and not created_again and again.pk == first.pk
    Room.objects.filter(pk=room.pk).update(is_locked=True)
    with pytest.raises(Forbidden):
        services.message_post(room_id=room.pk, author=alice.user, body="locked")
    Room.objects.filter(pk=room.pk).update(is_locked=False)
    services.message_post(room_id=room.pk, author=alice.user, body="b")
    assert list(RoomEvent.objects.filter(room=room).values_list("body", "seq")) == [
        ("a", 1), ("b", 2),
    ]  # fmt: skip


def test_a_reply_is_checked_against_its_target_under_the_room_lock(room, alice):
    """The target is read after the seq is taken; a deleted target refuses the reply and
    leaves nothing."""
    from core.errors import NotFound

    target, _ = services.message_post(room_id=room.pk, author=alice.user, body="question")
    reply, _ = services.message_post(
        room_id=room.pk, author=alice.user, body="answer", reply_to_id=target.pk
    )
    assert reply.reply_to_id == target.pk and reply.reply_to.body == "question"
    services.message_delete(actor=alice.user, message_id=target.pk)
    with pytest.raises(NotFound):
        services.message_post(
            room_id=room.pk, author=alice.user, body="late", reply_to_id=target.pk
        )
    assert not RoomEvent.objects.filter(room=room, body="late").exists()
