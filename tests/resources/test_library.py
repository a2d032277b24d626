"""Browsing: only materials of one's own communities, the filters, search, sorting, and the
schema.org/LRMI description."""

from __future__ import annotations

import pytest
from django.db import connection

from resources import selectors, services
from resources.lrmi import resource_jsonld
from tests.conftest import make_member
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

from .conftest import share

pytestmark = pytest.mark.django_db


def titles(**filters):
    return [r.title for r in selectors.resource_list(**filters)]


@pytest.fixture
def library(community, alice, bob):
    """Three materials in alice's community and one in a community she is not in."""
    link = {"url": "https://example.org/material"}
    share(bob.user, community, title="Fractions with pizza", **link)
    share(bob.user, community, title="Fotosynthese in de klas", subjects=["biology"],
          tags=["plants", "experiment"], age_min=12, age_max=15, isced_level=2,
          description="Bladeren, licht en zuurstof meten.", **link)  # fmt: skip
    share(alice.user, community, title="Programowanie z micro:bit", subjects=["computing"],
          tags=["coding"], age_min=None, age_max=None, language="pl",
          description="Projekt klasowy: stacja pogodowa z micro:bitem.",

          licence="CC-BY-SA-4.0", resource_type="project", **link)  # fmt: skip
    elsewhere = CommunityFactory()
    share(make_member(elsewhere).user, elsewhere, title="Hidden elsewhere", **link)
    return community


def test_members_see_only_their_communities_materials(library, alice):
    assert titles(user=alice.user) == [
        "Programowanie z micro:bit",
        "Fotosynthese in de klas",
        "Fractions with pizza",
    ]
    assert titles(user=UserFactory()) == []
    assert len(titles(user=UserFactory(is_staff=True))) == 4


def test_filters(library, alice):
    user = alice.user
    assert titles(user=user, subject="biology") == ["Fotosynthese in de klas"]
    assert titles(user=user, tag="Experiment") == ["Fotosynthese in de klas"]
    assert titles(user=user, tag="exp") == []  # a tag matches whole
    # Age 9: the pizza worksheet (8-10) and the micro:bit project (no age given).
    assert titles(user=user, age=9) == ["Programowanie z micro:bit", "Fractions with pizza"]
    assert titles(user=user, age=14) == ["Programowanie z micro:bit", "Fotosynthese in de klas"]
    assert titles(user=user, language="pl") == ["Programowanie z micro:bit"]
    assert titles(user=user, licence="CC-BY-SA-4.0") == ["Programowanie z micro:bit"]
    assert titles(user=user, resource_type="project") == ["Programowanie z micro:bit"]
    assert titles(user=user, community_id=library.pk, subject="maths") == ["Fractions with pizza"]


def test_a_language_filter_finds_regional_variants(community, alice):
    share(alice.user, community, title="Frações", language="pt-BR", url="https://example.org/")
    share(alice.user, community, title="Pt? no", language="pl", url="https://example.org/")
    assert titles(user=alice.user, language="pt") == ["Frações"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("pizza", ["Fractions with pizza"]),
        ("PIZZA fractions", ["Fractions with pizza"]),
        ("zuurstof", ["Fotosynthese in de klas"]),  # in the description
        ("plants", ["Fotosynthese in de klas"]),  # a tag
        ("micro:bit", ["Programowanie z micro:bit"]),
        ("pizza plants", []),  # every word must match
        ("<script>", []),
    ],
)
def test_free_text_search(library, alice, query, expected):
    assert titles(user=alice.user, q=query) == expected


def test_search_matches_word_beginnings(library, alice):
    assert titles(user=alice.user, q="fract") == ["Fractions with pizza"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="ranking is PostgreSQL's")
def test_postgres_ranks_title_matches_first(community, alice):
    share(alice.user, community, title="Weather diary", description="Clouds and rain, clouds.",
          url="https://example.org/")  # fmt: skip
    share(alice.user, community, title="Clouds", url="https://example.org/")
    assert titles(user=alice.user, q="clouds") == ["Clouds", "Weather diary"]


def test_most_used_first(library, alice, bob):
    carol = make_member(library)
    photosynthesis, pizza = (
        selectors.resource_list(user=alice.user).get(title=t)
        for t in ("Fotosynthese in de klas", "Fractions with pizza")
    )
    for member in (alice, carol):
        services.reaction_set(actor=member.user, resource=pizza, kind="used_in_class")
    services.reaction_set(actor=carol.user, resource=photosynthesis, kind="used_in_class")
    services.reaction_set(actor=carol.user, resource=photosynthesis, kind="useful")
    ranked = selectors.resource_list(user=alice.user, sort="most_used")
    assert [(r.title, r.used_count, r.useful_count) for r in ranked] == [
        ("Fractions with pizza", 2, 0),
        ("Fotosynthese in de klas", 1, 1),
        ("Programowanie z micro:bit", 0, 0),
    ]


def test_json_ld_describes_the_material_for_oer_portals(community, alice, bob):
    original = share(bob.user, community, licence="CC-BY-SA-4.0")
    hub = CommunityFactory()
    MembershipFactory(community=hub, user=alice.user)
    adaptation = services.resource_adapt(
        actor=alice.user, source=original.versions.get(), community=hub,
        title="Ułamki z pizzą", language="pl", age_min=9, age_max=11,
    )  # fmt: skip
    data = resource_jsonld(
        selectors.resource_get(resource_id=adaptation.pk), base_url="https://kring.example"
    )
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "LearningResource"
    assert data["@id"] == data["url"] == f"https://kring.example/resources/{adaptation.pk}/"
    assert data["name"] == "Ułamki z pizzą"
    assert data["learningResourceType"] == "worksheet"
    assert data["typicalAgeRange"] == "9-11"
    assert data["inLanguage"] == "pl"
    assert data["educationalLevel"]["termCode"] == "1"
    assert data["license"] == "https://creativecommons.org/licenses/by-sa/4.0/"
    assert data["author"] == {"@type": "Person", "name": alice.user.display_name}
    assert data["keywords"] == ["fractions", "hands-on"] and data["about"] == ["maths"]
    assert data["encodingFormat"] == "application/pdf"
    assert data["isBasedOn"] == {
        "@type": "LearningResource",
        "@id": f"https://kring.example/resources/{original.pk}/",
        "name": "Fractions with pizza",
        "version": 1,
        "license": "https://creativecommons.org/licenses/by-sa/4.0/",
    }


def test_json_ld_open_age_range_and_link(community, alice):
    resource = share(alice.user, community, age_min=12, age_max=None, isced_level=None,
                     url="https://example.org/sim")  # fmt: skip
    data = resource_jsonld(selectors.resource_get(resource_id=resource.pk), base_url="")
    assert data["typicalAgeRange"] == "12-"
    assert data["sameAs"] == "https://example.org/sim"
    assert "educationalLevel" not in data and "isBasedOn" not in data
