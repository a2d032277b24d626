"""People search and what the profile page shows."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from community import visibility
from community.models import (
    Community,
    Membership,
    MembershipState,
    User,
)
from resources.models import Resource

from ..features import language_codes
from ..vocab import SUBJECTS, canonical_terms
from .people import comember_ids, readable_community_ids

# --- search and the profile page ------------------------------------------------------------


def people_search(
    user: Any,
    *,
    q: str = "",
    subject: str = "",
    age_group: str = "",
    language: str = "",
    country: str = "",
    interest: str = "",
) -> QuerySet[User]:
    """Discoverable teachers and members of the viewer's communities, filtered. A filter on a
    field matches only where the viewer may see that field (checked per row afterwards by
    ``visible_search_results``, since visibility is per teacher)."""
    mates = Membership.objects.filter(
        community_id__in=Membership.objects.filter(
            user_id=user.pk, state=MembershipState.ACTIVE
        ).values("community_id"),
        state=MembershipState.ACTIVE,
    ).values("user_id")
    people = (
        User.objects.filter(is_active=True)
        .filter(Q(profile__discoverable=True) | Q(pk__in=mates))
        .exclude(pk=user.pk)
        .exclude(pk__in=Membership.objects.filter(state=MembershipState.BANNED).values("user_id"))
        .select_related("profile")
        .order_by("display_name", "pk")
    )
    if q:
        people = people.filter(
            Q(display_name__icontains=q)
            | Q(handle__icontains=q)
            | Q(profile__school__icontains=q)
            | Q(profile__bio__icontains=q)
            | Q(profile__subjects__icontains=q)
            | Q(profile__interests__icontains=q)
        )
    if subject:
        # "physics" also finds "natuurkunde" and "fizyka": every word of its canonical term.
        words = {subject}
        for term in canonical_terms([subject], "subject"):
            if term in SUBJECTS:
                words |= set(SUBJECTS[term][1])
        any_word = Q()
        for word in words:
            any_word |= Q(profile__subjects__icontains=word)
        people = people.filter(any_word)
    if interest:
        people = people.filter(profile__interests__icontains=interest)
    if age_group:
        people = people.filter(profile__age_groups__icontains=f'"{age_group}"')
    if language:
        people = people.filter(profile__languages__icontains=f'"{language}')
    if country:
        people = people.filter(profile__country=country.upper())
    return people


def visible_search_results(
    user: Any, people: list[User], filters: dict[str, str]
) -> list[dict[str, Any]]:
    """Each found teacher as the viewer may see them; a teacher found only through a field
    the viewer may not see is left out (so a search never reveals a hidden field)."""
    mates = comember_ids(user.pk)
    out = []
    for person in people:
        profile = getattr(person, "profile", None)
        relation = (
            visibility.Relation.MEMBER
            if person.pk in mates
            else (visibility.Relation.SIGNED_IN if profile and profile.discoverable else None)
        )
        if relation is None:
            continue
        view = visibility.profile_view(profile, relation)
        if not _matches(person, view, filters):
            continue
        out.append({"user": person, "relation": relation, **view})
    return out


def _matches(person: User, view: dict[str, Any], filters: dict[str, str]) -> bool:
    def contains(values: list[str], needle: str) -> bool:
        return any(needle.lower() in v.lower() for v in values)

    subject = filters.get("subject") or ""
    if subject and not (
        contains(view["subjects"], subject)
        or canonical_terms([subject], "subject") & canonical_terms(view["subjects"], "subject")
    ):
        return False
    interest = filters.get("interest") or ""
    if interest and not contains(view["interests"], interest):
        return False
    if filters.get("age_group") and filters["age_group"] not in view["age_groups"]:
        return False
    if filters.get("language") and filters["language"].lower() not in language_codes(
        view["languages"]
    ):
        return False
    if filters.get("country") and filters["country"].upper() != view["country"]:
        return False
    q = (filters.get("q") or "").lower()
    if q:
        haystack = [
            person.display_name,
            person.handle or "",
            view["school"],
            view["bio"],
            *view["subjects"],
            *view["interests"],
        ]
        if not any(q in h.lower() for h in haystack):
            return False
    return True


def person_by_handle(handle: str) -> User | None:
    return User.objects.filter(handle=handle).select_related("profile").first()


def communities_in_common(viewer_id: int, other_id: int) -> list[Community]:
    mine = Membership.objects.filter(user_id=viewer_id, state=MembershipState.ACTIVE).values(
        "community_id"
    )
    return list(
        Community.objects.filter(
            pk__in=mine,
            memberships__user_id=other_id,
            memberships__state=MembershipState.ACTIVE,
        ).order_by("name")
    )


def materials_shared_by(author_id: int, viewer_id: int, limit: int = 20) -> list[Resource]:
    """What ``author`` shared, only in communities the viewer can read, not withdrawn."""
    return list(
        Resource.objects.filter(
            author_id=author_id,
            community_id__in=readable_community_ids(viewer_id),
            withdrawn_at__isnull=True,
        )
        .select_related("community")
        .order_by("-created_at")[:limit]
    )
