"""The schools JSON API: schools and links, self-assessment, needs to offers, and mentoring
pairs in hubs. Each endpoint parses, authorises (in the service or selector), and answers a
shape of ``core.protocol.schools``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from community.selectors import community_by_slug
from core.errors import Forbidden, NotFound
from core.protocol.api import ERRORS
from core.protocol.people import author_out
from core.protocol.schools import (
    AnswerRowOut,
    AreaResultOut,
    InstrumentOut,
    OfferOut,
    PairingOut,
    PlanOut,
    ProfileOut,
    ResponseOut,
    SchoolLinkOut,
    SchoolOut,
    SchoolRefOut,
    SuggestionOut,
    YearResultOut,
    instrument_out,
    pairing_out,
    plan_out,
    response_out,
    school_link_out,
    school_out,
    school_ref_out,
)

from . import matching, selectors, services
from .instrument import instrument
from .models import School
from .permissions import can_manage_links, can_run_mentoring, is_pair_teacher
from .profile import threshold
from .schemas import (
    AnswersIn,
    DeclineIn,
    GoalDoneIn,
    GoalIn,
    HubSchoolIn,
    LeadIn,
    LinkIn,
    MergeIn,
    NotesIn,
    ProposeIn,
    SchoolEditIn,
    SchoolIn,
    SessionIn,
)
from .services.assessment import current_year

router = Router(tags=["schools"])


def _school(school_id: int) -> School:
    return selectors.school_get(school_id=school_id)


def _school_answer(request: HttpRequest, school: School) -> SchoolOut:
    return school_out(
        school,
        teachers=selectors.teacher_count(school=school),
        hubs=selectors.hubs_of(school=school),
        link=selectors.link_of(user=request.auth, school=school),
    )


class SchoolQuery(Schema):
    q: str | None = Field(None, max_length=100)
    country: str | None = Field(None, max_length=2)
    limit: int = Field(30, ge=1, le=100)
    offset: int = Field(0, ge=0, le=100_000)


@router.get("/schools", response={200: list[SchoolRefOut], **ERRORS})
def list_schools(request: HttpRequest, filters: Query[SchoolQuery]) -> Any:
    """Find a school (by name or region, and country) before creating it again."""
    schools = selectors.school_list(q=filters.q, country=filters.country)
    return [school_ref_out(s) for s in schools[filters.offset : filters.offset + filters.limit]]


@router.post("/schools", response={201: SchoolOut, **ERRORS})
def create_school(request: HttpRequest, payload: SchoolIn) -> Any:
    """Add a school; you become its lead."""
    data = payload.dict()
    data["size_band"] = data["size_band"] or ""
    school = services.school_create(actor=request.auth, **data)
    return Status(201, _school_answer(request, school))


@router.get("/schools/instrument", response={200: InstrumentOut, **ERRORS})
def get_instrument(request: HttpRequest) -> Any:
    """The self-assessment questionnaire in use, in your language."""
    return instrument_out(instrument(), _("Don't know"))


@router.get("/schools/{int:school_id}", response={200: SchoolOut, **ERRORS})
def get_school(request: HttpRequest, school_id: int) -> Any:
    return _school_answer(request, _school(school_id))


@router.patch("/schools/{int:school_id}", response={200: SchoolOut, **ERRORS})
def edit_school(request: HttpRequest, school_id: int, payload: SchoolEditIn) -> Any:
    """The school lead (or a coordinator) corrects the school's details."""
    changes = payload.dict(exclude_unset=True)
    school = services.school_update(actor=request.auth, school=_school(school_id), **changes)
    return _school_answer(request, school)


@router.post("/schools/{int:school_id}/merge", response={200: SchoolOut, **ERRORS})
def merge_school(request: HttpRequest, school_id: int, payload: MergeIn) -> Any:
    """A coordinator merges this duplicate into ``into``."""
    duplicate = School.objects.filter(pk=school_id).first()
    survivor = School.objects.filter(pk=payload.into).first()
    if duplicate is None or survivor is None:
        raise NotFound(_("No such school."))
    merged = services.school_merge(actor=request.auth, duplicate=duplicate, survivor=survivor)
    return _school_answer(request, merged)


@router.get("/schools/{int:school_id}/links", response={200: list[SchoolLinkOut], **ERRORS})
def list_links(request: HttpRequest, school_id: int) -> Any:
    """The lead: teachers confirmed and waiting."""
    school = _school(school_id)
    if not can_manage_links(request.auth, school):
        raise Forbidden(_("Only the school's lead sees its links."))
    links = selectors.pending_links(school=school) + selectors.confirmed_links(school=school)
    return [school_link_out(link) for link in links]


@router.post("/schools/{int:school_id}/links", response={201: SchoolLinkOut, **ERRORS})
def link_me(request: HttpRequest, school_id: int, payload: LinkIn) -> Any:
    """Link yourself to the school (the lead confirms); again to change primary/shown."""
    link = services.school_link_request(
        actor=request.auth, school=_school(school_id), primary=payload.primary, shown=payload.shown
    )
    return Status(201, school_link_out(link))


