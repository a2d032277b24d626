"""Demo data that makes the Analytics tab worth opening (issue 16): ten weeks of history in
Gelderland and the European learning circle — colleagues who post, ask and answer, some who
went quiet, cross-border replies in the circle, materials marked "used in class" —, targets
(the circle's 48 active members from the programme's description), then the rollups of those
days. Idempotent: messages carry a ``ref``, so a second run stores nothing again."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

from analytics import rollup
from analytics import services as analytics
from analytics.models import CommunityTarget
from community import services
from community.models import Community, Membership, Room, RoomEvent, User
from resources import services as materials
from resources.models import Reaction, Resource

GELDERLAND = "gelderland-personalised-learning"
CIRCLE = "european-learning-circle"
WEEKS = 10
# Colleagues in Gelderland besides the named demo logins (they never sign in).
COLLEAGUES = [
    ("sanne@demo.kring.eu", "Sanne de Boer", "Het Streek Lyceum, Ede"),
    ("joris@demo.kring.eu", "Joris Bakker", "Olympus College, Arnhem"),
    ("fleur@demo.kring.eu", "Fleur Smit", "Basisschool De Regenboog, Zutphen"),
    ("ruben@demo.kring.eu", "Ruben Mulder", "Montessori College, Nijmegen"),
    ("eva@demo.kring.eu", "Eva de Groot", "Basisschool Het Anker, Apeldoorn"),
    ("tom@demo.kring.eu", "Tom Hendriks", "Dorenweerd College, Doorwerth"),
]
QUIET = {"eva@demo.kring.eu", "tom@demo.kring.eu"}  # joined, then went quiet: dormant
ASKS = [
    "Hoe laten jullie leerlingen hun eigen leerdoelen kiezen in groep 7?",
    "Heeft iemand een goede rubric voor zelfstandig werken?",
    "Wie gebruikt exit tickets na de instructie?",
    "How do you plan personalised routes for 30 pupils without drowning in admin?",
    "Does anyone track progress with a simple dashboard the pupils see too?",
]
ANSWERS = [
    "Wij werken met drie niveaus en laten ze elke week kiezen, dat werkt goed.",
    "Ik deel morgen onze rubric in de bibliotheek.",
    "Exit tickets op papier, twee vragen, en de volgende les begin ik ermee.",
    "We use a weekly planning board; pupils move their own cards.",
    "Dziękuję, spróbuję tego w mojej klasie w przyszłym tygodniu.",
    "We tried this in Tartu last term: short cycles, pupils reflect every Friday.",
]
NOTES = [
    "Vandaag de nieuwe leerroute uitgeprobeerd in 2 havo.",
    "Mooie sessie gisteren, dank aan iedereen!",
    "Sharing our slides from the regional meeting.",
    "Materiaal voor formatief evalueren staat in de bibliotheek.",
]


def seed(users: dict[str, User], make_teacher: Callable[[dict[str, Any]], User]) -> None:
    rng = random.Random(16)
    gelderland = Community.objects.get(slug=GELDERLAND)
    circle = Community.objects.get(slug=CIRCLE)
    now = dt.datetime.now(dt.UTC)
    colleagues = []
    for email, name, school in COLLEAGUES:
        teacher = make_teacher(
            {"email": email, "name": name, "country": "NL", "school": school,
             "subjects": ["mathematics"], "languages": ["nl", "en"],
             "age_groups": ["primary"], "interests": ["personalised learning"],
             "discoverable": False}
        )  # fmt: skip
        if not Membership.objects.filter(community=gelderland, user=teacher).exists():
            services.membership_join(community=gelderland, user=teacher)
        colleagues.append(teacher)
    # Everyone has been a member for months (the quiet ones too: dormant, not new); a
    # colleague who joined last week shows up as new.
    Membership.objects.filter(
        community__in=[gelderland, circle], joined_at__gt=now - dt.timedelta(days=100)
    ).update(joined_at=now - dt.timedelta(days=150))
    Membership.objects.filter(community=gelderland, user=colleagues[0]).update(
        joined_at=now - dt.timedelta(days=6)
    )
    regional = [users["marieke@demo.kring.eu"], users["daan@demo.kring.eu"]] + [
        c for c in colleagues if c.email not in QUIET
    ]
    _history(rng, gelderland, regional, now, "g")
    abroad = [
        users[e] for e in ("marieke@demo.kring.eu", "daan@demo.kring.eu", "katarzyna@demo.kring.eu",
                           "kadri@demo.kring.eu", "erik@demo.kring.eu", "jan@demo.kring.eu")
        if Membership.objects.filter(community=circle, user=users[e], state="active").exists()
    ]  # fmt: skip
    _history(rng, circle, abroad, now, "c")
    _used_in_class(rng, gelderland, regional, now)
    if not CommunityTarget.objects.filter(community=gelderland).exists():
        analytics.target_set(
            actor=users["marieke@demo.kring.eu"],
            community=gelderland,
            active_members=8,
            window_days=30,
        )
    if not CommunityTarget.objects.filter(community=circle).exists():
        analytics.target_set(
            actor=users["coordinator@demo.kring.eu"],
            community=circle,
            active_members=48,
            window_days=30,
        )
    today = now.date()
    for community in (gelderland, circle):
        rollup.recompute(
            community=community, first=today - dt.timedelta(weeks=WEEKS + 1), last=today
        )


def _history(
    rng: random.Random, community: Community, people: list[User], now: dt.datetime, tag: str
) -> None:
    """Questions with answers (some quickly, some after a day), and notes, week by week; more
    lately than at first, as a community that is taking off."""
    if len(people) < 2:
        return
    room = Room.objects.get(community=community, name="general")
    for week in range(WEEKS, 0, -1):
        for n in range(2 + (WEEKS - week) // 2):
            asker = rng.choice(people)
            asked_at = now - dt.timedelta(weeks=week, hours=rng.randint(0, 120))
            question = _post(
                room,
                asker,
                rng.choice(ASKS if n % 2 == 0 else NOTES),
                f"demo-a-{tag}-{week}-{n}",
                asked_at,
            )
            if question is None:
                continue
            for k in range(rng.randint(0, 3)):
                answerer = rng.choice([p for p in people if p != asker])
                delay = dt.timedelta(minutes=rng.choice([12, 40, 95, 300, 1500]) * (k + 1))
                _post(room, answerer, rng.choice(ANSWERS), f"demo-a-{tag}-{week}-{n}-{k}",
                      asked_at + delay, reply_to=question)  # fmt: skip


def _post(
    room: Room,
    author: User,
    body: str,
    ref: str,
    at: dt.datetime,
    reply_to: RoomEvent | None = None,
) -> RoomEvent | None:
    at = min(at, dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5))
    event, created = services.message_post(
        room_id=room.pk, author=author, body=body, ref=ref,
        reply_to_id=reply_to.pk if reply_to is not None else None,
    )  # fmt: skip
    if created:
        RoomEvent.objects.filter(pk=event.pk).update(created_at=at)
    return event


def _used_in_class(
    rng: random.Random, community: Community, people: list[User], now: dt.datetime
) -> None:
    for resource in Resource.objects.filter(community=community)[:4]:
        for teacher in rng.sample(people, min(3, len(people))):
            if not Reaction.objects.filter(
                resource=resource, user=teacher, kind="used_in_class"
            ).exists():
                materials.reaction_set(actor=teacher, resource=resource, kind="used_in_class")
                Reaction.objects.filter(resource=resource, user=teacher).update(
                    created_at=now - dt.timedelta(days=rng.randint(1, 60))
                )
