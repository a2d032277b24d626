"""The materials API over HTTP: upload/download round trip with permissions and safe
headers, versions, adaptations, reactions, filters, and errors."""

from __future__ import annotations

import pytest
from django.test import Client

from resources.models import Resource
from tests.conftest import make_member, session_token_for
from tests.factories import CommunityFactory, MembershipFactory

from .files import PDF, jpeg_with_exif, pdf_upload, upload

pytestmark = pytest.mark.django_db


def client_for(user):
    return Client(HTTP_X_SESSION_TOKEN=session_token_for(user))


FIELDS = {
    "title": "Fractions with pizza",
    "description": "Halves and quarters.",
    "resource_type": "worksheet",
    "subjects": ["maths", "art"],
    "tags": ["fractions"],
    "age_min": "8",
    "age_max": "10",
    "isced_level": "1",
    "language": "nl",
    "licence": "CC-BY-4.0",
}


def share_over_http(client, community, **extra):
    data = {**FIELDS, **extra}
    if "link" not in data and "file" not in data:
        data["file"] = pdf_upload("Breuken & pizza.pdf")
    return client.post(f"/api/communities/{community.slug}/resources", data)


def test_upload_download_round_trip(community, alice, bob):
    response = share_over_http(client_for(alice.user), community)
    assert response.status_code == 201, response.content
    shared = response.json()
    assert shared["title"] == "Fractions with pizza" and shared["subjects"] == ["maths", "art"]
    assert (shared["age_min"], shared["age_max"], shared["isced_level"]) == (8, 10, 1)
    assert shared["licence"] == {
        "id": "CC-BY-4.0",
        "name": "Creative Commons Attribution 4.0",
        "url": "https://creativecommons.org/licenses/by/4.0/",
    }
    assert shared["attribution"] == (
        "“Fractions with pizza” by Alice Anders, licensed under Creative Commons Attribution "
        "4.0 (https://creativecommons.org/licenses/by/4.0/)."
    )
    [version] = shared["versions"]
    assert (version["kind"], version["content_type"], version["size"]) == (
        "file",
        "application/pdf",
        len(PDF),
    )
    # Another member downloads it: the same bytes, as an attachment that never renders.
    download = client_for(bob.user).get(version["download"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    assert "breuken" not in download["Content-Disposition"].lower()  # named after the title
    assert 'filename="fractions-with-pizza-v1.pdf"' in download["Content-Disposition"]
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Security-Policy"] == "sandbox; default-src 'none'"


def test_downloads_and_details_are_for_members_only(community, alice):
    shared = share_over_http(client_for(alice.user), community).json()
    outsider = make_member(CommunityFactory())
    pending = make_member(community, state="pending")
    for who in (outsider, pending):
        client = client_for(who.user)
        assert client.get(shared["versions"][0]["download"]).status_code == 403
        assert client.get(f"/api/resources/{shared['id']}").status_code == 403
        assert client.get(f"/api/communities/{community.slug}/resources").status_code == 403
        assert client.get("/api/resources").json() == []
    assert Client().get(shared["versions"][0]["download"]).status_code == 401
    # Uploaded files are not reachable any other way.
    assert Client().get("/media/" + Resource.objects.get().versions.get().file.name).status_code \
        == 404  # fmt: skip


def test_refused_uploads_are_4xx_with_a_reason(community, alice, settings):
    client = client_for(alice.user)
    bad = share_over_http(client, community, file=upload("a.pdf", b"<html>", "application/pdf"))
    assert bad.status_code == 400 and "content is not a recognisable file" in bad.json()["detail"]
    settings.KRING_UPLOAD_MAX_BYTES = 50
    big = share_over_http(client, community)
    assert big.status_code == 413 and big.json()["error"] == "too_large"
    both = share_over_http(client, community, file=pdf_upload(), link="https://example.org/")
    assert both.status_code == 400
    missing = client.post(f"/api/communities/{community.slug}/resources", {"title": "x"})
    assert missing.status_code == 400
    assert not Resource.objects.exists()


def test_images_are_stored_without_exif(community, alice):
    client = client_for(alice.user)
    shared = share_over_http(
        client, community, file=upload("p.jpg", jpeg_with_exif(), "image/jpeg")
    )
    stored = b"".join(client.get(shared.json()["versions"][0]["download"]).streaming_content)
    assert stored.startswith(b"\xff\xd8") and b"PhoneMaker" not in stored


def test_versions_over_http(community, alice, bob):
    shared = share_over_http(client_for(alice.user), community, link="https://example.org/v1")
    resource_id = shared.json()["id"]
    refused = client_for(bob.user).post(f"/api/resources/{resource_id}/versions",
                                        {"link": "https://example.org/v2"})  # fmt: skip
    assert refused.status_code == 403
    made = client_for(alice.user).post(
        f"/api/resources/{resource_id}/versions",
        {"file": pdf_upload(), "change_note": "Now a PDF"},
    )
    assert made.status_code == 201
    assert (made.json()["number"], made.json()["change_note"]) == (2, "Now a PDF")
    detail = client_for(bob.user).get(f"/api/resources/{resource_id}").json()
    assert [(v["number"], v["kind"]) for v in detail["versions"]] == [(1, "link"), (2, "file")]
    assert detail["versions"][0]["link"] == "https://example.org/v1"
    link_download = client_for(bob.user).get(f"/api/resources/{resource_id}/versions/1/download")
    assert link_download.status_code == 404


def test_adapt_over_http_with_licence_rules(community, alice, bob):
    hub = CommunityFactory(slug="malopolska")
    MembershipFactory(community=hub, user=bob.user)
    nd = share_over_http(client_for(alice.user), community, licence="CC-BY-ND-4.0",
                         link="https://example.org/nd").json()  # fmt: skip
    refused = client_for(bob.user).post(
        f"/api/resources/{nd['id']}/adapt", {"community": "malopolska"}
    )
    assert refused.status_code == 403 and "does not allow adaptations" in refused.json()["detail"]

    sa = share_over_http(client_for(alice.user), community, licence="CC-BY-SA-4.0").json()
    made = client_for(bob.user).post(
        f"/api/resources/{sa['id']}/adapt",
        {"community": "malopolska", "language": "pl", "title": "Ułamki z pizzą", "version": "1"},
    )
    assert made.status_code == 201, made.content
    adaptation = made.json()
    assert adaptation["licence"]["id"] == "CC-BY-SA-4.0"
    assert adaptation["adapted_from"] == {
        "resource": sa["id"],
        "title": "Fractions with pizza",
        "version": 1,
        "withdrawn": False,
        "community": {"slug": community.slug, "name": community.name},
    }
    # Alice is not in the hub: she sees her material's adaptation listed only if she could
    # open it, and the adaptation's own detail is closed to her.
    assert client_for(alice.user).get(f"/api/resources/{sa['id']}").json()["adaptations"] == []
    assert client_for(bob.user).get(f"/api/resources/{sa['id']}").json()["adaptations"] == [
        {
            "id": adaptation["id"],
            "title": "Ułamki z pizzą",
            "language": "pl",
            "community": {"slug": "malopolska", "name": hub.name},
            "author": {"id": bob.user.pk, "name": "Bob Berg", "handle": bob.user.handle},
            "source_version": 1,
        }
    ]
    relicensed = client_for(bob.user).post(
        f"/api/resources/{sa['id']}/adapt", {"community": "malopolska", "licence": "CC-BY-4.0"}
    )
    assert relicensed.status_code == 403 and "share-alike" in relicensed.json()["detail"]


def test_reactions_over_http(community, alice, bob):
    shared = share_over_http(client_for(alice.user), community, link="https://example.org/").json()
    url = f"/api/resources/{shared['id']}/reactions/used_in_class"
    assert client_for(bob.user).put(url).json() == {
        "counts": {"used_in_class": 1, "useful": 0},
        "mine": ["used_in_class"],
    }
    assert client_for(alice.user).get(f"/api/resources/{shared['id']}").json()["reactions"] == {
        "counts": {"used_in_class": 1, "useful": 0},
        "mine": [],
    }
    assert client_for(bob.user).delete(url).json()["counts"]["used_in_class"] == 0
    bad = client_for(bob.user).put(f"/api/resources/{shared['id']}/reactions/like")
    assert bad.status_code == 400


def test_list_filters_over_http(community, alice):
    client = client_for(alice.user)
    share_over_http(client, community, link="https://example.org/1")
    share_over_http(client, community, link="https://example.org/2", title="Photosynthesis",
                    subjects=["biology"], age_min="12", age_max="15", language="sv")  # fmt: skip
    listed = client.get("/api/resources?age=13&language=sv&q=photo").json()
    assert [r["title"] for r in listed] == ["Photosynthesis"]
    assert listed[0]["used_count"] == 0 and listed[0]["version_count"] == 1
    per_community = client.get(f"/api/communities/{community.slug}/resources?subject=maths")
    assert [r["title"] for r in per_community.json()] == ["Fractions with pizza"]
    assert [r["title"] for r in client.get("/api/resources?limit=1&offset=1").json()] == [
        "Fractions with pizza"
    ]
    assert client.get("/api/resources?sort=random").status_code == 400


def test_the_openapi_schema_documents_the_materials_api():
    paths = Client().get("/api/openapi.json").json()["paths"]
    for path in (
        "/api/resources",
        "/api/resources/{resource_id}",
        "/api/communities/{slug}/resources",
        "/api/resources/{resource_id}/versions",
        "/api/resources/{resource_id}/adapt",
        "/api/resources/{resource_id}/reactions/{kind}",
        "/api/resources/{resource_id}/versions/{number}/download",
    ):
        assert path in paths, path
    upload_body = paths["/api/communities/{slug}/resources"]["post"]["requestBody"]
    assert "multipart/form-data" in upload_body["content"]
