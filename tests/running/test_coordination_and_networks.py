"""Coordinators found communities and decide proposals; networks link communities to a
circle; announcements reach a whole network. Who is told, and what the audit log keeps."""

from __future__ import annotations

import pytest
from django.core import mail
from notifications.models import Notification

from community import selectors, services
from community.models import CircleLink, Community, Membership
from core.errors import Conflict, Forbidden, Invalid
from delivery.worker import process_pending_jobs
from facilitators import services as moderation
from facilitators.models import AuditEntry, CommunityProposal, Invitation
from tests.conftest import make_member
from tests.factories import CommunityFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator():
    return UserFactory(is_coordinator=True, display_name="Sofia Berg")


def _told(user) -> list[str]:
    process_pending_jobs()
    return [n.verb for n in Notification.objects.filter(recipient=user).order_by("pk")]


def test_founding_for_someone_with_an_account_makes_them_facilitator(coordinator):
    anna = UserFactory(email="anna@brabant.test")
    community, person, invitation = moderation.community_found(
        actor=coordinator,
        name="Noord-Brabant",
        kind="hub",
        countries=["nl"],
        languages=["NL"],
        facilitator_email="Anna@Brabant.test",
    )
    assert (person, invitation) == (anna, None)
    assert (community.kind, [c.code for c in community.countries], community.languages) == (
        "hub",
        ["NL"],
        ["nl"],
    )
    membership = Membership.objects.get(community=community)
    assert (membership.user, membership.role, membership.state) == (anna, "facilitator", "active")
    assert community.created_by == coordinator
    assert _told(anna) == ["made you the facilitator of Noord-Brabant"]
    actions = list(AuditEntry.objects.filter(community=community).values_list("action", flat=True))
    assert sorted(actions) == ["community.create", "facilitator.name"]


