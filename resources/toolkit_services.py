"""Curating toolkits: ordered collections of teaching materials with an introduction, kept by
a community's facilitators (and coordinators), drawing on every community of its network; a
toolkit can be made public, and then its openly licensed materials can be read without an
account. Each action is checked, audited, and tells the authors concerned."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from community.models import Community, User
from community.services import clean_language_tags
from core.audit import AuditAction, audit_record
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.notify import Category, Verb, notify_users

from .licences import OPEN_LICENCES
from .models import Resource, Toolkit, ToolkitItem
from .permissions import can_curate_toolkits
from .toolkit_selectors import may_pick, network_community_ids

TITLE_MAX = 200
INTRODUCTION_MAX = 10000
NOTE_MAX = 500


def _require_curator(actor: User, community: Community) -> None:
    if not can_curate_toolkits(actor, community):
        raise Forbidden(_("Only this community's facilitators and coordinators curate toolkits."))
    if community.archived_at is not None:
        raise Conflict(_("This community is archived."))


def _clean_title(title: Any) -> str:
    value = " ".join(str(title or "").split())
    if not value:
        raise Invalid(_("A toolkit needs a title."), field="title")
    if len(value) > TITLE_MAX:
        raise Invalid(
            _("A title is at most %(title_max)s characters.") % {"title_max": TITLE_MAX},
            field="title",
        )
    return value


def _clean_introduction(text: Any) -> str:
    value = str(text or "").strip()
    if len(value) > INTRODUCTION_MAX:
        raise Invalid(
            _("An introduction is at most %(introduction_max)s characters.")
            % {"introduction_max": INTRODUCTION_MAX},
            field="introduction",
        )
    return value


def _clean_language(tag: Any) -> str:
    if not str(tag or "").strip():
        return ""
    try:
        return clean_language_tags([str(tag)])[0]
    except Invalid as exc:
        raise Invalid(exc.detail, field="language") from None


def _free_slug(title: str) -> str:
    base = slugify(title)[:70].strip("-") or "toolkit"
    candidate, n = base, 1
    while Toolkit.objects.filter(slug=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def toolkit_create(
    *, actor: User, community: Community, title: str, introduction: str = "", language: str = ""
) -> Toolkit:
    title = _clean_title(title)
    introduction = _clean_introduction(introduction)
    language = _clean_language(language) or (community.languages or [""])[0]
    with transaction.atomic():
        community = Community.objects.select_for_update().get(pk=community.pk)
        _require_curator(actor, community)
        if community.toolkits.count() >= settings.KRING_MAX_TOOLKITS_PER_COMMUNITY:
            raise Conflict(
                _("A community keeps at most %(max_toolkits_per_community)s toolkits.")
                % {"max_toolkits_per_community": settings.KRING_MAX_TOOLKITS_PER_COMMUNITY}
            )
        toolkit = Toolkit.objects.create(
            community=community,
            slug=_free_slug(title),
            title=title,
            introduction=introduction,
            language=language,
            created_by=actor,
        )
        audit_record(
            community_id=community.pk,
            actor=actor,
            action=AuditAction.TOOLKIT_CREATE,
            data={"toolkit": toolkit.slug},
        )
    return toolkit


def toolkit_update(
    *,
    actor: User,
    toolkit: Toolkit,
    title: str | None = None,
    introduction: str | None = None,
    language: str | None = None,
    public: bool | None = None,
) -> Toolkit:
    """Change the title, introduction or language, or make the toolkit public (its openly
    licensed materials readable by anyone, their authors told) or members-only again."""
    changes: dict[str, Any] = {}
    if title is not None:
        changes["title"] = _clean_title(title)
    if introduction is not None:
        changes["introduction"] = _clean_introduction(introduction)
    if language is not None:
        changes["language"] = _clean_language(language)
    with transaction.atomic():
        toolkit = Toolkit.objects.select_for_update().select_related("community").get(pk=toolkit.pk)
        _require_curator(actor, toolkit.community)
        changed = [f for f, v in changes.items() if getattr(toolkit, f) != v]
        for field in changed:
            setattr(toolkit, field, changes[field])
        publishing = public is True and toolkit.published_at is None
        unpublishing = public is False and toolkit.published_at is not None
        if publishing:
            toolkit.published_at = timezone.now()
        elif unpublishing:
            toolkit.published_at = None
        if not (changed or publishing or unpublishing):
            return toolkit
        toolkit.save()
        if changed:
            audit_record(
                community_id=toolkit.community_id,
                actor=actor,
                action=AuditAction.TOOLKIT_EDIT,
                data={"toolkit": toolkit.slug, "changed": sorted(changed)},
            )
        if publishing or unpublishing:
            audit_record(
                community_id=toolkit.community_id,
                actor=actor,
                action=AuditAction.TOOLKIT_PUBLISH if publishing else AuditAction.TOOLKIT_UNPUBLISH,
                data={"toolkit": toolkit.slug},
            )
        if publishing:
            _tell_authors(actor, toolkit, list(toolkit.items.select_related("resource")))
    return toolkit


def toolkit_items_set(*, actor: User, toolkit: Toolkit, items: list[tuple[int, str]]) -> Toolkit:
    """The toolkit's materials, in this order, each with an optional note. Each must be a
    current material of the toolkit's network that the curator can read."""
    if len(items) > settings.KRING_MAX_TOOLKIT_ITEMS:
        raise Invalid(
            _("A toolkit holds at most %(max_toolkit_items)s materials.")
            % {"max_toolkit_items": settings.KRING_MAX_TOOLKIT_ITEMS},
            field="items",
        )
    ids = [resource_id for resource_id, _note in items]
    if len(ids) != len(set(ids)):
        raise Invalid(_("Each material once, please."), field="items")
    for _resource_id, note in items:
        if len(note) > NOTE_MAX:
            raise Invalid(
                _("A note is at most %(note_max)s characters.") % {"note_max": NOTE_MAX},
                field="items",
            )
    with transaction.atomic():
        toolkit = Toolkit.objects.select_for_update().select_related("community").get(pk=toolkit.pk)
        _require_curator(actor, toolkit.community)
        allowed = set(network_community_ids(toolkit.community))
        found = {r.pk: r for r in Resource.objects.filter(pk__in=ids)}
        for resource_id in ids:
            resource = found.get(resource_id)
            if resource is None or not may_pick(actor, resource.community_id):
                raise NotFound(
                    _("No teaching material %(resource_id)s that you can open.")
                    % {"resource_id": resource_id}
                )
            if resource.community_id not in allowed:
                raise Invalid(
                    _("“%(title)s” is not from this community's network.")
                    % {"title": resource.title},
                    field="items",
                )
            if resource.withdrawn_at is not None:
                raise Invalid(
                    _("“%(title)s” was withdrawn.") % {"title": resource.title}, field="items"
                )
        before = set(toolkit.items.values_list("resource_id", flat=True))
        toolkit.items.all().delete()
        ToolkitItem.objects.bulk_create(
            [
                ToolkitItem(toolkit=toolkit, resource_id=rid, position=n, note=note.strip())
                for n, (rid, note) in enumerate(items, start=1)
            ]
        )
        toolkit.save(update_fields=["updated_at"])
        audit_record(
            community_id=toolkit.community_id,
            actor=actor,
            action=AuditAction.TOOLKIT_EDIT,
            data={"toolkit": toolkit.slug, "materials": ids},
        )
        if toolkit.published_at is not None:
            added = [
                ToolkitItem(toolkit=toolkit, resource=found[r]) for r in ids if r not in before
            ]
            _tell_authors(actor, toolkit, added)
    return toolkit


def toolkit_delete(*, actor: User, toolkit: Toolkit) -> None:
    with transaction.atomic():
        toolkit = Toolkit.objects.select_for_update().select_related("community").get(pk=toolkit.pk)
        _require_curator(actor, toolkit.community)
        audit_record(
            community_id=toolkit.community_id,
            actor=actor,
            action=AuditAction.TOOLKIT_DELETE,
            data={"toolkit": toolkit.slug, "title": toolkit.title},
        )
        toolkit.delete()


def _tell_authors(actor: User, toolkit: Toolkit, items: list[ToolkitItem]) -> None:
    """Authors whose openly licensed material is now public hear of it (by title)."""
    for item in items:
        resource = item.resource
        if resource.licence not in OPEN_LICENCES or not resource.author_id:
            continue
        notify_users(
            actor=actor,
            user_ids=[resource.author_id],
            category=Category.YOUR_RESOURCE,
            verb=Verb(
                gettext_noop("put “%(title)s” in the public toolkit “%(toolkit)s”"),
                title=resource.title,
                toolkit=toolkit.title,
            ),
            community_id=resource.community_id,
            target=resource,
            url=f"/toolkits/{toolkit.slug}/",
        )
