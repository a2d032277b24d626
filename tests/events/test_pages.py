"""The event pages: the calendar (list and month) in the viewer's zone, an event with its RSVP
buttons and the organiser's time beside the reader's, the forms with errors next to their
fields, "your events" (links, reminders), the home page panel."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from community.models import User
from events import selectors, services
from events.models import CalendarFeed, Event, ReminderSettings, Rsvp
from events.recurrence import zone

from .conftest import local_in, schedule

pytestmark = pytest.mark.django_db


def _browser(member) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


def test_the_calendar_lists_days_in_the_readers_zone_with_the_organisers_time(circle):
    schedule(
        circle.facilitator.user,
        circle.community,
        title="Late one",
        start=local_in(5, hour=23, minute=30),
    )
    User.objects.filter(pk=circle.alice.user.pk).update(timezone="Europe/Helsinki")
    page = _browser(circle.alice).get(f"/c/{circle.community.slug}/events/").content.decode()
    # 23:30 in Amsterdam is 00:30 the next day in Helsinki: listed under that day.
    day = (local_in(5) + timedelta(days=1)).strftime("%A %-d %B %Y")
    assert day in page and "Late one" in page
    assert "00:30" in page and "in Amsterdam" in page
    assert "Times in your time zone (Europe/Helsinki)" in page


def test_the_month_view_and_the_browser_zone_cookie(circle):
    event = schedule(
        circle.facilitator.user,
        circle.community,
        title="Monthly",
        rrule="FREQ=MONTHLY;BYDAY=1TU;COUNT=3",
    )
    month = event.starts_at.strftime("%Y-%m")
    client = _browser(circle.bob)
    client.cookies["kring_tz"] = "America/New_York"
    page = client.get(
        f"/c/{circle.community.slug}/events/?view=month&month={month}"
    ).content.decode()
    assert '<table class="month">' in page and page.count("Monthly") >= 1
    assert "Times in America/New_York" in page and "13:00" in page  # 19:00 Amsterdam


def test_outsiders_are_sent_to_the_community_page(circle):
    from tests.conftest import make_member
    from tests.factories import CommunityFactory

    outsider = make_member(CommunityFactory())
    response = _browser(outsider).get(f"/c/{circle.community.slug}/events/")
    assert response.status_code == 302 and response["Location"] == f"/c/{circle.community.slug}/"
    event = schedule(circle.facilitator.user, circle.community)
    assert _browser(outsider).get(f"/events/{event.pk}/").status_code == 404


def test_the_event_page_answers_without_javascript_and_shows_the_counts(circle):
    event = schedule(circle.facilitator.user, circle.community, capacity=1, agenda="1. Hello")
    services.rsvp_set(actor=circle.alice.user, event=event, status="going")
    client = _browser(circle.bob)
    page = client.get(f"/events/{event.pk}/").content.decode()
    assert 'data-count="going">1<' in page and 'data-count="capacity">1<' in page
    assert "This room opens to the people going" in page

    response = client.post(f"/events/{event.pk}/rsvp/", {"status": "going"})
    assert response.status_code == 302
    assert Rsvp.objects.get(user=circle.bob.user).waitlisted
    page = client.get(response["Location"]).content.decode()
    assert "you are on the waiting list (place 1)" in page


def test_organisers_see_who_comes_and_mark_attendance_after_the_start(circle):
    event = schedule(circle.facilitator.user, circle.community)
    services.rsvp_set(actor=circle.alice.user, event=event, status="going")
    page = _browser(circle.facilitator).get(f"/events/{event.pk}/").content.decode()
    assert "Who comes" in page and "Alice Anders" in page and "Export (CSV)" in page
    assert "Did not come" not in page  # not started yet
    assert "Who comes" not in _browser(circle.bob).get(f"/events/{event.pk}/").content.decode()
    assert _browser(circle.bob).get(f"/events/{event.pk}/attendees.csv").status_code == 404


def test_the_form_shows_service_errors_next_to_their_field(circle):
    client = _browser(circle.facilitator)
    response = client.post(
        f"/c/{circle.community.slug}/events/new/",
        {
            "title": "Skipped hour",
            "starts_at": "2026-03-29T02:30",
            "ends_at": "2026-03-29T04:00",
            "timezone": "Europe/Amsterdam",
            "format": "online",
            "online_url": "",
            "audience": "members",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="id_starts_at_error"' in page and "does not exist" in page
    assert not Event.objects.exists()

    response = client.post(
        f"/c/{circle.community.slug}/events/new/",
        {
            "title": "Weekly",
            "starts_at": local_in(3).isoformat()[:16],
            "ends_at": local_in(3, hour=20).isoformat()[:16],
            "timezone": "Europe/Amsterdam",
            "format": "online",
            "online_url": "https://meet.example.org/w",
            "audience": "members",
            "repeat": "custom",
            "rrule": "FREQ=MINUTELY",
        },
    )
    assert 'id="id_rrule_error"' in response.content.decode()

    response = client.post(
        f"/c/{circle.community.slug}/events/new/",
        {
            "title": "Weekly",
            "starts_at": local_in(3).isoformat()[:16],
            "ends_at": local_in(3, hour=20).isoformat()[:16],
            "timezone": "Europe/Amsterdam",
            "format": "online",
            "online_url": "https://meet.example.org/w",
            "audience": "members",
            "repeat": "weekly",
            "count": "6",
        },
    )
    event = Event.objects.get()
    assert response["Location"] == f"/events/{event.pk}/"
    assert event.rrule.startswith("FREQ=WEEKLY;COUNT=6;BYDAY=")


def test_members_cannot_open_the_form(circle):
    response = _browser(circle.alice).get(f"/c/{circle.community.slug}/events/new/")
    assert response.status_code == 302


def test_changing_one_session_and_cancelling_from_the_pages(circle):
    event = schedule(circle.facilitator.user, circle.community, rrule="FREQ=WEEKLY;COUNT=3")
    second = selectors.expand([event], event.starts_at, event.starts_at + timedelta(days=30))[1]
    key = second.key.strftime("%Y-%m-%dT%H:%M:%SZ")
    client = _browser(circle.facilitator)
    form = client.get(f"/events/{event.pk}/edit/?scope=this&occurrence={key}").content.decode()
    assert "Change this session only" in form and 'name="repeat"' not in form
    local = second.starts_at.astimezone(zone("Europe/Amsterdam")).replace(tzinfo=None)
    response = client.post(
        f"/events/{event.pk}/edit/?scope=this&occurrence={key}",
        {
            "title": "Visit week",
            "starts_at": local.isoformat()[:16],
            "ends_at": (local + timedelta(hours=1, minutes=30)).isoformat()[:16],
            "format": "online",
            "online_url": "https://meet.example.org/kring",
        },
    )
    assert response.status_code == 302
    assert [
        v.title
        for v in selectors.expand([event], event.starts_at, event.starts_at + timedelta(days=30))
    ] == [
        "Regional session",
        "Visit week",
        "Regional session",
    ]
    client.post(
        f"/events/{event.pk}/cancel/", {"scope": "this", "occurrence": key, "reason": "Strike"}
    )
    assert selectors.occurrence_view(event=event, key=second.key).cancelled


def test_your_events_page_links_and_reminders(circle):
    event = schedule(circle.facilitator.user, circle.community, title="Going to this")
    schedule(circle.facilitator.user, circle.community, title="Not answered", days=9)
    services.rsvp_set(actor=circle.alice.user, event=event, status="going")
    client = _browser(circle.alice)
    page = client.get("/events/").content.decode()
    assert page.index("Going to this") < page.index("Not answered")
    client.post("/events/", {"action": "feed", "community": ""})
    client.post("/events/", {"action": "feed", "community": circle.community.slug})
    feeds = CalendarFeed.objects.filter(user=circle.alice.user)
    assert feeds.count() == 2
    page = client.get("/events/").content.decode()
    assert all(f"/api/calendar/{f.token}.ics" in page for f in feeds)
    client.post("/events/", {"action": "reminders", "day_before": "on"})
    settings = ReminderSettings.objects.get(user=circle.alice.user)
    assert (settings.day_before, settings.soon) == (True, False)


def test_the_home_page_shows_your_next_events(circle):
    event = schedule(circle.facilitator.user, circle.community, title="On the home page")
    services.rsvp_set(actor=circle.alice.user, event=event, status="going")
    page = _browser(circle.alice).get("/").content.decode()
    assert "Your next events" in page and "On the home page" in page
    assert "You have not said you are going" in _browser(circle.bob).get("/").content.decode()


def test_facilitators_allow_members_to_schedule_from_the_calendar(circle):
    client = _browser(circle.facilitator)
    page = client.get(f"/c/{circle.community.slug}/events/").content.decode()
    assert "Members who schedule events" in page and "Alice Anders" in page
    client.post(f"/c/{circle.community.slug}/events/organisers/", {"user": circle.alice.user.pk})
    assert _browser(circle.alice).get(f"/c/{circle.community.slug}/events/new/").status_code == 200
    assert (
        "Members who schedule events"
        not in _browser(circle.alice).get(f"/c/{circle.community.slug}/events/").content.decode()
    )
    client.post(
        f"/c/{circle.community.slug}/events/organisers/",
        {"user": circle.alice.user.pk, "action": "disallow"},
    )
    assert _browser(circle.alice).get(f"/c/{circle.community.slug}/events/new/").status_code == 302
    assert (
        _browser(circle.bob)
        .post(f"/c/{circle.community.slug}/events/organisers/", {"user": circle.carol.user.pk})
        .status_code
        == 302
    )
    from events.models import OrganiserGrant

    assert not OrganiserGrant.objects.exists()
