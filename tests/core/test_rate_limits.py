"""Every write path has a limit per account (KRING_RATE_LIMITS): the API answers 429 with
Retry-After and nothing is written; notifications past an actor's cap are dropped."""

from __future__ import annotations

import pytest
from django.test import Client

from community import services
from community.models import Membership
from core.notify import Category, notify_users
from delivery.models import OutboxJob
from facilitators import services as moderation
from facilitators.models import Invitation, Report
from resources.models import Resource
from tests.conftest import make_member
from tests.factories import CommunityFactory
from tests.resources.files import pdf_upload

pytestmark = pytest.mark.django_db


def api(member) -> Client:
    return Client(HTTP_X_SESSION_TOKEN=member.token)


def _limited(settings, action: str, count: int) -> None:
    settings.KRING_RATE_LIMITS = {**settings.KRING_RATE_LIMITS, action: (count, 3600)}


def test_sharing_materials_is_limited(settings, community, alice):
    _limited(settings, "share", 2)
    form = {"title": "Fractions", "language": "nl", "licence": "CC-BY-4.0"}
    for _ in range(2):
        made = api(alice).post(
            f"/api/communities/{community.slug}/resources", {**form, "file": pdf_upload()}
        )
        assert made.status_code == 201, made.content
    refused = api(alice).post(
        f"/api/communities/{community.slug}/resources", {**form, "file": pdf_upload()}
    )
    assert refused.status_code == 429 and refused.json()["error"] == "rate_limited"
    assert int(refused["Retry-After"]) > 0
    assert Resource.objects.count() == 2


def test_join_and_leave_cycles_are_limited(settings, alice):
    _limited(settings, "membership", 3)
    open_community = CommunityFactory()
    make_member(open_community, role="facilitator")
    answers = []
    for _ in range(3):
        answers.append(api(alice).post(f"/api/communities/{open_community.slug}/join").status_code)
        answers.append(api(alice).post(f"/api/communities/{open_community.slug}/leave").status_code)
    # join, leave, join; the second leave is refused, so the next join finds her a member
    # already (changing nothing, 200) and the last leave is refused again.
    assert answers == [200, 200, 200, 429, 200, 429]
    assert Membership.objects.get(community=open_community, user=alice.user).state == "active"


def test_reports_are_limited(settings, room, alice, bob):
    _limited(settings, "report", 1)
    first, _ = services.message_post(room_id=room.pk, author=bob.user, body="one")
    second, _ = services.message_post(room_id=room.pk, author=bob.user, body="two")
    assert (
        api(alice)
        .post(f"/api/messages/{first.pk}/report", {"reason": "x"}, content_type="application/json")
        .status_code
        == 201
    )
    refused = api(alice).post(
        f"/api/messages/{second.pk}/report", {"reason": "x"}, content_type="application/json"
    )
    assert refused.status_code == 429
    assert Report.objects.count() == 1


def test_invitations_are_limited(settings, community):
    _limited(settings, "invite", 1)
    facilitator = make_member(community, role="facilitator")
    path = f"/api/communities/{community.slug}/invitations"
    assert api(facilitator).post(path, {}, content_type="application/json").status_code == 201
    assert api(facilitator).post(path, {}, content_type="application/json").status_code == 429
    assert Invitation.objects.count() == 1


def test_notifications_past_an_actors_cap_are_dropped_not_the_action(settings, alice, bob):
    _limited(settings, "notify", 2)
    jobs = [
        notify_users(actor=alice.user, user_ids=[bob.user.pk], category=Category.MENTION, verb="x")
        for _ in range(3)
    ]
    assert [job is not None for job in jobs] == [True, True, False]
    assert OutboxJob.objects.count() == 2


def test_moderation_of_a_service_call_is_limited_the_same_way(settings, community):
    _limited(settings, "invite", 1)
    facilitator = make_member(community, role="facilitator")
    moderation.invitation_create(actor=facilitator.user, community=community)
    from core.errors import RateLimited

    with pytest.raises(RateLimited):
        moderation.invitation_create(actor=facilitator.user, community=community)
