"""Who may act on whom: facilitators act on members below their own rank (``core.roles``);
the reading, posting and moderating predicates are the community app's
(``community.permissions``). ``docs/permissions.md`` is the matrix.

Also the one definition of "muted": a post check the community app runs in every post's
statement, and the refusal that follows from it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import F
from django.utils.translation import gettext as _

from community.models import User
from community.permissions import actor_rank
from community.registry import PostCheck, exists_sql, sql_ref
from core.roles import ROLE_RANK

from .models import Mute


def can_act_on(actor: Any, target_membership: Any) -> bool:
    """Moderating a member (mute, remove, ban, change role, approve) needs a facilitating role
    in their community strictly above theirs; staff act on anyone; nobody on themself."""
    if actor is None or target_membership.user_id == actor.pk:
        return False
    return actor_rank(actor, target_membership) > ROLE_RANK[target_membership.role]


def can_assign_role(actor: Any, target_membership: Any, new_role: str) -> bool:
    """Roles can only be given below one's own rank (so only staff make facilitators)."""
    return can_act_on(actor, target_membership) and (
        actor_rank(actor, target_membership) > ROLE_RANK[new_role]
    )


def active_mute(user: User, community_id: int, room_id: int | None) -> Mute | None:
    """The mute that keeps ``user`` from posting in a room (room or community wide; with
    ``room_id`` None, community-wide mutes only), the longest-lasting one when several
    apply."""
    mutes = Mute.objects.muting(user=user.pk, community=community_id, room=room_id)
    return mutes.order_by(F("until").desc(nulls_first=True)).first()


def _mute_refusal(user: User, room: Any, community_id: int) -> str | None:
    mute = active_mute(user, community_id, room.pk if room is not None else None)
    if mute is None:
        return None
    where = _("in this room") if mute.room_id else _("in this community")
    if mute.until is None:
        return _("A facilitator muted you %(where)s.") % {"where": where}
    return _("A facilitator muted you %(where)s until %(until)s UTC.") % {
        "where": where,
        "until": mute.until.strftime("%Y-%m-%d %H:%M"),
    }


def _muted_sql() -> tuple[str, tuple[Any, ...]]:
    """``Mute.objects.muting`` as SQL over the post statement's ``r`` (room) and ``u``
    (poster): the rule is written once, in the query set."""
    mutes = Mute.objects.muting(
        user=sql_ref("u.id"), community=sql_ref("r.community_id"), room=sql_ref("r.id"),
        now=sql_ref("u.now"),
    )  # fmt: skip
    return exists_sql(mutes)


def _mute_state(user: User, room: Any) -> dict[str, Any] | None:
    """The mute a room page shows before its reader types (its end as ISO time: the page
    shows it in the reader's zone)."""
    mute = active_mute(user, room.community_id, room.pk)
    if mute is None:
        return None
    return {
        "room": mute.room_id,
        "until": mute.until.isoformat() if mute.until else None,
        "reason": mute.reason,
    }


MUTE_CHECK = PostCheck(sql=_muted_sql, refusal=_mute_refusal, state=_mute_state)
