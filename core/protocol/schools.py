"""Schools, self-assessments and mentoring pairs as the JSON API answers them, and the
``mentoring`` frame that tells the teachers of two schools their pair changed (proposed,
accepted, active with its room, completed) so their open pages update at once."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.utils.translation import gettext
from ninja import Schema
from pydantic import Field

from ..notify import render_verb
from .base import Frame
from .materials import CommunityRefOut, community_ref_out
from .people import AuthorOut, author_out


class SchoolRefOut(Schema):
    id: int
    name: str
    country: str
    url: str


def school_ref_out(school: Any) -> SchoolRefOut:
    return SchoolRefOut(
        id=school.pk, name=school.name, country=str(school.country), url=f"/schools/{school.pk}/"
    )


class SchoolOut(SchoolRefOut):
    region: str
    kind: str
    size_band: str
    languages: list[str] = Field(description="BCP-47 tags")
    website: str
    teachers: int = Field(description="Confirmed teachers on Kring")
    hubs: list[CommunityRefOut] = Field(description="Hubs the school takes part in")
    viewer: dict[str, Any] = Field(
        description="The viewer's relation: {link: null|pending|confirmed, lead, primary}"
    )


def school_out(school: Any, *, teachers: int, hubs: list[Any], link: Any) -> SchoolOut:
    return SchoolOut(
        **school_ref_out(school).model_dump(),
        region=school.region,
        kind=school.kind,
        size_band=school.size_band,
        languages=list(school.languages),
        website=school.website,
        teachers=teachers,
        hubs=[community_ref_out(h) for h in hubs],
        viewer={
            "link": link.state if link else None,
            "lead": bool(link and link.is_lead and link.state == "confirmed"),
            "primary": bool(link and link.is_primary),
        },
    )


class SchoolLinkOut(Schema):
    id: int
    school: SchoolRefOut
    teacher: AuthorOut
    state: str = Field(description="pending or confirmed")
    is_primary: bool
    is_lead: bool
    shown: bool
    created_at: datetime


def school_link_out(link: Any) -> SchoolLinkOut:
    return SchoolLinkOut(
        id=link.pk,
        school=school_ref_out(link.school),
        teacher=author_out(link.user),
        state=link.state,
        is_primary=link.is_primary,
        is_lead=link.is_lead,
        shown=link.shown,
        created_at=link.created_at,
    )


class StatementOut(Schema):
    id: str
    text: str


class AreaOut(Schema):
    key: str
    title: str
    description: str
    statements: list[StatementOut]


class InstrumentOut(Schema):
    id: str
    version: int
    title: str
    introduction: str
    scale: dict[str, str] = Field(description='1..5 and "0" for don\'t know')
    areas: list[AreaOut]


def instrument_out(instrument: Any, dont_know: str) -> InstrumentOut:
    """The instrument in the active language."""
    scale = {str(v): label for v, label in instrument.scale_labels()}
    return InstrumentOut(
        id=instrument.id,
        version=instrument.version,
        title=instrument.label,
        introduction=gettext(instrument.introduction),
        scale={**scale, "0": dont_know},
        areas=[
            AreaOut(
                key=a.key,
                title=a.label,
                description=a.explanation,
                statements=[StatementOut(id=s.id, text=s.label) for s in a.statements],
            )
            for a in instrument.areas
        ],
    )


class ResponseOut(Schema):
    school: int
    year: int
    instrument: str
    answers: dict[str, int] = Field(description='statement id -> 1..5, 0 for "don\'t know"')
    updated_at: datetime | None


def response_out(response: Any) -> ResponseOut:
    return ResponseOut(
        school=response.school_id,
        year=response.year,
        instrument=response.instrument,
        answers=dict(response.answers),
        updated_at=response.updated_at,
    )


class AreaResultOut(Schema):
    area: str
    title: str
    median: float | None = Field(description="null: fewer than the threshold answered")
    answered: int = Field(description="Respondents who rated at least one statement")
    shown: bool


class YearResultOut(Schema):
    year: int
    respondents: int
    areas: list[AreaResultOut]


class ProfileOut(Schema):
    school: SchoolRefOut
    threshold: int = Field(description="Respondents an area needs before its median is shown")
    years: list[YearResultOut] = Field(description="Oldest first")


class AnswerRowOut(Schema):
    teacher: AuthorOut
    answers: dict[str, int]
    updated_at: datetime


class OfferOut(Schema):
    area: str
    title: str
    median: float
    materials: list[dict[str, Any]] = Field(description="{id, title, url, community}")
    communities: list[dict[str, Any]] = Field(description="{slug, name, url, materials}")


class SuggestionOut(Schema):
    mentor: SchoolRefOut
    mentee: SchoolRefOut
    score: float
    reasons: list[str]


class GoalOut(Schema):
    id: int
    area: str
    text: str
    done: bool


class SessionOut(Schema):
    id: int
    kind: str
    title: str
    starts_at: datetime
    place: str


class PairingOut(Schema):
    id: int
    url: str
    hub: CommunityRefOut
    mentor: SchoolRefOut
    mentee: SchoolRefOut
    status: str = Field(description="proposed, active, completed or declined")
    reasons: list[str]
    mentor_accepted: bool
    mentee_accepted: bool
    room: int | None = Field(description="The pair's private room, once active (for its teachers)")
    created_at: datetime
    activated_at: datetime | None
    completed_at: datetime | None


def pairing_out(pairing: Any, *, show_room: bool) -> PairingOut:
    return PairingOut(
        id=pairing.pk,
        url=f"/mentoring/{pairing.pk}/",
        hub=community_ref_out(pairing.hub),
        mentor=school_ref_out(pairing.mentor),
        mentee=school_ref_out(pairing.mentee),
        status=pairing.status,
        reasons=[render_verb(r) for r in pairing.reasons],
        mentor_accepted=pairing.mentor_accepted_at is not None,
        mentee_accepted=pairing.mentee_accepted_at is not None,
        room=pairing.room_id if show_room else None,
        created_at=pairing.created_at,
        activated_at=pairing.activated_at,
        completed_at=pairing.completed_at,
    )


class PlanOut(Schema):
    pairing: PairingOut
    notes: str
    goals: list[GoalOut]
    sessions: list[SessionOut]


def plan_out(pairing: Any, *, show_room: bool) -> PlanOut:
    return PlanOut(
        pairing=pairing_out(pairing, show_room=show_room),
        notes=pairing.notes,
        goals=[
            GoalOut(id=g.pk, area=g.area, text=g.text, done=g.done) for g in pairing.goals.all()
        ],
        sessions=[
            SessionOut(id=s.pk, kind=s.kind, title=s.title, starts_at=s.starts_at, place=s.place)
            for s in pairing.sessions.all()
        ],
    )


class MentoringFrame(Frame):
    """To the teachers of both schools of a pair and the hub's facilitators: the pair
    changed. ``room`` is the pair's private room once it is active (null before, and for
    facilitators, who do not read it)."""

    type: Literal["mentoring"] = "mentoring"
    pairing: int
    status: str
    mentor_accepted: bool
    mentee_accepted: bool
    room: int | None
    url: str


def mentoring_frame(pairing: Any, *, with_room: bool) -> MentoringFrame:
    return MentoringFrame(
        pairing=pairing.pk,
        status=pairing.status,
        mentor_accepted=pairing.mentor_accepted_at is not None,
        mentee_accepted=pairing.mentee_accepted_at is not None,
        room=pairing.room_id if with_room else None,
        url=f"/mentoring/{pairing.pk}/",
    )
