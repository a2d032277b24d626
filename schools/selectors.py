"""Reads of the schools app: the school directory, a school's page (teachers who show it,
communities and hubs it takes part in, materials its teachers shared), links waiting for the
lead, self-assessment answers, "needs to offers", and mentoring pairs."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from community.models import Community, Membership, MembershipState, User
from community.permissions import can_read_rooms
from core.errors import Forbidden, NotFound
from resources.models import Resource

from .instrument import instrument
from .models import (
    AssessmentResponse,
    LinkState,
    Pairing,
    PairingStatus,
    School,
    SchoolInHub,
    SchoolLink,
)
from .permissions import can_see_answers, can_view_pairing
from .profile import school_profile

PAGE_SIZE = 30


def school_list(*, q: str | None = None, country: str | None = None) -> QuerySet[School]:
    schools = School.objects.filter(merged_into__isnull=True).annotate(
        teachers=Count("links", filter=Q(links__state=LinkState.CONFIRMED))
    )
    if q:
        schools = schools.filter(Q(name__icontains=q) | Q(region__icontains=q))
    if country:
        schools = schools.filter(country=country.upper())
    return schools.order_by("name", "pk")


def school_get(*, school_id: int) -> School:
    """The school; a merged duplicate is answered with the survivor it was merged into."""
    school = School.objects.filter(pk=school_id).first()
    seen = 0
    while school is not None and school.merged_into_id is not None and seen < 10:
        school = School.objects.filter(pk=school.merged_into_id).first()
        seen += 1
    if school is None:
        raise NotFound(_("No school %(school_id)s.") % {"school_id": school_id})
    return school


def link_of(*, user: Any, school: School) -> SchoolLink | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return SchoolLink.objects.filter(school=school, user_id=user.pk).first()


def teacher_count(*, school: School) -> int:
    return school.links.filter(state=LinkState.CONFIRMED).count()


def shown_teachers(*, school: School) -> list[User]:
    """Confirmed teachers who chose to be listed on the school's page."""
    return [
        link.user
        for link in school.links.filter(state=LinkState.CONFIRMED, shown=True)
        .select_related("user")
        .order_by("user__display_name")
    ]


def pending_links(*, school: School) -> list[SchoolLink]:
    return list(
        school.links.filter(state=LinkState.PENDING).select_related("user", "school").order_by("pk")
    )


def confirmed_links(*, school: School) -> list[SchoolLink]:
    return list(
        school.links.filter(state=LinkState.CONFIRMED)
        .select_related("user", "school")
        .order_by("-is_lead", "user__display_name")
    )


def hubs_of(*, school: School) -> list[Community]:
    return [
        entry.hub
        for entry in SchoolInHub.objects.filter(school=school, hub__archived_at__isnull=True)
        .select_related("hub")
        .order_by("hub__name")
    ]


def communities_of(*, school: School, limit: int = 20) -> list[Community]:
    """Communities the school's confirmed teachers take part in, most teachers first (each
    with ``teachers``)."""
    teachers = school.links.filter(state=LinkState.CONFIRMED).values("user_id")
    return list(
        Community.objects.filter(
            archived_at__isnull=True,
            memberships__user_id__in=teachers,
            memberships__state=MembershipState.ACTIVE,
        )
        .annotate(teachers=Count("memberships", distinct=True))
        .order_by("-teachers", "name")[:limit]
    )


def shared_materials(*, school: School, viewer: Any, limit: int = 12) -> list[Resource]:
    """Current materials the school's confirmed teachers shared, in communities the viewer
    can read (a material of a community one is not in is not shown to them)."""
    teachers = school.links.filter(state=LinkState.CONFIRMED).values("user_id")
    readable = Membership.objects.filter(
        user_id=getattr(viewer, "pk", None), state=MembershipState.ACTIVE
    ).values("community_id")
    materials = Resource.objects.filter(author_id__in=teachers, withdrawn_at__isnull=True)
    if not getattr(viewer, "is_staff", False):
        materials = materials.filter(community_id__in=readable)
    return list(materials.select_related("community", "author").order_by("-created_at")[:limit])


def my_schools(*, user: Any) -> list[SchoolLink]:
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        SchoolLink.objects.filter(user_id=user.pk, school__merged_into__isnull=True)
        .select_related("school")
        .order_by("-is_primary", "school__name")
    )


def my_response(*, user: Any, school: School, year: int) -> AssessmentResponse | None:
    return AssessmentResponse.objects.filter(school=school, user_id=user.pk, year=year).first()


