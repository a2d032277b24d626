"""The foundation's permission predicates, cell by cell."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from community.permissions import can_moderate, can_post, can_read_rooms, can_view_community
from tests.conftest import make_member
from tests.factories import CommunityFactory, UserFactory

pytestmark = pytest.mark.django_db

# who -> (view, read rooms, post, moderate)
MATRIX = {
    "anonymous": (False, False, False, False),
    "non_member": (True, False, False, False),
    "pending": (True, False, False, False),
    "left": (True, False, False, False),
    "observer": (True, True, False, False),
    "member": (True, True, True, False),
    "co_facilitator": (True, True, True, True),
    "facilitator": (True, True, True, True),
    "facilitator_elsewhere": (True, False, False, False),
    "staff": (True, True, False, True),
}


def _actor(who, community):
    if who == "anonymous":
        return AnonymousUser()
    if who == "non_member":
        return UserFactory()
    if who == "staff":
        return UserFactory(is_staff=True)
    if who == "pending":
        return make_member(community, state="pending").user
    if who == "left":
        return make_member(community, state="left").user
    if who == "facilitator_elsewhere":
        return make_member(CommunityFactory(), role="facilitator").user
    return make_member(community, role=who).user


@pytest.mark.parametrize("who", MATRIX)
def test_permission_matrix(who):
    community = CommunityFactory()
    actor = _actor(who, community)
    got = (
        can_view_community.test(actor, community),
        can_read_rooms.test(actor, community),
        can_post.test(actor, community),
        can_moderate.test(actor, community),
    )
    assert got == MATRIX[who]


def test_predicates_accept_a_community_id():
    community = CommunityFactory()
    member = make_member(community)
    assert can_post.test(member.user, community.pk)
