"""Finding teaching materials: the library (filters, search, sorting), one material with its
versions and adaptations, and a teacher's own materials. Only materials of communities the
viewer belongs to are ever returned (staff see all)."""

from __future__ import annotations

import json
import re
from typing import Any

from django.db import connection
from django.db.models import BooleanField, FloatField, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from community.models import Community, Membership, MembershipState
from community.permissions import can_read_rooms
from core.errors import Forbidden, Gone, NotFound
from core.roles import FACILITATING_ROLES, POSTING_ROLES

from .models import Reaction, ReactionKind, Resource, ResourceVersion
from .permissions import can_withdraw_resource

SORTS = ("newest", "most_used")


def _visible_to(user: Any) -> QuerySet[Resource]:
    resources = Resource.objects.all()
    if getattr(user, "is_staff", False):
        return resources
    # The ids as a list, not a subquery: PostgreSQL then plans with the real communities and
    # uses the search and "most used" indexes instead of scanning each community's materials.
    member_of = list(
        Membership.objects.filter(user_id=user.pk, state=MembershipState.ACTIVE).values_list(
            "community_id", flat=True
        )
    )
    return resources.filter(community_id__in=member_of)


def _json_list_contains(field: str, value: str) -> Q:
    """Exact item match in a JSON list: PostgreSQL's ``@>``; on SQLite the quoted item as text."""
    if connection.vendor == "postgresql":
        return Q(**{f"{field}__contains": [value]})
    return Q(**{f"{field}__icontains": json.dumps(value)})


def _search(resources: QuerySet[Resource], q: str) -> QuerySet[Resource]:
    """Full-text search over title, description, subjects and tags: PostgreSQL's (stemming-free
    ``simple`` configuration, because materials come in many languages), else ``icontains``."""
    if connection.vendor == "postgresql":
        # The stored, GIN-indexed ``search_document`` (title A, tags and subjects B,
        # description C; see migration 0003). Word beginnings match too ("fract" finds
        # "fractions") as teachers type.
        query = "(websearch_to_tsquery('simple', %s) || to_tsquery('simple', %s))"
        params = [q, " & ".join(f"{word}:*" for word in _words(q))]
        document = f'"{Resource._meta.db_table}"."search_document"'
        return (
            resources.alias(
                matched=RawSQL(f"{document} @@ {query}", params, output_field=BooleanField())
            )
            .filter(matched=True)
            .annotate(
                rank=RawSQL(f"ts_rank({document}, {query})", params, output_field=FloatField())
            )
        )
    condition = Q()
    for word in _words(q):
        condition &= (
            Q(title__icontains=word)
            | Q(description__icontains=word)
            | Q(tags__icontains=word)
            | Q(subjects__icontains=word)
        )
    return resources.filter(condition)


def _words(q: str) -> list[str]:
    """Plain words of a query, safe inside a tsquery (letters and digits only; "micro:bit"
    is two words, as PostgreSQL's parser sees it). Excluded words ("-word") are left out."""
    words: list[str] = []
    for raw in q.split():
        if not raw.startswith("-"):
            words.extend(re.findall(r"\w+", raw.lower()))
    return words[:8]


def resource_list(
    *,
    user: Any,
    community_id: int | None = None,
    subject: str | None = None,
    age: int | None = None,
    language: str | None = None,
    licence: str | None = None,
    tag: str | None = None,
    resource_type: str | None = None,
    area: str | None = None,
    q: str | None = None,
    sort: str = "newest",
    withdrawn: bool = False,
) -> QuerySet[Resource]:
    """The library: materials the viewer may see, filtered and sorted (the counters it sorts
    by are kept on each material, so no page counts reactions).

    ``age`` keeps materials whose range includes it (an open end counts as open);
    ``language`` matches the tag and its regional variants ("pt" finds "pt-BR").
    ``withdrawn`` lists, instead, the withdrawn materials the viewer could restore or review:
    their own, and those of communities they facilitate."""
    resources = _visible_to(user).select_related("community", "author")
    if withdrawn:
        resources = resources.filter(withdrawn_at__isnull=False)
        if not getattr(user, "is_staff", False):
            facilitated = Membership.objects.filter(
                user_id=user.pk, state=MembershipState.ACTIVE, role__in=FACILITATING_ROLES
            ).values("community_id")
            resources = resources.filter(Q(author_id=user.pk) | Q(community_id__in=facilitated))
    else:
        resources = resources.filter(withdrawn_at__isnull=True)
    if community_id is not None:
        resources = resources.filter(community_id=community_id)
    if subject:
        resources = resources.filter(_json_list_contains("subjects", subject.strip()))
    if tag:
        resources = resources.filter(_json_list_contains("tags", tag.strip().lower()))
    if area:
        resources = resources.filter(area=area)
    if age is not None:
        resources = resources.filter(
            Q(age_min__isnull=True) | Q(age_min__lte=age),
            Q(age_max__isnull=True) | Q(age_max__gte=age),
        )
    if language:
        resources = resources.filter(
            Q(language__iexact=language) | Q(language__istartswith=f"{language}-")
        )
    if licence:
        resources = resources.filter(licence=licence)
    if resource_type:
        resources = resources.filter(resource_type=resource_type)
    searching = bool(q and q.strip() and _words(q))
    if searching:
        resources = _search(resources, q.strip())  # type: ignore[union-attr]
    if sort == "most_used":
        return resources.order_by("-used_count", "-useful_count", "-created_at", "-pk")
    if searching and connection.vendor == "postgresql":
        return resources.order_by("-rank", "-created_at", "-pk")
    return resources.order_by("-created_at", "-pk")


