"""What a teacher did, read from the domain apps' tables (networking sits above them): the
materials they shared, adapted, reacted to and commented on, the rooms they talk in, and the
colleagues they exchanged replies with — each with the community it happened in, so a viewer's
suggestions use only what happened in communities that viewer can read.

Rebuilt by the worker with the teacher's vector (``vectors.refresh_people``); the periodic
sweep marks teachers stale when they did something new.
"""

from __future__ import annotations

from typing import Any

from community.models import EventKind, RoomEvent, RoomKind
from resources.models import Reaction, Resource

# The most recent items of each kind kept per teacher.
LIMIT = 200


def activity_of(user_id: int) -> dict[str, Any]:
    """``{"resources": {id: [community, [kinds]]}, "rooms": {id: community},
    "partners": {user id: [communities]}}`` (ids as strings: it is stored as JSON)."""
    resources: dict[str, list[Any]] = {}

    def add(resource_id: int, community_id: int, kind: str) -> None:
        entry = resources.setdefault(str(resource_id), [community_id, []])
        if kind not in entry[1]:
            entry[1].append(kind)

    mine = Resource.objects.filter(author_id=user_id, withdrawn_at__isnull=True).order_by("-pk")
    for rid, community_id, source_id, source_community in mine.values_list(
        "pk", "community_id", "adapted_from__resource_id", "adapted_from__resource__community_id"
    )[:LIMIT]:
        add(rid, community_id, "shared")
        if source_id is not None:
            add(source_id, source_community, "adapted")
    for rid, community_id, kind in (
        Reaction.objects.filter(user_id=user_id, resource__withdrawn_at__isnull=True)
        .order_by("-pk")
        .values_list("resource_id", "resource__community_id", "kind")[:LIMIT]
    ):
        add(rid, community_id, kind)
    posted = RoomEvent.objects.filter(
        author_id=user_id, kind=EventKind.MESSAGE, deleted_at__isnull=True, hidden_at__isnull=True
    )
    threads = (
        posted.filter(room__kind=RoomKind.RESOURCE, room__resource__withdrawn_at__isnull=True)
        .order_by("-pk")
        .values_list("room__resource__pk", "room__community_id")
    )
    for rid, community_id in threads[: LIMIT * 5]:
        if rid is not None:
            add(rid, community_id, "commented")
    rooms: dict[str, int] = {}
    for room_id, community_id in (
        posted.filter(room__kind=RoomKind.DISCUSSION)
        .order_by("-pk")
        .values_list("room_id", "room__community_id")[: LIMIT * 5]
    ):
        rooms.setdefault(str(room_id), community_id)
    partners: dict[str, list[int]] = {}
    replies_sent = posted.filter(reply_to__author__isnull=False).exclude(
        reply_to__author_id=user_id
    )
    for other, community_id in replies_sent.order_by("-pk").values_list(
        "reply_to__author_id", "room__community_id"
    )[:LIMIT]:
        partners.setdefault(str(other), [])
        if community_id not in partners[str(other)]:
            partners[str(other)].append(community_id)
    replies_received = RoomEvent.objects.filter(
        reply_to__author_id=user_id,
        kind=EventKind.MESSAGE,
        deleted_at__isnull=True,
        hidden_at__isnull=True,
        author__isnull=False,
    ).exclude(author_id=user_id)
    for other, community_id in replies_received.order_by("-pk").values_list(
        "author_id", "room__community_id"
    )[:LIMIT]:
        partners.setdefault(str(other), [])
        if community_id not in partners[str(other)]:
            partners[str(other)].append(community_id)
    return {
        "resources": resources,
        "rooms": dict(list(rooms.items())[:LIMIT]),
        "partners": partners,
    }


def active_since(
    event_id: int, reaction_id: int, resource_id: int
) -> tuple[set[int], int, int, int]:
    """Teachers who did something after these ids (messages, reactions, materials), and the
    newest ids now: the periodic sweep's bookmark."""
    users: set[int] = set()
    newest_event, newest_reaction, newest_resource = event_id, reaction_id, resource_id
    for pk, author, reply_author in RoomEvent.objects.filter(
        pk__gt=event_id, kind=EventKind.MESSAGE
    ).values_list("pk", "author_id", "reply_to__author_id"):
        newest_event = max(newest_event, pk)
        users.update(u for u in (author, reply_author) if u)
    for pk, user in Reaction.objects.filter(pk__gt=reaction_id).values_list("pk", "user_id"):
        newest_reaction = max(newest_reaction, pk)
        users.add(user)
    for pk, author in Resource.objects.filter(pk__gt=resource_id).values_list("pk", "author_id"):
        newest_resource = max(newest_resource, pk)
        if author:
            users.add(author)
    return users, newest_event, newest_reaction, newest_resource
