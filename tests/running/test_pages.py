"""The pages that run communities: errors next to their fields, nothing written on bad
input, and the actions each page offers."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from community.models import CircleLink, Community, Room
from delivery.models import JobState, OutboxJob
from facilitators.models import AuditEntry, CommunityProposal
from tests.conftest import make_member
from tests.factories import CommunityFactory, UserFactory
from tests.resources.files import png_bytes

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _error_next_to(html: str, field_id: str) -> str:
    """The error list rendered right after a field's label (templates/_form.html)."""
    match = re.search(rf'<ul class="errorlist" id="{field_id}_error"><li>(.*?)</li>', html)
    assert match, f"no error next to {field_id}"
    return match.group(1)


@pytest.fixture
def coordinator_client():
    return _client(UserFactory(is_coordinator=True))


FOUND = {"action": "found", "name": "Noord-Brabant", "kind": "regional", "countries": "NL",
         "languages": "nl", "join_policy": "request", "facilitator_email": "anna@brabant.test"}  # fmt: skip


def test_a_coordinator_founds_a_community_and_gets_the_invitation_link(coordinator_client):
    response = coordinator_client.post("/coordinate/", FOUND, follow=True)
    community = Community.objects.get(slug="noord-brabant")
    assert response.redirect_chain[-1][0] == f"/c/{community.slug}/"
    assert "/invite/" in response.content.decode()


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        ({"countries": "NL, ZZ"}, "id_countries", "&#x27;ZZ&#x27; is not an ISO 3166-1"),
        ({"languages": "nl, xx"}, "id_languages", "&#x27;xx&#x27; is not a BCP-47"),
        ({"name": ""}, "id_name", "This field is required."),
        ({"slug": "gelderland"}, "id_slug", "is taken by another community"),
    ],
)
def test_founding_errors_are_next_to_their_field(coordinator_client, change, field, says):
    CommunityFactory(slug="gelderland")
    before = Community.objects.count()
    response = coordinator_client.post("/coordinate/", {**FOUND, **change})
    assert response.status_code == 200
    assert says in _error_next_to(response.content.decode(), field)
    assert Community.objects.count() == before


def test_teachers_cannot_open_the_coordination_page():
    response = _client(UserFactory()).get("/coordinate/")
    assert response.status_code == 302


def test_proposing_and_deciding_from_the_pages(coordinator_client):
    hanna = UserFactory()
    teacher = _client(hanna)
    response = teacher.post(
        "/communities/propose/",
        {"name": "Uusimaa", "kind": "regional", "countries": "FI", "reason": "Espoo teachers"},
        follow=True,
    )
    assert "Uusimaa" in response.content.decode()
    proposal = CommunityProposal.objects.get()
    coordinator_client.post(
        "/coordinate/", {"action": "decline", "proposal": proposal.pk, "reason": "Join Helsinki"}
    )
    proposal.refresh_from_db()
    assert proposal.state == "declined"
    assert "Join Helsinki" in teacher.get("/communities/propose/").content.decode()


def test_a_proposal_without_a_reason_is_refused_next_to_the_field():
    response = _client(UserFactory()).post(
        "/communities/propose/", {"name": "Uusimaa", "kind": "regional", "reason": ""}
    )
    assert "This field is required." in _error_next_to(response.content.decode(), "id_reason")
    assert not CommunityProposal.objects.exists()


@pytest.fixture
def settings_page(community):
    facilitator = make_member(community, role="facilitator").user
    return _client(facilitator), f"/c/{community.slug}/settings/"


def test_the_settings_form_shows_errors_next_to_fields(community, settings_page):
    client, url = settings_page
    response = client.post(
        url, {"action": "settings", "name": "Gelderland", "countries": "NL, QQ",
              "languages": "nl", "join_policy": "open"},
    )  # fmt: skip
    assert "&#x27;QQ&#x27; is not an ISO 3166-1" in _error_next_to(
        response.content.decode(), "id_countries"
    )
    community.refresh_from_db()
    assert community.name != "Gelderland"


