"""Shaping a community: the checks every community's fields pass (creating, proposing,
editing), its settings and logo, and archiving it (coordinators).

Every function validates everything before it writes, so bad input writes nothing; each
action is audited in its own transaction and announced after commit."""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_countries import countries as all_countries
from PIL import Image

from core.audit import AuditAction, audit_record
from core.errors import Conflict, Forbidden, Invalid
from core.notify import Category, Verb, notify_community
from core.uploads import check_upload

from ..models import Community, CommunityKind, JoinPolicy, User
from ..permissions import can_coordinate
from .profiles import clean_language_tags
from .rooms import require_manager, rooms_changed_on_commit

NAME_MAX = 120
REGION_MAX = 120
DESCRIPTION_MAX = 5000
SLUG_MAX = 80
MAX_COUNTRIES = 30
MAX_LANGUAGES = 20
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Logos are pictures a browser shows: raster formats only (no SVG, which can carry script).
LOGO_TYPES: dict[str, list[str]] = {
    "png": ["image/png"],
    "jpg": ["image/jpeg"],
    "jpeg": ["image/jpeg"],
    "webp": ["image/webp"],
}
EDITABLE = ("name", "description", "countries", "region", "languages", "join_policy")


def clean_name(name: Any) -> str:
    name = " ".join(str(name or "").split())
    if not name:
        raise Invalid(_("A community needs a name."), field="name")
    if len(name) > NAME_MAX:
        raise Invalid(
            _("A name is at most %(name_max)s characters.") % {"name_max": NAME_MAX}, field="name"
        )
    return name


def clean_slug(slug: Any, name: str) -> str:
    """The community's address (``/c/<slug>/``): given, or made from the name."""
    value = str(slug or "").strip().lower() or slugify(name)[:SLUG_MAX].strip("-")
    if not value:
        raise Invalid(
            _("Give the community an address (letters a-z, digits and dashes)."), field="slug"
        )
    if len(value) > SLUG_MAX or not SLUG_PATTERN.match(value):
        raise Invalid(
            _(
                "'%(value)s' is not an address: use a-z, 0-9 and single "
                "dashes, at most %(slug_max)s characters."
            )
            % {"value": value, "slug_max": SLUG_MAX},
            field="slug",
        )
    return value


def clean_countries(codes: Iterable[Any]) -> list[str]:
    cleaned: list[str] = []
    for code in codes:
        value = str(code or "").strip().upper()
        if not value:
            continue
        if value not in all_countries:
            raise Invalid(
                _("'%(value)s' is not an ISO 3166-1 country code (e.g. NL, BE, SE, PL, FI, EE).")
                % {"value": value},
                field="countries",
            )
        if value not in cleaned:
            cleaned.append(value)
    if len(cleaned) > MAX_COUNTRIES:
        raise Invalid(
            _("At most %(max_countries)s countries.") % {"max_countries": MAX_COUNTRIES},
            field="countries",
        )
    return cleaned


def clean_languages(tags: Iterable[Any]) -> list[str]:
    try:
        cleaned = clean_language_tags([t for t in tags if str(t or "").strip()])
    except Invalid as exc:
        raise Invalid(exc.detail, field="languages") from None
    if len(cleaned) > MAX_LANGUAGES:
        raise Invalid(
            _("At most %(max_languages)s languages.") % {"max_languages": MAX_LANGUAGES},
            field="languages",
        )
    return cleaned


def clean_kind(kind: Any) -> str:
    if kind not in CommunityKind.values:
        raise Invalid(
            _("Unknown kind '%(kind)s'; choose %(value)s.")
            % {"kind": kind, "value": ", ".join(CommunityKind.values)},
            field="kind",
        )
    return str(kind)


def clean_join_policy(policy: Any) -> str:
    if policy not in JoinPolicy.values:
        raise Invalid(
            _("Unknown join policy '%(policy)s'; choose %(value)s.")
            % {"policy": policy, "value": ", ".join(JoinPolicy.values)},
            field="join_policy",
        )
    return str(policy)


def clean_text(field: str, value: Any, limit: int) -> str:
    text = str(value or "").strip()
    if len(text) > limit:
        raise Invalid(
            _("%(field)s: at most %(limit)s characters.") % {"field": field, "limit": limit},
            field=field,
        )
    return text


def clean_community_fields(**fields: Any) -> dict[str, Any]:
    """Each given field of a community, checked and normalised (``Invalid`` names the field).
    Unknown fields are an error."""
    cleaners = {
        "name": clean_name,
        "kind": clean_kind,
        "countries": lambda v: clean_countries(v or []),
        "languages": lambda v: clean_languages(v or []),
        "join_policy": clean_join_policy,
        "region": lambda v: " ".join(clean_text("region", v, REGION_MAX).split()),
        "description": lambda v: clean_text("description", v, DESCRIPTION_MAX),
    }
    unknown = set(fields) - set(cleaners)
    if unknown:
        raise Invalid(
            _("Unknown community fields: %(value)s.") % {"value": ", ".join(sorted(unknown))}
        )
    return {name: cleaners[name](value) for name, value in fields.items()}


