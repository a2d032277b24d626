"""Read-only queries. Filtering, joins and prefetching are decided here so no caller can
create an N+1 query; nothing here writes."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection
from django.db.models import (
    Count,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from core import rows
from core.errors import Forbidden, KringError, NotFound
from core.roles import FACILITATING_ROLES

from .models import (
    CircleLink,
    Community,
    CommunityKind,
    EventKind,
    Membership,
    MembershipState,
    Profile,
    Room,
    RoomEvent,
    RoomKind,
    RoomReadState,
    User,
)
from .permissions import can_read_room, can_read_rooms, is_private_room, remember_membership
from .registry import room_kinds


def community_list(
    *,
    user: Any,
    kind: str | None = None,
    country: str | None = None,
    q: str | None = None,
    archived: bool = False,
) -> QuerySet[Community]:
    """Communities for the directory, each annotated with ``member_count`` and the viewer's
    ``viewer_role`` / ``viewer_state`` (``None`` when not a member). Archived communities
    are left out, or (``archived``) only they are listed."""
    communities = Community.objects.filter(archived_at__isnull=not archived)
    if kind:
        communities = communities.filter(kind=kind)
    if country:
        # CountryField(multiple=True) stores "NL,PL,SE": match a whole code only.
        code = country.upper()
        communities = communities.filter(
            Q(countries=code)
            | Q(countries__startswith=f"{code},")
            | Q(countries__endswith=f",{code}")
            | Q(countries__contains=f",{code},")
        )
    if q:
        communities = communities.filter(
            Q(name__icontains=q) | Q(description__icontains=q) | Q(region__icontains=q)
        )
    return _annotate_for_viewer(communities, user)


def _annotate_for_viewer(communities: QuerySet[Community], user: Any) -> QuerySet[Community]:
    viewer_membership = Membership.objects.filter(community=OuterRef("pk"), user_id=user.pk)
    return communities.annotate(
        member_count=Count(
            "memberships", filter=Q(memberships__state=MembershipState.ACTIVE), distinct=True
        ),
        viewer_role=Subquery(viewer_membership.values("role")[:1]),
        viewer_state=Subquery(viewer_membership.values("state")[:1]),
    )


def community_get(*, slug: str, user: Any) -> Community:
    community = _annotate_for_viewer(Community.objects.filter(slug=slug), user).first()
    if community is None:
        raise NotFound(_("No community '%(slug)s'.") % {"slug": slug})
    return community


def membership_get(*, user: Any, community: Community) -> Membership | None:
    return Membership.objects.filter(user_id=user.pk, community=community).first()


def _with_unread(rooms: QuerySet[Room], user: Any) -> QuerySet[Room]:
    """``rooms`` annotated with the viewer's ``read_seq`` and ``unread`` count: messages by
    others after the viewer's read marker."""
    read_seq = RoomReadState.objects.filter(room=OuterRef("pk"), user_id=user.pk).values(
        "last_read_seq"
    )[:1]
    unread = (
        RoomEvent.objects.filter(
            room=OuterRef("pk"),
            kind=EventKind.MESSAGE,
            deleted_at__isnull=True,
            seq__gt=OuterRef("read_seq"),
        )
        .exclude(author_id=user.pk)
        .order_by()
        .values("room")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return rooms.annotate(
        read_seq=Coalesce(Subquery(read_seq), Value(0), output_field=IntegerField())
    ).annotate(unread=Coalesce(Subquery(unread), Value(0), output_field=IntegerField()))


def room_list(*, community: Community, user: Any, archived: bool = False) -> QuerySet[Room]:
    """Discussion rooms of a community (not the threads of its teaching materials) in the
    facilitators' order, with the viewer's ``unread`` count (0 for rooms the viewer cannot
    read). Archived rooms are left out, or (``archived``) only they are listed."""
    rooms = community.rooms.filter(
        kind=RoomKind.DISCUSSION, archived_at__isnull=not archived
    ).order_by("position", "pk")
    if not can_read_rooms.test(user, community):
        return rooms.annotate(unread=Value(0, output_field=IntegerField()))
    return _with_unread(rooms, user)


def room_get(*, room_id: int) -> Room:
    return _found(Room.objects.select_related("community").filter(pk=room_id).first(), room_id)


def _found(room: Room | None, room_id: int) -> Room:
    if room is None:
        raise NotFound(_("No room %(room_id)s.") % {"room_id": room_id})
    return room


@functools.cache
def _reader_columns() -> tuple[rows.Columns, rows.Columns, rows.Columns]:
    """The room, its community and the reader's membership, as the reader queries select them."""
    return rows.Columns(Room, "r"), rows.Columns(Community, "c"), rows.Columns(Membership, "m")


def _reader_joins(reader_sql: str) -> str:
    # Outer joins: a private conversation has no community, so no membership either.
    return (
        f" LEFT OUTER JOIN {rows.table(Community)} c"
        f" ON c.{rows.column(Community, 'id')} = r.{rows.column(Room, 'community')}"
        f" LEFT OUTER JOIN {rows.table(Membership)} m"
        f" ON m.{rows.column(Membership, 'community')} = c.{rows.column(Community, 'id')}"
        f" AND m.{rows.column(Membership, 'user')} = {reader_sql}"
    )


@functools.cache
def _room_for_reader_sql() -> str:
    room, community, membership = _reader_columns()
    return (
        f"SELECT {room.sql}, {community.sql}, {membership.sql} FROM {rows.table(Room)} r"
        + _reader_joins("%s")
        + f" WHERE r.{rows.column(Room, 'id')} = %s"
    )


@functools.cache
def _rooms_for_readers_sql() -> str:
    room, community, membership = _reader_columns()
    return (
        f"SELECT q.ord, {room.sql}, {community.sql}, {membership.sql}"
        " FROM unnest(CAST(%s AS bigint[]), CAST(%s AS bigint[])) WITH ORDINALITY"
        f" AS q(user_id, room_id, ord) JOIN {rows.table(Room)} r"
        f" ON r.{rows.column(Room, 'id')} = q.room_id" + _reader_joins("q.user_id")
    )


def room_for_reader(*, user: Any, room_id: int) -> Room:
    """The room (with its community and ``last_seq``), if ``user`` may read it; raises
    ``NotFound`` / ``Forbidden`` otherwise.

    One query: the reader's membership row comes with the room (a join on the user) and is
    remembered on the room, so the permission tests that follow (reading, moderating) do not
    look it up again. Every socket subscribe and every resume after a reconnect passes here,
    so the query is written out once (``core.rows``) instead of being built by the ORM on
    every call (1.5 ms of CPU against 0.25: bench S6)."""
    return _readable_room(user, room_id, rows.fetch_one(_room_for_reader_sql(), [user.pk, room_id]))


def rooms_for_readers(readers: Sequence[tuple[Any, int]]) -> list[Room | KringError]:
    """``room_for_reader`` for several ``(user, room_id)`` at once: in order, each room or the
    error it would have raised. One query on PostgreSQL (a reconnect storm subscribes
    thousands of sockets within seconds: bench S6); one per reader elsewhere."""
    if connection.vendor != "postgresql":
        return [_outcome(room_for_reader, user=user, room_id=room_id) for user, room_id in readers]
    params = [[user.pk for user, _room in readers], [room_id for _user, room_id in readers]]
    found = {row[0]: row[1:] for row in rows.fetch_all(_rooms_for_readers_sql(), params)}
    return [
        _outcome(_readable_room, user, room_id, found.get(position))
        for position, (user, room_id) in enumerate(readers, start=1)
    ]


def _outcome(find: Callable[..., Room], *args: Any, **kwargs: Any) -> Room | KringError:
    try:
        return find(*args, **kwargs)
    except KringError as refusal:
        return refusal


def _readable_room(user: Any, room_id: int, row: Sequence[Any] | None) -> Room:
    """The room in ``row`` (``_reader_columns``) if ``user`` may read it."""
    room_columns, community_columns, membership_columns = _reader_columns()
    room = _found(row and room_columns.instance(row, 0), room_id)
    room.community = community_columns.instance(row, room_columns.width)
    membership = membership_columns.instance(row, room_columns.width + community_columns.width)
    remember_membership(user, room, membership)
    if not can_read_room(user, room):
        if is_private_room(room):
            # Only its participants: never the facilitators of any community, never staff.
            raise Forbidden(_("Only the people in this conversation can read it."))
        raise Forbidden(_("Only active members of this community can read its rooms."))
    return room


def room_last_seq(*, room_id: int) -> int:
    return Room.objects.filter(pk=room_id).values_list("last_seq", flat=True).first() or 0


def _events() -> QuerySet[RoomEvent]:
    return RoomEvent.objects.select_related("author", "target", "reply_to", "reply_to__author")


def room_events(
    *, room_id: int, after: int | None = None, before: int | None = None, limit: int = 50
) -> list[RoomEvent]:
    """A page of a room's events in seq order.

    With ``after``: the first ``limit`` events after it. Otherwise the last ``limit`` events
    before ``before`` (or the newest), so a client pages backwards through history.
    """
    events = _events().filter(room_id=room_id)
    if after is not None:
        events = events.filter(seq__gt=after)
    if before is not None:
        events = events.filter(seq__lt=before)
    if after is not None:
        return list(events.order_by("seq")[:limit])
    return list(reversed(events.order_by("-seq")[:limit]))


def room_events_range(*, room_id: int, after: int, upto: int) -> list[RoomEvent]:
    """Every event with ``after < seq <= upto``, in order (resume and gap filling)."""
    return list(_events().filter(room_id=room_id, seq__gt=after, seq__lte=upto).order_by("seq"))


def unread_count(*, user: Any, room_id: int, after_seq: int) -> int:
    return (
        RoomEvent.objects.filter(
            room_id=room_id, kind=EventKind.MESSAGE, deleted_at__isnull=True, seq__gt=after_seq
        )
        .exclude(author_id=user.pk)
        .count()
    )


def message_get(*, message_id: int) -> RoomEvent:
    message = _events().select_related("room").filter(pk=message_id, kind=EventKind.MESSAGE).first()
    if message is None:
        raise NotFound(_("No message %(message_id)s.") % {"message_id": message_id})
    return message


def room_pins(*, room_id: int) -> list[RoomEvent]:
    """Pinned messages of a room, most recently pinned first."""
    return list(
        _events()
        .filter(room_id=room_id, kind=EventKind.MESSAGE, pinned_at__isnull=False)
        .order_by("-pinned_at")
    )


def room_last_seqs(*, room_ids: list[int]) -> dict[int, int]:
    return dict(Room.objects.filter(pk__in=room_ids).values_list("pk", "last_seq"))


def community_by_slug(*, slug: str) -> Community:
    """Just the community (no counts), for actions that only need to know which one."""
    community = Community.objects.filter(slug=slug).first()
    if community is None:
        raise NotFound(_("No community '%(slug)s'.") % {"slug": slug})
    return community


def facilitator_ids(community_id: int) -> list[int]:
    """The active facilitators and co-facilitators of a community."""
    return list(
        Membership.objects.filter(
            community_id=community_id,
            state=MembershipState.ACTIVE,
            role__in=FACILITATING_ROLES,
        ).values_list("user_id", flat=True)
    )


def profile_of(*, user: Any) -> Profile:
    """The teacher's profile; an empty, unsaved one if they never filled it in (reading it
    writes nothing)."""
    return Profile.objects.filter(user=user).first() or Profile(user=user)


def last_message_at(*, user: Any, room_id: int, before_seq: int | None = None) -> Any:
    """When ``user`` last posted a message in the room (before ``before_seq`` if given;
    ``None`` if never): slow mode."""
    messages = RoomEvent.objects.filter(room_id=room_id, author_id=user.pk, kind=EventKind.MESSAGE)
    if before_seq is not None:
        messages = messages.filter(seq__lt=before_seq)
    return messages.order_by("-seq").values_list("created_at", flat=True).first()


def unread_by_room(*, user: Any) -> QuerySet[Room]:
    """Every discussion room of the user's active communities, with the user's ``unread``
    count, in one query: the home page and the live badges of every page."""
    rooms = Room.objects.filter(
        kind=RoomKind.DISCUSSION,
        archived_at__isnull=True,
        community__memberships__user_id=user.pk,
        community__memberships__state=MembershipState.ACTIVE,
    )
    return (
        _with_unread(rooms, user)
        .select_related("community")
        .order_by("community__name", "position", "pk")
    )


def mentionable_members(*, community: Community, q: str, limit: int = 8) -> list[Any]:
    """Active members whose handle starts with ``q`` or whose name contains it (for
    @-mention autocomplete), by name."""
    q = q.strip().lstrip("@")
    users = User.objects.filter(
        memberships__community=community,
        memberships__state=MembershipState.ACTIVE,
        handle__isnull=False,
    )
    if q:
        users = users.filter(Q(handle__istartswith=q) | Q(display_name__icontains=q))
    return list(users.order_by("display_name")[: max(1, min(limit, 20))])


def room_label(room: Room) -> str:
    """How a sentence names a room: "#general", or what the app owning its kind says (a
    material's thread: the material's title)."""
    hooks = room_kinds.get(room.kind) if room.kind in room_kinds else None
    if hooks is not None and hooks.label is not None:
        return hooks.label(room)
    return f"#{room.name}"


# --- networks ----------------------------------------------------------------------------------


def circles_of(community: Community) -> list[Community]:
    """The cross-border circles ``community`` is part of (not archived), by name."""
    return list(
        Community.objects.filter(
            circle_links__community=community, archived_at__isnull=True
        ).order_by("name")
    )


def linked_to(circle: Community) -> list[Community]:
    """The communities linked to a circle (not archived), by name."""
    if circle.kind != CommunityKind.CROSS_BORDER:
        return []
    return list(
        Community.objects.filter(network_links__circle=circle, archived_at__isnull=True).order_by(
            "name"
        )
    )


def network_communities(community: Community) -> list[Community]:
    """The other communities of ``community``'s network, by name, archived ones left out:
    for a circle, the communities linked to it; for a linked community, its circles and the
    other communities linked to them. Empty outside a network. (Announcements to a network
    reach these; events "open to other communities" can offer them.)"""
    circle_ids = set(
        CircleLink.objects.filter(community=community).values_list("circle_id", flat=True)
    )
    if community.kind == CommunityKind.CROSS_BORDER:
        circle_ids.add(community.pk)
    if not circle_ids:
        return []
    members = CircleLink.objects.filter(circle_id__in=circle_ids).values_list(
        "community_id", flat=True
    )
    return list(
        Community.objects.filter(Q(pk__in=circle_ids) | Q(pk__in=members))
        .exclude(pk=community.pk)
        .filter(archived_at__isnull=True)
        .order_by("name")
    )
