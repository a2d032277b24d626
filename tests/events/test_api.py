"""The events API: shapes (UTC and the event's zone side by side), scopes, errors, the CSV
export with its zone stated, the scheduling helper, calendar settings, the OpenAPI schema."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.test import Client

from community.models import Profile
from events import selectors, services
from tests.factories import ProfileFactory

from .conftest import local_in, schedule

pytestmark = pytest.mark.django_db
JSON = {"content_type": "application/json"}


def _client(member) -> Client:
    return Client(HTTP_X_SESSION_TOKEN=member.token)


def test_scheduling_over_the_api_answers_in_utc_and_in_the_organisers_zone(circle):
    start = local_in(20, hour=10, zone="Europe/Lisbon")
    response = _client(circle.facilitator).post(
        f"/api/communities/{circle.community.slug}/events",
        {
            "title": "Transnational meeting",
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=3)).isoformat(),
            "timezone": "Europe/Lisbon",
            "location": "Escola Secundária, Lisboa",
            "online_url": "https://meet.example.org/tm",
            "capacity": 30,
            "description": "**Day one** of the partner meeting",
        },
        **JSON,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["local"]["starts_at"] == start.isoformat(timespec="minutes")
    assert body["local"]["timezone"] == "Europe/Lisbon"
    assert body["starts_at"].endswith("Z") and body["format"] == "hybrid"
    assert body["description_html"].startswith("<p><strong>Day one</strong>")
    assert (body["going"], body["waiting"], body["capacity"], body["my_rsvp"]) == (0, 0, 30, None)
    assert body["can_manage"] is True and body["room"]


def test_errors_name_the_field(circle):
    response = _client(circle.facilitator).post(
        f"/api/communities/{circle.community.slug}/events",
        {
            "title": "x",
            "starts_at": "2026-03-29T02:30",
            "ends_at": "2026-03-29T04:00",
            "timezone": "Europe/Amsterdam",
            "online_url": "https://meet.example.org/x",
        },
        **JSON,
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("starts_at: 02:30 does not exist")


def test_listing_expands_series_with_my_answer_and_checks_the_window(circle):
    event = schedule(circle.facilitator.user, circle.community, rrule="FREQ=WEEKLY;COUNT=3")
    services.rsvp_set(actor=circle.alice.user, event=event, status="maybe")
    client = _client(circle.alice)
    listing = client.get(f"/api/communities/{circle.community.slug}/events").json()
    assert [o["id"] for o in listing] == [event.pk] * 3
    assert listing[0]["my_rsvp"] == {
        "status": "maybe",
        "waitlisted": False,
        "position": None,
        "attended": None,
    }
    assert listing[1]["my_rsvp"] is None and listing[0]["occurrence"] != listing[1]["occurrence"]
    mine = client.get("/api/me/events", {"mine": "true"}).json()
    assert [o["occurrence"] for o in mine] == [listing[0]["occurrence"]]
    assert client.get("/api/me/events", {"from": "2026-01-01T00:00:00"}).status_code == 400
    too_long = client.get(
        "/api/me/events", {"from": "2026-01-01T00:00:00Z", "to": "2028-01-01T00:00:00Z"}
    )
    assert too_long.status_code == 400


def test_a_scope_other_than_series_needs_an_occurrence(circle):
    event = schedule(circle.facilitator.user, circle.community, rrule="FREQ=WEEKLY;COUNT=3")
    response = _client(circle.facilitator).patch(
        f"/api/events/{event.pk}?scope=this", {"title": "X"}, **JSON
    )
    assert response.status_code == 400 and response.json()["detail"].startswith("occurrence:")
    second = selectors.expand([event], event.starts_at, event.starts_at + timedelta(days=30))[1]
    key = second.key.strftime("%Y-%m-%dT%H:%M:%SZ")
    changed = _client(circle.facilitator).patch(
        f"/api/events/{event.pk}?scope=this&occurrence={key}", {"title": "Only this one"}, **JSON
    )
    assert changed.status_code == 200 and changed.json()["title"] == "Only this one"
    assert changed.json()["occurrence"] == key
    cancelled = _client(circle.facilitator).delete(
        f"/api/events/{event.pk}?scope=this&occurrence={key}"
    )
    assert cancelled.json()["cancelled"] is True


def test_rsvp_answers_with_the_waiting_list(circle):
    event = schedule(circle.facilitator.user, circle.community, capacity=1)
    first = (
        _client(circle.alice)
        .post(f"/api/events/{event.pk}/rsvp", {"status": "going"}, **JSON)
        .json()
    )
    second = (
        _client(circle.bob).post(f"/api/events/{event.pk}/rsvp", {"status": "going"}, **JSON).json()
    )
    assert (first["waitlisted"], second["waitlisted"], second["position"]) == (False, True, 1)
    assert (second["going"], second["waiting"]) == (1, 1)
    bad = _client(circle.bob).post(f"/api/events/{event.pk}/rsvp", {"status": "perhaps"}, **JSON)
    assert bad.status_code == 400


def test_the_export_states_its_time_zone_and_defuses_formulas(circle):
    event = schedule(
        circle.facilitator.user,
        circle.community,
        timezone="Europe/Warsaw",
        start=local_in(5, zone="Europe/Warsaw"),
    )
    circle.alice.user.display_name = "=HYPERLINK(1)"
    circle.alice.user.save()
    ProfileFactory(user=circle.alice.user, country="PL", school="SP 12 Kraków")
    services.rsvp_set(actor=circle.alice.user, event=event, status="going")
    response = _client(circle.facilitator).get(f"/api/events/{event.pk}/attendees.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert (
        rows[0][1] == "occurrence start (Europe/Warsaw)"
        and rows[0][10] == "answered at (Europe/Warsaw)"
    )
    assert rows[1][1].endswith("19:00") and rows[1][3] == "'=HYPERLINK(1)"
    assert rows[1][5:9] == [circle.community.slug, "PL", "SP 12 Kraków", "going"]


def test_the_helper_shows_the_time_in_each_members_country(circle):
    for member, country in ((circle.alice, "PL"), (circle.bob, "FI"), (circle.carol, "PT")):
        Profile.objects.create(user=member.user, country=country)
    response = _client(circle.facilitator).get(
        f"/api/communities/{circle.community.slug}/events/helper",
        {"starts_at": "2026-11-03T15:30", "timezone": "Europe/Amsterdam"},
    )
    zones = {row["timezone"]: row for row in response.json()["zones"]}
    assert (
        zones["Europe/Helsinki"]["local"] == "2026-11-03T16:30"
        and zones["Europe/Helsinki"]["members"] == 1
    )
    assert zones["Europe/Lisbon"]["local"] == "2026-11-03T14:30"
    assert zones["Atlantic/Azores"]["local"] == "2026-11-03T13:30"
    assert (
        zones["Europe/Amsterdam"]["utc_offset"] == "+01:00"
        and zones["Europe/Amsterdam"]["members"] == 0
    )
    assert zones["Europe/Warsaw"]["school_hours"] is True


def test_calendar_settings(circle):
    client = _client(circle.alice)
    assert client.get("/api/me/calendar").json() == {
        "feeds": [],
        "reminders": {"day_before": True, "soon": True},
        "timezone": None,
    }
    changed = client.patch("/api/me/calendar", {"soon": False}, **JSON).json()
    assert changed["reminders"] == {"day_before": True, "soon": False}


def test_every_events_operation_is_in_the_openapi_schema(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in (
        "/api/communities/{slug}/events",
        "/api/me/events",
        "/api/events/{event_id}",
        "/api/events/{event_id}/rsvp",
        "/api/events/{event_id}.ics",
        "/api/me/calendar",
        "/api/calendar/{token}.ics",
        "/api/events/{event_id}/attendees.csv",
    ):
        assert path in paths, path
    assert set(paths["/api/events/{event_id}"]) == {"get", "patch", "delete"}
