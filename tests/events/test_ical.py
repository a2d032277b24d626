"""iCalendar files and feeds, parsed back with the icalendar library: UID stable across
edits, SEQUENCE going up, cancellations as STATUS:CANCELLED, a VTIMEZONE for every TZID,
overrides as RECURRENCE-ID; private feeds that a new link revokes."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from icalendar import Calendar

from events import selectors, services
from tests.conftest import make_member
from tests.factories import CommunityFactory

from .conftest import local_in, schedule

pytestmark = pytest.mark.django_db


def _get(client: Client, url: str) -> Calendar:
    response = client.get(url)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/calendar")
    return Calendar.from_ical(response.content)


def _vevents(calendar: Calendar) -> list:
    return [c for c in calendar.walk("VEVENT")]


def _client(member) -> Client:
    return Client(HTTP_X_SESSION_TOKEN=member.token)


def test_an_event_file_has_its_zone_rule_and_stays_the_same_event_across_edits(circle):
    event = schedule(
        circle.facilitator.user,
        circle.community,
        rrule="FREQ=WEEKLY;COUNT=4",
        timezone="Europe/Helsinki",
        start=local_in(9, zone="Europe/Helsinki"),
    )
    client = _client(circle.alice)
    first = _get(client, f"/api/events/{event.pk}.ics")
    (master,) = _vevents(first)
    assert master["DTSTART"].dt.tzinfo.key == "Europe/Helsinki"
    assert master["DTSTART"].dt.hour == 19
    assert master["RRULE"]["FREQ"] == ["WEEKLY"] and master["RRULE"]["COUNT"] == [4]
    assert master["SEQUENCE"] == 0 and master["STATUS"] == "CONFIRMED"
    assert [tz["TZID"] for tz in first.walk("VTIMEZONE")] == ["Europe/Helsinki"]
    assert master.decoded("DTSTART").astimezone(ZoneInfo("UTC")) == event.starts_at

    services.event_update(actor=circle.facilitator.user, event=event, title="Renamed")
    (after,) = _vevents(_get(client, f"/api/events/{event.pk}.ics"))
    assert after["UID"] == master["UID"]
    assert after["SEQUENCE"] == 1 and str(after["SUMMARY"]) == "Renamed"


def test_a_session_changed_or_cancelled_alone_is_its_own_vevent(circle):
    event = schedule(circle.facilitator.user, circle.community, rrule="FREQ=WEEKLY;COUNT=4")
    start = event.starts_at - timedelta(days=1)
    views = selectors.expand([event], start, start + timedelta(days=60))
    services.event_cancel(
        actor=circle.facilitator.user, event=event, scope="this", occurrence=views[1].key
    )
    services.event_update(
        actor=circle.facilitator.user,
        event=event,
        scope="this",
        occurrence=views[2].key,
        title="Special",
    )
    calendar = _get(_client(circle.bob), f"/api/events/{event.pk}.ics")
    master, *instances = _vevents(calendar)
    by_start = {i.decoded("RECURRENCE-ID").astimezone(ZoneInfo("UTC")): i for i in instances}
    assert set(by_start) == {views[1].key, views[2].key}
    assert by_start[views[1].key]["STATUS"] == "CANCELLED"
    assert str(by_start[views[2].key]["SUMMARY"]) == "Special"
    assert all(i["UID"] == master["UID"] for i in instances)
    assert all(i["SEQUENCE"] >= 1 for i in instances)


def test_a_cancelled_event_stays_in_the_file_as_cancelled(circle):
    event = schedule(circle.facilitator.user, circle.community)
    services.event_cancel(actor=circle.facilitator.user, event=event)
    (vevent,) = _vevents(_get(_client(circle.alice), f"/api/events/{event.pk}.ics"))
    assert vevent["STATUS"] == "CANCELLED" and vevent["SEQUENCE"] == 1


def test_outsiders_get_no_file(circle):
    event = schedule(circle.facilitator.user, circle.community)
    outsider = make_member(CommunityFactory())
    assert _client(outsider).get(f"/api/events/{event.pk}.ics").status_code == 403
    assert Client().get(f"/api/events/{event.pk}.ics").status_code == 401


def test_the_personal_feed_has_what_one_goes_to_and_a_new_link_revokes_the_old(circle):
    event = schedule(circle.facilitator.user, circle.community, rrule="FREQ=WEEKLY;COUNT=3")
    single = schedule(
        circle.facilitator.user, circle.community, title="Visit", days=12, location="Tartu"
    )
    start = event.starts_at - timedelta(days=1)
    views = selectors.expand([event], start, start + timedelta(days=60))
    services.rsvp_set(actor=circle.alice.user, event=event, status="going", occurrence=views[1].key)
    services.rsvp_set(actor=circle.alice.user, event=single, status="maybe")
    services.rsvp_set(actor=circle.alice.user, event=event, status="no", occurrence=views[2].key)
    client = _client(circle.alice)
    feed = client.post("/api/me/calendar/feeds", {}, content_type="application/json").json()
    assert client.get("/api/me/calendar").json()["feeds"][0]["url"] == feed["url"]
    path = feed["url"].split("testserver")[1]

    calendar = _get(Client(), path)  # no sign-in: the token is the key
    vevents = {str(v["SUMMARY"]): v for v in _vevents(calendar)}
    assert set(vevents) == {"Regional session", "Visit"}
    assert (
        vevents["Regional session"].decoded("DTSTART").astimezone(ZoneInfo("UTC")) == views[1].key
    )
    assert "RRULE" not in vevents["Regional session"]
    assert vevents["Regional session"]["UID"] != event.uid and vevents["Visit"]["UID"] == single.uid
    assert vevents["Visit"]["STATUS"] == "TENTATIVE"

    feed_id = circle.alice.user.calendar_feeds.get().pk
    renewed = client.post(
        f"/api/me/calendar/feeds/{feed_id}/revoke", {}, content_type="application/json"
    )
    assert renewed.status_code == 200 and renewed.json()["url"] != feed["url"]
    assert Client().get(path).status_code == 404


def test_a_community_feed_follows_membership(circle):
    event = schedule(circle.facilitator.user, circle.community)
    client = _client(circle.bob)
    feed = client.post(
        "/api/me/calendar/feeds",
        {"community": circle.community.slug},
        content_type="application/json",
    ).json()
    path = feed["url"].split("testserver")[1]
    (vevent,) = _vevents(_get(Client(), path))
    assert vevent["UID"] == event.uid
    from community.services import membership_leave

    membership_leave(user=circle.bob.user, community=circle.community)
    assert Client().get(path).status_code == 404
