"""Who is notified of what: each notifying event reaches exactly the right recipients."""

from __future__ import annotations

import pytest
from django.utils import timezone
from notifications.models import Notification

from community import services
from community.models import Membership
from core import outbox
from core.notify import Category
from delivery import services as delivery
from delivery.categories import Level, levels_receiving
from delivery.models import OutboxJob
from delivery.worker import process_pending_jobs
from facilitators import services as moderation
from tests.conftest import make_member
from tests.factories import CommunityFactory, UserFactory

pytestmark = pytest.mark.django_db


def notified(category=None):
    """{recipient_id: verb} of everything stored so far."""
    rows = Notification.objects.all()
    if category:
        rows = rows.filter(data__category=category)
    return {n.recipient_id: n.verb for n in rows}


def post(room, user, body, **kwargs):
    event, _ = services.message_post(room_id=room.pk, author=user, body=body, **kwargs)
    process_pending_jobs()
    return event


def test_levels_receiving():
    assert set(levels_receiving(Category.MESSAGE)) == {Level.WATCHING}
    assert set(levels_receiving(Category.RESOURCE)) == {Level.NORMAL, Level.WATCHING, Level.MUTE}
    assert set(levels_receiving(Category.MENTION)) == {
        Level.MENTIONS,
        Level.NORMAL,
        Level.WATCHING,
        Level.MUTE,
    }


def test_mention_notifies_the_mentioned_member_only(community, room, alice, bob):
    carol = make_member(community, display_name="Carol Clark")
    outsider = UserFactory(display_name="Olga Outsider")
    post(room, alice.user, "Hi @bob-berg, have you met @olga-outsider? Ask @nobody.")
    assert notified() == {bob.user.pk: "mentioned you in #general"}
    assert carol.user.pk not in notified() and outsider.pk not in notified()
    row = Notification.objects.get()
    assert (row.data["category"], row.data["room"], row.actor_object_id) == (
        "mention",
        room.pk,
        str(alice.user.pk),
    )
    assert row.description.startswith("Hi @bob-berg")


def test_mentioning_oneself_notifies_nobody(room, alice):
    post(room, alice.user, "note to self @alice-anders")
    assert notified() == {}


def test_at_facilitators_reaches_the_facilitators(community, room, alice):
    facilitator = make_member(community, role="facilitator")
    co = make_member(community, role="co_facilitator")
    post(room, alice.user, "@facilitators can we get a room for maths?")
    assert set(notified()) == {facilitator.user.pk, co.user.pk}


def test_reply_notifies_the_author_replied_to(room, alice, bob):
    question = post(room, alice.user, "Anyone tried peer feedback in year 7?")
    post(room, bob.user, "Yes! Works well", reply_to_id=question.pk)
    assert notified() == {alice.user.pk: "replied to you in #general"}


def test_watchers_get_new_messages_others_do_not(community, room, alice, bob):
    room_watcher = make_member(community)
    community_watcher = make_member(community)
    silenced_here = make_member(community)
    delivery.preference_set(
        user=room_watcher.user, community=community, room=room, level=Level.WATCHING
    )
    delivery.preference_set(user=community_watcher.user, community=community, level=Level.WATCHING)
    delivery.preference_set(user=silenced_here.user, community=community, level=Level.WATCHING)
    delivery.preference_set(
        user=silenced_here.user, community=community, room=room, level=Level.MENTIONS
    )
    post(room, alice.user, "a plain message")
    assert notified() == {
        room_watcher.user.pk: "posted in #general",
        community_watcher.user.pk: "posted in #general",
    }


def test_one_notification_per_person_per_message(community, room, alice, bob):
    delivery.preference_set(user=bob.user, community=community, room=room, level=Level.WATCHING)
    post(room, alice.user, "@bob-berg look")
    assert Notification.objects.filter(recipient=bob.user).count() == 1
    assert notified()[bob.user.pk] == "mentioned you in #general"


def test_plain_message_without_watchers_enqueues_nothing(room, alice, bob):
    services.message_post(room_id=room.pk, author=alice.user, body="just chatting")
    assert not OutboxJob.objects.exists()


