"""No over-booking under concurrency: several people take the last seat at the same moment,
each in a thread of its own with its own database connection (the real database: the test
SQLite file, or PostgreSQL with DATABASE_URL). One wins; the others are on the waiting list,
and the counts agree with the rows."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from events import services
from events.models import Occurrence, Rsvp
from tests.conftest import make_member

from .conftest import schedule

pytestmark = pytest.mark.django_db(transaction=True)


def _all_at_once(count: int, act) -> list[BaseException | object]:
    start = threading.Barrier(count)
    results: list[BaseException | object] = [None] * count

    def run(i: int) -> None:
        try:
            start.wait(timeout=10)
            results[i] = act(i)
        except BaseException as exc:
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.parametrize("people", [2, 8])
def test_people_taking_the_last_seat_at_once_one_wins_the_rest_wait(circle, people):
    event = schedule(circle.facilitator.user, circle.community, capacity=2)
    services.rsvp_set(actor=circle.alice.user, event=event, status="going")  # one seat left
    racers = [make_member(circle.community).user for _ in range(people)]

    results = _all_at_once(
        people, lambda i: services.rsvp_set(actor=racers[i], event=event, status="going")[0]
    )

    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors
    assert sorted(r.waitlisted for r in results) == [False] + [True] * (people - 1)
    row = Occurrence.objects.get(event=event)
    seated = Rsvp.objects.filter(occurrence=row, status="going", waitlisted=False).count()
    assert seated == row.going_count == 2
    assert (
        row.waiting_count
        == people - 1
        == Rsvp.objects.filter(occurrence=row, waitlisted=True).count()
    )


def test_a_seat_given_back_while_others_queue_goes_to_exactly_one(circle):
    event = schedule(circle.facilitator.user, circle.community, capacity=1)
    services.rsvp_set(actor=circle.alice.user, event=event, status="going")
    services.rsvp_set(actor=circle.bob.user, event=event, status="going")  # waiting, first
    late = [make_member(circle.community).user for _ in range(3)]

    def act(i: int):
        if i == 0:
            return services.rsvp_set(actor=circle.alice.user, event=event, status="no")[0]
        return services.rsvp_set(actor=late[i - 1], event=event, status="going")[0]

    results = _all_at_once(4, act)

    assert not [r for r in results if isinstance(r, BaseException)]
    row = Occurrence.objects.get(event=event)
    assert (
        row.going_count
        == 1
        == Rsvp.objects.filter(occurrence=row, waitlisted=False, status="going").count()
    )
    # Whoever ran first, the seat is Bob's: he was first on the waiting list, and a late
    # comer only finds a seat free after it was given to him in the same transaction.
    holder = Rsvp.objects.get(occurrence=row, status="going", waitlisted=False).user
    assert holder == circle.bob.user
    assert row.waiting_count == 3


def test_the_database_itself_refuses_more_seated_than_seats(circle):
    """The check constraint is the last line: even a write that skipped the lock fails."""
    from django.db import IntegrityError, transaction

    event = schedule(circle.facilitator.user, circle.community, capacity=1)
    _answer, row = services.rsvp_set(actor=circle.alice.user, event=event, status="going")
    with pytest.raises(IntegrityError), transaction.atomic():
        Occurrence.objects.filter(pk=row.pk).update(going_count=2)
    assert connection.vendor in ("sqlite", "postgresql")
