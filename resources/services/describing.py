"""What describes a material, checked: title, texts, type, subjects and tags, ages, ISCED
level, language, area and licence (for sharing, adapting and editing alike); correcting a
material's description after sharing; and the rule that a withdrawn material is not changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from community.models import Room, User
from community.services import clean_language_tags
from core.errors import Conflict, Forbidden, Invalid

from ..licences import LICENCES
from ..models import IscedLevel, Resource, ResourceType
from ..permissions import can_manage_resource
from ..registry import material_areas

MAX_LIST = 20


def _clean_list(field: str, values: Iterable[str]) -> list[str]:
    cleaned: list[str] = []
    for value in values or []:
        if not isinstance(value, str):
            raise Invalid(_("%(field)s: every item must be text.") % {"field": field})
        value = " ".join(value.split()).lower() if field == "tags" else " ".join(value.split())
        if value and value not in cleaned:
            if len(value) > 60:
                raise Invalid(
                    _("%(field)s: '%(value)s...' is longer than 60 characters.")
                    % {"field": field, "value": value[:20]}
                )
            cleaned.append(value)
    if len(cleaned) > MAX_LIST:
        raise Invalid(
            _("%(field)s: at most %(max_list)s.") % {"field": field, "max_list": MAX_LIST}
        )
    return cleaned


def _clean_metadata(data: dict[str, Any], current: Resource | None = None) -> dict[str, Any]:
    """Validate the describing fields (all of them, or the ones given for an adaptation or an
    edit; for an edit, the age range is checked against ``current``'s other end)."""
    cleaned: dict[str, Any] = {}
    if "title" in data:
        title = " ".join(str(data["title"] or "").split())
        if not 1 <= len(title) <= 200:
            raise Invalid(_("title: 1 to 200 characters."))
        cleaned["title"] = title
    if "description" in data:
        cleaned["description"] = str(data["description"] or "").strip()[:5000]
    if "resource_type" in data:
        if data["resource_type"] not in ResourceType.values:
            raise Invalid(
                _("resource_type: choose from %(value)s.")
                % {"value": ", ".join(ResourceType.values)}
            )
        cleaned["resource_type"] = data["resource_type"]
    for field in ("subjects", "tags"):
        if field in data:
            cleaned[field] = _clean_list(field, data[field])
    for field in ("age_min", "age_max"):
        if field in data and data[field] is not None:
            if not isinstance(data[field], int) or not 0 <= data[field] <= 99:
                raise Invalid(_("%(field)s: an age in years, 0 to 99.") % {"field": field})
            cleaned[field] = data[field]
        elif field in data:
            cleaned[field] = None
    low = cleaned.get("age_min", current.age_min if current else None)
    high = cleaned.get("age_max", current.age_max if current else None)
    if low is not None and high is not None and low > high:
        raise Invalid(_("age_min must not be above age_max."))
    if "isced_level" in data:
        if data["isced_level"] is not None and data["isced_level"] not in IscedLevel.values:
            raise Invalid(_("isced_level: 0 to 5 (ISCED 2011)."))
        cleaned["isced_level"] = data["isced_level"]
    if "language" in data:
        cleaned["language"] = clean_language_tags([data["language"]])[0]
    if "area" in data:
        area = str(data["area"] or "").strip()
        if area and area not in material_areas:
            raise Invalid(
                _("area: one of %(value)s, or empty.")
                % {"value": ", ".join(material_areas) or "(none)"}
            )
        cleaned["area"] = area
    if "licence" in data:
        if data["licence"] not in LICENCES:
            raise Invalid(
                _("licence: an SPDX id, one of %(value)s.") % {"value": ", ".join(LICENCES)}
            )
        cleaned["licence"] = data["licence"]
    return cleaned


def _require_current(resource: Resource) -> None:
    if resource.withdrawn_at is not None:
        raise Conflict(
            _("“%(title)s” was withdrawn; a facilitator can restore it.")
            % {"title": resource.title}
        )


# Describing fields an author or facilitator may correct after sharing. The licence is not
# among them: people may already have downloaded or adapted the material under it.
EDITABLE = (
    "title", "description", "resource_type", "subjects", "tags", "age_min", "age_max",
    "isced_level", "language", "area",
)  # fmt: skip


def resource_update(*, actor: User, resource: Resource, **changes: Any) -> Resource:
    """Correct a material's description (title, subjects, ages, language, ...)."""
    if not can_manage_resource(actor, resource):
        raise Forbidden(_("Only the author or the community's facilitators edit a material."))
    if "licence" in changes and changes["licence"] != resource.licence:
        raise Invalid(
            _(
                "A licence cannot be changed once shared (others may rely on it): "
                "share the material again under the new licence."
            )
        )
    unknown = set(changes) - set(EDITABLE) - {"licence"}
    if unknown:
        raise Invalid(_("Not editable: %(value)s.") % {"value": ", ".join(sorted(unknown))})
    fields = _clean_metadata({k: v for k, v in changes.items() if k in EDITABLE}, resource)
    with transaction.atomic():
        locked = Resource.objects.select_for_update().get(pk=resource.pk)
        _require_current(locked)
        for field, value in fields.items():
            setattr(locked, field, value)
        locked.save(update_fields=[*fields, "updated_at"])
        if "title" in fields:
            Room.objects.filter(pk=locked.thread_id).update(topic=fields["title"][:300])
    return locked
