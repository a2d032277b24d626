"""Bad input to the running-communities API gets a clear error and writes nothing."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from community.models import Community, Room
from facilitators.models import AuditEntry, CommunityProposal, Invitation
from tests.conftest import make_member, session_token_for
from tests.factories import CommunityFactory, UserFactory
from tests.resources.files import SVG_WITH_SCRIPT, png_bytes

pytestmark = pytest.mark.django_db
JSON = {"content_type": "application/json"}
FOUND = {"name": "Noord-Brabant", "kind": "regional", "countries": ["NL"], "languages": ["nl"],
         "facilitator_email": "anna@brabant.test"}  # fmt: skip


@pytest.fixture
def coordinator() -> Client:
    return Client(HTTP_X_SESSION_TOKEN=session_token_for(UserFactory(is_coordinator=True)))


@pytest.fixture
def facilitating(community):
    member = make_member(community, role="facilitator")
    return Client(HTTP_X_SESSION_TOKEN=member.token)


def _nothing_written(before: tuple) -> None:
    assert (
        Community.objects.count(),
        Room.objects.count(),
        Invitation.objects.count(),
        AuditEntry.objects.count(),
    ) == before


def _counts() -> tuple:
    return (
        Community.objects.count(),
        Room.objects.count(),
        Invitation.objects.count(),
        AuditEntry.objects.count(),
    )


@pytest.mark.parametrize(
    ("change", "status", "says"),
    [
        ({"name": "   "}, 400, "needs a name"),
        ({"countries": ["NL", "ZZ"]}, 400, "'ZZ' is not an ISO 3166-1 country code"),
        ({"languages": ["nl", "xx"]}, 400, "'xx' is not a BCP-47 language tag"),
        ({"kind": "club"}, 400, "Unknown kind 'club'"),
        ({"join_policy": "maybe"}, 400, "Unknown join policy"),
        ({"slug": "Not A Slug!"}, 400, "is not an address"),
        ({"facilitator_email": "not-an-email"}, 400, "is not an email address"),
        ({"name": "x" * 121}, 400, "at most 120 characters"),
    ],
)
def test_founding_with_bad_input_says_what_is_wrong_and_writes_nothing(
    coordinator, change, status, says
):
    before = _counts()
    response = coordinator.post("/api/coordination/communities", {**FOUND, **change}, **JSON)
    assert response.status_code == status, response.content
    assert says in response.json()["detail"]
    _nothing_written(before)


def test_a_taken_address_is_a_conflict_and_writes_nothing(coordinator):
    CommunityFactory(slug="noord-brabant")
    before = _counts()
    response = coordinator.post("/api/coordination/communities", FOUND, **JSON)
    assert response.status_code == 409
    assert response.json() == {
        "error": "conflict",
        "detail": "The address 'noord-brabant' is taken by another community; choose another.",
    }
    _nothing_written(before)


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"name": ""}, "needs a name"),
        ({"countries": ["XX"]}, "'XX' is not an ISO 3166-1 country code"),
        ({"languages": ["klingon"]}, "'klingon' is not a BCP-47 language tag"),
        ({"join_policy": "sometimes"}, "Unknown join policy"),
    ],
)
def test_editing_with_bad_input_changes_nothing(community, facilitating, change, says):
    before = Community.objects.values().get(pk=community.pk)
    response = facilitating.patch(
        f"/api/communities/{community.slug}", {"region": "Twente", **change}, **JSON
    )
    assert response.status_code == 400
    assert says in response.json()["detail"]
    assert Community.objects.values().get(pk=community.pk) == before
    assert not AuditEntry.objects.exists()


def test_an_oversized_logo_is_refused_before_anything_is_stored(community, facilitating, settings):
    settings.KRING_LOGO_MAX_BYTES = 2048
    big = SimpleUploadedFile("big.png", png_bytes((400, 400), "green") + b"\0" * 4096, "image/png")
    response = facilitating.post(f"/api/communities/{community.slug}/logo", {"file": big})
    assert response.status_code == 413
    assert response.json() == {"error": "too_large", "detail": "Files can be at most 2 KB."}
    community.refresh_from_db()
    assert not community.logo
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "content_type", "says"),
    [
        ("logo.svg", SVG_WITH_SCRIPT, "image/svg+xml", "'.svg' files are not accepted"),
        ("logo.png", b"%PDF-1.4 not a picture", "image/png", "its content is"),
        ("logo.pdf", b"%PDF-1.4\n", "application/pdf", "'.pdf' files are not accepted"),
    ],
)
def test_a_logo_must_be_a_real_picture(community, facilitating, name, content, content_type, says):
    upload = SimpleUploadedFile(name, content, content_type=content_type)
    response = facilitating.post(f"/api/communities/{community.slug}/logo", {"file": upload})
    assert response.status_code == 400
    assert says in response.json()["detail"]
    community.refresh_from_db()
    assert not community.logo


def test_a_big_logo_is_scaled_down_and_served_safely(community, facilitating, settings):
    settings.KRING_LOGO_MAX_SIDE = 64
    upload = SimpleUploadedFile("logo.png", png_bytes((300, 150)), content_type="image/png")
    response = facilitating.post(f"/api/communities/{community.slug}/logo", {"file": upload})
    assert response.status_code == 200, response.content
    page = Client()
    page.force_login(UserFactory())  # any signed-in teacher sees a community's logo
    logo = page.get(response.json()["logo_url"])
    assert logo["Content-Type"] == "image/png"
    assert logo["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in logo["Content-Security-Policy"]

    with Image.open(io.BytesIO(b"".join(logo.streaming_content))) as image:
        assert image.size == (64, 32)
    assert AuditEntry.objects.filter(action="community.logo").count() == 1


def test_a_room_with_a_duplicate_or_empty_name_is_refused(community, facilitating):
    url = f"/api/communities/{community.slug}/rooms"
    assert facilitating.post(url, {"name": "General"}, **JSON).status_code == 409
    response = facilitating.post(url, {"name": ""}, **JSON)
    assert response.status_code == 400
    assert response.json()["detail"] == "A room needs a name."
    assert community.rooms.count() == 1


def test_a_proposal_needs_a_reason_and_known_codes():
    client = Client(HTTP_X_SESSION_TOKEN=session_token_for(UserFactory()))
    base = {"name": "Uusimaa", "kind": "regional", "reason": "Teachers near Espoo"}
    for change, says in (
        ({"reason": " "}, "Say why"),
        ({"countries": ["FI", "QQ"]}, "'QQ' is not an ISO 3166-1 country code"),
        ({"languages": ["fi", "zz"]}, "'zz' is not a BCP-47 language tag"),
    ):
        response = client.post("/api/community-proposals", {**base, **change}, **JSON)
        assert response.status_code == 400
        assert says in response.json()["detail"]
    assert not CommunityProposal.objects.exists()


def test_linking_a_circle_to_a_circle_is_refused(community, facilitating):
    circle = CommunityFactory(kind="cross_border")
    response = facilitating.post(
        f"/api/communities/{community.slug}/network", {"circle": community.slug}, **JSON
    )
    assert response.status_code == 400
    assert "is not a cross-border circle" in response.json()["detail"]
    regional = CommunityFactory(kind="regional")
    fac = make_member(circle, role="facilitator")
    answer = Client(HTTP_X_SESSION_TOKEN=fac.token).post(
        f"/api/communities/{circle.slug}/network", {"circle": regional.slug}, **JSON
    )
    assert answer.status_code == 400