def test_muted_member_gets_the_row_but_no_delivery(community, room, alice, bob):
    delivery.preference_set(user=bob.user, community=community, level=Level.MUTE)
    delivery.settings_update(user=bob.user, email_mode="immediately")
    post(room, alice.user, "@bob-berg are you there?")
    row = Notification.objects.get(recipient=bob.user)
    assert row.data["email"] is None and row.emailed is True  # nothing to send


def test_announcement_reaches_every_active_member_but_the_author(community):
    facilitator = make_member(community, role="facilitator")
    members = [make_member(community) for _ in range(3)]
    mentions_only = make_member(community)
    delivery.preference_set(user=mentions_only.user, community=community, level=Level.MENTIONS)
    make_member(community, state="pending")
    make_member(community, state="left")
    make_member(community, state="banned")
    UserFactory()
    moderation.announcement_post(
        actor=facilitator.user, community=community, body="Meeting on **Thursday**"
    )
    process_pending_jobs()
    expected = {m.user.pk for m in members} | {mentions_only.user.pk}
    assert set(notified(Category.ANNOUNCEMENT)) == expected


def test_join_request_notifies_facilitators_and_approval_the_member():
    community = CommunityFactory(join_policy="request")
    facilitator = make_member(community, role="facilitator")
    applicant = UserFactory()
    services.membership_join(user=applicant, community=community, request_message="Hello!")
    process_pending_jobs()
    assert notified() == {facilitator.user.pk: f"asked to join {community.name}"}
    membership = Membership.objects.get(user=applicant)
    moderation.join_request_approve(actor=facilitator.user, membership=membership)
    process_pending_jobs()
    assert notified(Category.MEMBERSHIP) == {
        applicant.pk: f"approved your request to join {community.name}"
    }


def test_removed_and_banned_members_are_still_told(community):
    facilitator = make_member(community, role="facilitator")
    removed, banned = make_member(community), make_member(community)
    moderation.member_remove(
        actor=facilitator.user, membership=Membership.objects.get(user=removed.user)
    )
    moderation.member_ban(
        actor=facilitator.user, membership=Membership.objects.get(user=banned.user)
    )
    process_pending_jobs()
    assert notified(Category.MEMBERSHIP) == {
        removed.user.pk: f"removed you from {community.name}",
        banned.user.pk: f"banned you from {community.name}",
    }


def test_role_change_and_mute_notify_the_member(community):
    facilitator = make_member(community, role="facilitator")
    member = make_member(community)
    membership = Membership.objects.get(user=member.user)
    moderation.member_role_change(
        actor=facilitator.user, membership=membership, role="co_facilitator"
    )
    moderation.member_mute(
        actor=make_member(community, role="facilitator").user,
        membership=Membership.objects.get(user=member.user),
        until=timezone.now() + timezone.timedelta(hours=1),
    )
    process_pending_jobs()
    verbs = sorted(
        Notification.objects.filter(recipient=member.user).values_list("verb", flat=True)
    )
    assert verbs == [
        f"made you a co-facilitator of {community.name}",
        f"muted you in {community.name}",
    ]


def test_report_notifies_facilitators_not_the_reporter(community, room, alice, bob):
    facilitator = make_member(community, role="facilitator")
    message = post(room, bob.user, "something")
    moderation.report_create(reporter=alice.user, message_id=message.pk, reason="not nice")
    process_pending_jobs()
    assert notified(Category.FACILITATION) == {
        facilitator.user.pk: "reported a message in #general"
    }


def test_hidden_before_fanout_notifies_nobody(community, room, alice, bob):
    facilitator = make_member(community, role="facilitator")
    event, _ = services.message_post(room_id=room.pk, author=alice.user, body="@bob-berg rude")
    moderation.message_hide(actor=facilitator.user, message_id=event.pk, reason="rude")
    process_pending_jobs()
    assert notified(Category.MENTION) == {}


def test_failing_job_is_retried_then_marked_failed(room, alice):
    job = outbox.enqueue(kind="users", payload={})  # a payload its handler cannot use
    for _ in range(5):
        process_pending_jobs(limit=1)
    job.refresh_from_db()
    assert (job.state, job.attempts) == ("failed", 5)
    assert "KeyError: 'users'" in job.last_error