def resource_get(*, resource_id: int) -> Resource:
    """A material with its versions (oldest first) and its adaptations, unchecked: callers
    authorise with ``resource_for_reader``."""
    resource = (
        Resource.objects.select_related(
            "community", "author", "thread", "adapted_from", "adapted_from__resource",
            "adapted_from__resource__community",
        )
        .prefetch_related(
            Prefetch(
                "versions",
                queryset=ResourceVersion.objects.select_related("created_by").order_by("number"),
            ),
            Prefetch(
                "versions__adaptations",
                queryset=Resource.objects.select_related("community", "author").order_by(
                    "created_at"
                ),
            ),
        )
        .filter(pk=resource_id)
        .first()
    )  # fmt: skip
    if resource is None:
        raise NotFound(_("No teaching material %(resource_id)s.") % {"resource_id": resource_id})
    return resource


def resource_for_reader(*, user: Any, resource_id: int) -> Resource:
    resource = resource_get(resource_id=resource_id)
    if not can_read_rooms.test(user, resource.community_id):
        raise Forbidden(_("Only members of this material's community can open it."))
    return resource


def adaptations_of(resource: Resource) -> list[Resource]:
    """Adaptations of any version of ``resource`` (from the prefetched versions)."""
    found: list[Resource] = []
    for version in resource.versions.all():
        for adaptation in version.adaptations.all():
            adaptation.source_version = version.number  # type: ignore[attr-defined]
            found.append(adaptation)
    return found


def reactions_of(*, resource: Resource, user: Any) -> tuple[dict[str, int], set[str]]:
    """Counts per reaction kind, and the kinds ``user`` has given."""
    counts = dict.fromkeys(ReactionKind.values, 0)
    mine: set[str] = set()
    for kind, user_id in Reaction.objects.filter(resource=resource).values_list("kind", "user_id"):
        counts[kind] += 1
        if user_id == user.pk:
            mine.add(kind)
    return counts, mine


def resource_by_thread(*, room_id: int) -> Resource | None:
    return Resource.objects.filter(thread_id=room_id).first()


def thread_has_version(*, room_id: int, number: int) -> bool:
    return ResourceVersion.objects.filter(resource__thread_id=room_id, number=number).exists()


def resources_by_author(*, user: Any) -> list[dict[str, Any]]:
    """The user's own materials, for their data export."""
    return [
        {
            "id": resource.pk,
            "community": resource.community.slug,
            "title": resource.title,
            "description": resource.description,
            "language": resource.language,
            "licence": resource.licence,
            "subjects": resource.subjects,
            "tags": resource.tags,
            "created_at": resource.created_at.isoformat(),
            "versions": [
                {
                    "number": v.number,
                    "url": v.url or None,
                    "file": f"/api/resources/{resource.pk}/versions/{v.number}/download"
                    if v.file
                    else None,
                    "change_note": v.change_note,
                    "created_at": v.created_at.isoformat(),
                }
                for v in resource.versions.all()
            ],
        }
        for resource in Resource.objects.filter(author=user)
        .select_related("community")
        .prefetch_related("versions")
    ]


def communities_to_share_in(*, user: Any) -> list[Any]:
    """Communities where ``user`` may post (active, not an observer), by name."""
    return list(
        Community.objects.filter(
            memberships__user_id=user.pk,
            memberships__state=MembershipState.ACTIVE,
            memberships__role__in=POSTING_ROLES,
        ).order_by("name")
    )


def communities_of(*, user: Any) -> list[Any]:
    """Communities whose materials ``user`` can browse, by name (the library's filter)."""
    if getattr(user, "is_staff", False):
        return list(Community.objects.order_by("name"))
    return list(
        Community.objects.filter(
            memberships__user_id=user.pk, memberships__state=MembershipState.ACTIVE
        ).order_by("name")
    )


def reaction_counts(resource: Resource) -> dict[str, int]:
    counts = dict.fromkeys(ReactionKind.values, 0)
    for kind in resource.reactions.values_list("kind", flat=True):
        counts[kind] += 1
    return counts


def version_get(*, resource: Resource, number: int) -> ResourceVersion:
    version = resource.versions.filter(number=number).first()
    if version is None:
        raise NotFound(
            _("“%(title)s” has no version %(number)s.")
            % {"title": resource.title, "number": number}
        )
    return version


def downloadable_version(*, viewer: Any, resource: Resource, number: int) -> ResourceVersion:
    """A version to download or open: a withdrawn material's only for its author and the
    facilitators (who may need to review it)."""
    if resource.withdrawn_at is not None and not can_withdraw_resource(viewer, resource):
        raise Gone(
            _("“%(title)s” was withdrawn; its files are no longer shared.")
            % {"title": resource.title}
        )
    return version_get(resource=resource, number=number)
