"""Where the apps above plug into communities and rooms (filled in their ``AppConfig.ready``).

* ``post_checks`` — a boolean column of the one statement every post runs (who is muted, who
  watches the room), and the refusal that follows from it;
* ``message_posted`` — run inside the post's transaction once the message is stored
  (notifications, following a thread);
* ``room_kinds`` — what the app owning a kind of room adds: whether a comment may name a
  version, which page shows such a room, and who may join it from outside the community;
* ``page_context`` — extra context for the community and room pages (notification level);
* ``home_panels`` — cards on a signed-in teacher's home page (events, suggestions): each
  returns ``None`` or a dict with the ``template`` to render and what it needs;
* ``profile_changed`` — run inside the transaction of a profile change with the user and the
  names of the fields that changed (the networking app marks the teacher's vectors stale).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from core.registry import Registry

if TYPE_CHECKING:  # this app's own models, for annotations only
    from .models import Community, Room, RoomEvent, User


@dataclass(frozen=True)
class PostCheck:
    """``sql()`` gives a boolean SQL expression over ``r.id`` (the room; NULL for a check of
    the whole community), ``r.community_id``, ``u.id`` (the poster) and ``u.now``, with its
    parameters (built once, on the first post). ``refusal(user, room, community_id)`` turns a
    true value into the reason the user may not post (``room`` None: anywhere in the
    community), or is None for a check that only informs the ``message_posted`` hooks."""

    sql: Callable[[], tuple[str, tuple[Any, ...]]]
    refusal: Callable[[User, Room | None, int], str | None] | None = None
    # What the room page says before the user types (e.g. a mute with its end), or None.
    state: Callable[[User, Room], dict[str, Any] | None] | None = None


def sql_ref(column: str) -> RawSQL:
    """A value of the post statement (``"r.id"``, ``"u.now"``) inside an ORM query."""
    return RawSQL(column, [])


def exists_sql(queryset: QuerySet) -> tuple[str, tuple[Any, ...]]:
    """``EXISTS (the query set)`` as SQL with its parameters: a rule written once with the
    ORM (its values may be ``sql_ref``s) becomes a column of the post statement."""
    sql, params = queryset.values("pk").query.get_compiler(connection=connection).as_sql()
    return f"EXISTS ({sql})", tuple(params)


@dataclass(frozen=True)
class PostingContext:
    """What the posting rules know of the poster: their membership (``state`` None for a
    non-member) and the value of every registered post check."""

    role: str | None
    state: str | None
    checks: dict[str, bool]


@dataclass(frozen=True)
class RoomKindHooks:
    # For comments that name a version of what the room discusses: does version N exist?
    has_version: Callable[[int, int], bool] | None = None
    # The page that shows rooms of this kind (e.g. a teaching material's page).
    page_url: Callable[[Room], str] | None = None
    # Who may read and post besides the community's active members: ``guest(user, room)``
    # (e.g. teachers of another community invited to an event). Guests post under the room's
    # post checks; the community's role rules apply to members only.
    guest: Callable[[User, Room], bool] | None = None
    # How people name such a room in a sentence ("“Fractions with pizza”"); else "#name".
    label: Callable[[Room], str] | None = None
    # Private rooms (direct conversations) belong to no community: only those ``guest`` lets
    # in read and post there, and nobody moderates them (not a community's facilitators, not
    # staff); a community's roles and staff rights never reach into them.
    private: bool = False


post_checks: Registry[PostCheck] = Registry("post checks")
message_posted: Registry[Callable[[RoomEvent, Room, PostingContext], None]] = Registry(
    "message posted hooks"
)
# Called inside the deleting transaction with the message (its text already gone): what
# other apps keep about it (files) goes too.
message_deleted: Registry[Callable[[RoomEvent], None]] = Registry("message deleted hooks")
room_kinds: Registry[RoomKindHooks] = Registry("room kinds")
page_context: Registry[Callable[[User, Community, Room | None], dict[str, Any]]] = Registry(
    "page context"
)
home_panels: Registry[Callable[[User], dict[str, Any] | None]] = Registry("home panels")
profile_changed: Registry[Callable[[User, set[str]], None]] = Registry("profile changed hooks")
