"""Communities to join and materials to look at, with reasons."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from community.models import (
    Community,
    JoinPolicy,
    Membership,
    MembershipState,
)
from resources.models import Resource

from .. import embed, index_cache
from ..features import language_codes
from ..models import ItemKind, ItemVector, SuggestionKind
from ..vocab import canonical_terms, label
from .people import (
    PersonSuggestion,
    _age_label,
    _join,
    _language_name,
    dismissed_ids,
    people_suggestions,
    viewer_for,
)

# --- communities ----------------------------------------------------------------------------


@dataclass
class CommunitySuggestion:
    community: Community
    score: float
    reasons: list[str]


def _item_vectors(kind: str, ids: list[int]) -> dict[int, np.ndarray]:
    return {
        pk: embed.from_bytes(blob, 1)[0]
        for pk, blob in ItemVector.objects.filter(kind=kind, object_id__in=ids).values_list(
            "object_id", "embedding"
        )
    }


def community_suggestions(
    user: Any, limit: int = 5, people: list[PersonSuggestion] | None = None
) -> list[CommunitySuggestion]:
    """Communities to join: not already joined, asked for, banned from or dismissed, and
    open to joining (not invite-only)."""
    viewer = viewer_for(user)
    own = viewer.own()
    vector = viewer.vector()
    taken = Membership.objects.filter(user_id=user.pk).values("community_id")
    candidates = list(
        Community.objects.exclude(pk__in=taken)
        .exclude(join_policy=JoinPolicy.INVITE)
        .exclude(pk__in=dismissed_ids(user.pk, SuggestionKind.COMMUNITY))
        .annotate(members=Count("memberships", filter=Q(memberships__state=MembershipState.ACTIVE)))
    )
    if not candidates:
        return []
    vectors = _item_vectors(ItemKind.COMMUNITY, [c.pk for c in candidates])
    # Discoverable members who teach what the viewer teaches (their public fields only).
    index = index_cache.people_index()
    if people is None:
        people = people_suggestions(user, limit=10) if len(index) else []
    suggested = {s.user.pk for s in people}
    by_community: dict[int, list[int]] = {}
    for community_id, member_id in Membership.objects.filter(
        community_id__in=[c.pk for c in candidates], state=MembershipState.ACTIVE
    ).values_list("community_id", "user_id"):
        by_community.setdefault(community_id, []).append(member_id)
    weights = settings.KRING_NETWORKING_COMMUNITY_WEIGHTS
    low, high = settings.KRING_NETWORKING_EMBEDDING_RANGE
    out = []
    for community in candidates:
        reasons = []
        score = 0.0
        spoken = language_codes(community.languages)
        languages = [code for code in own["languages"] if code in spoken]
        if languages:
            score += weights["languages"]
            reasons.append(
                _("Works in %(languages)s, which you speak")
                % {"languages": _join([_language_name(code) for code in languages])}
            )
        elif own["languages"] and community.languages:
            continue  # no language in common: not a community for them
        countries = [c.code for c in community.countries]
        if community.kind == "cross_border":
            score += weights["kind"]
            reasons.append(
                ngettext(
                    "A cross-border community of teachers from %(n)s country",
                    "A cross-border community of teachers from %(n)s countries",
                    len(countries),
                )
                % {"n": len(countries)}
                if countries
                else _("A cross-border community of teachers from several countries")
            )
        elif own["country"] and own["country"] in countries:
            score += weights["kind"]
            reasons.append(_("A community in your country"))
        rows = index.rows_of(by_community.get(community.pk, []))
        teachers = 0
        if len(rows) and own["subjects"]:
            public = index.tiers["public"]
            hits = np.zeros(len(index), dtype=bool)
            for term in own["subjects"]:
                posting = public.postings["subjects"].get(term)
                if posting is not None:
                    hits[posting] = True
            teachers = int(hits[rows].sum())
        if teachers:
            score += weights["subjects"] * min(teachers, 3) / 3
            reasons.append(
                ngettext(
                    "%(n)s discoverable member teaches %(subjects)s",
                    "%(n)s discoverable members teach %(subjects)s",
                    teachers,
                )
                % {"n": teachers, "subjects": _join([label(s, "subject") for s in own["subjects"]])}
            )
        here = suggested & set(by_community.get(community.pk, []))
        if here:
            score += weights["people"]
            reasons.append(
                ngettext(
                    "%(n)s person suggested to you is a member",
                    "%(n)s people suggested to you are members",
                    len(here),
                )
                % {"n": len(here)}
            )
        if vector is not None and community.pk in vectors:
            similarity = float(vectors[community.pk] @ vector)
            closeness = min(max((similarity - low) / (high - low), 0.0), 1.0)
            score += weights["embedding"] * closeness
            if closeness >= 0.5:
                reasons.append(_("Its description is close to your profile"))
        if reasons and score >= settings.KRING_NETWORKING_MIN_SCORE:
            out.append(
                CommunitySuggestion(community=community, score=round(score, 4), reasons=reasons[:4])
            )
    out.sort(key=lambda s: -s.score)
    return out[:limit]


# --- materials ------------------------------------------------------------------------------


@dataclass
class ResourceSuggestion:
    resource: Resource
    score: float
    reasons: list[str]


AGE_RANGES = {
    "early_years": (0, 6),
    "primary": (6, 12),
    "lower_secondary": (12, 15),
    "upper_secondary": (15, 18),
    "vocational": (15, 20),
    "adult": (18, 99),
}
MATERIAL_CANDIDATES = 2000


def resource_suggestions(
    user: Any, limit: int = 5, people: list[PersonSuggestion] | None = None
) -> list[ResourceSuggestion]:
    """Materials in the viewer's communities they have not authored, reacted to, adapted
    or dismissed, that match what they teach, in a language they speak."""
    viewer = viewer_for(user)
    own = viewer.own()
    vector = viewer.vector()
    done = {int(r) for r in (viewer.activity.get("resources") or {})}
    done |= dismissed_ids(user.pk, SuggestionKind.RESOURCE)
    candidates = list(
        Resource.objects.filter(
            community_id__in=viewer.readable_communities, withdrawn_at__isnull=True
        )
        .exclude(author_id=user.pk)
        .exclude(pk__in=done)
        .select_related("community", "author")
        .order_by("-created_at")[:MATERIAL_CANDIDATES]
    )
    if not candidates:
        return []
    vectors = _item_vectors(ItemKind.RESOURCE, [r.pk for r in candidates])
    weights = settings.KRING_NETWORKING_MATERIAL_WEIGHTS
    low, high = settings.KRING_NETWORKING_EMBEDDING_RANGE
    # Materials the people suggested to the viewer worked with.
    index = index_cache.people_index()
    colleagues: dict[int, int] = {}
    if people is None:
        people = people_suggestions(user, limit=10) if len(index) else []
    for suggestion in people:
        row = index.rows_of([suggestion.user.pk])
        if len(row):
            for rid, info in (index.records[int(row[0])].activity.get("resources") or {}).items():
                if info[0] in viewer.readable_communities:
                    colleagues[int(rid)] = colleagues.get(int(rid), 0) + 1
    out = []
    for resource in candidates:
        score, reasons = 0.0, []
        subjects = sorted(canonical_terms(resource.subjects, "subject") & set(own["subjects"]))
        if subjects:
            score += weights["subjects"]
            reasons.append(
                _("About %(subjects)s, which you teach")
                % {"subjects": _join([label(s, "subject") for s in subjects])}
            )
        if resource.age_min is not None or resource.age_max is not None:
            low_age, high_age = resource.age_min or 0, resource.age_max or 99
            ages = [
                a
                for a in own["age_groups"]
                if AGE_RANGES[a][0] < high_age and low_age < AGE_RANGES[a][1]
            ]
            if ages:
                score += weights["age_groups"]
                reasons.append(
                    _("For %(ages)s") % {"ages": _join([_age_label(a).lower() for a in ages])}
                )
        language = resource.language.split("-")[0].lower()
        if own["languages"] and language not in own["languages"]:
            score *= 0.5
        elif own["languages"]:
            score += weights["languages"]
            reasons.append(_("In %(language)s") % {"language": _language_name(language)})
        if vector is not None and resource.pk in vectors:
            closeness = min(
                max((float(vectors[resource.pk] @ vector) - low) / (high - low), 0.0), 1.0
            )
            score += weights["embedding"] * closeness
            if closeness >= 0.5:
                reasons.append(_("Close to what your profile says you teach"))
        if colleagues.get(resource.pk):
            score += weights["people"]
            reasons.append(_("People suggested to you worked with it"))
        if resource.used_count:
            score += weights["used"] * min(resource.used_count, 5) / 5
            reasons.append(
                ngettext(
                    "Used in class by %(n)s colleague",
                    "Used in class by %(n)s colleagues",
                    resource.used_count,
                )
                % {"n": resource.used_count}
            )
        if (
            reasons
            and score >= settings.KRING_NETWORKING_MIN_SCORE
            and (subjects or vector is not None)
        ):
            out.append(
                ResourceSuggestion(resource=resource, score=round(score, 4), reasons=reasons[:4])
            )
    out.sort(key=lambda s: -s.score)
    return out[:limit]
