"""Pages: people search with suggestions, a teacher's profile page, "not interested", and
the suggestion panels other pages show (home page, community pages)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_countries import countries

from chat.permissions import can_message
from community import visibility
from community.models import AgeGroup, Profile
from core.errors import KringError

from . import selectors, services

SEARCH_SCAN = 2000


@login_required
def people(request: HttpRequest) -> HttpResponse:
    """People search; without a search, the people suggested to you."""
    filters = {
        "q": (request.GET.get("q") or "").strip()[:100],
        "subject": (request.GET.get("subject") or "").strip()[:80],
        "interest": (request.GET.get("interest") or "").strip()[:80],
        "age_group": request.GET.get("age_group") or "",
        "language": (request.GET.get("language") or "").strip()[:35],
        "country": (request.GET.get("country") or "")[:2],
    }
    if filters["age_group"] not in AgeGroup.values:
        filters["age_group"] = ""
    searching = any(filters.values())
    page = None
    if searching:
        found = selectors.people_search(request.user, **filters)[:SEARCH_SCAN]
        results = selectors.visible_search_results(request.user, list(found), filters)
        page = Paginator(results, 20).get_page(request.GET.get("page"))
    profile = Profile.objects.filter(user_id=request.user.pk).first()
    return render(
        request,
        "networking/people.html",
        {
            "filters": filters,
            "searching": searching,
            "page": page,
            "suggestions": []
            if searching
            else selectors.people_suggestions(request.user, limit=10),
            "age_groups": AgeGroup.choices,
            "countries": list(countries),
            "discoverable": bool(profile and profile.discoverable),
        },
    )


@login_required
def profile(request: HttpRequest, handle: str) -> HttpResponse:
    """A teacher's profile page: for people who share a community with them, and for every
    signed-in teacher when they are discoverable; each field as its teacher chose."""
    user = selectors.person_by_handle(handle)
    person_profile = getattr(user, "profile", None) if user else None
    relation = visibility.relation_of(request.user, user, person_profile) if user else None
    if user is None or relation is None:
        raise Http404(_("No teacher you can see has this handle."))
    view = visibility.profile_view(person_profile, relation)
    ages = dict(AgeGroup.choices)
    return render(
        request,
        "networking/profile.html",
        {
            "person": user,
            "view": view,
            "age_labels": [ages.get(a, a) for a in view["age_groups"]],
            "country_name": dict(countries).get(view["country"], "") if view["country"] else "",
            "is_self": relation == visibility.Relation.SELF,
            "common": []
            if relation == visibility.Relation.SELF
            else selectors.communities_in_common(request.user.pk, user.pk),
            "materials": selectors.materials_shared_by(user.pk, request.user.pk),
            "can_message": relation != visibility.Relation.SELF and can_message(request.user, user),
        },
    )


@login_required
@require_POST
def dismiss(request: HttpRequest) -> HttpResponse:
    """ "Not interested" from a panel: never suggested again."""
    try:
        services.dismiss(
            user=request.user,
            kind=request.POST.get("kind", ""),
            object_id=request.POST.get("id", ""),
        )
    except KringError as exc:
        messages.error(request, exc.detail)
    else:
        messages.info(request, _("Noted: we will not suggest it again."))
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return redirect(target)


# --- panels (registered in apps.py) ----------------------------------------------------------


def home_panel(user: Any) -> dict[str, Any] | None:
    """The home page's "Suggested for you" card."""
    people = selectors.people_suggestions(user, limit=10)
    communities = selectors.community_suggestions(user, limit=2, people=people)
    materials = selectors.resource_suggestions(user, limit=2, people=people)
    return {
        "template": "networking/panel_home.html",
        "people": people[:3],
        "communities": communities,
        "materials": materials,
    }


def community_panel(user: Any, community: Any, room: Any) -> dict[str, Any]:
    """On a community's page (not its rooms): discoverable members you may want to meet."""
    if room is not None or not getattr(user, "is_authenticated", False):
        return {}
    member_ids = set(community.memberships.filter(state="active").values_list("user_id", flat=True))
    people = [s for s in selectors.people_suggestions(user, limit=20) if s.user.pk in member_ids]
    return {
        "suggestions_panel": {
            "template": "networking/panel_community.html",
            "people": people[:3],
            "community": community,
        }
    }