@router.post(
    "/schools/{int:school_id}/links/{int:link_id}/confirm",
    response={200: SchoolLinkOut, **ERRORS},
)
def confirm_link(request: HttpRequest, school_id: int, link_id: int) -> Any:
    link = services.school_link_confirm(
        actor=request.auth, school=_school(school_id), link_id=link_id
    )
    return school_link_out(link)


@router.post(
    "/schools/{int:school_id}/links/{int:link_id}/lead", response={200: SchoolLinkOut, **ERRORS}
)
def set_lead(request: HttpRequest, school_id: int, link_id: int, payload: LeadIn) -> Any:
    link = services.school_lead_set(
        actor=request.auth, school=_school(school_id), link_id=link_id, lead=payload.lead
    )
    return school_link_out(link)


@router.delete("/schools/{int:school_id}/links/{int:link_id}", response={204: None, **ERRORS})
def remove_link(request: HttpRequest, school_id: int, link_id: int) -> Any:
    """Unlink yourself, or (the lead) decline or remove a teacher."""
    services.school_link_remove(actor=request.auth, school=_school(school_id), link_id=link_id)
    return Status(204, None)


def _profile(request: HttpRequest, school: School) -> ProfileOut:
    years = selectors.profile_for(user=request.auth, school=school)
    return ProfileOut(
        school=school_ref_out(school),
        threshold=threshold(),
        years=[
            YearResultOut(
                year=y.year,
                respondents=y.respondents,
                areas=[AreaResultOut(**a.__dict__) for a in y.areas],
            )
            for y in years
        ],
    )


@router.get("/schools/{int:school_id}/profile", response={200: ProfileOut, **ERRORS})
def school_profile(request: HttpRequest, school_id: int) -> Any:
    """The self-assessment per year: median per area and how many answered; an area's median
    only with at least ``threshold`` respondents (the school lead sees all)."""
    return _profile(request, _school(school_id))


@router.get("/schools/{int:school_id}/assessment", response={200: ResponseOut, **ERRORS})
def my_assessment(request: HttpRequest, school_id: int) -> Any:
    """Your own answers of this year's cycle (404 before you answer)."""
    school = _school(school_id)
    response = selectors.my_response(user=request.auth, school=school, year=current_year())
    if response is None:
        raise NotFound(_("You have not answered this year's self-assessment yet."))
    return response_out(response)


@router.put("/schools/{int:school_id}/assessment", response={200: ResponseOut, **ERRORS})
def save_assessment(request: HttpRequest, school_id: int, payload: AnswersIn) -> Any:
    """Save your answers for this year (replacing earlier ones of this year)."""
    response = services.assessment_save(
        actor=request.auth, school=_school(school_id), answers=payload.answers
    )
    return response_out(response)


@router.get(
    "/schools/{int:school_id}/assessment/answers", response={200: list[AnswerRowOut], **ERRORS}
)
def individual_answers(request: HttpRequest, school_id: int, year: int | None = None) -> Any:
    """Every teacher's answers of a year: the school lead only."""
    rows = selectors.answers_for_lead(
        user=request.auth, school=_school(school_id), year=year or current_year()
    )
    return [
        AnswerRowOut(teacher=author_out(r.user), answers=r.answers, updated_at=r.updated_at)
        for r in rows
    ]


@router.get("/schools/{int:school_id}/offers", response={200: list[OfferOut], **ERRORS})
def school_offers(request: HttpRequest, school_id: int) -> Any:
    """Needs to offers: the weakest areas with materials and communities for them."""
    found = selectors.offers(user=request.auth, school=_school(school_id))
    return [
        OfferOut(
            area=o["area"].area,
            title=o["area"].title,
            median=o["area"].median,
            materials=[
                {
                    "id": m.pk,
                    "title": m.title,
                    "url": f"/resources/{m.pk}/",
                    "community": m.community.slug,
                }
                for m in o["materials"]
            ],
            communities=[
                {"slug": c.slug, "name": c.name, "url": f"/c/{c.slug}/", "materials": c.tagged}
                for c in o["communities"]
            ],
        )
        for o in found
    ]


@router.post("/communities/{slug}/schools", response={201: SchoolRefOut, **ERRORS})
def add_hub_school(request: HttpRequest, slug: str, payload: HubSchoolIn) -> Any:
    """A school takes part in this hub."""
    hub = community_by_slug(slug=slug)
    entry = services.school_hub_add(actor=request.auth, school=_school(payload.school), hub=hub)
    return Status(201, school_ref_out(entry.school))


@router.get(
    "/communities/{slug}/mentoring/suggestions", response={200: list[SuggestionOut], **ERRORS}
)
def mentoring_suggestions(request: HttpRequest, slug: str) -> Any:
    """Suggested mentor-mentee pairs of the hub's schools, best first, with reasons."""
    hub = community_by_slug(slug=slug)
    if not can_run_mentoring(request.auth, hub):
        raise Forbidden(_("Only the hub's facilitators see suggested pairs."))
    return [
        SuggestionOut(
            mentor=school_ref_out(s.mentor),
            mentee=school_ref_out(s.mentee),
            score=s.score,
            reasons=s.rendered(),
        )
        for s in matching.suggestions(hub=hub)
    ]


