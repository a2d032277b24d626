"""Schools pages: the directory (find or add a school), a school's page (its teachers,
hubs, communities, materials, self-assessment over the years, needs to offers; for the lead,
links to confirm), editing, the self-assessment form and the lead's view of the answers."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_countries import countries

from core.errors import Forbidden, KringError, NotFound

from . import selectors, services
from .charts import profile_charts
from .forms import AssessmentForm, SchoolForm
from .instrument import instrument
from .models import School
from .permissions import can_assess, can_edit_school, can_manage_links, can_see_answers
from .profile import threshold
from .services.assessment import current_year


def _school_or_404(school_id: int) -> School:
    try:
        return selectors.school_get(school_id=school_id)
    except NotFound as exc:
        raise Http404(exc.detail) from exc


@login_required
def school_list(request: HttpRequest) -> HttpResponse:
    q = (request.GET.get("q") or "").strip()[:100]
    country = (request.GET.get("country") or "").strip()[:2]
    form = SchoolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            school = services.school_create(actor=request.user, **form.data_for_service())
        except KringError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.detail)
        else:
            messages.success(
                request, _("%(name)s was added; you are its lead.") % {"name": school.name}
            )
            return redirect("schools:detail", school_id=school.pk)
    searching = bool(q or country)
    return render(
        request,
        "schools/list.html",
        {
            "mine": selectors.my_schools(user=request.user),
            "results": selectors.school_list(q=q or None, country=country or None)[:50]
            if searching
            else None,
            "filters": {"q": q, "country": country},
            "countries": list(countries),
            "form": form,
            "pairings": selectors.pairings_of_user(user=request.user),
        },
    )


@login_required
def school_detail(request: HttpRequest, school_id: int) -> HttpResponse:
    school = _school_or_404(school_id)
    if school.pk != school_id:
        return redirect("schools:detail", school_id=school.pk)
    user = request.user
    years = selectors.profile_for(user=user, school=school)
    return render(
        request,
        "schools/detail.html",
        {
            "school": school,
            "link": selectors.link_of(user=user, school=school),
            "teachers": selectors.shown_teachers(school=school),
            "teacher_count": selectors.teacher_count(school=school),
            "hubs": selectors.hubs_of(school=school),
            "communities": selectors.communities_of(school=school),
            "materials": selectors.shared_materials(school=school, viewer=user),
            "charts": profile_charts(years),
            "latest": years[-1] if years else None,
            "threshold": threshold(),
            "offers": selectors.offers(user=user, school=school),
            "can_edit": can_edit_school(user, school),
            "can_assess": can_assess(user, school),
            "is_lead": can_see_answers(user, school),
            "pending": selectors.pending_links(school=school)
            if can_manage_links(user, school)
            else [],
            "confirmed": selectors.confirmed_links(school=school)
            if can_manage_links(user, school)
            else [],
        },
    )


@login_required
def school_edit(request: HttpRequest, school_id: int) -> HttpResponse:
    school = _school_or_404(school_id)
    if not can_edit_school(request.user, school):
        raise Http404(_("Only the school's lead edits it."))
    initial = {
        "name": school.name,
        "country": school.country.code,
        "region": school.region,
        "kind": school.kind,
        "size_band": school.size_band,
        "languages": ", ".join(school.languages),
        "website": school.website,
    }
    form = SchoolForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.school_update(actor=request.user, school=school, **form.data_for_service())
        except KringError as exc:
            form.add_error(None, exc.detail)
        else:
            messages.success(request, _("Saved."))
            return redirect("schools:detail", school_id=school.pk)
    return render(request, "schools/edit.html", {"school": school, "form": form})


@login_required
@require_POST
def school_link(request: HttpRequest, school_id: int) -> HttpResponse:
    """Link oneself to the school (or change primary / shown)."""
    school = _school_or_404(school_id)
    try:
        link = services.school_link_request(
            actor=request.user,
            school=school,
            primary=request.POST.get("primary") == "1",
            shown=request.POST.get("shown", "1") == "1",
        )
    except KringError as exc:
        messages.error(request, exc.detail)
    else:
        if link.state == "pending":
            messages.info(request, _("Asked: the school's lead confirms you."))
        else:
            messages.success(request, _("Saved."))
    return redirect("schools:detail", school_id=school.pk)


@login_required
@require_POST
def school_link_action(request: HttpRequest, school_id: int, link_id: int) -> HttpResponse:
    """The lead confirms, declines, removes or makes lead; a teacher unlinks themself."""
    school = _school_or_404(school_id)
    action = request.POST.get("action")
    try:
        if action == "confirm":
            services.school_link_confirm(actor=request.user, school=school, link_id=link_id)
        elif action == "remove":
            services.school_link_remove(actor=request.user, school=school, link_id=link_id)
        elif action in ("lead", "unlead"):
            services.school_lead_set(
                actor=request.user, school=school, link_id=link_id, lead=action == "lead"
            )
        else:
            messages.error(request, _("Unknown action."))
            return redirect("schools:detail", school_id=school.pk)
    except KringError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("Saved."))
    return redirect("schools:detail", school_id=school.pk)


@login_required
def assessment(request: HttpRequest, school_id: int) -> HttpResponse:
    school = _school_or_404(school_id)
    if not can_assess(request.user, school):
        messages.info(
            request, _("Only the school's confirmed teachers fill in its self-assessment.")
        )
        return redirect("schools:detail", school_id=school.pk)
    inst = instrument()
    year = current_year()
    mine = selectors.my_response(user=request.user, school=school, year=year)
    initial = {k: str(v) for k, v in (mine.answers if mine else {}).items()}
    form = AssessmentForm(
        request.POST or None, initial=initial, instrument=inst, dont_know=_("Don't know")
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.assessment_save(actor=request.user, school=school, answers=form.answers())
        except KringError as exc:
            form.add_error(None, exc.detail)
        else:
            messages.success(
                request, _("Thank you: your answers for %(year)s are saved.") % {"year": year}
            )
            return redirect("schools:detail", school_id=school.pk)
    areas = [{"area": area, "fields": [form[s.id] for s in area.statements]} for area in inst.areas]
    return render(
        request,
        "schools/assessment.html",
        {
            "school": school,
            "instrument": inst,
            "form": form,
            "areas": areas,
            "year": year,
            "mine": mine,
        },
    )


@login_required
def answers(request: HttpRequest, school_id: int) -> HttpResponse:
    school = _school_or_404(school_id)
    try:
        year = int(request.GET.get("year") or current_year())
    except ValueError:
        year = current_year()
    try:
        rows = selectors.answers_for_lead(user=request.user, school=school, year=year)
    except Forbidden as exc:
        raise Http404(exc.detail) from exc
    inst = instrument()
    statements = [(area, s) for area in inst.areas for s in area.statements]
    table: list[dict[str, Any]] = [
        {"teacher": r.user, "values": [r.answers.get(s.id) for _a, s in statements]} for r in rows
    ]
    return render(
        request,
        "schools/answers.html",
        {"school": school, "year": year, "statements": statements, "rows": table},
    )
