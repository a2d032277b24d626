"""Joining and leaving communities; creating them."""

from __future__ import annotations

import pytest

from community import services
from community.models import Community, Membership
from core.errors import Conflict, Forbidden, Invalid
from tests.conftest import make_member
from tests.factories import CommunityFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_create_community_makes_general_room_and_facilitator():
    creator = UserFactory()
    community = services.community_create(
        creator=creator, name="Skåne lärande", kind="regional", countries=["se"], languages=["SV"]
    )
    assert community.slug == "skane-larande"
    assert list(community.rooms.values_list("name", flat=True)) == ["general"]
    membership = Membership.objects.get(community=community, user=creator)
    assert (membership.role, membership.state) == ("facilitator", "active")
    assert [c.code for c in community.countries] == ["SE"]
    assert community.languages == ["sv"]


def test_create_rejects_unknown_kind_and_bad_language():
    with pytest.raises(Invalid):
        services.community_create(creator=None, name="X", kind="galaxy")
    with pytest.raises(Invalid):
        services.community_create(creator=None, name="X", kind="hub", languages=["not a tag!"])
    assert not Community.objects.exists()


@pytest.mark.parametrize(("policy", "state"), [("open", "active"), ("request", "pending")])
def test_join_by_policy(policy, state):
    community = CommunityFactory(join_policy=policy)
    membership = services.membership_join(user=UserFactory(), community=community)
    assert (membership.state, membership.role) == (state, "member")


def test_invite_only_community_cannot_be_joined_directly():
    community = CommunityFactory(join_policy="invite")
    with pytest.raises(Forbidden):
        services.membership_join(user=UserFactory(), community=community)
    assert not Membership.objects.exists()


def test_joining_twice_changes_nothing(community):
    user = UserFactory()
    first = services.membership_join(user=user, community=community)
    second = services.membership_join(user=user, community=community)
    assert first.pk == second.pk
    assert Membership.objects.filter(user=user).count() == 1


def test_leave_then_rejoin_comes_back_as_member(community):
    member = make_member(community, role="co_facilitator")
    services.membership_leave(user=member.user, community=community)
    assert Membership.objects.get(user=member.user).state == "left"
    again = services.membership_join(user=member.user, community=community)
    assert (again.state, again.role) == ("active", "member")


def test_leave_tells_open_sockets_after_commit(community, django_capture_on_commit_callbacks):
    member = make_member(community)
    with django_capture_on_commit_callbacks() as callbacks:
        services.membership_leave(user=member.user, community=community)
    # the "left" event in the general room, and the removal from the user's sockets
    assert len(callbacks) == 2


def test_only_facilitator_cannot_leave(community):
    facilitator = make_member(community, role="facilitator")
    with pytest.raises(Conflict):
        services.membership_leave(user=facilitator.user, community=community)
    second = make_member(community, role="facilitator")
    services.membership_leave(user=facilitator.user, community=community)
    assert Membership.objects.get(user=second.user).state == "active"


def test_leaving_without_membership_is_a_conflict(community):
    with pytest.raises(Conflict):
        services.membership_leave(user=UserFactory(), community=community)