def test_rooms_are_created_renamed_reordered_archived_and_restored(community, settings_page):
    client, url = settings_page
    client.post(url, {"action": "room_add", "new-name": "projects", "new-topic": "Ideas"})
    projects = Room.objects.get(community=community, name="projects")
    client.post(url, {"action": "room_update", "room": projects.pk, "name": "projects-2026",
                      "topic": "Ideas for 2026"})  # fmt: skip
    client.post(url, {"action": "room_up", "room": projects.pk})
    projects.refresh_from_db()
    assert (projects.name, projects.topic, projects.position) == (
        "projects-2026",
        "Ideas for 2026",
        1,
    )
    page = client.get(url).content.decode()
    assert 'data-confirm="Archive #projects-2026?' in page
    client.post(url, {"action": "room_archive", "room": projects.pk})
    projects.refresh_from_db()
    assert projects.archived_at is not None
    client.post(url, {"action": "room_restore", "room": projects.pk})
    projects.refresh_from_db()
    assert projects.archived_at is None
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"room.create", "room.rename", "room.reorder", "room.archive", "room.restore"} <= actions


def test_a_room_name_error_is_next_to_the_field(community, settings_page):
    client, url = settings_page
    response = client.post(url, {"action": "room_add", "new-name": "general"})
    assert "already a room #general" in _error_next_to(response.content.decode(), "id_new-name")


def test_the_logo_is_uploaded_from_the_settings_page(community, settings_page):
    client, url = settings_page
    upload = SimpleUploadedFile("logo.png", png_bytes((20, 20)), content_type="image/png")
    client.post(url, {"action": "logo", "logo": upload})
    community.refresh_from_db()
    assert community.logo.name.startswith(f"logos/{community.pk}/")
    assert f"/c/{community.slug}/logo?v=" in client.get(f"/c/{community.slug}/").content.decode()


def test_linking_from_the_settings_page_and_the_circle_lists_it(community, settings_page):
    client, url = settings_page
    circle = CommunityFactory(kind="cross_border", name="European circle")
    client.post(url, {"action": "link", "circle": circle.slug})
    assert CircleLink.objects.filter(circle=circle, community=community).exists()
    page = client.get(f"/c/{circle.slug}/").content.decode()
    assert f'href="/c/{community.slug}/"' in page


def test_the_dashboard_sends_an_announcement_to_the_network(community):
    facilitator = make_member(community, role="facilitator").user
    circle = CommunityFactory(kind="cross_border")
    CircleLink.objects.create(circle=circle, community=community)
    client = _client(facilitator)
    page = client.get(f"/c/{community.slug}/facilitate/").content.decode()
    assert 'name="scope" value="network"' in page and 'id="announce-preview"' in page
    client.post(
        f"/c/{community.slug}/facilitate/",
        {"action": "announce", "body": "Peer visits in May", "scope": "network"},
    )
    general = circle.rooms.get(name="general")
    assert general.events.get().body == "Peer visits in May"


def test_the_announcement_preview_renders_markdown_and_stores_nothing(community):
    facilitator = make_member(community, role="facilitator")
    client = Client(HTTP_X_SESSION_TOKEN=facilitator.token)
    answer = client.post(
        f"/api/communities/{community.slug}/announcements/preview",
        {"body": "**Soon** <script>x</script>"},
        content_type="application/json",
    )
    assert answer.json()["html"].startswith("<p><strong>Soon</strong>")
    assert "<script>" not in answer.json()["html"]
    assert not community.rooms.get(name="general").events.exists()


def test_the_admin_lists_every_kring_model_and_retries_failed_jobs():
    from django.apps import apps
    from django.contrib import admin

    kring_apps = {"community", "facilitators", "resources", "delivery"}
    models = [m for m in apps.get_models() if m._meta.app_label in kring_apps]
    assert {m for m in models if m not in admin.site._registry} == set()
    staff = UserFactory(is_staff=True, is_superuser=True)
    client = _client(staff)
    for model in models:
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        assert client.get(url).status_code == 200, url
    failed = OutboxJob.objects.create(kind="users", payload={}, state=JobState.FAILED, attempts=5)
    done = OutboxJob.objects.create(kind="users", payload={}, state=JobState.DONE, attempts=1)
    client.post(
        "/admin/delivery/outboxjob/",
        {"action": "retry", "_selected_action": [failed.pk, done.pk]},
    )
    failed.refresh_from_db()
    done.refresh_from_db()
    assert (failed.state, failed.attempts, done.state) == ("pending", 0, "done")


def test_audit_entries_are_read_only_in_the_admin():
    from django.contrib import admin

    from facilitators.models import AuditEntry as Entry

    model_admin = admin.site._registry[Entry]
    request = type("R", (), {"user": UserFactory(is_staff=True, is_superuser=True)})()
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_delete_permission(request)
