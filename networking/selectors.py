"""Suggestions (people, communities, materials) with their reasons, people search and the
profile page: read-only, for the pages, the API and the weekly job alike.

Privacy rules, enforced here for every caller:

* only discoverable, active teachers who are not banned anywhere, not dismissed (either way)
  and not excluded by an app (``registry.excluded_people``, e.g. a block) are suggested;
* a candidate's fields count (in the score and in reasons) only as far as the viewer could
  read them on the profile page (``community.visibility``);
* activity counts only where it happened in a community the viewer can read, and a material
  is named in a reason only when the viewer can open it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from community import visibility
from community.models import (
    AgeGroup,
    Community,
    JoinPolicy,
    Membership,
    MembershipState,
    Profile,
    Room,
    User,
)
from resources.models import Resource

from . import embed, index_cache, registry
from .features import SET_FIELDS, language_codes, profile_features
from .models import Dismissal, ItemKind, ItemVector, PersonVector, SuggestionKind
from .scoring import Viewer, score_people
from .vectors import profile_dict
from .vocab import SUBJECTS, canonical_terms, label

# --- the viewer --------------------------------------------------------------------------------


def readable_community_ids(user_id: int) -> set[int]:
    return set(
        Membership.objects.filter(user_id=user_id, state=MembershipState.ACTIVE).values_list(
            "community_id", flat=True
        )
    )


def comember_ids(user_id: int) -> set[int]:
    """Everyone sharing an active community with the user."""
    mine = Membership.objects.filter(user_id=user_id, state=MembershipState.ACTIVE).values(
        "community_id"
    )
    return set(
        Membership.objects.filter(community_id__in=mine, state=MembershipState.ACTIVE)
        .values_list("user_id", flat=True)
        .distinct()
    )


def dismissed_ids(user_id: int, kind: str) -> set[int]:
    return set(
        Dismissal.objects.filter(user_id=user_id, kind=kind).values_list("object_id", flat=True)
    )


def viewer_for(user: Any) -> Viewer:
    """Everything scoring needs about the viewer: their own vector as the worker stored it
    (none yet: metadata only), their communities, and whom never to suggest."""
    stored = PersonVector.objects.filter(user_id=user.pk).only("embedding", "activity").first()
    profile = Profile.objects.filter(user_id=user.pk).first()
    features = profile_features(profile_dict(profile))  # metadata is cheap: always current
    embedding = embed.from_bytes(stored.embedding, 2) if stored and stored.embedding else None
    # Dismissed by the viewer, or the viewer dismissed by them: one query.
    excluded: set[int] = set()
    for owner, object_id in Dismissal.objects.filter(
        Q(user_id=user.pk) | Q(object_id=user.pk), kind=SuggestionKind.PERSON
    ).values_list("user_id", "object_id"):
        excluded.add(object_id if owner == user.pk else owner)
    for exclude in registry.excluded_people.values():
        excluded |= set(exclude(user))
    # The viewer's communities and everyone in them: one query.
    readable: set[int] = set()
    mates: set[int] = set()
    mine = Membership.objects.filter(user_id=user.pk, state=MembershipState.ACTIVE).values(
        "community_id"
    )
    for community_id, member_id in Membership.objects.filter(
        community_id__in=mine, state=MembershipState.ACTIVE
    ).values_list("community_id", "user_id"):
        mates.add(member_id)
        if member_id == user.pk:
            readable.add(community_id)
    return Viewer(
        user_id=user.pk,
        features=features,
        embedding=embedding,
        activity=(stored.activity if stored else {}) or {},
        readable_communities=readable,
        comember_ids=mates,
        excluded_ids=excluded,
    )


# --- people -----------------------------------------------------------------------------------


@dataclass
class PersonSuggestion:
    user: User
    score: float
    reasons: list[str]
    country: str  # "" when hidden from the viewer
    components: dict[str, float] = field(default_factory=dict)


def _age_label(code: str) -> str:
    return str(dict(AgeGroup.choices).get(code, code))


LANGUAGE_NAMES = {
    "en": _lazy("English"), "nl": _lazy("Dutch"), "pl": _lazy("Polish"), "sv": _lazy("Swedish"),
    "fi": _lazy("Finnish"), "et": _lazy("Estonian"), "de": _lazy("German"),
    "fr": _lazy("French"), "es": _lazy("Spanish"), "it": _lazy("Italian"),
    "pt": _lazy("Portuguese"), "da": _lazy("Danish"), "no": _lazy("Norwegian"),
    "nb": _lazy("Norwegian"), "lt": _lazy("Lithuanian"), "lv": _lazy("Latvian"),
    "cs": _lazy("Czech"), "sk": _lazy("Slovak"), "hu": _lazy("Hungarian"),
    "ro": _lazy("Romanian"), "bg": _lazy("Bulgarian"), "el": _lazy("Greek"),
    "hr": _lazy("Croatian"), "sl": _lazy("Slovenian"), "ru": _lazy("Russian"),
    "uk": _lazy("Ukrainian"), "tr": _lazy("Turkish"), "ga": _lazy("Irish"),
    "mt": _lazy("Maltese"), "ca": _lazy("Catalan"), "eu": _lazy("Basque"),
}  # fmt: skip


def _language_name(code: str) -> str:
    return str(LANGUAGE_NAMES.get(code, code))


def _join(items: list[str]) -> str:
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return _("%(first)s and %(last)s") % {"first": ", ".join(items[:-1]), "last": items[-1]}


def _country_name(code: str) -> str:
    from django_countries import countries

    return str(countries.name(code) or code)


def profile_reasons(
    own: dict[str, Any], theirs: dict[str, Any], components: dict[str, float]
) -> list[str]:
    """Reasons from the two profiles: only terms both have, from fields the viewer sees
    (``theirs`` is the candidate's tier for this viewer)."""
    reasons = []
    subjects = sorted(set(own["subjects"]) & set(theirs["subjects"]))
    ages = [a for a in AgeGroup.values if a in own["age_groups"] and a in theirs["age_groups"]]
    if subjects and ages:
        reasons.append(
            _("Both teach %(subjects)s to %(ages)s")
            % {
                "subjects": _join([label(s, "subject") for s in subjects]),
                "ages": _join([_age_label(a).lower() for a in ages]),
            }
        )
    elif subjects:
        reasons.append(
            _("Both teach %(subjects)s")
            % {"subjects": _join([label(s, "subject") for s in subjects])}
        )
    elif ages:
        reasons.append(
            _("Both teach %(ages)s") % {"ages": _join([_age_label(a).lower() for a in ages])}
        )
    themes = sorted(set(own["interests"]) & set(theirs["interests"]))
    if themes:
        reasons.append(
            _("Both interested in %(themes)s")
            % {"themes": _join([label(t, "theme") for t in themes])}
        )
    if components.get("embedding", 0) >= 0.5:
        reasons.append(_("Your profiles describe similar teaching"))
    languages = _join(
        [_language_name(code) for code in own["languages"] if code in theirs["languages"]]
    )
    if components.get("cross_border") and theirs["country"] and languages:
        reasons.append(
            _("A colleague across the border, in %(country)s; %(languages)s in common")
            % {"country": _country_name(theirs["country"]), "languages": languages}
        )
    elif languages:
        reasons.append(_("%(languages)s in common") % {"languages": languages})
    return reasons


_KIND_PHRASES = {
    "adapted": "Both adapted “%(title)s”",
    "used_in_class": "Both used “%(title)s” in class",
    "useful": "Both found “%(title)s” useful",
    "commented": "Both discussed “%(title)s”",
    "shared": "Both shared “%(title)s”",
}
_KIND_ORDER = ["adapted", "used_in_class", "useful", "commented", "shared"]


def activity_reasons(viewer: Viewer, candidate: dict[str, Any], candidate_id: int) -> list[str]:
    """Reasons from what both did, only in communities the viewer can read, naming only
    materials the viewer can open (not withdrawn)."""
    readable = viewer.readable_communities
    mine = viewer.activity.get("resources") or {}
    theirs = candidate.get("resources") or {}
    common = [int(rid) for rid, info in mine.items() if rid in theirs and info[0] in readable]
    reasons = []
    if common:
        titles = dict(
            Resource.objects.filter(
                pk__in=common, community_id__in=readable, withdrawn_at__isnull=True
            ).values_list("pk", "title")
        )
        for rid in common:
            if rid not in titles:
                continue
            my_kinds, their_kinds = set(mine[str(rid)][1]), set(theirs[str(rid)][1])
            both = [k for k in _KIND_ORDER if k in my_kinds and k in their_kinds]
            if both:
                reasons.append(_(_KIND_PHRASES[both[0]]) % {"title": titles[rid]})
            elif "shared" in their_kinds:
                reasons.append(
                    _("Shared “%(title)s”, which you worked with") % {"title": titles[rid]}
                )
            elif "shared" in my_kinds:
                reasons.append(_("Worked with your “%(title)s”") % {"title": titles[rid]})
            else:
                reasons.append(_("Both worked with “%(title)s”") % {"title": titles[rid]})
            if len(reasons) >= 2:
                break
    partner = (viewer.activity.get("partners") or {}).get(str(candidate_id)) or []
    visible = [c for c in partner if c in readable]
    if visible:
        names = list(Community.objects.filter(pk__in=visible).values_list("name", flat=True))
        reasons.append(_("You have exchanged replies in %(where)s") % {"where": _join(names)})
    my_rooms = viewer.activity.get("rooms") or {}
    their_rooms = candidate.get("rooms") or {}
    rooms = [int(r) for r, c in my_rooms.items() if r in their_rooms and c in readable]
    if rooms and not visible:
        room = Room.objects.select_related("community").filter(pk__in=rooms).first()
        if room is not None:
            reasons.append(
                _("Both take part in #%(room)s (%(community)s)")
                % {"room": room.name, "community": room.community.name}
            )
    return reasons


def _weights() -> dict[str, float]:
    return dict(settings.KRING_NETWORKING_WEIGHTS)


def people_suggestions(user: Any, limit: int = 5) -> list[PersonSuggestion]:
    """The teachers ``user`` may want to meet, best first, each with reasons."""
    index = index_cache.people_index()
    viewer = viewer_for(user)
    # A few more than asked: some may have opted out since the index was built.
    scored = score_people(
        index,
        viewer,
        _weights(),
        limit=limit + 5,
        embedding_range=tuple(settings.KRING_NETWORKING_EMBEDDING_RANGE),  # type: ignore[arg-type]
        no_common_language=settings.KRING_NETWORKING_NO_COMMON_LANGUAGE,
        min_score=settings.KRING_NETWORKING_MIN_SCORE,
    )
    if not len(scored.rows):
        return []
    ids = [int(index.ids[row]) for row in scored.rows]
    # The truth now, not the index's: opted out, deactivated or hidden a field since.
    users = User.objects.filter(pk__in=ids, is_active=True).select_related("profile").in_bulk()
    own = viewer.own()
    out = []
    for i, row in enumerate(scored.rows):
        candidate = users.get(ids[i])
        profile = getattr(candidate, "profile", None) if candidate else None
        if candidate is None or profile is None or not profile.discoverable:
            continue
        relation = (
            visibility.Relation.MEMBER if scored.members_tier[i] else visibility.Relation.SIGNED_IN
        )
        record = index.records[row]
        seen = visibility.visible_fields(profile, relation)
        theirs = {
            "country": record.features.get("country", "") if "country" in seen else "",
            **{f: (record.features.get(f) or []) if f in seen else [] for f in SET_FIELDS},
        }
        components = {name: float(values[i]) for name, values in scored.components.items()}
        if not ({"interests", "bio"} & seen):
            components["embedding"] = 0.0
        reasons = profile_reasons(own, theirs, components)
        reasons = activity_reasons(viewer, record.activity, ids[i]) + reasons
        if not reasons:
            continue  # never a bare score
        out.append(
            PersonSuggestion(
                user=candidate,
                score=round(float(scored.scores[i]), 4),
                reasons=reasons[:4],
                country=theirs["country"],
                components=components,
            )
        )
        if len(out) >= limit:
            break
    return out


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
                _("A cross-border community of teachers from %(n)s countries")
                % {"n": len(countries) or _("several")}
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
                _("%(n)s discoverable members teach %(subjects)s")
                % {"n": teachers, "subjects": _join([label(s, "subject") for s in own["subjects"]])}
            )
        here = suggested & set(by_community.get(community.pk, []))
        if here:
            score += weights["people"]
            reasons.append(_("%(n)s people suggested to you are members") % {"n": len(here)})
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
            reasons.append(_("Used in class by %(n)s colleagues") % {"n": resource.used_count})
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
