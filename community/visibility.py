"""Who sees which part of a teacher's profile: the one place the rule lives.

Each profile field has a visibility chosen by its teacher:

* ``everyone`` — every signed-in teacher, *if* the profile is discoverable; otherwise the same
  as ``members`` (a profile that is not discoverable is never shown outside one's communities);
* ``members`` — people who share an active community with the teacher;
* ``nobody`` — only the teacher. Kring does not use such a field for anything another person
  sees (no suggestion, no reason, no search).

The profile page, the API, people search and the networking app's suggestions and reasons all
ask this module; none decides on its own.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from .models import Membership, MembershipState, Profile


class Visibility(models.TextChoices):
    EVERYONE = "everyone", _("All Kring teachers (when you are discoverable)")
    MEMBERS = "members", _("People in my communities")
    NOBODY = "nobody", _("Only me")


# The fields a teacher can hide, and who sees each one unless they choose otherwise.
FIELDS: tuple[str, ...] = (
    "country",
    "school",
    "subjects",
    "age_groups",
    "languages",
    "interests",
    "bio",
)
DEFAULTS: dict[str, str] = {
    "country": Visibility.EVERYONE,
    "school": Visibility.MEMBERS,
    "subjects": Visibility.EVERYONE,
    "age_groups": Visibility.EVERYONE,
    "languages": Visibility.EVERYONE,
    "interests": Visibility.EVERYONE,
    "bio": Visibility.EVERYONE,
}


class Relation(models.TextChoices):
    """How a viewer stands to a profile's teacher."""

    SELF = "self", _("the teacher themself")
    MEMBER = "member", _("shares an active community")
    SIGNED_IN = "signed_in", _("any other signed-in teacher")


def clean_visibility(value: Any) -> dict[str, str]:
    """Validate a ``{field: level}`` mapping (unknown fields or levels are an error)."""
    from core.errors import Invalid

    if not isinstance(value, dict):
        raise Invalid(_("visibility: an object of field -> level."))
    cleaned: dict[str, str] = {}
    for field, level in value.items():
        if field not in FIELDS:
            raise Invalid(
                _("visibility: '%(field)s' is not a profile field (%(value)s).")
                % {"field": field, "value": ", ".join(FIELDS)}
            )
        if level not in Visibility.values:
            raise Invalid(
                _("visibility.%(field)s: '%(level)s' is not one of %(value)s.")
                % {"field": field, "level": level, "value": ", ".join(Visibility.values)}
            )
        cleaned[field] = level
    return cleaned


def levels(profile: Profile | None) -> dict[str, str]:
    """Every field's level for this profile (defaults filled in)."""
    chosen = (profile.visibility if profile else None) or {}
    return {field: chosen.get(field, DEFAULTS[field]) for field in FIELDS}


def visible_fields(profile: Profile | None, relation: str | None) -> set[str]:
    """The fields a viewer with this ``relation`` sees (``None``: sees no profile at all)."""
    if relation is None:
        return set()
    if relation == Relation.SELF:
        return set(FIELDS)
    discoverable = bool(profile and profile.discoverable)
    seen = set()
    for field, level in levels(profile).items():
        colleague = relation == Relation.MEMBER
        if (level == Visibility.EVERYONE and (colleague or discoverable)) or (
            level == Visibility.MEMBERS and colleague
        ):
            seen.add(field)
    return seen


def matching_fields(profile: Profile | None, relation: str) -> set[str]:
    """The fields that may feed suggestions (and their reasons) shown to a viewer with this
    relation: exactly what that viewer could read on the profile page. For the teacher's own
    suggestions, every field not set to ``nobody``."""
    if relation == Relation.SELF:
        return {f for f, level in levels(profile).items() if level != Visibility.NOBODY}
    return visible_fields(profile, relation)


def shares_community(user_id: int, other_id: int) -> bool:
    """Are both active members of at least one community?"""
    return Membership.objects.filter(
        user_id=user_id,
        state=MembershipState.ACTIVE,
        community__memberships__user_id=other_id,
        community__memberships__state=MembershipState.ACTIVE,
    ).exists()


def relation_of(viewer: Any, owner: Any, profile: Profile | None) -> str | None:
    """How ``viewer`` stands to ``owner`` for seeing their profile: ``None`` when the
    profile is not theirs to see (signed out, no shared community and not discoverable, or
    an inactive account)."""
    if viewer is None or not viewer.is_authenticated or not viewer.is_active:
        return None
    if viewer.pk == owner.pk:
        return Relation.SELF
    if not owner.is_active:
        return None
    if shares_community(viewer.pk, owner.pk):
        return Relation.MEMBER
    if profile is not None and profile.discoverable:
        return Relation.SIGNED_IN
    return None


def profile_view(profile: Profile | None, relation: str | None) -> dict[str, Any]:
    """The profile's fields as this viewer may see them: hidden fields are empty."""
    seen = visible_fields(profile, relation)
    empty: dict[str, Any] = {
        "country": "",
        "school": "",
        "subjects": [],
        "age_groups": [],
        "languages": [],
        "interests": [],
        "bio": "",
    }
    if profile is None:
        return empty
    values = {
        "country": profile.country.code or "",
        "school": profile.school,
        "subjects": list(profile.subjects),
        "age_groups": list(profile.age_groups),
        "languages": list(profile.languages),
        "interests": list(profile.interests),
        "bio": profile.bio,
    }
    return {field: values[field] if field in seen else empty[field] for field in FIELDS}
