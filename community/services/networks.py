"""Networks: regional communities and hubs linked to a cross-border circle ("part of the
European circle"). The circle's page lists them, their facilitators are members of the
circle, and a facilitator's announcement can reach the whole network at once."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.audit import AuditAction, audit_record
from core.emitters import user_frame_on_commit
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.notify import Category, Verb, notify_users
from core.protocol.frames import MembershipFrame
from core.roles import FACILITATING_ROLES, Role

from ..models import CircleLink, Community, CommunityKind, Membership, MembershipState, User
from ..permissions import can_coordinate, can_manage_community
from ..selectors import facilitator_ids
from .communities import member_event

LINKABLE_KINDS = frozenset({CommunityKind.REGIONAL, CommunityKind.HUB})


def _may_link(actor: User, community: Community, circle: Community) -> bool:
    """The linked community's facilitators decide to join a network, as do coordinators; the
    circle's facilitators (and coordinators) may also take a community out of it."""
    return can_coordinate.test(actor) or can_manage_community.test(actor, community)


def network_link(*, actor: User, community: Community, circle: Community) -> CircleLink:
    """Make ``community`` part of ``circle``'s network; its facilitators join the circle."""
    if circle.kind != CommunityKind.CROSS_BORDER:
        raise Invalid(
            _("%(name)s is not a cross-border circle.") % {"name": circle.name}, field="circle"
        )
    if community.kind not in LINKABLE_KINDS:
        raise Invalid(_("Only regional communities and hubs are linked to a circle."))
    with transaction.atomic():
        # Lock both, in id order (two links made at once must not deadlock).
        locked = {
            c.pk: c
            for c in Community.objects.select_for_update()
            .filter(pk__in=[community.pk, circle.pk])
            .order_by("pk")
        }
        community, circle = locked[community.pk], locked[circle.pk]
        if not _may_link(actor, community, circle):
            raise Forbidden(_("Only this community's facilitators or a coordinator can link it."))
        if community.archived_at or circle.archived_at:
            raise Conflict(_("Archived communities cannot be linked."))
        if CircleLink.objects.filter(circle=circle, community=community).exists():
            raise Conflict(
                _("%(name)s is already part of %(name2)s.")
                % {"name": community.name, "name2": circle.name}
            )
        if circle.circle_links.count() >= settings.KRING_MAX_CIRCLE_LINKS:
            raise Conflict(
                _("A circle links at most %(max_circle_links)s communities.")
                % {"max_circle_links": settings.KRING_MAX_CIRCLE_LINKS}
            )
        link = CircleLink.objects.create(circle=circle, community=community, linked_by=actor)
        circle_members_ensure(circle=circle, user_ids=facilitator_ids(community.pk), actor=actor)
        for audited in (community, circle):
            audit_record(
                community_id=audited.pk,
                actor=actor,
                action=AuditAction.NETWORK_LINK,
                data={"circle": circle.slug, "community": community.slug},
            )
        notify_users(
            actor=actor,
            user_ids=facilitator_ids(circle.pk) + facilitator_ids(community.pk),
            category=Category.FACILITATION,
            verb=Verb(
                gettext_noop("linked %(community)s to %(circle)s"),
                community=community.name,
                circle=circle.name,
            ),
            community_id=circle.pk,
            url=f"/c/{circle.slug}/",
        )
    return link


def network_unlink(*, actor: User, community: Community, circle: Community) -> None:
    """Take ``community`` out of ``circle``'s network. Its facilitators stay members of the
    circle (they may leave it like anyone)."""
    with transaction.atomic():
        link = (
            CircleLink.objects.select_for_update()
            .filter(circle=circle, community=community)
            .first()
        )
        if link is None:
            raise NotFound(
                _("%(name)s is not part of %(name2)s.")
                % {"name": community.name, "name2": circle.name}
            )
        allowed = _may_link(actor, community, circle) or can_manage_community.test(actor, circle)
        if not allowed:
            raise Forbidden(_("Only facilitators of either community or a coordinator can unlink."))
        link.delete()
        for audited in (community, circle):
            audit_record(
                community_id=audited.pk,
                actor=actor,
                action=AuditAction.NETWORK_UNLINK,
                data={"circle": circle.slug, "community": community.slug},
            )
        notify_users(
            actor=actor,
            user_ids=facilitator_ids(circle.pk) + facilitator_ids(community.pk),
            category=Category.FACILITATION,
            verb=Verb(
                gettext_noop("took %(community)s out of %(circle)s"),
                community=community.name,
                circle=circle.name,
            ),
            community_id=circle.pk,
            url=f"/c/{circle.slug}/",
        )


def circle_members_ensure(*, circle: Community, user_ids: Iterable[int], actor: User) -> int:
    """Make these people (facilitators of a linked community) active members of the circle,
    whatever its join policy: a ``joined`` event and a ``membership`` frame for each one
    added. Banned people stay out; members keep their role. Call inside a transaction."""
    added = 0
    for user_id in sorted(set(user_ids)):
        membership = (
            Membership.objects.select_for_update()
            .select_related("user")
            .filter(community=circle, user_id=user_id)
            .first()
        )
        if membership is not None and membership.state in (
            MembershipState.ACTIVE,
            MembershipState.BANNED,
        ):
            continue
        if membership is None:
            membership = Membership.objects.create(
                community=circle, user_id=user_id, role=Role.MEMBER, state=MembershipState.ACTIVE
            )
        else:
            membership.state, membership.role = MembershipState.ACTIVE, Role.MEMBER
            membership.save(update_fields=["state", "role", "updated_at"])
        user = User.objects.get(pk=user_id)
        member_event(community=circle, actor=actor, user=user, action="joined", network=True)
        user_frame_on_commit(
            user_id,
            MembershipFrame(community=circle.slug, state=membership.state, role=membership.role),
        )
        added += 1
    return added


def network_facilitator_joined(*, community: Community, user: User, actor: User) -> None:
    """Someone became a facilitator of ``community``: they join its circles too. Call inside
    the transaction that gave them the role."""
    membership = Membership.objects.filter(community=community, user=user).first()
    if membership is None or membership.role not in FACILITATING_ROLES:
        return
    for link in CircleLink.objects.filter(community=community).select_related("circle"):
        if link.circle.archived_at is None:
            circle_members_ensure(circle=link.circle, user_ids=[user.pk], actor=actor)
