"""Mentoring pages: a hub's mentoring (suggested pairs with reasons, proposing, the pairs'
status, adding schools), a pair's page (accepting, the plan, the room once active, live over
the page's socket) and the pair's private room."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import CommunityKind
from community.permissions import post_refusal
from community.selectors import community_by_slug, room_list
from community.views import live_room_context
from core.errors import Forbidden, KringError, NotFound
from core.notify import render_verb

from . import matching, selectors, services
from .forms import GoalForm, NotesForm, SessionForm
from .instrument import instrument
from .models import School
from .permissions import (
    can_complete_pairing,
    can_edit_plan,
    can_run_mentoring,
    is_hub_facilitator,
    is_pair_teacher,
    pairing_side,
)


def _hub_or_404(slug: str):  # type: ignore[no-untyped-def]
    try:
        hub = community_by_slug(slug=slug)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    if hub.kind != CommunityKind.HUB:
        raise Http404(_("Mentoring between schools happens in hubs."))
    return hub


@login_required
def hub_mentoring(request: HttpRequest, slug: str) -> HttpResponse:
    hub = _hub_or_404(slug)
    if not can_run_mentoring(request.user, hub):
        messages.info(request, _("The hub's facilitators pair its schools for mentoring."))
        return redirect("community:detail", slug=hub.slug)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "add_school":
                school = selectors.school_get(school_id=int(request.POST.get("school") or 0))
                services.school_hub_add(actor=request.user, school=school, hub=hub)
                messages.success(
                    request, _("%(name)s takes part in the hub.") % {"name": school.name}
                )
            else:
                mentor = selectors.school_get(school_id=int(request.POST.get("mentor") or 0))
                mentee = selectors.school_get(school_id=int(request.POST.get("mentee") or 0))
                pairing = services.pairing_propose(
                    actor=request.user, hub=hub, mentor=mentor, mentee=mentee
                )
                messages.success(request, _("Proposed: both schools' leads are asked to accept."))
                return redirect("schools:pairing", pairing_id=pairing.pk)
        except (KringError, ValueError) as exc:
            messages.error(request, getattr(exc, "detail", _("Choose a school.")))
        return redirect("schools:hub_mentoring", slug=hub.slug)
    in_hub = matching.hub_schools(hub)
    return render(
        request,
        "schools/hub_mentoring.html",
        {
            "hub": hub,
            "suggestions": matching.suggestions(hub=hub),
            "pairings": selectors.hub_pairings(hub=hub),
            "schools": in_hub,
            "other_schools": School.objects.filter(merged_into__isnull=True)
            .exclude(pk__in=[s.pk for s in in_hub])
            .order_by("country", "name")[:300],
        },
    )


def _pairing_or_404(request: HttpRequest, pairing_id: int):  # type: ignore[no-untyped-def]
    try:
        return selectors.pairing_get(user=request.user, pairing_id=pairing_id)
    except (NotFound, Forbidden) as exc:
        raise Http404(exc.detail) from exc


def _areas() -> list[tuple[str, str]]:
    return [(a.key, a.label) for a in instrument().areas]


@login_required
def pairing_detail(request: HttpRequest, pairing_id: int) -> HttpResponse:
    pairing = _pairing_or_404(request, pairing_id)
    user = request.user
    goal_form = GoalForm(areas=_areas())
    session_form = SessionForm()
    notes_form = NotesForm(initial={"notes": pairing.notes})
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "accept":
                services.pairing_accept(actor=user, pairing=pairing)
            elif action == "decline":
                services.pairing_decline(
                    actor=user, pairing=pairing, reason=request.POST.get("reason", "")
                )
            elif action == "complete":
                services.pairing_complete(actor=user, pairing=pairing)
            elif action == "goal":
                goal_form = GoalForm(request.POST, areas=_areas())
                if not goal_form.is_valid():
                    raise _FormError
                services.goal_add(actor=user, pairing=pairing, **goal_form.cleaned_data)
            elif action == "goal_done":
                services.goal_set_done(
                    actor=user,
                    pairing=pairing,
                    goal_id=int(request.POST.get("goal") or 0),
                    done=request.POST.get("done") == "1",
                )
            elif action == "session":
                session_form = SessionForm(request.POST)
                if not session_form.is_valid():
                    raise _FormError
                data = dict(session_form.cleaned_data)
                # The form's time is the teacher's own wall-clock time.
                data["starts_at"] = timezone.make_aware(
                    data["starts_at"].replace(tzinfo=None), ZoneInfo(str(user.zone))
                )
                services.session_add(actor=user, pairing=pairing, **data)
            elif action == "session_remove":
                services.session_remove(
                    actor=user, pairing=pairing, session_id=int(request.POST.get("session") or 0)
                )
            elif action == "notes":
                notes_form = NotesForm(request.POST)
                if not notes_form.is_valid():
                    raise _FormError
                services.plan_notes_set(
                    actor=user, pairing=pairing, notes=notes_form.cleaned_data["notes"]
                )
            else:
                raise _FormError
        except _FormError:
            messages.error(request, _("Please correct the fields marked below."))
        except (KringError, ValueError) as exc:
            messages.error(request, getattr(exc, "detail", _("Something is wrong with that.")))
        else:
            messages.success(request, _("Saved."))
            return redirect("schools:pairing", pairing_id=pairing.pk)
        pairing = _pairing_or_404(request, pairing_id)
    side = pairing_side(user, pairing)
    accepted = {
        "mentor": pairing.mentor_accepted_at is not None,
        "mentee": pairing.mentee_accepted_at is not None,
    }
    return render(
        request,
        "schools/pairing.html",
        {
            "pairing": pairing,
            "side": side,
            "can_accept": side is not None and pairing.status == "proposed" and not accepted[side],
            "accepted": accepted,
            "in_pair": is_pair_teacher(user, pairing),
            "can_plan": can_edit_plan(user, pairing) and pairing.status == "active",
            "can_complete": can_complete_pairing(user, pairing) and pairing.status == "active",
            "can_decline": pairing.status == "proposed"
            and (side is not None or can_run_mentoring(user, pairing.hub)),
            "is_facilitator": is_hub_facilitator(user, pairing.hub),
            "goals": [(g, dict(_areas()).get(g.area, g.area)) for g in pairing.goals.all()],
            "reasons": [render_verb(r) for r in pairing.reasons],
            "side_school": pairing.mentor if side == "mentor" else pairing.mentee,
            "goal_form": goal_form,
            "session_form": session_form,
            "notes_form": notes_form,
        },
    )


class _FormError(Exception):
    pass


@login_required
def pairing_room(request: HttpRequest, pairing_id: int) -> HttpResponse:
    pairing = _pairing_or_404(request, pairing_id)
    if pairing.room is None or not is_pair_teacher(request.user, pairing):
        messages.info(
            request, _("The room opens for both schools' teachers once both leads accept.")
        )
        return redirect("schools:pairing", pairing_id=pairing.pk)
    context = live_room_context(request, pairing.hub, pairing.room)
    # Its own rule lets the two schools' teachers post, members of the hub or not.
    context["can_post"] = post_refusal(request.user, pairing.room) is None
    return render(
        request,
        "schools/pairing_room.html",
        {
            **context,
            "pairing": pairing,
            "rooms": room_list(community=pairing.hub, user=request.user),
        },
    )
