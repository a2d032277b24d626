"""Sharing a teaching material (a file, checked and stored under a generated name, or a
link), new versions of it, and adaptations (licence permitting, possibly in another community
or language). Each material gets its own discussion room; each of these is a ``resource``
event in the community's general room and notifies (community-wide: "teaching materials";
the author of the source of an adaptation: "your teaching materials").
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from community.models import Community, EventKind, Room, RoomKind, User
from community.permissions import can_read_rooms
from community.services import GENERAL_ROOM, room_event_append
from core import ratelimit
from core.errors import Forbidden, Invalid
from core.notify import Category, Verb, follow_room, notify_community, notify_users
from core.protocol.materials import material_summary
from core.uploads import check_upload

from ..licences import adaptation_licence_problem
from ..models import Resource, ResourceVersion
from ..permissions import can_manage_resource, material_refusal
from .describing import _clean_metadata, _require_current


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
