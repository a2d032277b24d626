"""Sharing, versioning, adapting and reacting to teaching materials.

Each material gets its own discussion room (same event log, seq, resume and moderation as any
room). Sharing, a new version and an adaptation are ``resource`` events in the community's
general room, and notify (community-wide: "teaching materials"; the author of the source of an
adaptation or of a reaction: "your teaching materials").
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from community.models import Community, EventKind, Room, RoomKind, User
from community.permissions import can_post, can_read_rooms
from community.services import (
    GENERAL_ROOM,
    clean_language_tags,
    room_event_append,
    room_state_change,
)
from core import ratelimit
from core.audit import AuditAction, audit_record
from core.errors import Conflict, Forbidden, Invalid
from core.notify import Category, Verb, follow_room, notify_community, notify_users
from core.protocol.materials import material_summary
from core.uploads import check_upload

from . import selectors
from .licences import LICENCES, adaptation_licence_problem
from .models import IscedLevel, Reaction, ReactionKind, Resource, ResourceType, ResourceVersion
from .permissions import (
    can_manage_resource,
    can_restore_resource,
    can_withdraw_resource,
    material_refusal,
)
from .registry import material_areas

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


def _store(upload: Any, community_id: int) -> dict[str, Any]:
    """Validate and store a file under a generated name; returns version fields."""
    checked = check_upload(upload)
    name = default_storage.save(checked.storage_name(community_id), ContentFile(checked.content))
    return {
        "file": name,
        "content_type": checked.content_type,
        "extension": checked.extension,
        "size": checked.size,
        "sha256": checked.sha256,
    }


def _content(upload: Any, url: str, community_id: int) -> dict[str, Any]:
    if bool(upload) == bool(url):
        raise Invalid(_("Give either a file or a link."))
    if upload:
        return _store(upload, community_id)
    if not url.startswith(("https://", "http://")) or len(url) > 1000:
        raise Invalid(_("A link must be an http(s) address."))
    return {"url": url}


def _thread_for(community: Community, title: str) -> Room:
    return Room.objects.create(
        community=community, name=f"resource-{uuid.uuid4().hex[:12]}", topic=title[:300],
        kind=RoomKind.RESOURCE,
    )  # fmt: skip


def _general_room_event(
    resource: Resource, actor: User, action: str, version: ResourceVersion | None, **extra: Any
) -> None:
    general = (
        resource.community.rooms.filter(name=GENERAL_ROOM).values_list("pk", flat=True).first()
    )
    if general is not None:
        room_event_append(
            room_id=general,
            kind=EventKind.RESOURCE,
            author=actor,
            data={"action": action, "resource": material_summary(resource, version), **extra},
        )


def _announce(
    resource: Resource, actor: User, action: str, version: ResourceVersion, **extra: Any
) -> None:
    """A ``resource`` event in the general room, and the community's notifications."""
    _general_room_event(resource, actor, action, version, **extra)
    verbs = {
        "shared": gettext_noop("shared “%(title)s” in %(community)s"),
        "version": gettext_noop("published version %(number)s of “%(title)s”"),
        "adapted": gettext_noop("adapted a material into “%(title)s”"),
    }
    notify_community(
        actor=actor,
        community_id=resource.community_id,
        category=Category.RESOURCE,
        verb=Verb(
            verbs[action],
            title=resource.title,
            community=resource.community.name,
            number=version.number,
        ),
        target=resource,
        text=version.change_note or resource.description[:300],
        url=f"/resources/{resource.pk}/",
    )


def resource_share(
    *, actor: User, community: Community, upload: Any = None, url: str = "", **metadata: Any
) -> Resource:
    """Share a teaching material (a file or a link) in a community; version 1."""
    ratelimit.limit("share", actor_id=actor.pk, what=_("shared materials and versions"))
    refusal = material_refusal(actor, community)
    if refusal:
        raise Forbidden(refusal)
    required = {"title", "language", "licence"}
    missing = required - {k for k, v in metadata.items() if v}
    if missing:
        raise Invalid(_("Missing: %(value)s.") % {"value": ", ".join(sorted(missing))})
    fields = _clean_metadata(metadata)
    content = _content(upload, url, community.pk)
    with transaction.atomic():
        resource = Resource.objects.create(
            community=community,
            author=actor,
            thread=_thread_for(community, fields["title"]),
            version_count=1,
            **fields,
        )
        version = ResourceVersion.objects.create(
            resource=resource, number=1, created_by=actor, **content
        )
        # The author hears about comments on their material.
        follow_room(user=actor, room=resource.thread)
        _announce(resource, actor, "shared", version)
    return resource


