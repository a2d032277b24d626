"""A hub with schools, their leads and teachers, for the schools tests."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.test import Client
from django.utils import timezone

from schools.instrument import instrument
from schools.models import AssessmentResponse, LinkState, School, SchoolInHub, SchoolLink
from tests.conftest import session_token_for
from tests.factories import CommunityFactory, MembershipFactory, UserFactory


def api(user: Any) -> Client:
    return Client(HTTP_X_SESSION_TOKEN=session_token_for(user)) if user else Client()


def call(client: Client, method: str, path: str, body: Any = None) -> Any:
    send = getattr(client, method)
    if body is None:
        return send(path)
    return send(path, data=json.dumps(body), content_type="application/json")


def make_school(name: str = "Tamme Gümnaasium", country: str = "EE", **fields: Any) -> School:
    lead = fields.pop("lead", None) or UserFactory(display_name=f"Lead of {name}")
    school = School.objects.create(
        name=name, country=country, kind=fields.pop("kind", "secondary"), **fields
    )
    SchoolLink.objects.create(
        school=school, user=lead, state=LinkState.CONFIRMED, is_lead=True, is_primary=True
    )
    return school


def lead_of(school: School) -> Any:
    return school.links.get(is_lead=True).user


def add_teacher(school: School, state: str = LinkState.CONFIRMED, **user: Any) -> Any:
    teacher = UserFactory(**user)
    SchoolLink.objects.create(school=school, user=teacher, state=state)
    return teacher


def rate_all(value: int, overrides: dict[str, int] | None = None) -> dict[str, int]:
    """Every statement rated ``value``, except per-area ``overrides`` ({area: rating})."""
    overrides = overrides or {}
    return {
        s.id: overrides.get(area.key, value) for area in instrument().areas for s in area.statements
    }


def answer(school: School, teacher: Any, answers: dict[str, int], year: int | None = None) -> None:
    AssessmentResponse.objects.update_or_create(
        school=school,
        user=teacher,
        year=year or timezone.now().year,
        defaults={"answers": answers, "instrument": instrument().id},
    )


def answered_by(school: School, n: int, answers: dict[str, int], year: int | None = None) -> None:
    for _ in range(n):
        answer(school, add_teacher(school), answers, year)


@dataclass
class Hub:
    hub: Any
    facilitator: Any
    mentor: School
    mentee: School


def make_hub_pair() -> Hub:
    """A hub with a strong school (mentor) and a weak one in infrastructure (mentee), three
    answers each, both taking part in the hub."""
    hub = CommunityFactory(kind="hub", name="Tartu innovation hub", slug="tartu-hub")
    facilitator = UserFactory(display_name="Kadri")
    MembershipFactory(community=hub, user=facilitator, role="facilitator")
    mentor = make_school("Tamme Gümnaasium", "EE", region="Tartumaa", languages=["et", "en"])
    mentee = make_school("Elva Põhikool", "EE", region="Tartumaa", languages=["et"])
    answered_by(mentor, 3, rate_all(4, {"infrastructure": 5}))
    answered_by(mentee, 3, rate_all(3, {"infrastructure": 1}))
    for school in (mentor, mentee):
        SchoolInHub.objects.create(school=school, hub=hub)
    return Hub(hub, facilitator, mentor, mentee)
