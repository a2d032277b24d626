"""Moderation services: each action's effect, its audit entry and its events."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from community import selectors, services
from community.models import EventKind, Membership, RoomEvent
from core.errors import Conflict, Forbidden, Invalid, RateLimited
from core.protocol.room_events import event_frame
from facilitators import services as moderation
from facilitators.models import AuditEntry, Invitation, Mute, Report
from tests.conftest import make_member, session_token_for
from tests.factories import CommunityFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def facilitator(community):
    return make_member(community, role="facilitator", display_name="Fiona Facilitator").user


@pytest.fixture
def member(community):
    return make_member(community, display_name="Max Member").user


def membership(community, user):
    return Membership.objects.get(community=community, user=user)


def last_audit():
    return AuditEntry.objects.order_by("-id").first()


def general_events(community, kind):
    return list(
        RoomEvent.objects.filter(room__community=community, room__name="general", kind=kind)
    )


def test_approve_join_request(community, facilitator):
    applicant = make_member(community, state="pending").user
    moderation.join_request_approve(
        actor=facilitator, membership=membership(community, applicant), message="Welkom!"
    )
    assert membership(community, applicant).state == "active"
    entry = last_audit()
    assert (entry.action, entry.actor, entry.target_user, entry.reason) == (
        "join.approve",
        facilitator,
        applicant,
        "Welkom!",
    )
    joined = general_events(community, EventKind.MEMBER)[-1]
    assert joined.data["action"] == "joined" and joined.data["user"]["id"] == applicant.pk
    with pytest.raises(Conflict):
        moderation.join_request_approve(
            actor=facilitator, membership=membership(community, applicant)
        )


def test_decline_join_request(community, facilitator):
    applicant = make_member(community, state="pending").user
    moderation.join_request_decline(actor=facilitator, membership=membership(community, applicant))
    assert membership(community, applicant).state == "left"
    assert last_audit().action == "join.decline"


def test_request_to_join_with_a_message(facilitator):
    community = CommunityFactory(join_policy="request")
    user = UserFactory()
    joined = services.membership_join(
        user=user, community=community, request_message="I teach physics in Tarnów"
    )
    assert (joined.state, joined.request_message) == ("pending", "I teach physics in Tarnów")


def test_invitation_by_email_single_use():
    community = CommunityFactory(join_policy="invite")
    inviter = make_member(community, role="facilitator").user
    invitee = UserFactory(email="invitee@school.test")
    invitation = moderation.invitation_create(
        actor=inviter, community=community, email="Invitee@School.test"
    )
    assert invitation.email == "invitee@school.test"
    assert len(mail.outbox) == 0  # sent after commit
    with pytest.raises(Forbidden):
        moderation.invitation_accept(user=UserFactory(), token=invitation.token)
    accepted = moderation.invitation_accept(user=invitee, token=invitation.token)
    assert (accepted.state, accepted.role) == ("active", "member")
    with pytest.raises(Conflict):
        moderation.invitation_accept(
            user=UserFactory(email="other@school.test"), token=invitation.token
        )


def test_invitation_mail_is_sent_on_commit(
    facilitator, community, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        moderation.invitation_create(
            actor=facilitator, community=community, email="new@school.test"
        )
    assert len(mail.outbox) == 1
    assert "/invite/" in mail.outbox[0].body


def test_expired_or_revoked_invitation_is_refused(facilitator, community):
    expired = moderation.invitation_create(actor=facilitator, community=community)
    Invitation.objects.filter(pk=expired.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    with pytest.raises(Conflict):
        moderation.invitation_accept(user=UserFactory(), token=expired.token)
    revoked = moderation.invitation_create(actor=facilitator, community=community)
    moderation.invitation_revoke(actor=facilitator, invitation=revoked)
    with pytest.raises(Conflict):
        moderation.invitation_accept(user=UserFactory(), token=revoked.token)
    assert [e.action for e in AuditEntry.objects.order_by("id")][-3:] == [
        "invite.create",
        "invite.create",
        "invite.revoke",
    ]


def test_banned_user_cannot_use_an_invitation_or_rejoin(facilitator, community, member):
    moderation.member_ban(
        actor=facilitator, membership=membership(community, member), reason="spam"
    )
    invitation = moderation.invitation_create(actor=facilitator, community=community)
    with pytest.raises(Forbidden):
        moderation.invitation_accept(user=member, token=invitation.token)
    with pytest.raises(Forbidden):
        services.membership_join(user=member, community=community)
    moderation.member_unban(actor=facilitator, membership=membership(community, member))
    assert services.membership_join(user=member, community=community).state == "active"


def test_role_change_is_audited_and_announced(community, facilitator, member):
    moderation.member_role_change(
        actor=facilitator, membership=membership(community, member), role="co_facilitator"
    )
    assert membership(community, member).role == "co_facilitator"
    assert last_audit().data == {"from": "member", "to": "co_facilitator"}
    event = general_events(community, EventKind.MEMBER)[-1]
    assert (event.data["action"], event.data["role"]) == ("role", "co_facilitator")
    with pytest.raises(Invalid):
        moderation.member_role_change(
            actor=facilitator, membership=membership(community, member), role="king"
        )


def test_mute_refuses_posts_with_reason_until_it_ends(community, room, facilitator, member):
    until = timezone.now() + timedelta(hours=1)
    moderation.member_mute(
        actor=facilitator, membership=membership(community, member), until=until, reason="cool down"
    )
    with pytest.raises(Forbidden, match="muted you in this community until"):
        services.message_post(room_id=room.pk, author=member, body="hi")
    Mute.objects.update(until=timezone.now() - timedelta(seconds=1))  # the hour has passed
    services.message_post(room_id=room.pk, author=member, body="back")


def test_room_mute_only_applies_to_that_room(community, room, facilitator, member):
    other = services.room_create(community=community, name="other")
    moderation.member_mute(actor=facilitator, membership=membership(community, member), room=other)
    services.message_post(room_id=room.pk, author=member, body="fine here")
    with pytest.raises(Forbidden, match="in this room"):
        services.message_post(room_id=other.pk, author=member, body="not here")
    assert (
        moderation.member_unmute(
            actor=facilitator, membership=membership(community, member), room=other
        )
        == 1
    )
    services.message_post(room_id=other.pk, author=member, body="now fine")
    with pytest.raises(Conflict):
        moderation.member_unmute(actor=facilitator, membership=membership(community, member))


def test_remove_lets_rejoin_ban_does_not(community, facilitator, member):
    moderation.member_remove(
        actor=facilitator, membership=membership(community, member), reason="inactive"
    )
    assert membership(community, member).state == "left"
    assert general_events(community, EventKind.MEMBER)[-1].data["action"] == "removed"
    services.membership_join(user=member, community=community)
    moderation.member_ban(
        actor=facilitator, membership=membership(community, member), reason="harassment"
    )
    assert membership(community, member).state == "banned"
    assert last_audit().reason == "harassment"


def test_hide_shows_placeholder_to_members_and_text_to_facilitators(
    community, room, facilitator, member
):
    message, _ = services.message_post(room_id=room.pk, author=member, body="rude words")
    services.message_edit(actor=member, message_id=message.pk, body="still rude")
    hide = moderation.message_hide(actor=facilitator, message_id=message.pk, reason="Be kind")
    assert hide.kind == "hide" and hide.data == {"reason": "Be kind"}
    events = selectors.room_events(room_id=room.pk)
    member_view = [event_frame(e).event for e in events]
    facilitator_view = [event_frame(e, reveal_hidden=True).event for e in events]
    assert (member_view[0].body, member_view[0].hidden, member_view[0].hidden_reason) == (
        "",
        True,
        "Be kind",
    )
    assert member_view[1].kind == "edit" and member_view[1].body == ""
    assert facilitator_view[0].body == "still rude" and facilitator_view[1].body == "still rude"
    with pytest.raises(Forbidden):
        services.message_edit(actor=member, message_id=message.pk, body="sneaky")
    unhide = moderation.message_unhide(actor=facilitator, message_id=message.pk)
    assert (unhide.kind, unhide.body) == ("unhide", "still rude")
    assert [a.action for a in AuditEntry.objects.order_by("id")] == [
        "message.hide",
        "message.unhide",
    ]


def test_hide_needs_a_reason(community, room, facilitator, member):
    message, _ = services.message_post(room_id=room.pk, author=member, body="x")
    with pytest.raises(Invalid):
        moderation.message_hide(actor=facilitator, message_id=message.pk, reason="  ")


def test_facilitator_deletes_a_members_message_with_audit(community, room, facilitator, member):
    message, _ = services.message_post(room_id=room.pk, author=member, body="spam link")
    event = moderation.message_moderate_delete(
        actor=facilitator, message_id=message.pk, reason="spam"
    )
    assert event.data == {"moderated": True, "reason": "spam"}
    assert RoomEvent.objects.get(pk=message.pk).body == ""
    assert (last_audit().action, last_audit().target_user) == ("message.delete", member)


def test_pin_and_unpin(community, room, facilitator, member):
    message, _ = services.message_post(room_id=room.pk, author=member, body="Meeting notes")
    moderation.message_pin(actor=facilitator, message_id=message.pk)
    assert [m.pk for m in selectors.room_pins(room_id=room.pk)] == [message.pk]
    with pytest.raises(Conflict):
        moderation.message_pin(actor=facilitator, message_id=message.pk)
    moderation.message_unpin(actor=facilitator, message_id=message.pk)
    assert selectors.room_pins(room_id=room.pk) == []
    assert [e.kind for e in selectors.room_events(room_id=room.pk)] == ["message", "pin", "unpin"]


def test_lock_makes_room_read_only_for_members(community, room, facilitator, member):
    moderation.room_settings_update(
        actor=facilitator, room=room, is_locked=True, reason="exam week"
    )
    with pytest.raises(Forbidden, match="locked"):
        services.message_post(room_id=room.pk, author=member, body="hi")
    services.message_post(room_id=room.pk, author=facilitator, body="Announcement")
    event = RoomEvent.objects.filter(room=room, kind="room").get()
    assert event.data["locked"] is True and event.data["changed"] == ["is_locked"]
    assert (last_audit().action, last_audit().reason) == ("room.lock", "exam week")


def test_slow_mode_spaces_out_member_posts(community, room, facilitator, member):
    moderation.room_settings_update(actor=facilitator, room=room, slow_mode_seconds=30)
    services.message_post(room_id=room.pk, author=member, body="first")
    with pytest.raises(RateLimited, match="Slow mode") as info:
        services.message_post(room_id=room.pk, author=member, body="second")
    assert 0 < info.value.retry_after <= 30
    services.message_post(room_id=room.pk, author=facilitator, body="exempt 1")
    services.message_post(room_id=room.pk, author=facilitator, body="exempt 2")
    RoomEvent.objects.filter(author=member).update(
        created_at=timezone.now() - timedelta(seconds=31)
    )
    services.message_post(room_id=room.pk, author=member, body="after the window")


def test_room_settings_validation(community, room, facilitator):
    with pytest.raises(Invalid):
        moderation.room_settings_update(actor=facilitator, room=room, slow_mode_seconds=99999)
    unchanged = moderation.room_settings_update(actor=facilitator, room=room, is_locked=False)
    assert unchanged.is_locked is False and not AuditEntry.objects.exists()


def test_report_goes_to_facilitators_and_resolving_acts(community, room, facilitator, member):
    message, _ = services.message_post(room_id=room.pk, author=member, body="offensive")
    reporter_a = make_member(community).user
    reporter_b = make_member(community, role="observer").user
    report = moderation.report_create(
        reporter=reporter_a, message_id=message.pk, reason="offensive"
    )
    again = moderation.report_create(
        reporter=reporter_a, message_id=message.pk, reason="still offensive"
    )
    other = moderation.report_create(reporter=reporter_b, message_id=message.pk, reason="me too")
    assert again.pk == report.pk and other.pk != report.pk
    moderation.report_resolve(
        actor=facilitator, report=report, action="hide", note="Please be respectful"
    )
    assert RoomEvent.objects.get(pk=message.pk).hidden_reason == "Please be respectful"
    assert set(Report.objects.values_list("state", flat=True)) == {"resolved"}
    assert [a.action for a in AuditEntry.objects.order_by("id")] == [
        "message.hide",
        "report.resolve",
    ]
    with pytest.raises(Conflict):
        moderation.report_resolve(actor=facilitator, report=report, action="dismiss")


@pytest.mark.parametrize("action", ["dismiss", "delete", "mute", "remove", "ban"])
def test_report_resolutions(community, room, facilitator, member, action):
    message, _ = services.message_post(room_id=room.pk, author=member, body="questionable")
    report = moderation.report_create(
        reporter=make_member(community).user, message_id=message.pk, reason="hmm"
    )
    moderation.report_resolve(actor=facilitator, report=report, action=action)
    report.refresh_from_db()
    assert report.state == ("dismissed" if action == "dismiss" else "resolved")
    state = membership(community, member).state
    assert state == {"remove": "left", "ban": "banned"}.get(action, "active")


def test_non_member_cannot_report(community, room, member):
    message, _ = services.message_post(room_id=room.pk, author=member, body="x")
    with pytest.raises(Forbidden):
        moderation.report_create(reporter=UserFactory(), message_id=message.pk, reason="x")


def test_audit_api_filters_pages_and_exports_csv(community, room, facilitator, member):
    message, _ = services.message_post(room_id=room.pk, author=member, body="x")
    moderation.message_pin(actor=facilitator, message_id=message.pk)
    moderation.member_mute(
        actor=facilitator, membership=membership(community, member), reason="=HYPERLINK(evil)"
    )
    moderation.member_unmute(actor=facilitator, membership=membership(community, member))
    client = Client(HTTP_X_SESSION_TOKEN=session_token_for(facilitator))
    entries = client.get(f"/api/communities/{community.slug}/audit").json()
    assert [e["action"] for e in entries] == ["member.unmute", "member.mute", "message.pin"]
    assert entries[1]["target_user"] == {
        "id": member.pk,
        "name": "Max Member",
        "handle": "max-member",
    }
    members_only = client.get(f"/api/communities/{community.slug}/audit?action=member").json()
    assert [e["action"] for e in members_only] == ["member.unmute", "member.mute"]
    page = client.get(
        f"/api/communities/{community.slug}/audit?limit=1&before={entries[0]['id']}"
    ).json()
    assert [e["action"] for e in page] == ["member.mute"]
    by_target = client.get(
        f"/api/communities/{community.slug}/audit?target={member.pk}&action=message.pin"
    ).json()
    assert len(by_target) == 1
    response = client.get(f"/api/communities/{community.slug}/audit.csv")
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = response.content.decode().splitlines()
    # Times in the reader's zone, which the heading names.
    assert rows[0].startswith("time (Europe/Brussels),action")
    assert rows[1].split(",")[0].endswith(("+01:00", "+02:00"))
    assert len(rows) == 4
    assert "'=HYPERLINK(evil)" in response.content.decode()


def test_members_list_for_members_and_facilitators(community, facilitator, member):
    make_member(community, state="pending")
    member_client = Client(HTTP_X_SESSION_TOKEN=session_token_for(member))
    seen_by_member = member_client.get(f"/api/communities/{community.slug}/members?state=").json()
    assert {m["state"] for m in seen_by_member} == {"active"}
    fac_client = Client(HTTP_X_SESSION_TOKEN=session_token_for(facilitator))
    all_states = fac_client.get(f"/api/communities/{community.slug}/members?state=").json()
    assert {m["state"] for m in all_states} == {"active", "pending"}
    assert "email" not in json.dumps(seen_by_member)