def answers_for_lead(*, user: Any, school: School, year: int) -> list[AssessmentResponse]:
    if not can_see_answers(user, school):
        raise Forbidden(_("Only the school's lead sees individual answers."))
    return list(
        AssessmentResponse.objects.filter(school=school, year=year)
        .select_related("user")
        .order_by("user__display_name")
    )


def profile_for(*, user: Any, school: School) -> list[Any]:
    """The yearly results: the lead sees every median, others only those with enough
    respondents."""
    return school_profile(school_id=school.pk, reveal=can_see_answers(user, school))


def offers(*, user: Any, school: School, areas: int = 2, per_area: int = 5) -> list[dict[str, Any]]:
    """Needs to offers: the school's weakest areas (latest year's shown medians, lowest
    first) with materials tagged for each that the viewer can open, and the communities
    where most such materials were shared (their public face: anyone may look and join)."""
    results = [r for r in profile_for(user=user, school=school) if any(a.shown for a in r.areas)]
    if not results:
        return []
    latest = results[-1]
    weakest = sorted((a for a in latest.areas if a.median is not None), key=lambda a: a.median)
    out = []
    readable = Membership.objects.filter(
        user_id=getattr(user, "pk", None), state=MembershipState.ACTIVE
    ).values("community_id")
    for area in weakest[:areas]:
        tagged = Resource.objects.filter(area=area.area, withdrawn_at__isnull=True)
        materials = list(
            tagged.filter(community_id__in=readable)
            .select_related("community")
            .order_by("-used_count", "-created_at")[:per_area]
        )
        communities = _communities_with(tagged)
        out.append({"area": area, "materials": materials, "communities": communities})
    return out


def _communities_with(tagged: QuerySet[Resource]) -> list[Community]:
    counts = (
        tagged.filter(community__archived_at__isnull=True)
        .values("community_id")
        .annotate(n=Count("pk"))
        .order_by("-n")[:3]
    )
    by_id = {c.pk: c for c in Community.objects.filter(pk__in=[c["community_id"] for c in counts])}
    found = []
    for row in counts:
        community = by_id.get(row["community_id"])
        if community is not None:
            community.tagged = row["n"]
            found.append(community)
    return found


def pairing_get(*, user: Any, pairing_id: int) -> Pairing:
    pairing = (
        Pairing.objects.select_related("hub", "mentor", "mentee", "room")
        .prefetch_related("goals", "sessions")
        .filter(pk=pairing_id)
        .first()
    )
    if pairing is None:
        raise NotFound(_("No mentoring pair %(pairing_id)s.") % {"pairing_id": pairing_id})
    if not can_view_pairing(user, pairing):
        raise Forbidden(
            _("Only the two schools' teachers and the hub's facilitators see this pair.")
        )
    return pairing


def hub_pairings(*, hub: Community) -> list[Pairing]:
    return list(
        Pairing.objects.filter(hub=hub)
        .select_related("hub", "mentor", "mentee")
        .order_by("status", "-created_at")
    )


def pairings_of_user(*, user: Any) -> list[Pairing]:
    """Pairs of the schools the user teaches at (confirmed), open ones first."""
    schools = SchoolLink.objects.filter(user_id=user.pk, state=LinkState.CONFIRMED).values(
        "school_id"
    )
    return list(
        Pairing.objects.filter(Q(mentor_id__in=schools) | Q(mentee_id__in=schools))
        .exclude(status=PairingStatus.DECLINED)
        .select_related("hub", "mentor", "mentee")
        .order_by("status", "-created_at")
    )


def area_titles() -> dict[str, str]:
    return {a.key: a.label for a in instrument().areas}


def readable_community(user: Any, community: Community) -> bool:
    return bool(can_read_rooms.test(user, community))


def export_of(*, user: Any) -> dict[str, Any]:
    """GDPR export: the teacher's school links and their own self-assessment answers."""
    return {
        "school_links": [
            {
                "school": link.school.name,
                "state": link.state,
                "primary": link.is_primary,
                "lead": link.is_lead,
                "shown": link.shown,
                "created_at": link.created_at.isoformat(),
            }
            for link in SchoolLink.objects.filter(user_id=user.pk).select_related("school")
        ],
        "self_assessments": [
            {
                "school": r.school.name,
                "year": r.year,
                "instrument": r.instrument,
                "answers": r.answers,
            }
            for r in AssessmentResponse.objects.filter(user_id=user.pk).select_related("school")
        ],
    }
