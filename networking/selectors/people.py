"""The viewer as scoring sees them, and the people they may want to meet, with reasons."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from community import visibility
from community.models import (
    AgeGroup,
    Community,
    Membership,
    MembershipState,
    Profile,
    Room,
    User,
)
from resources.models import Resource

from .. import embed, index_cache, registry
from ..features import SET_FIELDS, profile_features
from ..models import Dismissal, PersonVector, SuggestionKind
from ..scoring import Viewer, score_people
from ..vectors import profile_dict
from ..vocab import label

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
    "en": gettext_lazy("English"),
    "nl": gettext_lazy("Dutch"),
    "pl": gettext_lazy("Polish"),
    "sv": gettext_lazy("Swedish"),
    "fi": gettext_lazy("Finnish"),
    "et": gettext_lazy("Estonian"),
    "de": gettext_lazy("German"),
    "fr": gettext_lazy("French"),
    "es": gettext_lazy("Spanish"),
    "it": gettext_lazy("Italian"),
    "pt": gettext_lazy("Portuguese"),
    "da": gettext_lazy("Danish"),
    "no": gettext_lazy("Norwegian"),
    "nb": gettext_lazy("Norwegian"),
    "lt": gettext_lazy("Lithuanian"),
    "lv": gettext_lazy("Latvian"),
    "cs": gettext_lazy("Czech"),
    "sk": gettext_lazy("Slovak"),
    "hu": gettext_lazy("Hungarian"),
    "ro": gettext_lazy("Romanian"),
    "bg": gettext_lazy("Bulgarian"),
    "el": gettext_lazy("Greek"),
    "hr": gettext_lazy("Croatian"),
    "sl": gettext_lazy("Slovenian"),
    "ru": gettext_lazy("Russian"),
    "uk": gettext_lazy("Ukrainian"),
    "tr": gettext_lazy("Turkish"),
    "ga": gettext_lazy("Irish"),
    "mt": gettext_lazy("Maltese"),
    "ca": gettext_lazy("Catalan"),
    "eu": gettext_lazy("Basque"),
}


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
    "adapted": gettext_lazy("Both adapted “%(title)s”"),
    "used_in_class": gettext_lazy("Both used “%(title)s” in class"),
    "useful": gettext_lazy("Both found “%(title)s” useful"),
    "commented": gettext_lazy("Both discussed “%(title)s”"),
    "shared": gettext_lazy("Both shared “%(title)s”"),
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
                reasons.append(str(_KIND_PHRASES[both[0]]) % {"title": titles[rid]})
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
