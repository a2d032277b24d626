"""What every moderation service starts with: checking the actor's rank, locking the
membership acted on, and telling the member concerned."""

from __future__ import annotations

from django.utils.translation import gettext as _

from community.models import Membership, User
from community.permissions import can_moderate
from core.emitters import user_frame_on_commit
from core.errors import Forbidden, NotFound
from core.notify import Category, Verb, notify_users
from core.protocol.frames import MembershipFrame

from ..permissions import can_act_on


def require_moderator(actor: User, community: object) -> None:
    if not can_moderate.test(actor, community):
        raise Forbidden(_("Only this community's facilitators can do that."))


def require_act_on(actor: User, membership: Membership) -> None:
    require_moderator(actor, membership.community_id)
    if not can_act_on(actor, membership):
        raise Forbidden(_("You can only act on members below your own role."))


def locked_membership(membership_id: int) -> Membership:
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("community", "user")
        .filter(pk=membership_id)
        .first()
    )
    if membership is None:
        raise NotFound(_("No such membership."))
    return membership


def tell_member(
    membership: Membership, actor: User, verb: Verb, text: str = "", *, still_member: bool = True
) -> None:
    """A membership notification to the member concerned (also when they were just removed)."""
    notify_users(
        actor=actor,
        user_ids=[membership.user_id],
        category=Category.MEMBERSHIP,
        verb=verb,
        community_id=membership.community_id,
        text=text,
        url=f"/c/{membership.community.slug}/",
        members_only=still_member,
    )


def membership_frame(membership: Membership, message: str = "") -> None:
    user_frame_on_commit(
        membership.user_id,
        MembershipFrame(
            community=membership.community.slug,
            state=membership.state,
            role=membership.role,
            message=message,
        ),
    )
