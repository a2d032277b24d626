"""Toolkits: curated across a network, and public ones readable without an account, with
LRMI JSON-LD and a sitemap, never showing member data or materials that are not openly
licensed."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from notifications.models import Notification

from community import services as community_services
from core.errors import Forbidden, Invalid, NotFound
from delivery.worker import process_pending_jobs
from resources import services as materials
from resources import toolkit_services as toolkits
from resources.licences import LICENCES, OPEN_LICENCES
from resources.models import ToolkitItem
from tests.conftest import make_member
from tests.factories import CommunityFactory, UserFactory

from .conftest import share

pytestmark = pytest.mark.django_db


@pytest.fixture
def kit_world():
    """A regional community linked to a circle; a facilitator; an author (with a handle and
    a school) who shared an open, a non-commercial, a no-derivatives and an all-rights-
    reserved material; one material in the circle."""
    circle = CommunityFactory(kind="cross_border", name="European circle")
    community = CommunityFactory(name="Gelderland")
    facilitator = make_member(community, role="facilitator").user
    # Linking makes the facilitator a member of the circle: its materials are theirs to add.
    community_services.network_link(actor=facilitator, community=community, circle=circle)
    author = make_member(community, display_name="Daan Visser", email="daan@school.test").user
    shared = {
        licence: share(author, community, title=f"Material {licence}", licence=licence)
        for licence in (
            "CC-BY-4.0",
            "CC-BY-NC-4.0",
            "CC-BY-ND-4.0",
            "LicenseRef-All-Rights-Reserved",
        )
    }
    circle_author = make_member(circle).user
    in_circle = share(circle_author, circle, title="Circle material", licence="CC0-1.0")
    return {
        "circle": circle,
        "community": community,
        "facilitator": facilitator,
        "author": author,
        "shared": shared,
        "in_circle": in_circle,
    }


def _kit(w, public: bool = True):
    kit = toolkits.toolkit_create(
        actor=w["facilitator"],
        community=w["community"],
        title="Starter kit: personalised learning in primary",
        introduction="Start **small**.",
    )
    items = [(r.pk, f"note {n}") for n, r in enumerate(w["shared"].values())]
    items.append((w["in_circle"].pk, ""))
    toolkits.toolkit_items_set(actor=w["facilitator"], toolkit=kit, items=items)
    if public:
        toolkits.toolkit_update(actor=w["facilitator"], toolkit=kit, public=True)
    return kit


def test_open_licences_allow_reuse_and_adaptation():
    assert {"CC-BY-4.0", "CC-BY-SA-4.0", "CC-BY-NC-4.0", "CC-BY-NC-SA-4.0",
                             "CC0-1.0"} == OPEN_LICENCES  # fmt: skip
    assert not LICENCES["CC-BY-ND-4.0"].is_open


def test_a_curator_orders_materials_from_the_network(kit_world):
    kit = _kit(kit_world, public=False)
    titles = [i.resource.title for i in kit.items.select_related("resource")]
    assert titles[-1] == "Circle material" and len(titles) == 5
    elsewhere = CommunityFactory()
    outside = share(make_member(elsewhere).user, elsewhere, title="Elsewhere")
    staff = UserFactory(is_staff=True)
    with pytest.raises(Invalid, match="not from this community's network"):
        toolkits.toolkit_items_set(actor=staff, toolkit=kit, items=[(outside.pk, "")])
    assert ToolkitItem.objects.filter(toolkit=kit).count() == 5


def test_a_curator_only_adds_materials_they_can_open(kit_world):
    kit = _kit(kit_world, public=False)
    # A co-facilitator who is no member of the circle cannot add the circle's material.
    co = make_member(kit_world["community"], role="co_facilitator").user
    with pytest.raises(NotFound):
        toolkits.toolkit_items_set(actor=co, toolkit=kit, items=[(kit_world["in_circle"].pk, "")])


def test_withdrawn_materials_cannot_be_added(kit_world):
    kit = _kit(kit_world, public=False)
    material = kit_world["shared"]["CC-BY-4.0"]
    materials.resource_withdraw(actor=kit_world["author"], resource=material, reason="old")
    with pytest.raises(Invalid, match="withdrawn"):
        toolkits.toolkit_items_set(
            actor=kit_world["facilitator"], toolkit=kit, items=[(material.pk, "")]
        )


def test_members_cannot_curate(kit_world):
    kit = _kit(kit_world, public=False)
    with pytest.raises(Forbidden):
        toolkits.toolkit_update(actor=kit_world["author"], toolkit=kit, public=True)


def test_the_public_toolkit_shows_only_open_current_materials(kit_world):
    kit = _kit(kit_world)
    answer = Client().get(f"/api/public/toolkits/{kit.slug}")
    assert answer.status_code == 200
    titles = [i["material"]["title"] for i in answer.json()["items"]]
    assert titles == ["Material CC-BY-4.0", "Material CC-BY-NC-4.0", "Circle material"]
    materials.resource_withdraw(
        actor=kit_world["author"], resource=kit_world["shared"]["CC-BY-4.0"], reason="mistake"
    )
    titles = [
        i["material"]["title"]
        for i in Client().get(f"/api/public/toolkits/{kit.slug}").json()["items"]
    ]
    assert "Material CC-BY-4.0" not in titles


def test_public_pages_carry_no_member_data(kit_world):
    kit = _kit(kit_world)
    anonymous = Client()
    pages = [
        anonymous.get(f"/toolkits/{kit.slug}/"),
        anonymous.get(f"/api/public/toolkits/{kit.slug}"),
        anonymous.get(f"/toolkits/{kit.slug}/materials/{kit_world['shared']['CC-BY-4.0'].pk}/"),
    ]
    author = kit_world["author"]
    for page in pages:
        assert page.status_code == 200
        text = page.content.decode()
        for private in (author.email, f"@{author.handle}", "/people/", "/resources/",
                        "Material CC-BY-ND-4.0", "Material LicenseRef"):  # fmt: skip
            assert private not in text, (page.request["PATH_INFO"], private)
    # The licence's credit line names the author: attribution is what the licence asks for.
    assert "Daan Visser" in pages[1].content.decode()


def test_the_public_pages_describe_themselves_in_lrmi(kit_world):
    kit = _kit(kit_world)
    page = Client().get(f"/toolkits/{kit.slug}/").content.decode()
    data = json.loads(
        re.search(
            r'<script type="application/ld\+json" id="lrmi">(.*?)</script>', page, re.S
        ).group(1)
    )
    assert data["@type"] == "Collection" and data["name"] == kit.title
    assert [p["name"] for p in data["hasPart"]] == [
        "Material CC-BY-4.0", "Material CC-BY-NC-4.0", "Circle material",
    ]  # fmt: skip
    assert data["hasPart"][0]["license"] == "https://creativecommons.org/licenses/by/4.0/"
    material = kit_world["shared"]["CC-BY-4.0"]
    page = Client().get(f"/toolkits/{kit.slug}/materials/{material.pk}/").content.decode()
    data = json.loads(re.search(r'id="lrmi">(.*?)</script>', page, re.S).group(1))
    assert data["@type"] == "LearningResource"
    assert data["url"].endswith(f"/toolkits/{kit.slug}/materials/{material.pk}/")
    assert data["contentUrl"].endswith("/download")
    assert data["isPartOf"]["name"] == kit.title


def test_anyone_downloads_an_open_material_of_a_public_toolkit_and_nothing_else(kit_world):
    kit = _kit(kit_world)
    shared = kit_world["shared"]
    anonymous = Client()
    ok = anonymous.get(f"/toolkits/{kit.slug}/materials/{shared['CC-BY-4.0'].pk}/download")
    assert ok.status_code == 200 and ok["Content-Disposition"].startswith("attachment")
    assert ok["X-Content-Type-Options"] == "nosniff"
    closed = anonymous.get(f"/toolkits/{kit.slug}/materials/{shared['CC-BY-ND-4.0'].pk}/download")
    assert closed.status_code == 404
    toolkits.toolkit_update(actor=kit_world["facilitator"], toolkit=kit, public=False)
    again = anonymous.get(f"/toolkits/{kit.slug}/materials/{shared['CC-BY-4.0'].pk}/download")
    assert again.status_code == 404


def test_the_sitemap_lists_public_pages_only(kit_world):
    kit = _kit(kit_world)
    private = _kit(kit_world, public=False)
    xml = Client().get("/sitemap.xml")
    assert xml["Content-Type"].startswith("application/xml")
    text = xml.content.decode()
    assert f"/toolkits/{kit.slug}/</loc>" in text
    assert f"/toolkits/{private.slug}/" not in text
    assert f"/materials/{kit_world['shared']['CC-BY-ND-4.0'].pk}/" not in text
    assert text.count("<url>") == 4  # the toolkit and its three open materials
    assert "Sitemap:" in Client().get("/robots.txt").content.decode()


def test_a_members_only_toolkit_is_for_its_network(kit_world):
    kit = _kit(kit_world, public=False)
    assert Client().get(f"/toolkits/{kit.slug}/").status_code == 302  # sign in first
    outsider = Client()
    outsider.force_login(UserFactory())
    assert outsider.get(f"/toolkits/{kit.slug}/").status_code == 404
    network_member = Client()
    network_member.force_login(make_member(kit_world["circle"]).user)
    page = network_member.get(f"/toolkits/{kit.slug}/")
    assert page.status_code == 200
    # Circle members open the circle's material; the others are counted, not named.
    assert "Circle material" in page.content.decode()
    assert "Material CC-BY-4.0" not in page.content.decode()
    assert "4 more materials" in page.content.decode()


def test_authors_hear_when_their_material_becomes_public(kit_world):
    _kit(kit_world)
    process_pending_jobs()
    verbs = list(
        Notification.objects.filter(recipient=kit_world["author"], verb__startswith="put")
        .order_by("pk")
        .values_list("verb", flat=True)
    )
    kit = "Starter kit: personalised learning in primary"
    assert verbs == [
        f"put “Material CC-BY-4.0” in the public toolkit “{kit}”",
        f"put “Material CC-BY-NC-4.0” in the public toolkit “{kit}”",
    ]


def test_toolkit_limits(kit_world, settings):
    settings.KRING_MAX_TOOLKIT_ITEMS = 2
    kit = toolkits.toolkit_create(actor=kit_world["facilitator"], community=kit_world["community"],
                                  title="Small")  # fmt: skip
    ids = [(r.pk, "") for r in kit_world["shared"].values()]
    with pytest.raises(Invalid, match="at most 2"):
        toolkits.toolkit_items_set(actor=kit_world["facilitator"], toolkit=kit, items=ids)
    with pytest.raises(Invalid, match="needs a title"):
        toolkits.toolkit_create(actor=kit_world["facilitator"], community=kit_world["community"],
                                title=" ")  # fmt: skip


def test_archiving_the_community_stops_curating(kit_world):
    kit = _kit(kit_world, public=False)
    community_services.community_archive(
        actor=UserFactory(is_coordinator=True), community=kit_world["community"]
    )
    with pytest.raises(Exception, match="archived"):
        toolkits.toolkit_update(actor=kit_world["facilitator"], toolkit=kit, title="New")