def test_founding_for_someone_without_an_account_invites_them_as_facilitator(
    coordinator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        community, person, invitation = moderation.community_found(
            actor=coordinator, name="Limburg", kind="regional", facilitator_email="new@limburg.test"
        )
    assert person is None and invitation.role == "facilitator"
    assert not Membership.objects.filter(community=community).exists()
    (sent,) = mail.outbox
    assert sent.to == ["new@limburg.test"] and "as its facilitator" in sent.body
    # They sign up with that address and accept: facilitator at once.
    newcomer = UserFactory(email="new@limburg.test")
    membership = moderation.invitation_accept(user=newcomer, token=invitation.token)
    assert (membership.role, membership.state) == ("facilitator", "active")
    assert Invitation.objects.get().used_by == newcomer


def test_a_facilitator_invitation_promotes_an_existing_member(coordinator):
    community = CommunityFactory()
    member = make_member(community).user
    invitation = moderation.invitation_new(
        actor=coordinator, community=community, email=member.email, role="facilitator"
    )
    moderation.invitation_accept(user=member, token=invitation.token)
    assert Membership.objects.get(community=community, user=member).role == "facilitator"


def test_teachers_propose_and_coordinators_approve(coordinator):
    hanna = UserFactory(display_name="Hanna Virtanen")
    proposal = moderation.proposal_create(
        proposer=hanna,
        name="Uusimaa: digitaalinen pedagogiikka",
        kind="regional",
        countries=["FI"],
        region="Uusimaa",
        languages=["fi", "sv"],
        reason="Teachers near Espoo want to share learning analytics practice.",
    )
    assert _told(coordinator) == ["proposed a new community: Uusimaa: digitaalinen pedagogiikka"]
    moderation.proposal_approve(actor=coordinator, proposal=proposal, join_policy="open")
    proposal.refresh_from_db()
    community = proposal.community
    assert proposal.state == "approved" and community.slug == "uusimaa-digitaalinen-pedagogiikka"
    assert Membership.objects.get(community=community).user == hanna
    assert Membership.objects.get(community=community).role == "facilitator"
    assert _told(hanna) == [
        "approved your proposal: you facilitate Uusimaa: digitaalinen pedagogiikka"
    ]
    with pytest.raises(Conflict):
        moderation.proposal_approve(actor=coordinator, proposal=proposal)


def test_a_declined_proposal_says_why(coordinator):
    lina = UserFactory()
    proposal = moderation.proposal_create(
        proposer=lina, name="Lund primary", kind="regional", reason="Portfolios"
    )
    with pytest.raises(Invalid, match="Tell the proposer why"):
        moderation.proposal_decline(actor=coordinator, proposal=proposal, reason="  ")
    moderation.proposal_decline(actor=coordinator, proposal=proposal, reason="Join Skåne")
    process_pending_jobs()
    told = Notification.objects.get(recipient=lina)
    assert (told.verb, told.description) == (
        "declined your proposal for Lund primary",
        "Join Skåne",
    )
    entry = AuditEntry.objects.get(action="proposal.decline")
    assert (entry.community, entry.reason) == (None, "Join Skåne")
    assert not Community.objects.filter(name="Lund primary").exists()


def test_open_proposals_per_teacher_are_limited(settings):
    settings.KRING_MAX_OPEN_PROPOSALS = 1
    teacher = UserFactory()
    moderation.proposal_create(proposer=teacher, name="One", kind="hub", reason="Why")
    with pytest.raises(Conflict, match="waiting"):
        moderation.proposal_create(proposer=teacher, name="Two", kind="hub", reason="Why")
    assert CommunityProposal.objects.count() == 1


def test_only_coordinators_decide(coordinator):
    proposal = moderation.proposal_create(
        proposer=UserFactory(), name="One", kind="hub", reason="Why"
    )
    with pytest.raises(Forbidden):
        moderation.proposal_approve(actor=UserFactory(), proposal=proposal)


def test_staff_grant_the_coordinator_role():
    staff, teacher = UserFactory(is_staff=True), UserFactory()
    moderation.coordinator_set(actor=staff, user=teacher, on=True)
    teacher.refresh_from_db()
    assert teacher.is_coordinator
    with pytest.raises(Forbidden):
        moderation.coordinator_set(actor=teacher, user=UserFactory(), on=True)
    assert AuditEntry.objects.get().action == "coordinator.grant"


# --- networks --------------------------------------------------------------------------------


@pytest.fixture
def network():
    circle = CommunityFactory(kind="cross_border", name="European circle", join_policy="invite")
    gelderland = CommunityFactory(kind="regional", name="Gelderland")
    skane = CommunityFactory(kind="regional", name="Skåne")
    return circle, gelderland, skane


def test_linking_makes_the_facilitators_members_of_the_circle(network):
    circle, gelderland, _skane = network
    marieke = make_member(gelderland, role="facilitator").user
    co = make_member(gelderland, role="co_facilitator").user
    services.network_link(actor=marieke, community=gelderland, circle=circle)
    assert set(
        Membership.objects.filter(community=circle, state="active").values_list("user", flat=True)
    ) == {marieke.pk, co.pk}
    assert selectors.circles_of(gelderland) == [circle]
    assert selectors.linked_to(circle) == [gelderland]
    joined = selectors.room_events(room_id=circle.rooms.get(name="general").pk)
    assert [e.data["action"] for e in joined] == ["joined", "joined"]
    assert AuditEntry.objects.filter(action="network.link").count() == 2  # both sides
    with pytest.raises(Conflict, match="already part"):
        services.network_link(actor=marieke, community=gelderland, circle=circle)


def test_someone_who_becomes_facilitator_later_joins_the_circle(network):
    circle, gelderland, _skane = network
    marieke = make_member(gelderland, role="facilitator").user
    daan = make_member(gelderland).user
    services.network_link(actor=marieke, community=gelderland, circle=circle)
    moderation.member_role_change(
        actor=marieke,
        membership=Membership.objects.get(community=gelderland, user=daan),
        role="co_facilitator",
    )
    assert Membership.objects.get(community=circle, user=daan).state == "active"


def test_network_communities_is_every_other_community_of_the_network(network):
    circle, gelderland, skane = network
    coordinator = UserFactory(is_coordinator=True)
    outside = CommunityFactory(name="Outside")
    for community in (gelderland, skane):
        services.network_link(actor=coordinator, community=community, circle=circle)
    assert selectors.network_communities(gelderland) == [circle, skane]
    assert selectors.network_communities(circle) == [gelderland, skane]
    assert selectors.network_communities(outside) == []
    services.community_archive(actor=coordinator, community=skane)
    assert selectors.network_communities(gelderland) == [circle]


def test_a_network_announcement_reaches_every_community_once_per_person(network):
    circle, gelderland, skane = network
    coordinator = UserFactory(is_coordinator=True)
    marieke = make_member(gelderland, role="facilitator").user
    for community in (gelderland, skane):
        services.network_link(actor=coordinator, community=community, circle=circle)
    daan = make_member(gelderland).user
    Membership.objects.create(community=circle, user=daan)  # in two communities of it
    lina = make_member(skane).user
    moderation.announcement_post(
        actor=marieke, community=gelderland, body="Peer visits in **May**", scope="network"
    )
    for community in (circle, gelderland, skane):
        (event,) = selectors.room_events(room_id=community.rooms.get(name="general").pk)[-1:]
        assert (event.kind, event.data["network"]["from"]) == ("announcement", gelderland.slug)
    process_pending_jobs()
    verb = "posted an announcement to the network of Gelderland"
    assert list(Notification.objects.filter(recipient=daan).values_list("verb", flat=True)) == [
        verb
    ]
    assert Notification.objects.filter(recipient=lina, verb=verb).count() == 1
    assert AuditEntry.objects.get(action="network.announce").data["communities"] == [
        gelderland.slug,
        circle.slug,
        skane.slug,
    ]


def test_a_network_announcement_needs_a_network(network):
    _circle, gelderland, _skane = network
    marieke = make_member(gelderland, role="facilitator").user
    with pytest.raises(Conflict, match="not part of a network"):
        moderation.announcement_post(
            actor=marieke, community=gelderland, body="Hi", scope="network"
        )


def test_unlinking_keeps_the_facilitators_in_the_circle(network):
    circle, gelderland, _skane = network
    marieke = make_member(gelderland, role="facilitator").user
    circle_facilitator = make_member(circle, role="facilitator").user
    services.network_link(actor=marieke, community=gelderland, circle=circle)
    services.network_unlink(actor=circle_facilitator, community=gelderland, circle=circle)
    assert not CircleLink.objects.exists()
    assert Membership.objects.get(community=circle, user=marieke).state == "active"


def test_a_teachers_proposals_are_in_their_export_and_go_with_their_account(coordinator):
    teacher = UserFactory()
    waiting = moderation.proposal_create(proposer=teacher, name="One", kind="hub", reason="Why")
    decided = moderation.proposal_create(proposer=teacher, name="Two", kind="hub", reason="Because")
    moderation.proposal_decline(actor=coordinator, proposal=decided, reason="No")
    export = services.account_export(user=teacher)
    assert [p["name"] for p in export["community_proposals"]] == ["Two", "One"]
    services.account_delete(user=teacher, erase_messages=True)
    assert not CommunityProposal.objects.filter(pk=waiting.pk).exists()
    kept = CommunityProposal.objects.get(pk=decided.pk)
    assert (kept.proposer, kept.reason) == (None, "")
