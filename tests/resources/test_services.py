"""Sharing, versions, adaptations with licence rules, reactions, and what each one tells the
community (general-room events, notifications)."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from notifications.models import Notification

from community.models import EventKind, RoomEvent, RoomKind
from core.errors import Forbidden, Invalid, NotFound
from core.notify import Category
from delivery.models import NotificationPreference
from delivery.worker import process_pending_jobs
from facilitators import services as moderation
from resources import selectors, services
from resources.models import Resource
from tests.conftest import make_member
from tests.factories import CommunityFactory

from .conftest import share
from .files import PDF, pdf_upload, png_bytes, upload

pytestmark = pytest.mark.django_db


def notified(category):
    return {n.recipient_id: n.verb for n in Notification.objects.filter(data__category=category)}


def test_sharing_a_file_makes_version_1_a_thread_and_an_event_in_general(
    community, room, alice, bob, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        resource = share(alice.user, community)
    version = resource.versions.get()
    assert (version.number, version.extension, version.size) == (1, "pdf", len(PDF))
    assert default_storage.open(version.file.name).read() == PDF
    assert version.file.name.startswith(f"resources/{community.pk}/")
    assert "worksheet" not in version.file.name  # the user's file name is never used
    assert resource.thread.kind == RoomKind.RESOURCE
    assert resource.thread.community_id == community.pk
    event = RoomEvent.objects.get(room=room, kind=EventKind.RESOURCE)
    assert event.author_id == alice.user.pk
    assert event.data["action"] == "shared"
    assert event.data["resource"] == {
        "id": resource.pk,
        "title": "Fractions with pizza",
        "url": f"/resources/{resource.pk}/",
        "version": 1,
        "language": "nl",
        "licence": "CC-BY-4.0",
    }
    process_pending_jobs()
    assert notified(Category.RESOURCE) == {
        bob.user.pk: f"shared “Fractions with pizza” in {community.name}"
    }
    # The author follows their material's thread, so comments reach them.
    assert NotificationPreference.objects.filter(
        user=alice.user, room=resource.thread, level="watching"
    ).exists()


def test_sharing_a_link(community, alice):
    resource = share(alice.user, community, url="https://phet.colorado.edu/sims/fractions")
    version = resource.versions.get()
    assert (version.url, bool(version.file)) == ("https://phet.colorado.edu/sims/fractions", False)


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"url": "javascript:alert(1)", "upload": None}, "http"),
        ({"url": "https://example.org/x", "upload": pdf_upload()}, "either a file or a link"),
        ({"upload": None}, "either a file or a link"),
        ({"licence": "WTFPL"}, "SPDX"),
        ({"title": ""}, "Missing: title"),
        ({"age_min": 12, "age_max": 8}, "age_min must not be above age_max"),
        ({"language": "not a language!"}, "language"),
        ({"tags": ["x" * 61]}, "longer than 60"),
    ],
)
def test_invalid_shares_are_refused_and_store_nothing(community, alice, overrides, reason):
    with pytest.raises(Invalid, match=reason):
        share(alice.user, community, **overrides)
    assert not Resource.objects.exists()
    assert not RoomEvent.objects.filter(kind=EventKind.RESOURCE).exists()


def test_only_active_posting_members_share(community, alice):
    observer = make_member(community, role="observer")
    pending = make_member(community, state="pending")
    outsider = make_member(CommunityFactory())
    for who in (observer, pending, outsider):
        with pytest.raises(Forbidden):
            share(who.user, community)
    facilitator = make_member(community, role="facilitator")
    membership = alice.user.memberships.get(community=community)
    moderation.member_mute(actor=facilitator.user, membership=membership, reason="Spam")

    with pytest.raises(Forbidden, match="muted"):
        share(alice.user, community)
    assert not Resource.objects.exists()


def test_new_versions_keep_the_old_ones(community, alice, bob):
    resource = share(alice.user, community)
    second = services.resource_new_version(
        actor=alice.user,
        resource=resource,
        upload=pdf_upload(content=PDF + b"%v2\n"),
        change_note="Answer key added",
    )
    third = services.resource_new_version(
        actor=alice.user, resource=resource, url="https://example.org/online-version"
    )
    assert [v.number for v in resource.versions.order_by("number")] == [1, 2, 3]
    first = selectors.version_get(resource=resource, number=1)
    assert default_storage.open(first.file.name).read() == PDF
    assert default_storage.open(second.file.name).read() == PDF + b"%v2\n"
    assert third.url == "https://example.org/online-version"
    with pytest.raises(NotFound):
        selectors.version_get(resource=resource, number=4)
    event = RoomEvent.objects.filter(kind=EventKind.RESOURCE).order_by("seq")[1]
    assert (event.data["action"], event.data["resource"]["version"]) == ("version", 2)


def test_only_the_author_or_a_facilitator_adds_versions(community, alice, bob):
    resource = share(alice.user, community)
    with pytest.raises(Forbidden):
        services.resource_new_version(actor=bob.user, resource=resource, url="https://x.org/")
    facilitator = make_member(community, role="co_facilitator")
    services.resource_new_version(
        actor=facilitator.user, resource=resource, url="https://x.org/", change_note="Fixed typo"
    )
    process_pending_jobs()
    assert notified(Category.YOUR_RESOURCE) == {
        alice.user.pk: "added version 2 to your “Fractions with pizza”"
    }


def test_a_rejected_new_version_changes_nothing(community, alice):
    resource = share(alice.user, community)
    with pytest.raises(Invalid):
        services.resource_new_version(
            actor=alice.user, resource=resource, upload=upload("x.png", PDF, "image/png")
        )
    assert resource.versions.count() == 1


# --- adaptations and licences ------------------------------------------------------------


@pytest.fixture
def polish_hub(alice):
    hub = CommunityFactory(name="Małopolska hub", countries=["PL"])
    make_member(hub)  # someone to notify
    from tests.factories import MembershipFactory

    MembershipFactory(community=hub, user=alice.user)
    return hub


def test_an_adaptation_links_to_its_source_version(community, alice, bob, polish_hub):
    original = share(bob.user, community)
    services.resource_new_version(actor=bob.user, resource=original, url="https://x.org/v2")
    version_1 = selectors.version_get(resource=original, number=1)
    adaptation = services.resource_adapt(
        actor=alice.user,
        source=version_1,
        community=polish_hub,
        title="Ułamki z pizzą",
        language="pl",
        age_min=9,
    )
    assert adaptation.adapted_from == version_1
    assert (adaptation.community, adaptation.language, adaptation.age_min, adaptation.age_max) == (
        polish_hub,
        "pl",
        9,
        10,  # not given: taken from the source
    )
    assert adaptation.licence == "CC-BY-4.0" and adaptation.subjects == ["maths"]
    # No new file: it starts as a copy of the source version's file, stored anew.
    copy = adaptation.versions.get()
    assert copy.file.name != version_1.file.name
    assert default_storage.open(copy.file.name).read() == PDF
    assert "version 1" in copy.change_note
    # The source shows its adaptations.
    source = selectors.resource_get(resource_id=original.pk)
    assert [(a.pk, a.source_version) for a in selectors.adaptations_of(source)] == [
        (adaptation.pk, 1)
    ]
    event = RoomEvent.objects.get(room__community=polish_hub, kind=EventKind.RESOURCE)
    assert event.data["action"] == "adapted" and event.data["source"]["id"] == original.pk
    process_pending_jobs()
    # Bob cannot open the Polish hub: his notification points at his own material.
    assert notified(Category.YOUR_RESOURCE) == {
        bob.user.pk: f"adapted your “Fractions with pizza” in {polish_hub.name}"
    }
    row = Notification.objects.get(data__category=Category.YOUR_RESOURCE)
    assert row.data["url"] == f"/resources/{original.pk}/"


@pytest.mark.parametrize(
    ("source_licence", "asked", "allowed"),
    [
        ("CC-BY-4.0", "CC-BY-SA-4.0", True),
        ("CC-BY-4.0", "CC0-1.0", True),
        ("CC0-1.0", "CC-BY-NC-4.0", True),
        ("CC-BY-SA-4.0", None, True),  # keeps CC-BY-SA-4.0
        ("CC-BY-SA-4.0", "CC-BY-4.0", False),
        ("CC-BY-NC-4.0", "CC-BY-4.0", False),
        ("CC-BY-NC-4.0", "CC-BY-NC-SA-4.0", True),
        ("CC-BY-NC-SA-4.0", "CC-BY-NC-4.0", False),
        ("CC-BY-ND-4.0", None, False),
        ("CC-BY-NC-ND-4.0", "CC-BY-NC-ND-4.0", False),
        ("LicenseRef-All-Rights-Reserved", None, False),
    ],
)
def test_adaptations_respect_the_licence(community, alice, bob, source_licence, asked, allowed):
    original = share(bob.user, community, licence=source_licence)
    source = original.versions.get()
    extra = {"licence": asked} if asked else {}
    if allowed:
        adaptation = services.resource_adapt(
            actor=alice.user, source=source, community=community, **extra
        )
        assert adaptation.licence == (asked or source_licence)
    else:
        with pytest.raises(Forbidden):
            services.resource_adapt(actor=alice.user, source=source, community=community, **extra)
        assert Resource.objects.count() == 1


def test_adapting_needs_membership_of_both_communities(community, alice, bob):
    original = share(bob.user, community)
    elsewhere = CommunityFactory()
    with pytest.raises(Forbidden):  # alice is not a member of `elsewhere`
        services.resource_adapt(
            actor=alice.user, source=original.versions.get(), community=elsewhere
        )
    stranger = make_member(elsewhere)
    with pytest.raises(Forbidden):  # the stranger cannot see the source
        services.resource_adapt(
            actor=stranger.user, source=original.versions.get(), community=elsewhere
        )


def test_an_adaptation_with_its_own_file(community, alice, bob):
    original = share(bob.user, community)
    adaptation = services.resource_adapt(
        actor=alice.user,
        source=original.versions.get(),
        community=community,
        upload=upload("pizza.png", png_bytes(), "image/png"),
        title="Pizza fractions poster",
    )
    version = adaptation.versions.get()
    assert (version.extension, version.content_type) == ("png", "image/png")


# --- reactions ------------------------------------------------------------------------------


def test_reactions_count_once_per_member_and_can_be_taken_back(community, alice, bob):
    resource = share(alice.user, community)
    carol = make_member(community)
    assert services.reaction_set(actor=bob.user, resource=resource, kind="used_in_class") == {
        "used_in_class": 1,
        "useful": 0,
    }
    services.reaction_set(actor=bob.user, resource=resource, kind="used_in_class")  # again
    services.reaction_set(actor=carol.user, resource=resource, kind="used_in_class")
    counts = services.reaction_set(actor=carol.user, resource=resource, kind="useful")
    assert counts == {"used_in_class": 2, "useful": 1}
    counts = services.reaction_set(actor=carol.user, resource=resource, kind="useful", on=False)
    assert counts == {"used_in_class": 2, "useful": 0}
    process_pending_jobs()
    # The author hears once per new reaction, never for taking one back.
    assert (
        Notification.objects.filter(
            recipient=alice.user, data__category=Category.YOUR_RESOURCE
        ).count()
        == 3
    )
    with pytest.raises(Invalid):
        services.reaction_set(actor=bob.user, resource=resource, kind="love")
    with pytest.raises(Forbidden):
        services.reaction_set(actor=make_member(CommunityFactory()).user, resource=resource,
                              kind="useful")  # fmt: skip


def test_the_counters_the_library_sorts_by_follow_reactions_and_versions(community, alice, bob):
    material = share(alice.user, community)
    for _ in range(2):  # saying it twice counts once
        services.reaction_set(actor=bob.user, resource=material, kind="used_in_class")
    services.reaction_set(actor=alice.user, resource=material, kind="useful")
    services.resource_new_version(actor=alice.user, resource=material, url="https://x.org/v2")
    material.refresh_from_db()
    assert (material.used_count, material.useful_count, material.version_count) == (1, 1, 2)
    for _ in range(2):
        services.reaction_set(actor=bob.user, resource=material, kind="used_in_class", on=False)
    material.refresh_from_db()
    assert (material.used_count, material.useful_count) == (0, 1)
