"""Facilitators manage rooms; coordinators archive communities. Each change is audited and
reaches open pages; archived rooms and communities are read-only at the very next post."""

from __future__ import annotations

import pytest

from community import selectors, services
from community.models import Room
from core.errors import Conflict, Forbidden, Invalid
from facilitators import services as moderation
from facilitators.models import AuditEntry
from tests.conftest import make_member
from tests.factories import CommunityFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def facilitator(community):
    return make_member(community, role="facilitator").user


def _names(community) -> list[str]:
    return [r.name for r in selectors.room_list(community=community, user=UserFactory())]


def test_a_new_room_goes_to_the_end_of_the_list_and_is_audited(community, facilitator):
    room = services.room_add(
        actor=facilitator, community=community, name="AI in de klas", topic="What works"
    )
    assert room.name == "ai-in-de-klas"
    assert _names(community) == ["general", "ai-in-de-klas"]
    entry = AuditEntry.objects.get(action="room.create")
    assert (entry.actor, entry.room) == (facilitator, room)


def test_room_names_are_one_word_and_unique_archived_ones_included(community, facilitator):
    with pytest.raises(Invalid) as empty:
        services.room_add(actor=facilitator, community=community, name="  ")
    assert empty.value.field == "name"
    with pytest.raises(Invalid):
        services.room_add(actor=facilitator, community=community, name="no/slashes")
    room = services.room_add(actor=facilitator, community=community, name="projects")
    services.room_archive(actor=facilitator, room=room)
    with pytest.raises(Conflict, match="perhaps archived"):
        services.room_add(actor=facilitator, community=community, name="Projects")
    assert community.rooms.count() == 2


def test_rooms_per_community_are_limited(community, facilitator, settings):
    settings.KRING_MAX_ROOMS_PER_COMMUNITY = 2
    services.room_add(actor=facilitator, community=community, name="one")
    with pytest.raises(Conflict, match="at most 2 rooms"):
        services.room_add(actor=facilitator, community=community, name="two")


def test_members_cannot_manage_rooms(community, alice):
    with pytest.raises(Forbidden):
        services.room_add(actor=alice.user, community=community, name="mine")


def test_reordering_names_every_listed_room_once(community, facilitator, room):
    a = services.room_add(actor=facilitator, community=community, name="a")
    b = services.room_add(actor=facilitator, community=community, name="b")
    services.rooms_reorder(actor=facilitator, community=community, room_ids=[b.pk, room.pk, a.pk])
    assert _names(community) == ["b", "general", "a"]
    with pytest.raises(Invalid):
        services.rooms_reorder(actor=facilitator, community=community, room_ids=[b.pk, a.pk])
    assert _names(community) == ["b", "general", "a"]


def test_archiving_keeps_the_history_and_stops_posts(community, facilitator, alice):
    room = services.room_add(actor=facilitator, community=community, name="projects")
    message, _ = services.message_post(room_id=room.pk, author=alice.user, body="Report")
    services.room_archive(actor=facilitator, room=room, reason="Project ended")
    assert "projects" not in _names(community)
    assert selectors.room_events(room_id=room.pk)[0].pk == message.pk
    event = selectors.room_events(room_id=room.pk)[-1]
    assert (event.kind, event.data["archived"], event.data["changed"]) == (
        "room",
        True,
        ["archived_at"],
    )
    with pytest.raises(Forbidden, match="archived"):
        services.message_post(room_id=room.pk, author=alice.user, body="Still here?")
    with pytest.raises(Forbidden, match="archived"):
        services.message_edit(actor=alice.user, message_id=message.pk, body="Edited")
    # A restored room is back at the end of the list and open again.
    services.room_restore(actor=facilitator, room=room)
    assert _names(community)[-1] == "projects"
    services.message_post(room_id=room.pk, author=alice.user, body="Back")


def test_the_general_room_stays(community, facilitator, room):
    with pytest.raises(Conflict, match="general room cannot be archived"):
        services.room_archive(actor=facilitator, room=room)
    with pytest.raises(Conflict):
        moderation.room_settings_update(actor=facilitator, room=room, name="lobby")
    projects = services.room_add(actor=facilitator, community=community, name="projects")
    with pytest.raises(Conflict):
        moderation.room_settings_update(actor=facilitator, room=projects, name="general")
    assert Room.objects.get(pk=room.pk).archived_at is None


def test_renaming_a_room_is_a_room_event_and_audited(community, facilitator):
    room = services.room_add(actor=facilitator, community=community, name="projects")
    moderation.room_settings_update(actor=facilitator, room=room, name="Projects 2026")
    room.refresh_from_db()
    assert room.name == "projects-2026"
    assert selectors.room_events(room_id=room.pk)[-1].data["name"] == "projects-2026"
    assert AuditEntry.objects.filter(action="room.rename", data__to="projects-2026").exists()


def test_an_archived_community_is_read_only_and_out_of_the_directory(community, alice):
    coordinator = UserFactory(is_coordinator=True)
    general = community.rooms.get(name="general")
    services.community_archive(actor=coordinator, community=community, reason="Ended")
    assert community not in selectors.community_list(user=alice.user)
    assert community in selectors.community_list(user=alice.user, archived=True)
    with pytest.raises(Forbidden, match="community is archived"):
        services.message_post(room_id=general.pk, author=alice.user, body="Hello?")
    with pytest.raises(Conflict, match="archived"):
        services.membership_join(user=UserFactory(), community=community)
    services.community_restore(actor=coordinator, community=community)
    services.message_post(room_id=general.pk, author=alice.user, body="Hello again")
    assert [e.action for e in AuditEntry.objects.order_by("pk")] == [
        "community.archive",
        "community.restore",
    ]


def test_only_coordinators_archive_communities(community):
    facilitator = make_member(community, role="facilitator").user
    with pytest.raises(Forbidden):
        services.community_archive(actor=facilitator, community=community)


def test_the_composer_knows_before_typing_that_a_room_is_archived(community, facilitator, alice):
    from community.views import composer_state

    room = services.room_add(actor=facilitator, community=community, name="projects")
    services.room_archive(actor=facilitator, room=room)
    room.refresh_from_db()
    assert composer_state(alice.user, community, room)["archived"] == {"where": "room"}
    other = CommunityFactory()
    fresh = other.rooms.get(name="general")
    assert composer_state(alice.user, other, fresh)["archived"] is None
