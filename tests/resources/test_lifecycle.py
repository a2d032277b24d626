"""After sharing: correcting a material's description, withdrawing it (author or facilitator,
audited), and restoring it. Over the services, the JSON API, the pages and a live socket."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.db.models import RestrictedError
from django.test import Client
from notifications.models import Notification

from community.models import EventKind, Room, RoomEvent
from core.errors import Conflict, Forbidden, Invalid
from core.notify import Category
from delivery.worker import process_pending_jobs
from facilitators.models import AuditAction, AuditEntry
from resources import selectors, services
from tests.conftest import connect, make_member, receive_until, session_token_for

from .conftest import share

pytestmark = pytest.mark.django_db


def api(user):
    return Client(HTTP_X_SESSION_TOKEN=session_token_for(user))


def library_ids(user, **filters):
    return [r.pk for r in selectors.resource_list(user=user, **filters)]


# --- editing ---------------------------------------------------------------------------------


def test_the_author_corrects_the_description_and_the_thread_follows_the_title(community, alice):
    material = share(alice.user, community)
    services.resource_update(
        actor=alice.user, resource=material, title="Fractions with pizza (grade 3)",
        tags=["Fractions", "Maths games"], age_max=9,
    )  # fmt: skip
    material.refresh_from_db()
    assert material.title == "Fractions with pizza (grade 3)"
    assert material.tags == ["fractions", "maths games"]
    assert (material.age_min, material.age_max) == (8, 9)
    assert Room.objects.get(pk=material.thread_id).topic == "Fractions with pizza (grade 3)"


def test_edits_are_checked(community, alice, bob):
    material = share(alice.user, community)
    with pytest.raises(Forbidden):
        services.resource_update(actor=bob.user, resource=material, title="Mine now")
    with pytest.raises(Invalid, match="licence cannot be changed"):
        services.resource_update(actor=alice.user, resource=material, licence="CC0-1.0")
    with pytest.raises(Invalid, match="age_min must not be above age_max"):
        services.resource_update(actor=alice.user, resource=material, age_min=12)
    with pytest.raises(Invalid, match="title"):
        services.resource_update(actor=alice.user, resource=material, title="  ")
    material.refresh_from_db()
    assert (material.title, material.licence, material.age_min) == (
        "Fractions with pizza", "CC-BY-4.0", 8,
    )  # fmt: skip


def test_a_facilitator_edits_over_http_a_member_may_not(community, alice, bob):
    material = share(alice.user, community)
    facilitator = make_member(community, role="facilitator").user
    url = f"/api/resources/{material.pk}"
    refused = api(bob.user).patch(url, {"title": "x"}, content_type="application/json")
    assert refused.status_code == 403
    response = api(facilitator).patch(
        url, {"subjects": ["maths", "cooking"], "isced_level": None},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["subjects"], body["isced_level"], body["title"]) == (
        ["maths", "cooking"], None, "Fractions with pizza",
    )  # fmt: skip
    licence = api(alice.user).patch(url, {"licence": "CC0-1.0"}, content_type="application/json")
    assert licence.status_code == 400 and "licence" in licence.json()["detail"]


# --- withdrawing -----------------------------------------------------------------------------


def test_a_facilitator_withdraws_with_a_reason_audited_and_the_author_is_told(
    community, room, alice, bob, django_capture_on_commit_callbacks
):
    material = share(alice.user, community)
    adaptation = services.resource_adapt(
        actor=bob.user, source=material.versions.get(), community=community, language="pl"
    )
    facilitator = make_member(community, role="facilitator", display_name="Fenna").user
    with pytest.raises(Invalid, match="Say why"):
        services.resource_withdraw(actor=facilitator, resource=material)
    with django_capture_on_commit_callbacks(execute=True):
        services.resource_withdraw(
            actor=facilitator, resource=material, reason="Contains pupils' names"
        )
    material.refresh_from_db()
    assert material.is_withdrawn and material.withdrawn_by == facilitator
    # out of the library, for everyone but those who may restore or review it
    assert material.pk not in library_ids(bob.user)
    assert library_ids(bob.user, withdrawn=True) == []
    assert library_ids(facilitator, withdrawn=True) == [material.pk]
    assert library_ids(alice.user, withdrawn=True) == [material.pk]
    # the thread is closed with a room event; the general room says so with the reason
    assert Room.objects.get(pk=material.thread_id).is_locked
    lock = RoomEvent.objects.get(room_id=material.thread_id, kind=EventKind.ROOM)
    assert lock.data["locked"] is True
    said = RoomEvent.objects.filter(room=room, kind=EventKind.RESOURCE).last()
    assert said.data["action"] == "withdrawn"
    assert said.data["reason"] == "Contains pupils' names"
    entry = AuditEntry.objects.get(action=AuditAction.MATERIAL_WITHDRAW)
    assert (entry.actor, entry.target_user, entry.reason) == (
        facilitator, alice.user, "Contains pupils' names",
    )  # fmt: skip
    assert entry.data == {"resource": material.pk, "title": "Fractions with pizza"}
    process_pending_jobs()
    told = Notification.objects.get(
        recipient=alice.user, data__category=Category.YOUR_RESOURCE, verb__startswith="withdrew"
    )
    assert told.description == "Contains pupils' names"
    # nothing more happens to it until it is restored; the adaptation still credits it
    with pytest.raises(Conflict):
        services.resource_new_version(actor=alice.user, resource=material, url="https://x.org")
    with pytest.raises(Conflict):
        services.resource_adapt(actor=bob.user, source=material.versions.get(), community=community)
    with pytest.raises(Conflict):
        services.reaction_set(actor=bob.user, resource=material, kind="useful")
    with pytest.raises(Conflict):
        services.resource_withdraw(actor=facilitator, resource=material, reason="again")
    assert adaptation.adapted_from.resource_id == material.pk


def test_an_author_withdraws_their_own_without_audit_and_may_restore_it(community, alice, bob):
    material = share(alice.user, community)
    with pytest.raises(Forbidden):
        services.resource_withdraw(actor=bob.user, resource=material, reason="I dislike it")
    services.resource_withdraw(actor=alice.user, resource=material)
    assert not AuditEntry.objects.exists()
    with pytest.raises(Forbidden):
        services.resource_restore(actor=bob.user, resource=material)
    services.resource_restore(actor=alice.user, resource=material)
    material.refresh_from_db()
    assert not material.is_withdrawn
    assert not Room.objects.get(pk=material.thread_id).is_locked
    assert material.pk in library_ids(bob.user)


def test_an_author_cannot_overturn_a_facilitators_withdrawal(community, alice):
    material = share(alice.user, community)
    facilitator = make_member(community, role="co_facilitator").user
    services.resource_withdraw(actor=facilitator, resource=material, reason="Copyright")
    with pytest.raises(Forbidden, match="only facilitators restore"):
        services.resource_restore(actor=alice.user, resource=material)
    services.resource_restore(actor=facilitator, resource=material, reason="Permission given")
    entry = AuditEntry.objects.get(action=AuditAction.MATERIAL_RESTORE)
    assert entry.reason == "Permission given"
    with pytest.raises(Conflict):
        services.resource_restore(actor=facilitator, resource=material)


def test_withdrawn_files_are_gone_except_for_author_and_facilitators(community, alice, bob):
    material = share(alice.user, community)
    facilitator = make_member(community, role="facilitator").user
    services.resource_withdraw(actor=facilitator, resource=material, reason="Copyright")
    download = f"/api/resources/{material.pk}/versions/1/download"
    gone = api(bob.user).get(download)
    assert gone.status_code == 410 and gone.json()["error"] == "gone"
    assert api(alice.user).get(download).status_code == 200
    assert api(facilitator).get(download).status_code == 200
    detail = api(bob.user).get(f"/api/resources/{material.pk}").json()
    assert detail["versions"] == []
    assert detail["withdrawn"]["reason"] == "Copyright"
    assert (detail["can_manage"], detail["can_withdraw"], detail["can_restore"]) == (
        False, False, False,
    )  # fmt: skip
    review = api(facilitator).get(f"/api/resources/{material.pk}").json()
    assert [v["number"] for v in review["versions"]] == [1]
    assert review["can_restore"] is True
    listed = api(facilitator).get(f"/api/communities/{community.slug}/resources?withdrawn=true")
    assert [r["id"] for r in listed.json()] == [material.pk]
    assert api(bob.user).get(f"/api/communities/{community.slug}/resources").json() == []


def test_withdraw_and_restore_over_http(community, alice, bob):
    material = share(alice.user, community)
    url = f"/api/resources/{material.pk}"
    json = {"content_type": "application/json"}
    assert api(bob.user).post(f"{url}/withdraw", {"reason": "x"}, **json).status_code == 403
    withdrawn = api(alice.user).post(f"{url}/withdraw", {}, **json)
    assert (
        withdrawn.status_code == 200 and withdrawn.json()["withdrawn"]["by"]["id"] == alice.user.pk
    )
    assert api(alice.user).post(f"{url}/withdraw", {}, **json).status_code == 409
    restored = api(alice.user).post(f"{url}/restore", {}, **json)
    assert restored.status_code == 200 and restored.json()["withdrawn"] is None


def test_the_pages_withdraw_show_the_notice_and_restore(community, alice, bob):
    material = share(alice.user, community)
    facilitator = make_member(community, role="facilitator").user
    page = Client()
    page.force_login(facilitator)
    response = page.post(f"/resources/{material.pk}/withdraw/", {"reason": "Pupils' names"})
    assert response.status_code == 302
    member = Client()
    member.force_login(bob.user)
    html = member.get(f"/resources/{material.pk}/").content.decode()
    assert 'id="withdrawn"' in html and "Pupils&#x27; names" in html
    assert "application/ld+json" not in html  # not offered to harvesters any more
    assert "/versions/1/download" not in html
    assert member.get(f"/resources/{material.pk}/versions/1/download").status_code == 410
    assert "Fractions with pizza" not in member.get("/resources/").content.decode()
    review = page.get(f"/resources/{material.pk}/").content.decode()
    assert 'id="restore-form"' in review
    assert "withdrawn=1" not in member.get("/resources/").content.decode()
    assert "Fractions with pizza" in page.get("/resources/?withdrawn=1").content.decode()
    assert "Fractions with pizza" not in member.get("/resources/?withdrawn=1").content.decode()
    page.post(f"/resources/{material.pk}/restore/")
    assert "Fractions with pizza" in member.get("/resources/").content.decode()


def test_the_edit_page(community, alice, bob):
    material = share(alice.user, community)
    author = Client()
    author.force_login(alice.user)
    form = author.get(f"/resources/{material.pk}/edit/").content.decode()
    assert 'value="Fractions with pizza"' in form and "cannot change once shared" in form
    response = author.post(
        f"/resources/{material.pk}/edit/",
        {"title": "Pizza fractions", "resource_type": "worksheet", "language": "nl",
         "subjects": "maths", "tags": "", "description": ""},
    )  # fmt: skip
    assert response.status_code == 302
    material.refresh_from_db()
    assert (material.title, material.tags, material.licence) == ("Pizza fractions", [], "CC-BY-4.0")
    other = Client()
    other.force_login(bob.user)
    assert other.get(f"/resources/{material.pk}/edit/").status_code == 302


@pytest.mark.django_db(transaction=True)
async def test_a_withdrawal_closes_the_thread_on_an_open_socket(community, alice, bob):
    material = await database_sync_to_async(share)(alice.user, community)
    socket = await connect(bob.token)
    await socket.send_json_to({"type": "subscribe", "room": material.thread_id})
    await receive_until(socket, "subscribed")
    await database_sync_to_async(services.resource_withdraw)(actor=alice.user, resource=material)
    locked = await receive_until(socket, "event")
    assert locked["event"]["kind"] == "room" and locked["event"]["data"]["locked"] is True
    await socket.send_json_to({"type": "post", "room": material.thread_id, "body": "still?"})
    refused = await receive_until(socket, "error")
    assert refused["code"] == "forbidden"
    await socket.disconnect()


def test_deleting_a_community_takes_its_materials_and_threads(community, alice):
    material = share(alice.user, community)
    thread = material.thread_id
    with pytest.raises(RestrictedError):
        Room.objects.filter(pk=thread).delete()  # a thread never goes without its material
    community.delete()
    assert not Room.objects.filter(pk=thread).exists()
    assert not type(material).objects.filter(pk=material.pk).exists()


def test_restoring_keeps_a_lock_a_facilitator_set_before(community, alice):
    from facilitators import services as moderation

    material = share(alice.user, community)
    facilitator = make_member(community, role="facilitator").user
    moderation.room_settings_update(actor=facilitator, room=material.thread, is_locked=True)
    services.resource_withdraw(actor=alice.user, resource=material)
    services.resource_restore(actor=facilitator, resource=material)
    assert Room.objects.get(pk=material.thread_id).is_locked
