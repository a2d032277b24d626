"""Direct conversations: who may start one, the same event log/seq/resume/read markers as
rooms, notifications, blocking, reporting to staff, and privacy (no facilitator, no staff)."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.test import Client, override_settings
from notifications.models import Notification

from chat import selectors, services
from chat.models import DirectConversation, DirectReport
from community import services as community_services
from community.models import RoomEvent
from core.errors import Forbidden, Invalid, NotFound, TooLarge
from delivery.worker import process_pending_jobs
from tests.conftest import connect, make_member, receive_until, session_token_for
from tests.factories import CommunityFactory, UserFactory

from .conftest import client_for, conversation

pytestmark = pytest.mark.django_db


def test_a_conversation_of_two_is_found_again_never_doubled(alice, bob):
    first, created = services.conversation_start(actor=alice.user, user_ids=[bob.user.pk])
    again, created_again = services.conversation_start(actor=bob.user, user_ids=[alice.user.pk])
    assert created and not created_again and first.pk == again.pk
    assert first.room.kind == "direct" and first.room.community_id is None
    assert DirectConversation.objects.count() == 1


def test_writing_needs_a_shared_community_or_the_others_permission(alice):
    stranger = make_member(CommunityFactory(), display_name="Sara Lind")
    with pytest.raises(Forbidden):
        services.conversation_start(actor=alice.user, user_ids=[stranger.user.pk])
    services.chat_settings_update(user=stranger.user, from_anyone=True)
    started, created = services.conversation_start(actor=alice.user, user_ids=[stranger.user.pk])
    assert created and started.participants.count() == 2


def test_a_former_member_no_longer_shares_the_community(community, alice, bob):
    community_services.membership_leave(user=bob.user, community=community)
    with pytest.raises(Forbidden):
        services.conversation_start(actor=alice.user, user_ids=[bob.user.pk])


@override_settings(KRING_DIRECT_GROUP_MAX=3)
def test_groups_have_a_size_limit_and_a_title(community, alice, bob):
    carla = make_member(community)
    group, created = services.conversation_start(
        actor=alice.user, user_ids=[bob.user.pk, carla.user.pk], title="Field trip"
    )
    assert created and group.is_group and group.title == "Field trip"
    dirk = make_member(community)
    with pytest.raises(TooLarge):
        services.conversation_start(
            actor=alice.user, user_ids=[bob.user.pk, carla.user.pk, dirk.user.pk]
        )
    with pytest.raises(Invalid):
        services.conversation_start(actor=alice.user, user_ids=[alice.user.pk])
    with pytest.raises(NotFound):
        services.conversation_start(actor=alice.user, user_ids=[999999])


def test_a_direct_message_notifies_the_others(alice, bob):
    chat = conversation(alice.user, bob.user)
    community_services.message_post(room_id=chat.room_id, author=alice.user, body="Got a minute?")
    process_pending_jobs()
    [note] = Notification.objects.filter(recipient=bob.user)
    assert note.data["url"] == f"/messages/{chat.room_id}/#m{RoomEvent.objects.get().pk}"
    assert not Notification.objects.filter(recipient=alice.user).exists()


def test_the_list_has_unread_counts_and_the_newest_conversation_first(community, alice, bob):
    carla = make_member(community, display_name="Carla")
    older = conversation(alice.user, carla.user)
    newer = conversation(alice.user, bob.user)
    community_services.message_post(room_id=older.room_id, author=carla.user, body="one")
    community_services.message_post(room_id=newer.room_id, author=bob.user, body="two")
    community_services.message_post(room_id=newer.room_id, author=bob.user, body="three")
    listed = client_for(alice.user).get("/api/direct").json()
    assert [c["room"] for c in listed] == [newer.room_id, older.room_id]
    assert [c["unread"] for c in listed] == [2, 1]
    assert listed[0]["others"][0]["name"] == "Bob Berg" and listed[0]["last_excerpt"] == "three"
    community_services.read_mark(user=alice.user, room_id=newer.room_id, seq=3)
    assert client_for(alice.user).get("/api/direct").json()[0]["unread"] == 0


def test_blocking_stops_new_messages_and_hides_the_conversation(alice, bob):
    chat = conversation(alice.user, bob.user)
    services.block_create(actor=alice.user, user_id=bob.user.pk)
    with pytest.raises(Forbidden, match="blocked"):
        community_services.message_post(room_id=chat.room_id, author=bob.user, body="hello?")
    with pytest.raises(Forbidden):
        services.conversation_start(actor=bob.user, user_ids=[alice.user.pk])
    assert selectors.conversation_list(user=alice.user) == []
    assert len(selectors.conversation_list(user=bob.user)) == 1
    # Alice can still write (she chose to block, not to be silenced), and unblock.
    community_services.message_post(room_id=chat.room_id, author=alice.user, body="bye")
    services.block_delete(actor=alice.user, user_id=bob.user.pk)
    community_services.message_post(room_id=chat.room_id, author=bob.user, body="sorry")
    assert len(selectors.conversation_list(user=alice.user)) == 1


def test_a_report_goes_to_staff_never_to_facilitators(community, alice, bob):
    staff = UserFactory(is_staff=True)
    facilitator = make_member(community, role="facilitator")
    chat = conversation(alice.user, bob.user)
    message, _ = community_services.message_post(
        room_id=chat.room_id, author=bob.user, body="Unkind words"
    )
    response = client_for(alice.user).post(
        f"/api/direct/messages/{message.pk}/report",
        {"reason": "harassment"},
        content_type="application/json",
    )
    assert response.status_code == 201
    report = DirectReport.objects.get()
    assert (report.reporter, report.excerpt) == (alice.user, "Unkind words")
    process_pending_jobs()
    assert Notification.objects.filter(recipient=staff).count() == 1
    assert not Notification.objects.filter(recipient=facilitator.user).exists()
    # The community's report endpoint refuses direct messages.
    refused = client_for(alice.user).post(
        f"/api/messages/{message.pk}/report", {"reason": "x"}, content_type="application/json"
    )
    assert refused.status_code == 403
    # Only a participant reports, and not their own message.
    for reporter, status in ((facilitator.user, 403), (bob.user, 400)):
        answer = client_for(reporter).post(
            f"/api/direct/messages/{message.pk}/report",
            {"reason": "x"},
            content_type="application/json",
        )
        assert answer.status_code == status


def test_facilitators_and_staff_never_read_a_direct_conversation(community, alice, bob):
    facilitator = make_member(community, role="facilitator")
    staff = UserFactory(is_staff=True, is_superuser=True)
    chat = conversation(alice.user, bob.user)
    message, _ = community_services.message_post(
        room_id=chat.room_id, author=alice.user, body="Private: my appraisal"
    )
    for outsider in (facilitator.user, staff):
        client = client_for(outsider)
        for path in (
            f"/api/rooms/{chat.room_id}/events",
            f"/api/rooms/{chat.room_id}/pins",
            f"/api/messages/{message.pk}/reactions",
            f"/api/direct/{chat.room_id}/mentionable",
        ):
            response = client.get(path)
            assert response.status_code in (403, 404), path
            assert b"appraisal" not in response.content
        for action in ("hide", "pin", "delete"):
            response = client.post(
                f"/api/messages/{message.pk}/{action}",
                {"reason": "x"},
                content_type="application/json",
            )
            assert response.status_code in (403, 404), action
            assert b"appraisal" not in response.content
        browser = Client()
        browser.force_login(outsider)
        assert browser.get(f"/messages/{chat.room_id}/").status_code == 404
        with pytest.raises(Forbidden):
            community_services.message_post(room_id=chat.room_id, author=outsider, body="hi")
    admin = Client()
    admin.force_login(staff)
    for page in ("/admin/community/roomevent/", "/admin/community/room/"):
        response = admin.get(page)
        assert response.status_code == 200 and b"appraisal" not in response.content
    assert admin.get(f"/admin/community/roomevent/{message.pk}/change/").status_code in (302, 404)
    assert RoomEvent.objects.get(pk=message.pk).hidden_at is None


def test_the_pages_list_and_open_a_conversation(community, alice, bob):
    client = Client()
    client.force_login(alice.user)
    started = client.post("/messages/start/", {"user": [bob.user.pk]})
    chat = DirectConversation.objects.get()
    assert started.status_code == 302 and started["Location"] == f"/messages/{chat.room_id}/"
    page = client.get(f"/messages/{chat.room_id}/")
    assert page.status_code == 200 and b"Bob Berg" in page.content
    listing = client.get("/messages/", {"q": "bob"})
    assert b"Bob Berg" in listing.content
    profile = client.get(f"/people/{bob.user.handle}/")
    assert b'action="/messages/start/"' in profile.content


@pytest.mark.django_db(transaction=True)
async def test_a_direct_message_goes_live_resumes_and_keeps_outsiders_out(community, alice, bob):
    chat = await database_sync_to_async(conversation)(alice.user, bob.user)
    facilitator = await database_sync_to_async(make_member)(community, role="facilitator")
    staff = await database_sync_to_async(UserFactory)(is_staff=True)
    bob_socket = await connect(bob.token)
    await bob_socket.send_json_to({"type": "subscribe", "room": chat.room_id, "since": 0})
    await receive_until(bob_socket, "subscribed")
    alice_socket = await connect(alice.token)
    await alice_socket.send_json_to(
        {"type": "post", "room": chat.room_id, "body": "Coffee after the session?", "ref": "d1"}
    )
    ack = await receive_until(alice_socket, "ack")
    live = await receive_until(bob_socket, "event")
    assert live["seq"] == ack["seq"] == 1 and live["event"]["body"] == "Coffee after the session?"

    for outsider in (facilitator.user, staff):
        token = await database_sync_to_async(session_token_for)(outsider)
        socket = await connect(token)
        await socket.send_json_to({"type": "subscribe", "room": chat.room_id, "ref": "s"})
        error = await receive_until(socket, "error")
        assert (error["code"], error["ref"]) == ("forbidden", "s")
        await socket.send_json_to({"type": "post", "room": chat.room_id, "body": "hi", "ref": "p"})
        assert (await receive_until(socket, "error"))["code"] == "forbidden"
        await socket.disconnect()

    await bob_socket.send_json_to({"type": "read", "room": chat.room_id, "seq": 1})
    assert (await receive_until(bob_socket, "read"))["unread"] == 0
    await bob_socket.disconnect()
    again = await connect(bob.token)
    await again.send_json_to({"type": "subscribe", "room": chat.room_id, "since": 0})
    await receive_until(again, "subscribed")
    assert (await receive_until(again, "event"))["event"]["body"] == "Coffee after the session?"
    await again.disconnect()
    await alice_socket.disconnect()
