from __future__ import annotations

import pytest
from django.test import Client

from community.models import Membership
from facilitators import services as moderation
from tests.conftest import make_member
from tests.factories import CommunityFactory, UserFactory

pytestmark = pytest.mark.django_db


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_dashboard_only_for_facilitators(community):
    member = make_member(community).user
    response = logged_in(member).get(f"/c/{community.slug}/facilitate/")
    assert response.status_code == 302 and response.url == f"/c/{community.slug}/"
    facilitator = make_member(community, role="facilitator").user
    page = logged_in(facilitator).get(f"/c/{community.slug}/facilitate/")
    assert page.status_code == 200 and "Join requests" in page.content.decode()


def test_dashboard_actions_call_services(community):
    facilitator = make_member(community, role="facilitator").user
    applicant = make_member(community, state="pending").user
    client = logged_in(facilitator)
    client.post(f"/c/{community.slug}/facilitate/", {"action": "approve", "user": applicant.pk})
    assert Membership.objects.get(user=applicant).state == "active"
    response = client.post(
        f"/c/{community.slug}/facilitate/", {"action": "ban", "user": facilitator.pk}, follow=True
    )
    assert "below your own role" in response.content.decode()
    client.post(f"/c/{community.slug}/facilitate/", {"action": "room", "room": community.rooms.get().pk,
                                                     "is_locked": "on", "slow_mode_seconds": "10", "topic": "New"})  # fmt: skip
    room = community.rooms.get()
    assert (room.is_locked, room.slow_mode_seconds, room.topic) == (True, 10, "New")


def test_invitation_page_accepts_once():
    community = CommunityFactory(join_policy="invite", name="Invite-only circle")
    facilitator = make_member(community, role="facilitator").user
    invitation = moderation.invitation_create(actor=facilitator, community=community)
    guest = UserFactory()
    client = logged_in(guest)
    page = client.get(f"/invite/{invitation.token}/")
    assert "Accept the invitation" in page.content.decode()
    client.post(f"/invite/{invitation.token}/")
    assert Membership.objects.get(user=guest).state == "active"
    assert (
        "was used" in logged_in(UserFactory()).get(f"/invite/{invitation.token}/").content.decode()
    )
    assert Client().get(f"/invite/{invitation.token}/").status_code == 302  # sign in first
