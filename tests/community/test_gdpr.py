"""GDPR: a teacher downloads all their data, and erasing the account leaves nothing personal."""

from __future__ import annotations

import json

import pytest
from django.apps import apps
from django.db import models
from django.test import Client

from community import services
from community.models import RoomEvent, User
from delivery.worker import process_pending_jobs
from facilitators import services as moderation
from resources.services import resource_share
from tests.conftest import make_member, session_token_for

pytestmark = pytest.mark.django_db

EMAIL = "zofia.erase@school.test"
NAME = "Zofia Erasmus-Kowalczyk"
SCHOOL = "Szkoła Podstawowa Tajemnicza"


@pytest.fixture
def zofia(community, room, alice):
    member = make_member(community, email=EMAIL, display_name=NAME)
    services.profile_update(
        user=member.user, school=SCHOOL, bio="I teach in Lublin", subjects=["chemistry"]
    )
    services.message_post(
        room_id=room.pk, author=member.user, body="My lesson plan on acids, @alice-anders"
    )
    services.message_post(
        room_id=room.pk, author=alice.user, body="@zofia-erasmus-kowalczyk thanks!"
    )
    resource_share(
        actor=member.user, community=community, title="Acids and bases", language="pl",
        licence="CC-BY-4.0", url="https://example.org/acids",
    )  # fmt: skip
    facilitator = make_member(community, role="facilitator")
    moderation.invitation_create(actor=facilitator.user, community=community, email=EMAIL)
    process_pending_jobs()
    return member


def test_export_contains_everything_about_me(zofia):
    client = Client(HTTP_X_SESSION_TOKEN=zofia.token)
    response = client.get("/api/me/export")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert (data["account"]["email"], data["account"]["display_name"]) == (EMAIL, NAME)
    assert data["profile"]["school"] == SCHOOL
    assert [m["body"] for m in data["messages"]] == ["My lesson plan on acids, @alice-anders"]
    assert data["memberships"][0]["state"] == "active"
    assert [n["verb"] for n in data["notifications"]] == ["mentioned you in #general"]
    [material] = data["resources"]
    assert (material["title"], material["versions"][0]["url"]) == (
        "Acids and bases",
        "https://example.org/acids",
    )


def _everything_mentioning(*needles: str) -> list[str]:
    """Every text or JSON value in the whole database that contains one of the needles."""
    found = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if not isinstance(
                field, models.CharField | models.TextField | models.JSONField | models.EmailField
            ):
                continue
            for needle in needles:
                lookup = (
                    f"{field.name}__icontains" if not isinstance(field, models.JSONField) else None
                )
                if lookup is None:
                    rows = [
                        v
                        for v in model.objects.values_list(field.name, flat=True)
                        if needle.lower() in json.dumps(v).lower()
                    ]
                else:
                    rows = list(
                        model.objects.filter(**{lookup: needle}).values_list(field.name, flat=True)
                    )
                found += [f"{model._meta.label}.{field.name}: {str(row)[:80]}" for row in rows]
    return found


def test_erasing_my_account_leaves_nothing_personal(zofia, room, alice):
    user_id = zofia.user.pk
    client = Client(HTTP_X_SESSION_TOKEN=zofia.token)
    refused = client.post(
        "/api/me/delete", {"confirm": "someone@else.test"}, content_type="application/json"
    )
    assert refused.status_code == 400 and User.objects.filter(pk=user_id).exists()
    response = client.post("/api/me/delete", {"confirm": EMAIL}, content_type="application/json")
    assert response.status_code == 204
    assert not User.objects.filter(pk=user_id).exists()
    assert _everything_mentioning(EMAIL, NAME, SCHOOL, "Lublin") == []
    # what they wrote stays readable for the others, as written by "Deleted user"
    kept = RoomEvent.objects.get(body__startswith="My lesson plan")
    assert kept.author_id is None
    frames = Client(HTTP_X_SESSION_TOKEN=alice.token).get(f"/api/rooms/{room.pk}/events").json()
    authors = {f["event"]["author"]["name"] for f in frames if f["event"]["kind"] == "message"}
    assert authors == {"Deleted user", "Alice Anders"}
    assert Client(HTTP_X_SESSION_TOKEN=zofia.token).get("/api/me").status_code == 401
    # Their shared material stays for the community, credited to "Deleted user".
    material = Client(HTTP_X_SESSION_TOKEN=alice.token).get("/api/resources").json()[0]
    assert material["author"] == {"id": None, "name": "Deleted user", "handle": None}
    assert material["attribution"].startswith("“Acids and bases” by Deleted user")


def test_erasing_with_messages_empties_them_too(zofia, room):
    client = Client(HTTP_X_SESSION_TOKEN=zofia.token)
    client.post(
        "/api/me/delete",
        {"confirm": EMAIL, "erase_messages": True},
        content_type="application/json",
    )
    assert _everything_mentioning("lesson plan on acids") == []
    erased = RoomEvent.objects.filter(author__isnull=True, kind="message").get()
    assert (erased.body, erased.deleted_at is not None) == ("", True)


def test_nobody_exports_or_erases_someone_else(zofia, alice):
    client = Client(HTTP_X_SESSION_TOKEN=session_token_for(alice.user))
    assert client.get("/api/me/export").json()["account"]["email"] == alice.user.email
    client.post("/api/me/delete", {"confirm": EMAIL}, content_type="application/json")
    assert User.objects.filter(email=EMAIL).exists()


def test_account_page_deletes_with_confirmation(zofia):
    client = Client()
    client.force_login(zofia.user)
    assert "Delete my account" in client.get("/me/profile/").content.decode()
    client.post("/me/delete/", {"confirm": "wrong@school.test"})
    assert User.objects.filter(email=EMAIL).exists()
    response = client.post("/me/delete/", {"confirm": EMAIL})
    assert response.status_code == 302 and not User.objects.filter(email=EMAIL).exists()
