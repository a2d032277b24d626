"""Reading toolkits: the ones a teacher may see, one toolkit with its items, the materials a
curator may add, and what a public toolkit shows anyone (openly licensed materials only)."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from community.models import Membership, MembershipState
from community.permissions import can_coordinate, can_read_rooms
from community.selectors import network_communities
from core.errors import Forbidden, NotFound

from .licences import OPEN_LICENCES
from .models import Resource, ResourceVersion, Toolkit, ToolkitItem
from .permissions import can_read_toolkit

CANDIDATES_MAX = 200


def _with_items(toolkits: QuerySet[Toolkit]) -> QuerySet[Toolkit]:
    return toolkits.select_related("community").prefetch_related(
        Prefetch(
            "items",
            queryset=ToolkitItem.objects.select_related(
                "resource", "resource__community", "resource__author"
            ).order_by("position", "pk"),
        )
    )


def toolkit_list(*, user: Any) -> list[Toolkit]:
    """Toolkits ``user`` may read: public ones, and the members-only ones of their
    communities' networks (coordinators: all), by title."""
    toolkits = Toolkit.objects.select_related("community").order_by("title")
    if getattr(user, "is_authenticated", False) and can_coordinate.test(user):
        return list(toolkits)
    if not getattr(user, "is_authenticated", False):
        return list(toolkits.filter(published_at__isnull=False))
    member_of = set(
        Membership.objects.filter(user_id=user.pk, state=MembershipState.ACTIVE).values_list(
            "community_id", flat=True
        )
    )
    found = []
    for toolkit in toolkits.filter(
        Q(published_at__isnull=False) | Q(community__archived_at__isnull=True)
    ):
        if (
            toolkit.published_at is not None
            or toolkit.community_id in member_of
            or member_of & {c.pk for c in network_communities(toolkit.community)}
        ):
            found.append(toolkit)
    return found


def toolkit_get(*, slug: str) -> Toolkit:
    """A toolkit with its items (materials, their communities and authors loaded), unchecked:
    callers authorise with ``can_read_toolkit``."""
    toolkit = _with_items(Toolkit.objects.filter(slug=slug)).first()
    if toolkit is None:
        raise NotFound(_("No toolkit '%(slug)s'.") % {"slug": slug})
    return toolkit


def toolkit_for_reader(*, user: Any, slug: str) -> Toolkit:
    toolkit = toolkit_get(slug=slug)
    if not can_read_toolkit(user, toolkit):
        raise Forbidden(_("This toolkit is for members of its community's network."))
    return toolkit


def may_pick(user: Any, community_id: int) -> bool:
    """Materials a curator may put in a toolkit: those of communities they read, or, for a
    programme coordinator, of any community of the network (they curate across it)."""
    return can_read_rooms.test(user, community_id) or can_coordinate.test(user)


def readable_items(toolkit: Toolkit, user: Any) -> tuple[list[ToolkitItem], int]:
    """The items ``user`` may open (materials of their communities), and how many others
    there are. Withdrawn materials stay listed (marked) until a curator takes them out."""
    shown, hidden = [], 0
    for item in toolkit.items.all():
        if getattr(user, "is_authenticated", False) and can_read_rooms.test(
            user, item.resource.community_id
        ):
            shown.append(item)
        else:
            hidden += 1
    return shown, hidden


def network_community_ids(toolkit_community: Any) -> list[int]:
    return [toolkit_community.pk, *(c.pk for c in network_communities(toolkit_community))]


def toolkit_candidates(*, user: Any, community: Any, q: str | None = None) -> list[Resource]:
    """Materials a curator may put in a toolkit of ``community``: current materials of the
    community's network that the curator can read, newest first."""
    ids = [cid for cid in network_community_ids(community) if may_pick(user, cid)]
    resources = Resource.objects.filter(community_id__in=ids, withdrawn_at__isnull=True)
    if q:
        resources = resources.filter(title__icontains=q)
    return list(
        resources.select_related("community").order_by("-created_at", "-pk")[:CANDIDATES_MAX]
    )


# --- public ------------------------------------------------------------------------------------


def public_toolkits() -> QuerySet[Toolkit]:
    return (
        Toolkit.objects.filter(published_at__isnull=False)
        .select_related("community")
        .order_by("title")
    )


def public_toolkit(*, slug: str) -> Toolkit:
    toolkit = (
        public_toolkits()
        .prefetch_related(
            Prefetch(
                "items",
                queryset=ToolkitItem.objects.filter(
                    resource__licence__in=OPEN_LICENCES, resource__withdrawn_at__isnull=True
                )
                .select_related("resource", "resource__author", "resource__community")
                .prefetch_related(
                    Prefetch(
                        "resource__versions",
                        queryset=ResourceVersion.objects.order_by("number"),
                    )
                )
                .order_by("position", "pk"),
                to_attr="public_items",
            )
        )
        .filter(slug=slug)
        .first()
    )
    if toolkit is None:
        raise NotFound(_("No public toolkit '%(slug)s'.") % {"slug": slug})
    return toolkit


def public_material(*, toolkit: Toolkit, resource_id: int) -> Resource:
    """A material shown publicly: in this public toolkit, openly licensed, not withdrawn."""
    for item in toolkit.public_items:  # type: ignore[attr-defined]
        if item.resource_id == resource_id:
            return item.resource
    raise NotFound(_("This material is not in a public toolkit."))


def latest_version(resource: Resource) -> ResourceVersion | None:
    versions = list(resource.versions.all())
    return versions[-1] if versions else None


def public_sitemap_entries() -> list[tuple[str, Any]]:
    """(path, last modified) of every public page: toolkits and their open materials."""
    entries: list[tuple[str, Any]] = []
    items = ToolkitItem.objects.filter(
        toolkit__published_at__isnull=False,
        resource__licence__in=OPEN_LICENCES,
        resource__withdrawn_at__isnull=True,
    ).select_related("toolkit", "resource")
    for toolkit in public_toolkits():
        entries.append((f"/toolkits/{toolkit.slug}/", toolkit.updated_at))
    for item in items.order_by("toolkit__slug", "position"):
        entries.append(
            (
                f"/toolkits/{item.toolkit.slug}/materials/{item.resource_id}/",
                item.resource.updated_at,
            )
        )
    return entries