def community_update(*, actor: User, community: Community, **changes: Any) -> Community:
    """Change a community's settings (name, description, countries, region, languages, join
    policy). Facilitators; audited; nothing is written unless every field is valid."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise Invalid(
            _("These settings cannot be changed here: %(value)s.")
            % {"value": ", ".join(sorted(unknown))}
        )
    cleaned = clean_community_fields(**changes)
    with transaction.atomic():
        community = Community.objects.select_for_update().get(pk=community.pk)
        require_manager(actor, community)
        changed = {
            field: value
            for field, value in cleaned.items()
            if _comparable(getattr(community, field)) != value
        }
        if not changed:
            return community
        for field, value in changed.items():
            setattr(community, field, value)
        community.save(update_fields=list(changed))
        community.refresh_from_db()
        audit_record(
            community_id=community.pk,
            actor=actor,
            action=AuditAction.COMMUNITY_EDIT,
            data={"changed": sorted(changed)},
        )
    return community


def _comparable(value: Any) -> Any:
    """A stored value as the cleaners return it (countries come back as objects)."""
    if isinstance(value, list | tuple) and value and hasattr(value[0], "code"):
        return [c.code for c in value]
    return value


def _scaled_logo(content: bytes, extension: str) -> bytes:
    """The re-encoded image, scaled down to ``KRING_LOGO_MAX_SIDE`` on its longer side."""
    side = settings.KRING_LOGO_MAX_SIDE
    with Image.open(io.BytesIO(content)) as image:
        if max(image.size) <= side:
            return content
        image.thumbnail((side, side))
        output = io.BytesIO()
        image_format = {"png": "PNG", "webp": "WEBP"}.get(extension, "JPEG")
        (image.convert("RGB") if image_format == "JPEG" else image).save(output, image_format)
        return output.getvalue()


def community_logo_set(*, actor: User, community: Community, upload: Any) -> Community:
    """A new logo: checked like every upload (type, magic bytes, no active content,
    re-encoded), at most ``KRING_LOGO_MAX_BYTES``, scaled to ``KRING_LOGO_MAX_SIDE``."""
    require_manager(actor, community)
    checked = check_upload(upload, max_bytes=settings.KRING_LOGO_MAX_BYTES, types=LOGO_TYPES)
    content = _scaled_logo(checked.content, checked.extension)
    extension = "jpg" if checked.extension == "jpeg" else checked.extension
    name = f"logos/{community.pk}/{uuid.uuid4().hex}.{extension}"
    stored = default_storage.save(name, ContentFile(content))
    try:
        with transaction.atomic():
            community = Community.objects.select_for_update().get(pk=community.pk)
            require_manager(actor, community)
            old = community.logo.name if community.logo else ""
            community.logo.name = stored
            community.save(update_fields=["logo"])
            audit_record(
                community_id=community.pk,
                actor=actor,
                action=AuditAction.COMMUNITY_LOGO,
                data={"size": len(content)},
            )
            if old:
                transaction.on_commit(lambda: default_storage.delete(old))
    except BaseException:
        default_storage.delete(stored)  # nothing of a refused change stays behind
        raise
    return community


def community_logo_clear(*, actor: User, community: Community) -> Community:
    with transaction.atomic():
        community = Community.objects.select_for_update().get(pk=community.pk)
        require_manager(actor, community)
        old = community.logo.name if community.logo else ""
        if not old:
            return community
        community.logo.name = ""
        community.save(update_fields=["logo"])
        transaction.on_commit(lambda: default_storage.delete(old))
        audit_record(
            community_id=community.pk,
            actor=actor,
            action=AuditAction.COMMUNITY_LOGO,
            data={"removed": True},
        )
    return community


def community_archive(*, actor: User, community: Community, reason: str = "") -> Community:
    """Archive a community (coordinators): it leaves the directory, nobody can post or join,
    its history stays readable; members are told, and open pages go read-only at once."""
    return _set_archived(actor, community, archived=True, reason=reason)


def community_restore(*, actor: User, community: Community, reason: str = "") -> Community:
    return _set_archived(actor, community, archived=False, reason=reason)


def _set_archived(actor: User, community: Community, *, archived: bool, reason: str) -> Community:
    if not can_coordinate.test(actor):
        raise Forbidden(_("Only programme coordinators archive and restore communities."))
    reason = clean_text("reason", reason, 1000)
    with transaction.atomic():
        community = Community.objects.select_for_update().get(pk=community.pk)
        if (community.archived_at is not None) == archived:
            raise Conflict(
                "This community is already archived." if archived else "It is not archived."
            )
        community.archived_at = timezone.now() if archived else None
        community.save(update_fields=["archived_at"])
        audit_record(
            community_id=community.pk,
            actor=actor,
            action=AuditAction.COMMUNITY_ARCHIVE if archived else AuditAction.COMMUNITY_RESTORE,
            reason=reason,
        )
        verb = (
            gettext_noop("archived %(community)s: its rooms can be read but not written in")
            if archived
            else gettext_noop("restored %(community)s: its rooms are open again")
        )
        notify_community(
            actor=actor,
            community_id=community.pk,
            category=Category.MEMBERSHIP,
            verb=Verb(verb, community=community.name),
            text=reason,
            url=f"/c/{community.slug}/",
        )
        rooms_changed_on_commit(community)
    return community
