"""Files in the conversation: images (EXIF gone, thumbnail made) and documents with a message,
checked like materials, served to readers of the room only, never while the message is
hidden or after it was deleted, and saved to the library by their sender."""

from __future__ import annotations

import io

import pytest
from django.core.files.storage import default_storage
from django.test import Client, override_settings
from PIL import Image

from chat import services
from chat.models import Attachment
from community import services as community_services
from community.models import RoomEvent
from core.errors import Forbidden, Invalid, TooLarge
from facilitators import services as moderation
from resources.models import Resource
from tests.conftest import make_member
from tests.factories import CommunityFactory
from tests.resources.files import PDF_WITH_JAVASCRIPT, jpeg_with_exif, pdf_upload, upload

from .conftest import client_for, conversation

pytestmark = pytest.mark.django_db


def photo(name="class-photo.jpg"):
    return upload(name, jpeg_with_exif(), "image/jpeg")


def browser_for(user):
    client = Client()
    client.force_login(user)
    return client


def test_a_photo_and_a_worksheet_with_a_message(room, alice, bob):
    event, created = services.message_post_with_files(
        room_id=room.pk,
        author=alice.user,
        body="Our trip, and the worksheet",
        files=[photo(), pdf_upload("Werkblad excursie.pdf")],
    )
    assert created and event.body == "Our trip, and the worksheet"
    image, document = event.data["attachments"]
    assert (image["kind"], image["name"], image["content_type"]) == (
        "image",
        "class-photo.jpg",
        "image/jpeg",
    )
    assert image["thumbnail_url"].endswith("/thumbnail") and image["width"] == 8
    assert (document["kind"], document["name"]) == ("file", "Werkblad_excursie.pdf")
    assert document["thumbnail_url"] is None
    assert Attachment.objects.filter(message=event).count() == 2

    reader = browser_for(bob.user)
    shown = reader.get(image["url"])
    assert shown.status_code == 200 and shown["Content-Type"] == "image/jpeg"
    assert (
        shown["X-Content-Type-Options"] == "nosniff"
        and "sandbox" in shown["Content-Security-Policy"]
    )
    content = b"".join(shown.streaming_content)
    assert b"PhoneMaker" not in content and not Image.open(io.BytesIO(content)).getexif()
    thumb = reader.get(image["thumbnail_url"])
    assert thumb.status_code == 200 and thumb["Content-Type"].startswith("image/")
    download = reader.get(document["url"])
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]


def test_without_text_the_message_names_its_files(room, alice):
    event, _ = services.message_post_with_files(
        room_id=room.pk, author=alice.user, body="  ", files=[pdf_upload("rubric.pdf")]
    )
    assert event.body == "rubric.pdf"


def test_unsafe_or_too_many_or_too_large_files_store_nothing(room, alice):
    with pytest.raises(Invalid):
        services.message_post_with_files(
            room_id=room.pk,
            author=alice.user,
            body="x",
            files=[photo(), pdf_upload("evil.pdf", PDF_WITH_JAVASCRIPT)],
        )
    with override_settings(KRING_CHAT_FILES_PER_MESSAGE=1), pytest.raises(TooLarge):
        services.message_post_with_files(
            room_id=room.pk, author=alice.user, body="x", files=[photo(), photo()]
        )
    with override_settings(KRING_CHAT_FILE_MAX_BYTES=100), pytest.raises(TooLarge):
        services.message_post_with_files(
            room_id=room.pk, author=alice.user, body="x", files=[pdf_upload()]
        )
    assert not Attachment.objects.exists() and not RoomEvent.objects.exists()


def test_only_who_may_post_sends_files(community, room):
    observer = make_member(community, role="observer")
    with pytest.raises(Forbidden):
        services.message_post_with_files(
            room_id=room.pk, author=observer.user, body="x", files=[photo()]
        )
    assert not Attachment.objects.exists()


def test_only_readers_of_the_room_open_a_file(community, room, alice, bob):
    event, _ = services.message_post_with_files(
        room_id=room.pk, author=alice.user, body="photo", files=[photo()]
    )
    url = event.data["attachments"][0]["url"]
    outsider = make_member(CommunityFactory()).user
    assert browser_for(outsider).get(url).status_code == 403
    assert Client().get(url).status_code == 302  # to the sign-in page
    community_services.membership_leave(user=bob.user, community=community)
    assert browser_for(bob.user).get(url).status_code == 403
    assert browser_for(alice.user).get("/files/not-a-key/").status_code == 404


