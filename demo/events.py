"""Demo events (part of `manage.py seed_demo`): a monthly regional session series in Gelderland
(one session already held, with notes and attendance), a six-week online CPD training from
Małopolska open to the Tartu hub, and a transnational partner meeting in Lisbon whose
participants are in three time zones. Dates are relative to today, so the demo always has
something coming. Idempotent: an event that exists (by title) is left as it is."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from community.models import Community, User
from events import services
from events.models import Event, Occurrence, Rsvp
from events.zones import zones_of

AGENDA_SESSION = """**Agenda**
1. Welcome and a round of what you tried since last time (15 min)
2. Case: adaptive practice in groep 6, by Daan (20 min)
3. In pairs: plan one small change for next month (30 min)
4. What we share in the library (10 min)"""

NOTES_SESSION = """Notes from the first session: twelve teachers from eight schools. Daan's
case started a good discussion on when *not* to use adaptive tools. Next time: bring one
lesson plan you adapted."""

AGENDA_CPD = """Six weekly online sessions of 60 minutes. Each week: a short input, a tool to
try in class, and a task for the next week. Certificate of attendance after five sessions."""

AGENDA_MEETING = """**Day programme (Lisbon time)**
- 09:30 Welcome by the host school
- 10:00 Results of the regional communities (NL, PL, SE, EE)
- 12:30 Lunch
- 13:30 Peer visits: planning the spring exchanges
- 16:00 Dissemination plan and next steps
Remote partners join online; times for you are on this page."""


def _local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute)


def _first_weekday(after: date, weekday: int) -> date:
    return after + timedelta(days=(weekday - after.weekday()) % 7)


def _zones(users: dict[str, User], countries: dict[str, str]) -> None:
    """Each demo teacher's own time zone (from their country, unless they chose one), so
    pages say "your time"."""
    for email, country in countries.items():
        zone = (zones_of(country) or ("",))[0]
        User.objects.filter(pk=users[email].pk, timezone="").update(timezone=zone)


def _answer(event: Event, emails: list[str], users: dict[str, User], status: str = "going") -> None:
    for email in emails:
        services.rsvp_set(actor=users[email], event=event, status=status)


def seed_events(users: dict[str, User], countries: dict[str, str]) -> int:
    _zones(users, countries)
    made = 0
    gelderland = Community.objects.get(slug="gelderland-personalised-learning")
    malopolska = Community.objects.get(slug="malopolska-cyfrowa-szkola")
    circle = Community.objects.get(slug="european-learning-circle")
    today = timezone.now().astimezone(ZoneInfo("Europe/Amsterdam")).date()

    title = "Monthly regional session: personalised learning"
    if not Event.objects.filter(community=gelderland, title=title).exists():
        first = _first_weekday(today.replace(day=1) - timedelta(days=35), 1)
        event = services.event_create(
            actor=users["marieke@demo.kring.eu"],
            community=gelderland,
            title=title,
            description="Every first Tuesday after school: teachers of the Gelderland schools "
            "share what they tried with personalised learning and ICT. Come in person in "
            "Arnhem or join online.",
            starts_at=_local(first, 15, 30).isoformat(),
            ends_at=_local(first, 17, 0).isoformat(),
            timezone="Europe/Amsterdam",
            rrule="FREQ=MONTHLY;BYDAY=1TU",
            location="Rijnstad College, Velperweg 1, Arnhem",
            online_url="https://meet.jit.si/kring-gelderland",
            capacity=25,
            agenda=AGENDA_SESSION,
            allow_past=True,
        )
        services.event_update(
            actor=users["marieke@demo.kring.eu"], event=event, notes=NOTES_SESSION
        )
        held = Occurrence.objects.create(
            event=event,
            original_start=event.starts_at,
            starts_at=event.starts_at,
            ends_at=event.ends_at,
            capacity=event.capacity,
            going_count=2,
        )
        for email in ("daan@demo.kring.eu", "marieke@demo.kring.eu"):
            Rsvp.objects.create(occurrence=held, user=users[email], status="going", attended=True)
        _answer(event, ["daan@demo.kring.eu", "marieke@demo.kring.eu"], users)
        _answer(event, ["jan@demo.kring.eu"], users, "maybe")
        made += 1

    title = "Online CPD: formative assessment with digital tools"
    if not Event.objects.filter(community=malopolska, title=title).exists():
        first = _first_weekday(today + timedelta(days=2), 2)
        event = services.event_create(
            actor=users["katarzyna@demo.kring.eu"],
            community=malopolska,
            title=title,
            description="A six-week online training (in English) for teachers of Małopolska and "
            "the Tartu hub: exit tickets, quick polls and feedback that changes the next "
            "lesson.",
            starts_at=_local(first, 16, 0).isoformat(),
            ends_at=_local(first, 17, 0).isoformat(),
            timezone="Europe/Warsaw",
            rrule="FREQ=WEEKLY;COUNT=6",
            online_url="https://meet.jit.si/kring-cpd-formative",
            capacity=20,
            agenda=AGENDA_CPD,
            audience="network",
            guest_communities=["tartu-innovation-hub"],
        )
        _answer(event, ["piotr@demo.kring.eu", "kadri@demo.kring.eu"], users)
        made += 1

    title = "Transnational partner meeting in Lisbon"
    if not Event.objects.filter(community=circle, title=title).exists():
        day = _first_weekday(today + timedelta(days=33), 3)
        event = services.event_create(
            actor=users["coordinator@demo.kring.eu"],
            community=circle,
            title=title,
            description="The partners of the project meet at the host school in Lisbon; those who "
            "cannot travel join online from Amsterdam, Tartu, Kraków and Malmö.",
            starts_at=_local(day, 9, 30).isoformat(),
            ends_at=_local(day, 17, 0).isoformat(),
            timezone="Europe/Lisbon",
            location="Escola Secundária de Camões, Lisboa",
            online_url="https://meet.jit.si/kring-transnational",
            capacity=30,
            agenda=AGENDA_MEETING,
            audience="network",
            guest_communities=["tartu-innovation-hub", "skane-larande-natverk"],
            organisers=[users["marieke@demo.kring.eu"].pk],
        )
        _answer(
            event,
            [
                "coordinator@demo.kring.eu",
                "marieke@demo.kring.eu",
                "kadri@demo.kring.eu",
                "katarzyna@demo.kring.eu",
                "erik@demo.kring.eu",
            ],
            users,
        )
        _answer(event, ["daan@demo.kring.eu"], users, "maybe")
        made += 1
    return made
