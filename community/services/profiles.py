"""Teacher profiles."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Iterable
from typing import Any

import langcodes
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django_countries import countries

from core.errors import Conflict, Invalid

from ..models import HANDLE_PATTERN, RESERVED_HANDLES, AgeGroup, Profile, User, unique_handle
from ..registry import profile_changed
from ..visibility import clean_visibility

MAX_LIST_ITEMS = 20
MAX_ITEM_LENGTH = 80


def clean_language_tags(tags: Iterable[str]) -> list[str]:
    """Validate BCP-47 tags and return them in canonical form ("EN-gb" -> "en-GB")."""
    cleaned: list[str] = []
    for tag in tags:
        if not isinstance(tag, str) or not langcodes.tag_is_valid(tag.strip()):
            raise Invalid(
                _("'%(tag)s' is not a BCP-47 language tag (e.g. 'nl', 'pl', 'en-GB').")
                % {"tag": tag}
            )
        canonical = langcodes.standardize_tag(tag.strip())
        if canonical not in cleaned:
            cleaned.append(canonical)
    return cleaned


def _clean_words(field: str, values: Iterable[str]) -> list[str]:
    cleaned: list[str] = []
    for value in values:
        if not isinstance(value, str):
            raise Invalid(_("%(field)s: every item must be text.") % {"field": field})
        value = " ".join(value.split())
        if not value:
            continue
        if len(value) > MAX_ITEM_LENGTH:
            raise Invalid(
                _("%(field)s: '%(value)s...' is longer than %(max_item_length)s characters.")
                % {"field": field, "value": value[:20], "max_item_length": MAX_ITEM_LENGTH}
            )
        if value not in cleaned:
            cleaned.append(value)
    if len(cleaned) > MAX_LIST_ITEMS:
        raise Invalid(
            _("%(field)s: at most %(max_list_items)s items.")
            % {"field": field, "max_list_items": MAX_LIST_ITEMS}
        )
    return cleaned


def _chosen_handle(user: User, value: Any) -> str:
    handle = str(value or "").strip().lstrip("@").lower()
    if not re.fullmatch(HANDLE_PATTERN, handle):
        raise Invalid(
            _(
                "handle: 3 to 40 letters, digits, dots, dashes or underscores, starting and ending "
                "with a letter or digit."
            )
        )
    if handle in RESERVED_HANDLES:
        raise Invalid(
            _("handle: @%(handle)s means something else in messages; choose another.")
            % {"handle": handle}
        )
    if User.objects.filter(handle=handle).exclude(pk=user.pk).exists():
        raise Conflict(_("handle: @%(handle)s is taken; choose another.") % {"handle": handle})
    return handle


def profile_update(*, user: User, **changes: Any) -> Profile:
    """Change the given profile fields (and the display name, handle, language and time zone,
    which are the user's; the handle follows the display name until the teacher sets one).
    Unknown fields are an error; validation happens before anything is written."""
    allowed = {
        "display_name",
        "handle",
        "language",
        "timezone",
        "country",
        "school",
        "subjects",
        "age_groups",
        "languages",
        "interests",
        "bio",
        "discoverable",
        "visibility",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise Invalid(
            _("Unknown profile fields: %(value)s.") % {"value": ", ".join(sorted(unknown))}
        )

    cleaned: dict[str, Any] = {}
    if "display_name" in changes:
        name = " ".join(str(changes["display_name"] or "").split())
        if not name or len(name) > 80:
            raise Invalid(_("display_name: 1 to 80 characters."))
        cleaned["display_name"] = name
        if not user.handle_chosen and "handle" not in changes:
            # The handle follows the name until the teacher picks one.
            cleaned["handle"] = unique_handle(name, exclude=user.pk)
    if "handle" in changes:
        cleaned["handle"] = _chosen_handle(user, changes["handle"])
        cleaned["handle_chosen"] = True
    if "country" in changes:
        code = (changes["country"] or "").upper()
        if code and code not in countries:
            raise Invalid(
                _("country: '%(code)s' is not an ISO 3166-1 alpha-2 code.") % {"code": code}
            )
        cleaned["country"] = code
    if "school" in changes:
        cleaned["school"] = " ".join(str(changes["school"] or "").split())[:200]
    if "bio" in changes:
        bio = str(changes["bio"] or "").strip()
        if len(bio) > 1000:
            raise Invalid(_("bio: at most 1000 characters."))
        cleaned["bio"] = bio
    for field in ("subjects", "interests"):
        if field in changes:
            cleaned[field] = _clean_words(field, changes[field] or [])
    if "age_groups" in changes:
        groups = list(changes["age_groups"] or [])
        bad = [g for g in groups if g not in AgeGroup.values]
        if bad:
            raise Invalid(
                _("age_groups: unknown %(bad)s; choose from %(value)s.")
                % {"bad": bad, "value": ", ".join(AgeGroup.values)}
            )
        cleaned["age_groups"] = list(dict.fromkeys(groups))
    if "languages" in changes:
        cleaned["languages"] = clean_language_tags(changes["languages"] or [])
    if "discoverable" in changes:
        if not isinstance(changes["discoverable"], bool):
            raise Invalid(_("discoverable: true or false."))
        cleaned["discoverable"] = changes["discoverable"]
    if "visibility" in changes:
        cleaned["visibility"] = clean_visibility(changes["visibility"] or {})

    if "language" in changes:
        language = str(changes["language"] or "")
        if language and language not in dict(settings.LANGUAGES):
            codes = ", ".join(code for code, _name in settings.LANGUAGES)
            raise Invalid(
                _("language: '%(language)s' is not one of Kring's languages (%(codes)s).")
                % {"language": language, "codes": codes}
            )
        cleaned["language"] = language
    if "timezone" in changes:
        zone = str(changes["timezone"] or "")
        if zone and zone not in zoneinfo.available_timezones():
            raise Invalid(
                _("timezone: '%(zone)s' is not an IANA time zone (e.g. Europe/Warsaw).")
                % {"zone": zone}
            )
        cleaned["timezone"] = zone

    with transaction.atomic():
        changed: set[str] = set()
        on_user = [
            f
            for f in ("display_name", "handle", "handle_chosen", "language", "timezone")
            if f in cleaned
        ]
        for field in on_user:
            value = cleaned.pop(field)
            if value != getattr(user, field):
                changed.add(field)
            setattr(user, field, value)
        if on_user:
            user.save(update_fields=on_user)
        profile, _created = Profile.objects.get_or_create(user=user)
        if "visibility" in cleaned:
            # A partial mapping changes only the fields it names.
            cleaned["visibility"] = {**(profile.visibility or {}), **cleaned["visibility"]}
        for field, value in cleaned.items():
            if getattr(profile, field) != value:
                changed.add(field)
            setattr(profile, field, value)
        if cleaned:
            profile.save(update_fields=[*cleaned, "updated_at"])
        if changed:
            for hook in profile_changed.values():
                hook(user, changed)
    return profile
