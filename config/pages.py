"""Pages that bring several apps together, so they live on the top floor (config may use every
app; the apps never use each other upwards): the signed-in teacher's home page, the language
prefixes and the design system's page.

The home page has a slot for what other apps add (events, suggestions): they register a
function in ``community.registry.home_panels`` that takes the user and returns ``None`` or a
dict with a ``template`` (rendered inside a card) and whatever that template needs.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation

from community import selectors as community_selectors
from community.models import Membership, MembershipState
from community.registry import home_panels
from community.views import home as public_home
from core.notify import Category
from core.protocol.communities import UnreadRoomOut, unread_room_out
from core.roles import FACILITATING_ROLES
from delivery import selectors as delivery_selectors
from delivery.views import notifications_for_display
from facilitators import selectors as facilitator_selectors
from resources import selectors as resource_selectors


def home(request: HttpRequest) -> HttpResponse:
    """Signed in: your communities and rooms with unread counts, mentions, new materials.
    Otherwise the public page."""
    if not request.user.is_authenticated:
        return public_home(request)
    user = request.user
    memberships = list(
        Membership.objects.filter(user_id=user.pk)
        .exclude(state=MembershipState.LEFT)
        .select_related("community")
        .order_by("community__name")
    )
    active = [m for m in memberships if m.state == MembershipState.ACTIVE]
    rooms_by_community: dict[str, list[UnreadRoomOut]] = {}
    for room in community_selectors.unread_by_room(user=user):
        rooms_by_community.setdefault(room.community.slug, []).append(unread_room_out(room))
    communities = [
        {
            "community": m.community,
            "role": m.get_role_display(),
            "rooms": rooms_by_community.get(m.community.slug, []),
            "unread": sum(r.unread for r in rooms_by_community.get(m.community.slug, [])),
        }
        for m in active
    ]
    facilitating = []
    for m in active:
        if m.role in FACILITATING_ROLES:
            requests = facilitator_selectors.member_list(community=m.community, state="pending")
            reports = facilitator_selectors.report_list(community=m.community, state="open")
            facilitating.append(
                {"community": m.community, "requests": requests.count(), "reports": reports.count()}
            )
    mentions = delivery_selectors.notification_list(user=user, category=Category.MENTION, limit=5)
    materials = list(resource_selectors.resource_list(user=user)[:4]) if active else []
    panels = [panel for panel in (make(user) for make in home_panels.values()) if panel]
    return render(
        request,
        "community/home_member.html",
        {
            "communities": communities,
            "pending": [m for m in memberships if m.state == MembershipState.PENDING],
            "facilitating": [f for f in facilitating if f["requests"] or f["reports"]],
            "mentions": notifications_for_display(mentions),
            "materials": materials,
            "panels": panels,
        },
    )


def language_home(request: HttpRequest, code: str) -> HttpResponse:
    """``/nl/`` (and every other language's code): Kring in that language, from its home
    page. Kring's URLs carry no language prefix, so the choice is remembered in the cookie
    Django's language switch uses."""
    response = HttpResponseRedirect(reverse("community:home"))
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        secure=settings.LANGUAGE_COOKIE_SECURE,
    )
    translation.activate(code)
    return response


@login_required
def design_system(request: HttpRequest) -> HttpResponse:
    """Every component of static/kring/kring.css on one page: for staff, or in DEBUG."""
    if not (settings.DEBUG or request.user.is_staff):
        raise Http404("No such page.")
    return render(request, "design.html", {"languages": settings.LANGUAGES})