def _pairing_answer(request: HttpRequest, pairing: Any) -> PairingOut:
    return pairing_out(pairing, show_room=is_pair_teacher(request.auth, pairing))


@router.get("/communities/{slug}/mentoring", response={200: list[PairingOut], **ERRORS})
def hub_pairings(request: HttpRequest, slug: str) -> Any:
    """Every pair of the hub and its status (facilitators and coordinators)."""
    hub = community_by_slug(slug=slug)
    if not can_run_mentoring(request.auth, hub):
        raise Forbidden(_("Only the hub's facilitators follow its mentoring pairs."))
    return [_pairing_answer(request, p) for p in selectors.hub_pairings(hub=hub)]


@router.post("/communities/{slug}/mentoring", response={201: PairingOut, **ERRORS})
def propose_pairing(request: HttpRequest, slug: str, payload: ProposeIn) -> Any:
    """Propose that ``mentor`` mentors ``mentee``; both schools' leads are asked."""
    hub = community_by_slug(slug=slug)
    pairing = services.pairing_propose(
        actor=request.auth,
        hub=hub,
        mentor=_school(payload.mentor),
        mentee=_school(payload.mentee),
    )
    return Status(201, _pairing_answer(request, pairing))


def _pairing(request: HttpRequest, pairing_id: int) -> Any:
    return selectors.pairing_get(user=request.auth, pairing_id=pairing_id)


@router.get("/mentoring/{int:pairing_id}", response={200: PlanOut, **ERRORS})
def get_pairing(request: HttpRequest, pairing_id: int) -> Any:
    """The pair with its plan; ``room`` for the two schools' teachers once active."""
    pairing = _pairing(request, pairing_id)
    return plan_out(pairing, show_room=is_pair_teacher(request.auth, pairing))


@router.post("/mentoring/{int:pairing_id}/accept", response={200: PairingOut, **ERRORS})
def accept_pairing(request: HttpRequest, pairing_id: int) -> Any:
    """A school lead accepts for their school; the second acceptance opens the room."""
    pairing = services.pairing_accept(actor=request.auth, pairing=_pairing(request, pairing_id))
    return _pairing_answer(request, pairing)


@router.post("/mentoring/{int:pairing_id}/decline", response={200: PairingOut, **ERRORS})
def decline_pairing(request: HttpRequest, pairing_id: int, payload: DeclineIn) -> Any:
    pairing = services.pairing_decline(
        actor=request.auth, pairing=_pairing(request, pairing_id), reason=payload.reason
    )
    return _pairing_answer(request, pairing)


@router.post("/mentoring/{int:pairing_id}/complete", response={200: PairingOut, **ERRORS})
def complete_pairing(request: HttpRequest, pairing_id: int) -> Any:
    pairing = services.pairing_complete(actor=request.auth, pairing=_pairing(request, pairing_id))
    return _pairing_answer(request, pairing)


@router.put("/mentoring/{int:pairing_id}/notes", response={200: PlanOut, **ERRORS})
def set_notes(request: HttpRequest, pairing_id: int, payload: NotesIn) -> Any:
    pairing = _pairing(request, pairing_id)
    services.plan_notes_set(actor=request.auth, pairing=pairing, notes=payload.notes)
    return get_pairing(request, pairing_id)


@router.post("/mentoring/{int:pairing_id}/goals", response={201: PlanOut, **ERRORS})
def add_goal(request: HttpRequest, pairing_id: int, payload: GoalIn) -> Any:
    pairing = _pairing(request, pairing_id)
    services.goal_add(actor=request.auth, pairing=pairing, area=payload.area, text=payload.text)
    return Status(201, get_pairing(request, pairing_id))


@router.post("/mentoring/{int:pairing_id}/goals/{int:goal_id}", response={200: PlanOut, **ERRORS})
def set_goal_done(request: HttpRequest, pairing_id: int, goal_id: int, payload: GoalDoneIn) -> Any:
    pairing = _pairing(request, pairing_id)
    services.goal_set_done(actor=request.auth, pairing=pairing, goal_id=goal_id, done=payload.done)
    return get_pairing(request, pairing_id)


@router.post("/mentoring/{int:pairing_id}/sessions", response={201: PlanOut, **ERRORS})
def add_session(request: HttpRequest, pairing_id: int, payload: SessionIn) -> Any:
    """Plan a school visit or an online co-planning session (both schools are reminded)."""
    pairing = _pairing(request, pairing_id)
    services.session_add(actor=request.auth, pairing=pairing, **payload.dict())
    return Status(201, get_pairing(request, pairing_id))


@router.delete(
    "/mentoring/{int:pairing_id}/sessions/{int:session_id}", response={200: PlanOut, **ERRORS}
)
def remove_session(request: HttpRequest, pairing_id: int, session_id: int) -> Any:
    pairing = _pairing(request, pairing_id)
    services.session_remove(actor=request.auth, pairing=pairing, session_id=session_id)
    return get_pairing(request, pairing_id)
