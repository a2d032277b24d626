"""Message search: what a reader may see and nothing else (rooms left or removed from,
hidden and deleted messages, others' conversations), ranked with snippets, filters, the API
and the page. Runs on SQLite (LIKE) and on PostgreSQL (the trigger-kept tsvector index)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from chat import search
from community import services as community_services
from community.models import RoomEvent
from facilitators import services as moderation
from tests.conftest import make_member
from tests.factories import CommunityFactory

from .conftest import client_for, conversation

pytestmark = pytest.mark.django_db
on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL full-text search"
)


def post(room_id, author, body):
    event, _ = community_services.message_post(room_id=room_id, author=author, body=body)
    return event


def found(user, q, **filters):
    hits, _more = search.message_search(user=user, q=q, filters=search.Filters(**filters))
    return [hit.message.pk for hit in hits]


def test_a_member_finds_messages_of_their_rooms_with_a_marked_snippet(room, alice, bob):
    trip = post(room.pk, bob.user, "The field trip to the Rijksmuseum is on <Friday> & free")
    post(room.pk, bob.user, "Something else entirely")
    [hit], more = search.message_search(user=alice.user, q="field trip")
    assert hit.message.pk == trip.pk and not more
    assert "<mark>field</mark>" in hit.snippet_html and "<mark>trip</mark>" in hit.snippet_html
    assert "&lt;Friday&gt;" in hit.snippet_html and "<Friday>" not in hit.snippet_html


def test_word_beginnings_match(room, alice, bob):
    message = post(room.pk, bob.user, "Photosynthesis worksheet for year 7")
    assert found(alice.user, "photosynth") == [message.pk]


def test_never_a_room_the_reader_left_or_was_removed_from(community, room, alice, bob):
    message = post(room.pk, bob.user, "Rubric for oral presentations")
    assert found(alice.user, "rubric") == [message.pk]
    community_services.membership_leave(user=alice.user, community=community)
    assert found(alice.user, "rubric") == []
    carla = make_member(community)
    facilitator = make_member(community, role="facilitator")
    assert found(carla.user, "rubric") == [message.pk]
    moderation.member_remove(
        actor=facilitator.user, membership=carla.user.memberships.get(community=community)
    )
    assert found(carla.user, "rubric") == []


def test_never_a_hidden_or_deleted_message(community, room, alice, bob):
    hidden = post(room.pk, bob.user, "Quiz answers leaked here")
    deleted = post(room.pk, bob.user, "Quiz answers again")
    facilitator = make_member(community, role="facilitator")
    moderation.message_hide(actor=facilitator.user, message_id=hidden.pk, reason="spoiler")
    community_services.message_delete(actor=bob.user, message_id=deleted.pk)
    assert found(alice.user, "quiz") == []
    # Facilitators do not find it either: search shows what members see.
    assert found(facilitator.user, "quiz") == []
    moderation.message_unhide(actor=facilitator.user, message_id=hidden.pk)
    assert found(alice.user, "quiz") == [hidden.pk]


def test_an_edit_is_found_by_its_new_words_only(room, alice, bob):
    message = post(room.pk, bob.user, "Meeting on Monday")
    community_services.message_edit(
        actor=bob.user, message_id=message.pk, body="Meeting on Tuesday"
    )
    assert found(alice.user, "monday") == []
    assert found(alice.user, "tuesday") == [message.pk]


def test_direct_messages_only_for_their_participants(community, alice, bob):
    chat = conversation(alice.user, bob.user)
    message = post(chat.room_id, bob.user, "Private note about the appraisal")
    facilitator = make_member(community, role="facilitator")
    staff = make_member(CommunityFactory()).user
    staff.is_staff = True
    staff.save()
    assert found(alice.user, "appraisal") == [message.pk]
    assert found(facilitator.user, "appraisal") == []
    assert found(staff, "appraisal") == []


def test_other_communities_and_material_threads(community, room, alice, bob):
    other = CommunityFactory()
    stranger = make_member(other)
    post(other.rooms.get(name="general").pk, stranger.user, "Erasmus partner wanted")
    assert found(alice.user, "erasmus") == []


def test_filters_room_person_dates_and_files(community, room, alice, bob):
    projects = community_services.room_create(community=community, name="projects")
    in_general = post(room.pk, bob.user, "Worksheet on fractions")
    in_projects = post(projects.pk, alice.user, "Worksheet on fractions for the project")
    assert set(found(alice.user, "worksheet")) == {in_general.pk, in_projects.pk}
    assert found(alice.user, "worksheet", room_id=projects.pk) == [in_projects.pk]
    assert found(alice.user, "worksheet", author_id=bob.user.pk) == [in_general.pk]
    RoomEvent.objects.filter(pk=in_general.pk).update(
        created_at=timezone.now() - timedelta(days=40)
    )
    if connection.vendor == "postgresql":  # the index keeps the time of the post
        from chat.models import MessageSearch

        MessageSearch.objects.filter(message_id=in_general.pk).update(
            created_at=timezone.now() - timedelta(days=40)
        )
    recent = found(alice.user, "worksheet", since=timezone.now() - timedelta(days=7))
    assert recent == [in_projects.pk]
    older = found(alice.user, "worksheet", until=timezone.now() - timedelta(days=7))
    assert older == [in_general.pk]
    assert found(alice.user, "worksheet", has_file=True) == []


def test_the_api_shapes_results_and_checks_input(room, alice, bob):
    message = post(room.pk, bob.user, "Field trip checklist")
    client = client_for(alice.user)
    answer = client.get("/api/search/messages", {"q": "checklist", "person": "@" + bob.user.handle})
    assert answer.status_code == 200
    [hit] = answer.json()["results"]
    assert hit["message"] == message.pk and hit["room"]["label"] == "#general"
    assert hit["url"] == f"/c/{room.community.slug}/rooms/{room.pk}/?at={message.seq}#m{message.pk}"
    assert hit["author"]["name"] == "Bob Berg" and "<mark>" in hit["snippet_html"]
    assert (
        client.get("/api/search/messages", {"q": "checklist", "person": "nobody"}).json()["results"]
        == []
    )
    bad = client.get(
        "/api/search/messages", {"q": "x", "since": "2026-05-02", "until": "2026-05-01"}
    )
    assert bad.status_code == 400 and bad.json()["error"] == "bad_request"
    assert client.get("/api/search/messages").status_code == 400
    assert Client().get("/api/search/messages", {"q": "x"}).status_code == 401


def test_the_page_lists_results_linking_into_the_room(room, alice, bob):
    message = post(room.pk, bob.user, "Excursion to the botanical garden")
    browser = Client()
    browser.force_login(alice.user)
    page = browser.get("/search/", {"q": "botanical"})
    assert page.status_code == 200
    assert f"?at={message.seq}#m{message.pk}".encode() in page.content
    assert b"<mark>botanical</mark>" in page.content


def test_results_are_paged(room, alice, bob):
    for n in range(3):
        post(room.pk, bob.user, f"Lesson plan number {n}")
    first, more = search.message_search(user=alice.user, q="lesson", limit=2)
    rest, more_after = search.message_search(user=alice.user, q="lesson", limit=2, offset=2)
    assert len(first) == 2 and more and len(rest) == 1 and not more_after


@on_postgres
def test_language_aware_stemming_in_a_dutch_community(alice):
    dutch = CommunityFactory(languages=["nl"])
    member = make_member(dutch)
    reader = make_member(dutch, display_name="Daan").user
    message = post(dutch.rooms.get(name="general").pk, member.user, "We gaan fietsen naar het bos")
    assert found(reader, "fiets") == [message.pk]  # stemmed: "fietsen" -> "fiets"
    assert found(reader, "fietsen") == [message.pk]


@on_postgres
def test_better_matches_rank_first(room, alice, bob):
    weak = post(room.pk, bob.user, "A note on rubrics and also portfolio ideas")
    strong = post(room.pk, bob.user, "Portfolio portfolio: portfolio assessment in portfolio form")
    assert found(alice.user, "portfolio")[:2] == [strong.pk, weak.pk]
