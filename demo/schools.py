"""Demo data for schools (issue 13): the Tartu hub with six schools in Estonia and Poland,
their staff's self-assessments of last year and this year (the schools getting better, some
more than others), one active mentoring pair with its plan and a few words in its room, and
materials tagged for the self-assessment's areas. Idempotent."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from community import services as community_services
from community.models import Community, User
from resources import services as materials
from resources.models import Resource
from schools.instrument import instrument
from schools.models import (
    AssessmentResponse,
    LinkState,
    Pairing,
    PairingStatus,
    School,
    SchoolInHub,
    SchoolLink,
)
from schools.services import (
    goal_add,
    pairing_accept,
    pairing_propose,
    plan_notes_set,
    session_add,
)

HUB = "tartu-innovation-hub"

# Leads who are not demo teachers yet (those who are: Katarzyna and Ewa).
LEADS: list[dict[str, Any]] = [
    {"email": "mart@demo.kring.eu", "name": "Mart Kask", "country": "EE",
     "school": "Tamme Gümnaasium, Tartu", "subjects": ["mathematics", "ICT"],
     "languages": ["et", "en"], "age_groups": ["upper_secondary"],
     "interests": ["digital strategy", "mentoring"]},
    {"email": "liis@demo.kring.eu", "name": "Liis Saar", "country": "EE",
     "school": "Elva Põhikool", "subjects": ["Estonian", "history"],
     "languages": ["et", "en"], "age_groups": ["primary", "lower_secondary"],
     "interests": ["school development"]},
    {"email": "tiina@demo.kring.eu", "name": "Tiina Mets", "country": "EE",
     "school": "Tartu Innovation School", "subjects": ["science"],
     "languages": ["et", "en", "ru"], "age_groups": ["lower_secondary"],
     "interests": ["learning analytics", "mentoring"]},
    {"email": "andres@demo.kring.eu", "name": "Andres Põld", "country": "EE",
     "school": "Nõo Reaalgümnaasium", "subjects": ["physics"],
     "languages": ["et", "en"], "age_groups": ["upper_secondary"],
     "interests": ["inquiry-based learning"]},
]  # fmt: skip

# name, country, region, kind, size, languages, lead, staff first names, base medians per
# area last year (leadership, infrastructure, cpd, teaching, assessment, pupils), growth.
SCHOOLS: list[dict[str, Any]] = [
    {"name": "Tartu Innovation School", "country": "EE", "region": "Tartumaa", "kind": "secondary",
     "size": "medium", "languages": ["et", "en", "ru"], "lead": "tiina@demo.kring.eu",
     "staff": ["Kati", "Rein", "Epp", "Urmas"], "base": [4, 5, 4, 4, 4, 4], "growth": 0.5},
    {"name": "Tamme Gümnaasium", "country": "EE", "region": "Tartumaa", "kind": "secondary",
     "size": "large", "languages": ["et", "en"], "lead": "mart@demo.kring.eu",
     "staff": ["Helen", "Priit", "Maarja"], "base": [4, 4, 3, 4, 4, 3], "growth": 0.5},
    {"name": "Elva Põhikool", "country": "EE", "region": "Tartumaa", "kind": "primary",
     "size": "small", "languages": ["et"], "lead": "liis@demo.kring.eu",
     "staff": ["Triin", "Margus", "Kersti"], "base": [3, 1, 2, 3, 2, 2], "growth": 0.5},
    {"name": "Nõo Reaalgümnaasium", "country": "EE", "region": "Tartumaa", "kind": "secondary",
     "size": "medium", "languages": ["et", "en"], "lead": "andres@demo.kring.eu",
     "staff": ["Karin", "Tõnu", "Anu"], "base": [3, 2, 2, 3, 2, 3], "growth": 1.0},
    {"name": "Szkoła Podstawowa nr 12", "country": "PL", "region": "Małopolska", "kind": "primary",
     "size": "medium", "languages": ["pl", "en"], "lead": "katarzyna@demo.kring.eu",
     "staff": ["Agnieszka", "Tomasz", "Magdalena"], "base": [4, 3, 4, 5, 4, 5], "growth": 0.0},
    {"name": "Gimnazjum nr 2", "country": "PL", "region": "Małopolska", "kind": "secondary",
     "size": "small", "languages": ["pl", "en"], "lead": "ewa@demo.kring.eu",
     "staff": ["Joanna", "Marek", "Barbara"], "base": [3, 2, 3, 2, 3, 1], "growth": 0.5},
]  # fmt: skip

AREA_TAGS = {
    "Digital exit tickets: a 5-minute template": "assessment",
    "Fractions with an online simulation": "teaching",
    "Peer visit observation form": "cpd",
}
CHECKLIST = {
    "title": "Classroom Wi-Fi and devices: a checklist before going 1:1",
    "description": "What Tartu Innovation School checked before giving every pupil a laptop: "
    "access points per room, charging, device management, and who fixes what.",
    "resource_type": "other",
    "subjects": ["school development"],
    "tags": ["infrastructure", "1:1 devices"],
    "language": "en",
    "licence": "CC-BY-4.0",
    "area": "infrastructure",
    "url": "https://education.ec.europa.eu/selfie",
}


def _rating(base: float, offset: int) -> int:
    return max(1, min(5, round(base + offset)))


def _answers(base: list[float], person: int) -> dict[str, int]:
    """One colleague's view: the school's level per area, a point more or less here and
    there, and the odd "don't know"."""
    answers = {}
    for a_index, area in enumerate(instrument().areas):
        for s_index, statement in enumerate(area.statements):
            wobble = ((person + s_index + a_index) % 3) - 1
            if (person + s_index) % 11 == 7:
                answers[statement.id] = 0
            else:
                answers[statement.id] = _rating(base[a_index], wobble)
    return answers


def _staff(first: str, school: dict[str, Any], teacher: Any) -> User:
    slug = first.lower().replace("õ", "o").replace("ä", "a").replace("ü", "u")
    domain = school["name"].split(",")[0].lower()
    domain = "".join(c for c in domain if c.isalnum())[:14]
    return teacher(
        {
            "email": f"{slug}.{domain}@demo.kring.eu",
            "name": f"{first} ({school['name']})",
            "country": school["country"],
            "school": school["name"],
            "subjects": [],
            "languages": school["languages"][:2],
            "age_groups": [],
            "interests": [],
            "discoverable": False,
        }
    )


def _school(spec: dict[str, Any], users: dict[str, User], teacher: Any, hub: Community) -> School:
    school = School.objects.filter(name=spec["name"], country=spec["country"]).first()
    if school is None:
        school = School.objects.create(
            name=spec["name"],
            country=spec["country"],
            region=spec["region"],
            kind=spec["kind"],
            size_band=spec["size"],
            languages=spec["languages"],
            created_by=users[spec["lead"]],
        )
    SchoolInHub.objects.get_or_create(school=school, hub=hub)
    now = timezone.now()
    lead = users[spec["lead"]]
    SchoolLink.objects.get_or_create(
        school=school,
        user=lead,
        defaults={"state": LinkState.CONFIRMED, "is_lead": True, "is_primary": True,
                  "confirmed_at": now, "confirmed_by": lead},
    )  # fmt: skip
    people = [lead] + [_staff(first, spec, teacher) for first in spec["staff"]]
    for person in people[1:]:
        SchoolLink.objects.get_or_create(
            school=school,
            user=person,
            defaults={"state": LinkState.CONFIRMED, "is_primary": True, "confirmed_at": now,
                      "confirmed_by": lead},
        )  # fmt: skip
    this_year = now.year
    for year, growth in ((this_year - 1, 0.0), (this_year, spec["growth"])):
        base = [b + growth for b in spec["base"]]
        for index, person in enumerate(people):
            AssessmentResponse.objects.get_or_create(
                school=school,
                user=person,
                year=year,
                defaults={"answers": _answers(base, index + year), "instrument": instrument().id},
            )
    return school


def seed_schools(users: dict[str, User], teacher: Any) -> None:
    hub = Community.objects.get(slug=HUB)
    for spec in LEADS:
        users[spec["email"]] = teacher(spec)
        if not hub.memberships.filter(user=users[spec["email"]]).exists():
            community_services.membership_join(user=users[spec["email"]], community=hub)
    schools = {spec["name"]: _school(spec, users, teacher, hub) for spec in SCHOOLS}
    for title, area in AREA_TAGS.items():
        Resource.objects.filter(title=title).update(area=area)
    if not Resource.objects.filter(title=CHECKLIST["title"]).exists():
        materials.resource_share(
            actor=users["kadri@demo.kring.eu"], community=hub, **dict(CHECKLIST)
        )
    _active_pair(users, hub, schools["Tartu Innovation School"], schools["Nõo Reaalgümnaasium"])


def _active_pair(users: dict[str, User], hub: Community, mentor: School, mentee: School) -> None:
    if Pairing.objects.filter(mentor=mentor, mentee=mentee).exists():
        return
    kadri = users["kadri@demo.kring.eu"]
    pairing = pairing_propose(actor=kadri, hub=hub, mentor=mentor, mentee=mentee)
    pairing_accept(actor=users["tiina@demo.kring.eu"], pairing=pairing)
    pairing = pairing_accept(actor=users["andres@demo.kring.eu"], pairing=pairing)
    andres, tiina = users["andres@demo.kring.eu"], users["tiina@demo.kring.eu"]
    goal_add(actor=andres, pairing=pairing, area="infrastructure",
             text="Wi-Fi that carries a whole class online in every science room")  # fmt: skip
    goal_add(actor=andres, pairing=pairing, area="assessment",
             text="Every teacher tries one digital formative assessment tool this term")  # fmt: skip
    soon = timezone.now().replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=9)
    session_add(actor=tiina, pairing=pairing, kind="visit", title="Visit to Tartu Innovation School: 1:1 lessons",
                starts_at=soon, place="Tartu Innovation School, Tartu")  # fmt: skip
    session_add(actor=tiina, pairing=pairing, kind="online", title="Co-planning: exit tickets in physics",
                starts_at=soon + timedelta(days=14), place="https://meet.jit.si/kring-tis-noo")  # fmt: skip
    plan_notes_set(actor=tiina, pairing=pairing,
                   notes="Start small: two science teachers from Nõo visit first, then co-plan online.")  # fmt: skip
    for author, body in (
        (
            tiina,
            "Tere! We look forward to your visit. Bring a lesson idea you want to try with laptops.",
        ),
        (andres, "Thank you! Karin and Tõnu will come; they want to try simulations in physics."),
    ):
        community_services.message_post(room_id=pairing.room_id, author=author, body=body)
    assert Pairing.objects.get(pk=pairing.pk).status == PairingStatus.ACTIVE
