"""The material pages: library with filters, a material with versions, adaptations,
reactions, JSON-LD and its thread, and the forms to share, add a version and adapt."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from community.models import EventKind, RoomEvent
from resources.models import Resource
from tests.conftest import make_member
from tests.factories import CommunityFactory, MembershipFactory

from .conftest import share
from .files import PDF, pdf_upload

pytestmark = pytest.mark.django_db


def browser(user):
    client = Client()
    client.force_login(user)
    return client


def jsonld_of(html: str) -> dict:
    found = re.search(r'<script type="application/ld\+json" id="lrmi">(.*?)</script>', html, re.S)
    assert found, "no JSON-LD block"
    return json.loads(found.group(1))


def test_library_lists_and_filters(community, alice, bob):
    share(bob.user, community, url="https://example.org/1")
    share(bob.user, community, title="Plant diary", subjects=["biology"], url="https://x.org/")
    page = browser(alice.user).get("/resources/")
    assert page.status_code == 200
    assert "Fractions with pizza" in page.text and "Plant diary" in page.text
    filtered = browser(alice.user).get("/resources/?subject=biology&sort=most_used")
    assert "Plant diary" in filtered.text and "Fractions with pizza" not in filtered.text
    own = browser(alice.user).get(f"/c/{community.slug}/resources/?q=diary")
    assert "Plant diary" in own.text and "Fractions with pizza" not in own.text

    assert "Share a material" in own.text
    outsider = make_member(CommunityFactory())
    assert "Fractions with pizza" not in browser(outsider.user).get("/resources/").text
    assert browser(outsider.user).get(f"/c/{community.slug}/resources/").status_code == 302


def test_material_page(community, alice, bob):
    resource = share(bob.user, community)
    page = browser(alice.user).get(f"/resources/{resource.pk}/")
    assert page.status_code == 200
    html = page.text
    assert "Fractions with pizza" in html
    assert "licensed under Creative Commons Attribution 4.0" in html
    assert f'href="/resources/{resource.pk}/versions/1/download"' in html
    assert f'data-room="{resource.thread_id}"' in html and 'id="comment-version"' in html
    assert "Adapt this material" in html and "Upload a new version" not in html
    data = jsonld_of(html)
    assert data["@type"] == "LearningResource" and data["name"] == "Fractions with pizza"
    assert data["url"] == f"http://testserver/resources/{resource.pk}/"
    # The thread's room URL leads to the material.
    room_url = f"/c/{community.slug}/rooms/{resource.thread_id}/"
    assert browser(alice.user).get(room_url)["Location"] == f"/resources/{resource.pk}/"


def test_json_ld_cannot_break_out_of_its_script(community, alice):
    resource = share(alice.user, community, title="</script><script>alert(1)</script>",
                     url="https://example.org/")  # fmt: skip
    html = browser(alice.user).get(f"/resources/{resource.pk}/").text
    assert "</script><script>alert(1)" not in html
    assert jsonld_of(html)["name"] == "</script><script>alert(1)</script>"


def test_outsiders_cannot_open_or_download(community, alice):
    resource = share(alice.user, community)
    outsider = make_member(CommunityFactory())
    assert browser(outsider.user).get(f"/resources/{resource.pk}/").status_code == 302
    download = browser(outsider.user).get(f"/resources/{resource.pk}/versions/1/download")
    assert download.status_code == 403
    assert Client().get(f"/resources/{resource.pk}/").status_code == 302  # to sign in


def test_page_download_is_a_safe_attachment(community, alice, bob):
    resource = share(alice.user, community)
    download = browser(bob.user).get(f"/resources/{resource.pk}/versions/1/download")
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download["Content-Security-Policy"]


def test_share_form(community, alice):
    client = browser(alice.user)
    assert client.get(f"/c/{community.slug}/resources/share/").status_code == 200
    response = client.post(
        f"/c/{community.slug}/resources/share/",
        {
            "title": "Bingo met breuken",
            "description": "Een spel.",
            "resource_type": "worksheet",
            "subjects": "rekenen, wiskunde",
            "tags": "spel",
            "age_min": "9",
            "age_max": "11",
            "isced_level": "1",
            "language": "nl",
            "licence": "CC-BY-SA-4.0",
            "file": pdf_upload(),
        },
    )
    resource = Resource.objects.get()
    assert response["Location"] == f"/resources/{resource.pk}/"
    assert resource.subjects == ["rekenen", "wiskunde"] and resource.licence == "CC-BY-SA-4.0"
    assert RoomEvent.objects.filter(kind=EventKind.RESOURCE).count() == 1


def test_share_form_shows_the_reason_for_a_refused_file(community, alice):
    response = browser(alice.user).post(
        f"/c/{community.slug}/resources/share/",
        {"title": "x", "resource_type": "other", "language": "nl", "licence": "CC0-1.0",
         "file": pdf_upload(name="x.exe")},
    )  # fmt: skip
    assert response.status_code == 200
    assert "files are not accepted" in response.text
    assert not Resource.objects.exists()


def test_observers_cannot_open_the_share_form(community):
    observer = make_member(community, role="observer")
    response = browser(observer.user).get(f"/c/{community.slug}/resources/share/")
    assert response.status_code == 302


def test_new_version_and_adapt_forms(community, alice, bob):
    resource = share(alice.user, community)
    author = browser(alice.user)
    assert author.get(f"/resources/{resource.pk}/versions/new/").status_code == 200
    author.post(
        f"/resources/{resource.pk}/versions/new/",
        {"change_note": "Answer key", "link": "https://example.org/key"},
    )
    assert resource.versions.count() == 2
    assert browser(bob.user).get(f"/resources/{resource.pk}/versions/new/").status_code == 302

    hub = CommunityFactory(slug="hub")
    MembershipFactory(community=hub, user=bob.user)
    form = browser(bob.user).get(f"/resources/{resource.pk}/adapt/")
    assert form.status_code == 200 and 'value="Fractions with pizza"' in form.text
    response = browser(bob.user).post(
        f"/resources/{resource.pk}/adapt/",
        {"community": "hub", "version": "1", "title": "Ułamki", "resource_type": "worksheet",
         "language": "pl", "licence": "CC-BY-4.0", "subjects": "maths"},
    )  # fmt: skip
    adaptation = Resource.objects.get(title="Ułamki")
    assert response["Location"] == f"/resources/{adaptation.pk}/"
    assert adaptation.adapted_from.number == 1 and adaptation.community == hub
    page = browser(bob.user).get(f"/resources/{resource.pk}/").text
    assert "Adaptations" in page and "Ułamki" in page


def test_reaction_buttons(community, alice, bob):
    resource = share(alice.user, community)
    client = browser(bob.user)
    client.post(f"/resources/{resource.pk}/", {"reaction": "used_in_class", "on": "1"})
    page = client.get(f"/resources/{resource.pk}/").text
    assert re.search(r'aria-pressed="true" data-reaction="used_in_class">\s*Used it in class · '
                     r'<span class="count">1</span>', page)  # fmt: skip
    client.post(f"/resources/{resource.pk}/", {"reaction": "used_in_class", "on": "0"})
    assert resource.reactions.count() == 0
