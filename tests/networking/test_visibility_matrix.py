"""docs/permissions.md "Profile fields": every cell, through the JSON API (one field of each
level on one profile, looked at by each kind of viewer)."""

from __future__ import annotations

import pytest
from django.test import Client

from community import services
from community.models import MembershipState
from tests.factories import CommunityFactory, MembershipFactory, UserFactory
from tests.permission_matrix import matrix

pytestmark = pytest.mark.django_db

# The field set to each level, and the value it carries.
FIELDS = {"everyone": ("school", "Het Lyceum"), "members": ("bio", "A private bio"),
          "nobody": ("interests", ["secret hobby"])}  # fmt: skip


def _owner(discoverable: bool):
    owner = UserFactory(display_name="Owner")
    services.profile_update(
        user=owner,
        discoverable=discoverable,
        visibility={field: level for level, (field, _value) in FIELDS.items()},
        **{field: value for field, value in FIELDS.values()},
    )
    return owner


def _viewer(who: str, owner):
    if who == "self":
        return owner
    if who == "anonymous":
        return None
    viewer = UserFactory()
    if who == "colleague":
        community = CommunityFactory()
        MembershipFactory(community=community, user=owner)
        MembershipFactory(community=community, user=viewer)
        # A community the viewer left does not count.
        other = CommunityFactory()
        MembershipFactory(community=other, user=owner)
        MembershipFactory(community=other, user=viewer, state=MembershipState.LEFT)
    return viewer


@pytest.mark.parametrize("who", list(matrix("Profile fields")))
def test_profile_field_matrix(who):
    expected = matrix("Profile fields")[who]
    owner = _owner(discoverable=who != "stranger")
    viewer = _viewer(who, owner)
    client = Client()
    if viewer is not None:
        client.force_login(viewer)
    response = client.get(f"/api/people/{owner.handle}")
    page = client.get(f"/people/{owner.handle}/")
    for level, (field, value) in FIELDS.items():
        if not any(expected.values()):
            assert response.status_code in (401, 404)
            assert page.status_code in (302, 404)
            continue
        assert response.status_code == 200, response.content
        shown = response.json()[field]
        assert (shown == value) is expected[level], (who, level, shown)
        text = value if isinstance(value, str) else value[0]
        assert (text in page.content.decode()) is expected[level], (who, level)
