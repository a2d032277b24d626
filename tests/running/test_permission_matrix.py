"""Every cell of docs/permissions.md's "Running communities" and "Toolkits" tables, through
the JSON API. The tables are read from the document, which stays the specification."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from community.models import CircleLink, Community, Room
from facilitators.models import CommunityProposal
from resources.models import Toolkit, ToolkitItem
from tests.conftest import make_member, session_token_for
from tests.factories import CommunityFactory, UserFactory
from tests.permission_matrix import matrix
from tests.resources.conftest import share
from tests.resources.files import png_bytes

RUNNING = matrix("Running communities")
TOOLKITS = matrix("Toolkits")
JSON = {"content_type": "application/json"}


def test_the_tables_cover_every_row_and_action():
    assert set(RUNNING) == {
        "anonymous", "non_member", "member", "co_facilitator", "facilitator",
        "other_facilitator", "circle_facilitator", "coordinator", "staff",
    }  # fmt: skip
    assert len({a for row in RUNNING.values() for a in row}) == 16
    assert set(TOOLKITS) == {
        "anonymous", "non_member", "member", "network_member", "co_facilitator", "facilitator",
        "other_facilitator", "coordinator", "staff",
    }  # fmt: skip


def _world() -> dict[str, Any]:
    """A regional community with its rooms and members, linked to a circle; another circle
    to link to; a proposal waiting; a members-only and a public toolkit."""
    community = CommunityFactory(kind="regional", join_policy="request")
    projects = Room.objects.create(community=community, name="projects", position=1)
    author = make_member(community, role="facilitator").user
    circle = CommunityFactory(kind="cross_border")
    other_circle = CommunityFactory(kind="cross_border")
    CircleLink.objects.create(circle=circle, community=community)
    proposal = CommunityProposal.objects.create(
        proposer=UserFactory(), name="Noord-Brabant", kind="regional", reason="For us"
    )
    material = share(author, community)
    kit = Toolkit.objects.create(community=community, slug="kit", title="Kit")
    ToolkitItem.objects.create(toolkit=kit, resource=material, position=1)
    public = Toolkit.objects.create(
        community=community, slug="public-kit", title="Public", published_at="2026-01-01T00:00Z"
    )
    ToolkitItem.objects.create(toolkit=public, resource=material, position=1)
    return {
        "community": community,
        "general": community.rooms.get(name="general"),
        "projects": projects,
        "circle": circle,
        "other_circle": other_circle,
        "proposal": proposal,
        "material": material,
    }


def _actor(who: str, world: dict[str, Any]) -> Any:
    community = world["community"]
    if who == "anonymous":
        return None
    if who == "non_member":
        return UserFactory()
    if who == "staff":
        return UserFactory(is_staff=True)
    if who == "coordinator":
        return UserFactory(is_coordinator=True)
    if who == "other_facilitator":
        return make_member(CommunityFactory(), role="facilitator").user
    if who == "circle_facilitator":
        return make_member(world["circle"], role="facilitator").user
    if who == "network_member":
        return make_member(world["circle"]).user
    return make_member(community, role=who).user


def _running(client: Client, action: str, w: dict[str, Any]) -> Any:
    slug = w["community"].slug
    projects, general = w["projects"].pk, w["general"].pk
    calls = {
        "propose": lambda: client.post(
            "/api/community-proposals",
            {"name": "Uusimaa", "kind": "regional", "countries": ["FI"], "reason": "Needed"},
            **JSON,
        ),
        "decide": lambda: client.post(
            f"/api/community-proposals/{w['proposal'].pk}/approve", {}, **JSON
        ),
        "found": lambda: client.post(
            "/api/coordination/communities",
            {"name": "Limburg", "kind": "regional", "facilitator_email": "new@limburg.test"},
            **JSON,
        ),
        "archive": lambda: client.post(f"/api/communities/{slug}/archive", {}, **JSON),
        "edit": lambda: client.patch(f"/api/communities/{slug}", {"region": "Twente"}, **JSON),
        "logo": lambda: client.post(
            f"/api/communities/{slug}/logo",
            {"file": SimpleUploadedFile("logo.png", png_bytes(), content_type="image/png")},
        ),
        "room_create": lambda: client.post(
            f"/api/communities/{slug}/rooms", {"name": "new-room"}, **JSON
        ),
        "room_rename": lambda: client.patch(
            f"/api/rooms/{projects}", {"name": "projects-2"}, **JSON
        ),
        "room_order": lambda: client.put(
            f"/api/communities/{slug}/rooms/order", {"rooms": [projects, general]}, **JSON
        ),
        "room_archive": lambda: client.post(f"/api/rooms/{projects}/archive", {}, **JSON),
        "link": lambda: client.post(
            f"/api/communities/{slug}/network", {"circle": w["other_circle"].slug}, **JSON
        ),
        "unlink": lambda: client.delete(f"/api/communities/{slug}/network/{w['circle'].slug}"),
        "announce_network": lambda: client.post(
            f"/api/communities/{slug}/announcements", {"body": "News", "scope": "network"}, **JSON
        ),
        "members": lambda: client.get(f"/api/communities/{slug}/member-table"),
        "members_csv": lambda: client.get(f"/api/communities/{slug}/member-table.csv"),
        "network": lambda: client.get(f"/api/communities/{slug}/network"),
    }
    return calls[action]()


def _toolkits(client: Client, action: str, w: dict[str, Any]) -> Any:
    slug = w["community"].slug
    calls = {
        "read_public": lambda: client.get("/api/public/toolkits/public-kit"),
        "read": lambda: client.get("/api/toolkits/kit"),
        "create": lambda: client.post(
            f"/api/communities/{slug}/toolkits", {"title": "Starter kit"}, **JSON
        ),
        "curate": lambda: client.put(
            "/api/toolkits/kit/items", {"items": [{"resource": w["material"].pk}]}, **JSON
        ),
        "publish": lambda: client.patch("/api/toolkits/kit", {"public": True}, **JSON),
    }
    return calls[action]()


def _check(table: dict, who: str, action: str, response: Any) -> None:
    if table[who][action]:
        assert 200 <= response.status_code < 300, (who, action, response.content)
    else:
        expected = 401 if who == "anonymous" else 403
        assert response.status_code == expected, (who, action, response.content)
        assert response.json()["error"] in ("unauthorized", "forbidden")


def _client(actor: Any) -> Client:
    return Client(HTTP_X_SESSION_TOKEN=session_token_for(actor)) if actor else Client()


@pytest.mark.django_db
@pytest.mark.parametrize(("who", "action"), [(who, a) for who, row in RUNNING.items() for a in row])
def test_running_communities_cell(who, action):
    world = _world()
    response = _running(_client(_actor(who, world)), action, world)
    _check(RUNNING, who, action, response)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "action"), [(who, a) for who, row in TOOLKITS.items() for a in row]
)
def test_toolkits_cell(who, action):
    world = _world()
    response = _toolkits(_client(_actor(who, world)), action, world)
    _check(TOOLKITS, who, action, response)


@pytest.mark.django_db
def test_a_refused_action_writes_nothing():
    world = _world()
    member = _client(_actor("member", world))
    before = (Community.objects.count(), Room.objects.count(), CircleLink.objects.count())
    for action in ("found", "room_create", "link", "archive", "unlink"):
        assert _running(member, action, world).status_code == 403
    assert (Community.objects.count(), Room.objects.count(), CircleLink.objects.count()) == before
