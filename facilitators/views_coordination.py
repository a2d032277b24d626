"""Pages of programme coordinators (founding communities, deciding proposals, archiving)
and of teachers proposing a community. Views parse, authorise, call one service, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from community import selectors as community_selectors
from community import services as community_services
from community.forms_shaping import FoundForm, ProposalForm
from community.models import Community, JoinPolicy
from community.permissions import can_coordinate
from core.errors import KringError, NotFound

from . import selectors, services
from .models import ProposalState


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
def coordinate(request: HttpRequest) -> HttpResponse:
    if not can_coordinate.test(request.user):
        messages.error(request, _("Only programme coordinators can open this page."))
        return redirect("community:home")
    form = FoundForm(initial={"join_policy": JoinPolicy.REQUEST})
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "found":
            form = FoundForm(request.POST)
            if form.is_valid():
                done = _found(request, form)
                if done is not None:
                    return done
        else:
            _act(request, action)
            return redirect(reverse("facilitators:coordinate") + "#h-proposals")
    return render(
        request,
        "facilitators/coordinate.html",
        {
            "form": form,
            "proposals": selectors.proposal_list(state=ProposalState.PENDING),
            "decided": selectors.proposal_list()[:20],
            "communities": Community.objects.filter(archived_at__isnull=True).order_by("name"),
            "archived": Community.objects.filter(archived_at__isnull=False).order_by("name"),
            "join_policies": JoinPolicy.choices,
        },
    )


def _found(request: HttpRequest, form: FoundForm) -> HttpResponse | None:
    data = form.fields_for_service()
    email = data.pop("facilitator_email")
    try:
        community, person, invitation = services.community_found(
            actor=request.user,
            facilitator_email=email,
            base_url=request.build_absolute_uri("/").rstrip("/"),
            **data,
        )
    except KringError as exc:
        form.show_error(exc)
        return None
    if invitation is not None:
        link = request.build_absolute_uri(
            reverse("facilitators:invitation", args=[invitation.token])
        )
        messages.success(
            request,
            _(
                "%(name)s was created. %(email)s has no account yet: an invitation was sent "
                "(link: %(link)s)."
            )
            % {"name": community.name, "email": email, "link": link},
        )
    else:
        messages.success(
            request,
            _("%(name)s was created; %(person)s is its facilitator and was told.")
            % {"name": community.name, "person": person.public_name if person else email},
        )
    return redirect("community:detail", slug=community.slug)


def _act(request: HttpRequest, action: str) -> None:
    data = request.POST
    try:
        if action in ("approve", "decline"):
            proposal = selectors.proposal_get(proposal_id=_int(data.get("proposal")) or 0)
            if action == "approve":
                services.proposal_approve(
                    actor=request.user,
                    proposal=proposal,
                    slug=data.get("slug") or None,
                    join_policy=data.get("join_policy") or JoinPolicy.REQUEST,
                    message=data.get("message", ""),
                )
            else:
                services.proposal_decline(
                    actor=request.user, proposal=proposal, reason=data.get("reason", "")
                )
        elif action in ("archive", "restore"):
            community = community_selectors.community_by_slug(slug=data.get("community", ""))
            change = (
                community_services.community_archive
                if action == "archive"
                else community_services.community_restore
            )
            change(actor=request.user, community=community, reason=data.get("reason", ""))
        else:
            raise NotFound(_("Unknown action."))
    except KringError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("Done."))


@login_required
def propose(request: HttpRequest) -> HttpResponse:
    """Any teacher: propose a community; see what became of one's proposals."""
    form = ProposalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.proposal_create(proposer=request.user, **form.fields_for_service())
        except KringError as exc:
            form.show_error(exc)
        else:
            messages.success(request, _("Thank you: the programme coordinators will decide."))
            return redirect("facilitators:propose")
    return render(
        request,
        "facilitators/propose.html",
        {"form": form, "mine": selectors.proposal_list(proposer=request.user)[:20]},
    )
