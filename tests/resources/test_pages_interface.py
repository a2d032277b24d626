"""Material pages of issue 18: the adapt form offers only the licences the source allows,
the share form starts in the community's language, refused uploads read as errors next to
the form, outsiders get the styled 404, and the counts a page keeps live have a read."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.conftest import make_member
from tests.factories import CommunityFactory, UserFactory

from .conftest import share
from .files import pdf_upload

pytestmark = pytest.mark.django_db


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def licence_options(html: str) -> list[str]:
    select = re.search(r'<select name="licence".*?</select>', html, re.S).group(0)
    return re.findall(r'<option value="([^"]+)"', select)


def test_adapt_offers_only_licences_the_source_allows(community, alice, bob):
    share_alike = share(alice.user, community, licence="CC-BY-SA-4.0", url="https://x.org/1")
    non_commercial = share(alice.user, community, licence="CC-BY-NC-4.0", url="https://x.org/2")
    client = logged_in(bob.user)
    assert licence_options(client.get(f"/resources/{share_alike.pk}/adapt/").text) == [
        "CC-BY-SA-4.0"
    ]
    assert licence_options(client.get(f"/resources/{non_commercial.pk}/adapt/").text) == [
        "CC-BY-NC-4.0", "CC-BY-NC-SA-4.0", "CC-BY-NC-ND-4.0",
    ]  # fmt: skip


def test_share_form_starts_in_the_communitys_language():
    community = CommunityFactory(languages=["pl", "en"])
    member = make_member(community)
    page = logged_in(member.user).get(f"/c/{community.slug}/resources/share/").text
    assert re.search(r'name="language"[^>]*value="pl"', page)


def test_a_refused_upload_reads_as_an_error(community, alice):
    response = logged_in(alice.user).post(
        f"/c/{community.slug}/resources/share/",
        {"title": "x", "resource_type": "other", "language": "nl", "licence": "CC0-1.0",
         "file": pdf_upload(name="x.exe")},
    )  # fmt: skip
    assert re.search(
        r'<ul class="errorlist nonfield" role="alert"><li>[^<]*not accepted', response.text
    )


def test_a_missing_field_is_marked_next_to_it(community, alice):
    response = logged_in(alice.user).post(
        f"/c/{community.slug}/resources/share/", {"resource_type": "other", "language": "nl"}
    )
    assert "Please correct the fields marked below." in response.text
    assert re.search(r'<ul class="errorlist" id="id_title_error">', response.text)
    assert re.search(r'<input[^>]*name="title"[^>]*aria-invalid="true"', response.text)


def test_adapt_for_an_outsider_is_the_styled_404(community, alice):
    material = share(alice.user, community, url="https://x.org/")
    response = logged_in(UserFactory()).get(f"/resources/{material.pk}/adapt/")
    assert response.status_code == 404
    assert "We could not find that page" in response.text


def test_reactions_can_be_read_for_live_counts(community, alice, bob):
    material = share(alice.user, community, url="https://x.org/")
    client = logged_in(bob.user)
    client.get("/communities/")  # the CSRF cookie
    token = client.cookies["csrftoken"].value
    client.put(f"/api/resources/{material.pk}/reactions/useful", HTTP_X_CSRFTOKEN=token)
    answer = logged_in(alice.user).get(f"/api/resources/{material.pk}/reactions").json()
    assert answer["counts"]["useful"] == 1 and answer["mine"] == []
    assert (
        logged_in(UserFactory()).get(f"/api/resources/{material.pk}/reactions").status_code == 403
    )