def resource_new_version(
    *, actor: User, resource: Resource, upload: Any = None, url: str = "", change_note: str = ""
) -> ResourceVersion:
    """A new version; the old ones stay downloadable."""
    ratelimit.limit("share", actor_id=actor.pk, what=_("shared materials and versions"))
    if not can_manage_resource(actor, resource):
        raise Forbidden(_("Only the author or the community's facilitators add versions."))
    _require_current(resource)
    content = _content(upload, url, resource.community_id)
    with transaction.atomic():
        locked = Resource.objects.select_for_update().get(pk=resource.pk)
        number = (locked.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = ResourceVersion.objects.create(
            resource=locked,
            number=number,
            created_by=actor,
            change_note=change_note.strip()[:500],
            **content,
        )
        locked.version_count = number
        locked.save(update_fields=["version_count", "updated_at"])
        _announce(locked, actor, "version", version)
        if locked.author_id and locked.author_id != actor.pk:
            notify_users(
                actor=actor, user_ids=[locked.author_id], category=Category.YOUR_RESOURCE,
                verb=Verb(gettext_noop("added version %(number)s to your “%(title)s”"),
                          number=number, title=locked.title),
                community_id=locked.community_id, target=locked, text=version.change_note,
                url=f"/resources/{locked.pk}/",
            )  # fmt: skip
    return version


def resource_adapt(
    *,
    actor: User,
    source: ResourceVersion,
    community: Community,
    upload: Any = None,
    url: str = "",
    **metadata: Any,
) -> Resource:
    """A new material based on ``source`` (a version), possibly in another community or
    language. The licence must allow it: no adaptations of ND materials, share-alike keeps the
    licence, non-commercial stays non-commercial. Without a new file, it starts as a copy."""
    ratelimit.limit("share", actor_id=actor.pk, what=_("shared materials and versions"))
    original = source.resource
    if not can_read_rooms.test(actor, original.community_id):
        raise Forbidden(_("You can only adapt materials of communities you belong to."))
    _require_current(original)
    refusal = material_refusal(actor, community)
    if refusal:
        raise Forbidden(refusal)
    licence = metadata.get("licence") or original.licence
    problem = adaptation_licence_problem(original.licence, licence)
    if problem:
        raise Forbidden(problem)
    fields = _clean_metadata(
        {
            "title": metadata.get("title") or f"{original.title} (adapted)",
            "description": metadata.get("description", original.description),
            "resource_type": metadata.get("resource_type") or original.resource_type,
            "subjects": metadata.get("subjects", original.subjects),
            "tags": metadata.get("tags", original.tags),
            "age_min": metadata.get("age_min", original.age_min),
            "age_max": metadata.get("age_max", original.age_max),
            "isced_level": metadata.get("isced_level", original.isced_level),
            "language": metadata.get("language") or original.language,
            "licence": licence,
        }
    )
    if upload or url:
        content = _content(upload, url, community.pk)
    elif source.file:
        with source.file.open("rb") as stored:
            data = stored.read()
        name = default_storage.save(
            f"resources/{community.pk}/{uuid.uuid4().hex}.{source.extension}", ContentFile(data)
        )
        content = {"file": name, "content_type": source.content_type, "extension": source.extension,
                   "size": source.size, "sha256": source.sha256}  # fmt: skip
    else:
        content = {"url": source.url}
    with transaction.atomic():
        adaptation = Resource.objects.create(
            community=community, author=actor, adapted_from=source,
            thread=_thread_for(community, fields["title"]), version_count=1, **fields,
        )  # fmt: skip
        version = ResourceVersion.objects.create(
            resource=adaptation, number=1, created_by=actor,
            change_note=f"Adapted from “{original.title}”, version {source.number}", **content,
        )  # fmt: skip
        follow_room(user=actor, room=adaptation.thread)
        _announce(adaptation, actor, "adapted", version, source=material_summary(original, source))
        if original.author_id and original.author_id != actor.pk:
            # Link to the adaptation only if its community is one the author can open.
            visible = can_read_rooms.test(original.author, community)
            shown = adaptation if visible else original
            notify_users(
                actor=actor, user_ids=[original.author_id], category=Category.YOUR_RESOURCE,
                verb=Verb(gettext_noop("adapted your “%(title)s” in %(community)s"),
                          title=original.title, community=community.name), community_id=None,
                target=shown, text=adaptation.title, url=f"/resources/{shown.pk}/",
            )  # fmt: skip

    return adaptation


def reaction_set(*, actor: User, resource: Resource, kind: str, on: bool = True) -> dict[str, int]:
    """Add or take back a reaction ("used it in class", "useful"); returns the counts."""
    ratelimit.limit("reaction", actor_id=actor.pk, what=_("reactions"))
    if kind not in ReactionKind.values:
        raise Invalid(
            _("Unknown reaction '%(kind)s'; choose from %(value)s.")
            % {"kind": kind, "value": ", ".join(ReactionKind.values)}
        )
    if not can_post.test(actor, resource.community_id):
        raise Forbidden(_("Only active members of this community react to its materials."))
    if on:
        _require_current(resource)
    counter = COUNTERS[kind]
    with transaction.atomic():
        if on:
            _reaction, created = Reaction.objects.get_or_create(
                resource=resource, user=actor, kind=kind
            )
            if created:
                Resource.objects.filter(pk=resource.pk).update(**{counter: F(counter) + 1})
            if created and resource.author_id and resource.author_id != actor.pk:
                verb = {
                    "used_in_class": gettext_noop("used your “%(title)s” in class"),
                    "useful": gettext_noop("found your “%(title)s” useful"),
                }[kind]
                notify_users(
                    actor=actor, user_ids=[resource.author_id], category=Category.YOUR_RESOURCE,
                    verb=Verb(verb, title=resource.title), community_id=resource.community_id,
                    target=resource, url=f"/resources/{resource.pk}/",

                )  # fmt: skip
        else:
            deleted, _per_model = Reaction.objects.filter(
                resource=resource, user=actor, kind=kind
            ).delete()
            if deleted:
                Resource.objects.filter(pk=resource.pk).update(**{counter: F(counter) - deleted})
    return selectors.reaction_counts(resource)


# The counter on Resource that each reaction kind keeps (the library sorts by them).
COUNTERS = {ReactionKind.USED_IN_CLASS: "used_count", ReactionKind.USEFUL: "useful_count"}


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


def _set_thread_locked(resource: Resource, actor: User, locked: bool) -> bool:
    """Close (or reopen) the material's thread: a ``room`` event, so open pages stop offering
    the composer, and every post is refused from the next frame on. False if it already was."""
    room = Room.objects.select_for_update().get(pk=resource.thread_id)
    if room.is_locked == locked:
        return False
    room_state_change(room=room, actor=actor, changes={"is_locked": locked})
    return True


WITHDRAWAL_FIELDS = ["withdrawn_at", "withdrawn_by", "withdrawn_reason", "withdrawal_locked_thread"]


def resource_withdraw(*, actor: User, resource: Resource, reason: str = "") -> Resource:
    """Take a material out of the library: its files are no longer served, its thread is
    closed, and it cannot be adapted; its page stays, saying who withdrew it and why, because
    adaptations still credit it. A facilitator must give a reason (the author is told, and
    the audit log keeps it); authors may withdraw their own material without one."""
    if not can_withdraw_resource(actor, resource):
        raise Forbidden(_("Only the author or the community's facilitators withdraw a material."))
    reason = " ".join(reason.split())[:500]
    by_author = resource.author_id == actor.pk
    if not by_author and not reason:
        raise Invalid(_("Say why it is withdrawn; the author and the community see the reason."))
    with transaction.atomic():
        locked = Resource.objects.select_for_update().get(pk=resource.pk)
        if locked.withdrawn_at is not None:
            raise Conflict(_("This material is already withdrawn."))
        locked.withdrawn_at = timezone.now()
        locked.withdrawn_by = actor
        locked.withdrawn_reason = reason
        locked.withdrawal_locked_thread = _set_thread_locked(locked, actor, True)
        locked.save(update_fields=WITHDRAWAL_FIELDS)
        _general_room_event(locked, actor, "withdrawn", None, reason=reason)
        if not by_author:
            audit_record(
                community_id=locked.community_id, actor=actor,
                action=AuditAction.MATERIAL_WITHDRAW, target_user=locked.author,
                room=locked.thread, reason=reason,
                data={"resource": locked.pk, "title": locked.title},
            )  # fmt: skip
            if locked.author_id:
                notify_users(
                    actor=actor, user_ids=[locked.author_id], category=Category.YOUR_RESOURCE,
                    verb=Verb(gettext_noop("withdrew your “%(title)s”"), title=locked.title),
                    community_id=locked.community_id,
                    target=locked, text=reason, url=f"/resources/{locked.pk}/",
                )  # fmt: skip
    return locked


def resource_restore(*, actor: User, resource: Resource, reason: str = "") -> Resource:
    """Put a withdrawn material back in the library and reopen its thread."""
    with transaction.atomic():
        locked = Resource.objects.select_for_update().get(pk=resource.pk)
        if locked.withdrawn_at is None:
            raise Conflict(_("This material is not withdrawn."))
        if not can_restore_resource(actor, locked):
            raise Forbidden(
                _("A facilitator withdrew this material; only facilitators restore it.")
            )
        if locked.withdrawal_locked_thread:  # a lock a facilitator set before stays
            _set_thread_locked(locked, actor, False)
        locked.withdrawn_at, locked.withdrawn_by, locked.withdrawn_reason = None, None, ""
        locked.withdrawal_locked_thread = False
        locked.save(update_fields=WITHDRAWAL_FIELDS)
        _general_room_event(locked, actor, "restored", None)
        if locked.author_id != actor.pk:
            audit_record(
                community_id=locked.community_id, actor=actor,
                action=AuditAction.MATERIAL_RESTORE, target_user=locked.author,
                room=locked.thread, reason=" ".join(reason.split())[:500],
                data={"resource": locked.pk, "title": locked.title},
            )  # fmt: skip
    return locked