def test_a_hidden_or_deleted_message_takes_its_files_away(
    community, room, alice, bob, django_capture_on_commit_callbacks
):
    event, _ = services.message_post_with_files(
        room_id=room.pk, author=alice.user, body="photo", files=[photo()]
    )
    image = event.data["attachments"][0]
    facilitator = make_member(community, role="facilitator")
    moderation.message_hide(actor=facilitator.user, message_id=event.pk, reason="a pupil's face")
    for person in (bob.user, alice.user, facilitator.user):
        assert browser_for(person).get(image["url"]).status_code == 410
        assert browser_for(person).get(image["thumbnail_url"]).status_code == 410
    moderation.message_unhide(actor=facilitator.user, message_id=event.pk)
    assert browser_for(bob.user).get(image["url"]).status_code == 200
    stored = Attachment.objects.get(message=event)
    names = [stored.file.name, stored.thumbnail.name]
    assert all(default_storage.exists(name) for name in names)
    with django_capture_on_commit_callbacks(execute=True):
        community_services.message_delete(actor=alice.user, message_id=event.pk)
    assert browser_for(bob.user).get(image["url"]).status_code == 404
    # the files themselves are gone from storage, not only unreachable
    assert not Attachment.objects.filter(message=event).exists()
    assert not any(default_storage.exists(name) for name in names)


def test_files_in_a_direct_conversation_stay_in_it(community, alice, bob):
    chat = conversation(alice.user, bob.user)
    event, _ = services.message_post_with_files(
        room_id=chat.room_id, author=alice.user, body="for you", files=[pdf_upload()]
    )
    url = event.data["attachments"][0]["url"]
    assert browser_for(bob.user).get(url).status_code == 200
    facilitator = make_member(community, role="facilitator")
    assert browser_for(facilitator.user).get(url).status_code == 403


def test_the_api_posts_a_message_with_files_once_per_ref(room, alice, bob):
    client = client_for(alice.user)
    data = {"body": "Worksheet", "ref": "files-1", "files": [pdf_upload()]}
    first = client.post(f"/api/rooms/{room.pk}/messages", data)
    assert first.status_code == 201, first.content
    frame = first.json()
    assert frame["event"]["data"]["attachments"][0]["name"] == "worksheet.pdf"
    again = client.post(
        f"/api/rooms/{room.pk}/messages",
        {"body": "Worksheet", "ref": "files-1", "files": [pdf_upload()]},
    )
    assert again.status_code == 200 and again.json()["event"]["id"] == frame["event"]["id"]
    assert Attachment.objects.count() == 1
    refused = client.post(f"/api/rooms/{room.pk}/messages", {"body": "no file"})
    assert refused.status_code == 400


def test_the_sender_saves_a_file_to_the_library(community, room, alice, bob):
    event, _ = services.message_post_with_files(
        room_id=room.pk, author=alice.user, body="worksheet", files=[pdf_upload("Breuken.pdf")]
    )
    key = event.data["attachments"][0]["id"]
    page = browser_for(alice.user).get(f"/files/{key}/save/")
    assert page.status_code == 200 and b"Breuken" in page.content
    response = browser_for(alice.user).post(
        f"/files/{key}/save/",
        {
            "community": community.slug,
            "title": "Breuken met pizza",
            "resource_type": "worksheet",
            "language": "nl",
            "licence": "CC-BY-4.0",
            "description": "Uit ons gesprek",
        },
    )
    resource = Resource.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/resources/{resource.pk}/"
    assert (resource.title, resource.licence, resource.author) == (
        "Breuken met pizza",
        "CC-BY-4.0",
        alice.user,
    )
    assert resource.versions.get().sha256 == Attachment.objects.get().sha256
    # Someone else's file: the page says why, and posting does nothing.
    other = browser_for(bob.user)
    assert b"Only the person who sent" in other.get(f"/files/{key}/save/").content
    other.post(f"/files/{key}/save/", {"community": community.slug, "title": "Mine now",
                                       "resource_type": "worksheet", "language": "nl",
                                       "licence": "CC-BY-4.0"})  # fmt: skip
    assert Resource.objects.count() == 1
