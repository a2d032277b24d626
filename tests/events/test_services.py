"""Scheduling, changing and cancelling events, and who comes (seats, the waiting list)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from notifications.models import Notification

from community.models import EventKind, RoomEvent, User
from core.errors import Conflict, Forbidden
from delivery.worker import process_pending_jobs
from events import selectors, services
from events.errors import FieldInvalid
from events.models import Event, Occurrence, OrganiserGrant, Rsvp
from events.recurrence import zone
from facilitators.models import Mute
from tests.conftest import make_member
from tests.factories import CommunityFactory

from .conftest import local_in, schedule

pytestmark = pytest.mark.django_db


def _told(user, containing: str = "") -> list[str]:
    process_pending_jobs()
    verbs = list(Notification.objects.filter(recipient=user).values_list("verb", flat=True))
    return [v for v in verbs if containing in v]


def _views(event):
    now = event.starts_at - timedelta(days=1)
    return selectors.expand(
        [selectors.event_get(event_id=event.pk)], now, now + timedelta(days=400)
    )


# --- scheduling -----------------------------------------------------------------------------------


def test_scheduling_makes_a_room_pins_the_agenda_and_tells_the_community(circle):
    event = schedule(circle.facilitator.user, circle.community, agenda="1. Welcome\n2. Cases")

    assert event.room.kind == "event" and event.room.community_id == circle.community.pk
    agenda = RoomEvent.objects.get(room=event.room, kind=EventKind.MESSAGE)
    assert agenda.pinned_at is not None and "Welcome" in agenda.body
    general = RoomEvent.objects.get(
        room__name="general", room__community=circle.community, kind="calendar"
    )
    assert general.data["action"] == "scheduled" and general.data["event"]["id"] == event.pk
    assert _told(circle.alice.user, "scheduled “Regional session”")
    assert list(event.organisers.all()) == [circle.facilitator.user]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": ""}, "title"),
        ({"timezone": "+01:00"}, "timezone"),
        ({"hours": -1}, "ends_at"),
        ({"days": -3}, "starts_at"),
        ({"online_url": "", "location": ""}, "location"),
        ({"format": "hybrid"}, "location"),
        ({"capacity": 0}, "capacity"),
        ({"rrule": "FREQ=SECONDLY"}, "rrule"),
        ({"audience": "network"}, "guest_communities"),
        ({"guest_communities": ["not-mine"], "audience": "network"}, "guest_communities"),
        ({"online_url": "javascript:alert(1)"}, "online_url"),
    ],
)
def test_bad_input_names_its_field_and_stores_nothing(circle, fields, field):
    with pytest.raises(FieldInvalid) as error:
        schedule(circle.facilitator.user, circle.community, **fields)
    assert error.value.field == field
    assert not Event.objects.exists()


def test_who_may_schedule(circle):
    with pytest.raises(Forbidden):
        schedule(circle.alice.user, circle.community)
    services.organiser_allow(
        actor=circle.facilitator.user, community=circle.community, user=circle.alice.user
    )
    assert schedule(circle.alice.user, circle.community).created_by == circle.alice.user
    Mute.objects.create(community=circle.community, user=circle.alice.user, reason="pause")
    with pytest.raises(Forbidden):
        schedule(circle.alice.user, circle.community)
    with pytest.raises(Forbidden):
        services.organiser_allow(
            actor=circle.bob.user, community=circle.community, user=circle.carol.user
        )
    observer = make_member(circle.community, role="observer")
    with pytest.raises(Exception, match="observers"):
        services.organiser_allow(
            actor=circle.facilitator.user, community=circle.community, user=observer.user
        )
    assert OrganiserGrant.objects.count() == 1


def test_a_series_starts_on_its_first_occurrence(circle):
    start = local_in(10)
    event = schedule(
        circle.facilitator.user,
        circle.community,
        start=start,
        rrule="FREQ=MONTHLY;BYDAY=1TU;COUNT=3",
    )
    views = _views(event)
    assert len(views) == 3
    assert all(v.starts_at.astimezone(zone("Europe/Amsterdam")).weekday() == 1 for v in views)
    assert event.starts_at == views[0].starts_at


# --- seats and the waiting list ------------------------------------------------------------------


def test_going_when_full_is_the_waiting_list_and_a_freed_seat_goes_to_the_first_in_line(circle):
    event = schedule(circle.facilitator.user, circle.community, capacity=1)
    first, row = services.rsvp_set(actor=circle.alice.user, event=event, status="going")
    second, _ = services.rsvp_set(actor=circle.bob.user, event=event, status="going")
    third, row = services.rsvp_set(actor=circle.carol.user, event=event, status="going")
    assert (first.waitlisted, second.waitlisted, third.waitlisted) == (False, True, True)
    assert (row.going_count, row.waiting_count) == (1, 2)

    services.rsvp_set(actor=circle.alice.user, event=event, status="no")

    assert Rsvp.objects.get(user=circle.bob.user).has_seat
    assert Rsvp.objects.get(user=circle.carol.user).waitlisted
    row.refresh_from_db()
    assert (row.going_count, row.waiting_count, row.maybe_count) == (1, 1, 0)
    assert _told(circle.bob.user, "has a seat for you")
    assert not _told(circle.carol.user, "has a seat for you")


def test_more_seats_promote_the_waiting_list_and_fewer_than_taken_are_refused(circle):
    event = schedule(circle.facilitator.user, circle.community, capacity=1)
    for member in (circle.alice, circle.bob, circle.carol):
        services.rsvp_set(actor=member.user, event=event, status="going")
    with pytest.raises(FieldInvalid):
        services.event_update(actor=circle.facilitator.user, event=event, capacity=0)

    services.event_update(actor=circle.facilitator.user, event=event, capacity=2)

    assert Rsvp.objects.get(user=circle.bob.user).has_seat
    assert Rsvp.objects.get(user=circle.carol.user).waitlisted
    assert _told(circle.bob.user, "has a seat for you")


def test_maybe_takes_no_seat_and_answers_end_with_the_occurrence(circle):
    event = schedule(circle.facilitator.user, circle.community, capacity=1)
    services.rsvp_set(actor=circle.alice.user, event=event, status="maybe")
    going, row = services.rsvp_set(actor=circle.bob.user, event=event, status="going")
    assert not going.waitlisted and (row.going_count, row.maybe_count) == (1, 1)
    Occurrence.objects.filter(pk=row.pk).update(
        starts_at=row.starts_at - timedelta(days=30), ends_at=row.ends_at - timedelta(days=30)
    )
    with pytest.raises(Conflict):
        services.rsvp_set(
            actor=circle.carol.user, event=event, status="going", occurrence=row.original_start
        )


def test_outsiders_do_not_answer_and_guests_of_an_open_event_do(circle):
    other = CommunityFactory()
    guest = make_member(other)
    make_member(other, user=circle.facilitator.user) if False else None
    from community.models import Membership

    Membership.objects.create(community=other, user=circle.facilitator.user, role="member")
    members_only = schedule(circle.facilitator.user, circle.community)
    with pytest.raises(Forbidden):
        services.rsvp_set(actor=guest.user, event=members_only, status="going")
    open_one = schedule(
        circle.facilitator.user,
        circle.community,
        audience="network",
        guest_communities=[other.slug],
    )
    answer, _ = services.rsvp_set(actor=guest.user, event=open_one, status="going")
    assert answer.has_seat
    assert _told(guest.user, "scheduled")  # the guest community heard of it


# --- changing -------------------------------------------------------------------------------------


def test_changing_one_session_moves_only_it_and_tells_those_going_in_their_own_zone(circle):
    event = schedule(circle.facilitator.user, circle.community, rrule="FREQ=WEEKLY;COUNT=4")
    views = _views(event)
    second = views[1]
    services.rsvp_set(actor=circle.alice.user, event=event, status="going", occurrence=second.key)
    services.rsvp_set(actor=circle.bob.user, event=event, status="going", occurrence=views[2].key)
    User.objects.filter(pk=circle.alice.user.pk).update(timezone="Europe/Helsinki")
    local_start = (second.starts_at + timedelta(hours=1)).astimezone(zone("Europe/Amsterdam"))

    services.event_update(
        actor=circle.facilitator.user,
        event=event,
        scope="this",
        occurrence=second.key,
        starts_at=local_start.replace(tzinfo=None).isoformat(),
        location="Arnhem, Rijnstad College",
    )

    after = _views(event)
    assert after[1].starts_at == second.starts_at + timedelta(hours=1)
    assert after[1].location == "Arnhem, Rijnstad College" and after[1].format == "hybrid"
    assert after[0].starts_at == views[0].starts_at and after[2].location == ""
    assert after[1].sequence == 1 and after[2].sequence == 0
    (told,) = _told(circle.alice.user, "changed")
    assert "21:00 your time (20:00 in Amsterdam)" in told  # Helsinki is an hour ahead
    assert not _told(circle.bob.user, "changed")
    assert Rsvp.objects.get(user=circle.alice.user).occurrence.original_start == second.key


def test_changing_the_whole_series_moves_every_session_with_its_answers(circle):
    event = schedule(circle.facilitator.user, circle.community, rrule="FREQ=WEEKLY;COUNT=3")
    views = _views(event)
    services.rsvp_set(actor=circle.alice.user, event=event, status="going", occurrence=views[2].key)
    new_start = local_in(7, hour=18, minute=30)

    services.event_update(
        actor=circle.facilitator.user,
        event=event,
        starts_at=new_start.isoformat(),
        title="Moved session",
    )

    event.refresh_from_db()
    assert event.sequence == 1
    after = _views(event)
    assert [v.starts_at for v in after] == [v.starts_at - timedelta(minutes=30) for v in views]
    assert Rsvp.objects.get(user=circle.alice.user).occurrence.original_start == after[2].key
    assert _told(circle.alice.user, "changed “Moved session”")


def test_changing_this_and_the_following_splits_the_series(circle):
    event = schedule(
        circle.facilitator.user, circle.community, rrule="FREQ=WEEKLY;COUNT=5", capacity=5
    )
    views = _views(event)
    services.rsvp_set(actor=circle.alice.user, event=event, status="going", occurrence=views[3].key)

    tail = services.event_update(
        actor=circle.facilitator.user,
        event=event,
        scope="following",
        occurrence=views[2].key,
        title="Second block",
    )

    event.refresh_from_db()
    assert tail.pk != event.pk and tail.uid != event.uid and tail.room_id == event.room_id
    assert [v.title for v in _views(event)] == ["Regional session"] * 2
    assert [v.starts_at for v in _views(tail)] == [v.starts_at for v in views[2:]]
    assert {v.title for v in _views(tail)} == {"Second block"}
    assert event.rrule.endswith("COUNT=2") and tail.rrule.endswith("COUNT=3")
    moved = Rsvp.objects.get(user=circle.alice.user).occurrence
    assert moved.event_id == tail.pk and moved.original_start == views[3].key
    assert event.sequence == 1


def test_only_organisers_and_facilitators_change_it(circle):
    event = schedule(circle.facilitator.user, circle.community)
    with pytest.raises(Forbidden):
        services.event_update(actor=circle.alice.user, event=event, title="Mine now")
    with pytest.raises(FieldInvalid):
        services.event_update(actor=circle.facilitator.user, event=event, scope="sometimes")


# --- cancelling -----------------------------------------------------------------------------------


def test_cancelling_one_session_keeps_the_others_and_tells_its_people(circle):
    event = schedule(circle.facilitator.user, circle.community, rrule="FREQ=WEEKLY;COUNT=3")
    views = _views(event)
    services.rsvp_set(actor=circle.alice.user, event=event, status="maybe", occurrence=views[1].key)
    services.rsvp_set(actor=circle.bob.user, event=event, status="no", occurrence=views[1].key)

    services.event_cancel(
        actor=circle.facilitator.user,
        event=event,
        scope="this",
        occurrence=views[1].key,
        reason="Strike",
    )

    assert [v.cancelled for v in _views(event)] == [False, True, False]
    assert _told(circle.alice.user, "cancelled “Regional session” on")
    assert not _told(circle.bob.user, "cancelled")  # said no
    with pytest.raises(Conflict):
        services.rsvp_set(
            actor=circle.carol.user, event=event, status="going", occurrence=views[1].key
        )


def test_cancelling_the_following_ends_the_series_there(circle):
    event = schedule(circle.facilitator.user, circle.community, rrule="FREQ=WEEKLY")
    views = _views(event)
    services.event_cancel(
        actor=circle.facilitator.user, event=event, scope="following", occurrence=views[2].key
    )
    event.refresh_from_db()
    assert len(_views(event)) == 2 and event.last_ends_at is not None and event.sequence == 1


def test_cancelling_the_series_cancels_every_session(circle):
    event = schedule(circle.facilitator.user, circle.community, rrule="FREQ=WEEKLY;COUNT=3")
    services.rsvp_set(actor=circle.alice.user, event=event, status="going")
    services.event_cancel(actor=circle.facilitator.user, event=event)
    assert all(v.cancelled for v in _views(event))
    assert _told(circle.alice.user, "cancelled “Regional session”")
    with pytest.raises(Conflict):
        services.event_cancel(actor=circle.facilitator.user, event=event)


def test_attendance_is_marked_after_the_start_by_organisers(circle):
    event = schedule(circle.facilitator.user, circle.community)
    _answer, row = services.rsvp_set(actor=circle.alice.user, event=event, status="going")
    with pytest.raises(Conflict):
        services.attendance_mark(
            actor=circle.facilitator.user,
            event=event,
            occurrence=None,
            user_id=circle.alice.user.pk,
            attended=True,
        )
    Occurrence.objects.filter(pk=row.pk).update(starts_at=row.starts_at - timedelta(days=8))
    with pytest.raises(Forbidden):
        services.attendance_mark(
            actor=circle.bob.user,
            event=event,
            occurrence=row.original_start,
            user_id=circle.alice.user.pk,
            attended=True,
        )
    services.attendance_mark(
        actor=circle.facilitator.user,
        event=event,
        occurrence=row.original_start,
        user_id=circle.alice.user.pk,
        attended=True,
    )
    assert Rsvp.objects.get(user=circle.alice.user).attended is True
