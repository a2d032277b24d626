"""Passive networking: suggestions with true reasons, cross-language matching, opt-in, hidden
fields, dismissals, bans, activity only where the viewer can see it, the profile page, the API,
the weekly notification, GDPR, and the worker computing the vectors."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from django.test import Client
from notifications.models import Notification

from community import services as community_services
from community.models import MembershipState
from delivery.worker import process_pending_jobs, run_due_periodic
from networking import index_cache, selectors, vectors
from networking.models import Dismissal, PersonVector, SentSuggestion
from networking.services import send_weekly
from resources import services as resource_services
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

NL_PHYSICS = {
    "country": "NL",
    "subjects": ["natuurkunde"],
    "age_groups": ["lower_secondary"],
    "languages": ["nl", "en"],
    "interests": ["onderzoekend leren"],
    "bio": "Ik geef natuurkunde aan leerlingen van 12 tot 14 jaar en laat ze zelf proeven "
    "bedenken met slingers en veren.",
}
PL_PHYSICS = {
    "country": "PL",
    "subjects": ["fizyka"],
    "age_groups": ["lower_secondary"],
    "languages": ["pl", "en"],
    "interests": ["metoda badawcza"],
    "bio": "Uczę fizyki dzieci w wieku 12-14 lat; uczniowie sami projektują doświadczenia "
    "z wahadłem i sprężynami.",
}
SE_MUSIC = {
    "country": "SE",
    "subjects": ["musik"],
    "age_groups": ["primary"],
    "languages": ["sv", "en"],
    "interests": ["körsång"],
    "bio": "Jag undervisar musik i lågstadiet och leder skolkören.",
}
DE_MUSIC = {
    "country": "DE",
    "subjects": ["Musik"],
    "age_groups": ["primary"],
    "languages": ["de"],
    "interests": ["Chor"],
    "bio": "Ich unterrichte Musik in der Grundschule und leite den Schulchor.",
}


@pytest.fixture(autouse=True)
def _fresh_index():
    index_cache.clear()
    yield
    index_cache.clear()


def teacher(name: str, discoverable: bool = True, **profile: Any) -> Any:
    user = UserFactory(display_name=name)
    community_services.profile_update(user=user, discoverable=discoverable, **profile)
    return user


def work() -> None:
    """What the worker does after profile changes: its periodic sweep rebuilds stale vectors."""
    vectors.sweep()
    index_cache.clear()


def suggested(user: Any, limit: int = 5) -> dict[int, Any]:
    return {s.user.pk: s for s in selectors.people_suggestions(user, limit=limit)}


def api(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_dutch_and_a_polish_profile_about_the_same_teaching_find_each_other():
    nl = teacher("Anouk de Vries", **NL_PHYSICS)
    pl = teacher("Tomasz Zieliński", **PL_PHYSICS)
    teacher("Lena Berg", **SE_MUSIC)
    teacher("Jonas Weber", **DE_MUSIC)
    work()
    for me, them in ((nl, pl), (pl, nl)):
        found = selectors.people_suggestions(me, limit=3)
        assert found and found[0].user == them, [(s.user, s.score) for s in found]
        reasons = found[0].reasons
        assert "Both teach physics to lower secondary (12-15)" in reasons
        country = "Poland" if them == pl else "Netherlands"
        assert any(
            r.startswith(f"A colleague across the border, in {country}")
            and "English in common" in r
            for r in reasons
        ), reasons
    # The multilingual embeddings see the same teaching in two languages: the Polish physics
    # profile is closer to the Dutch one than the German music profile is.
    index = index_cache.people_index()
    vectors = index.tiers["public"].vectors
    row = {int(user_id): i for i, user_id in enumerate(index.ids)}
    de = next(
        u
        for u in index.ids
        if int(u) not in (nl.pk, pl.pk) and index.records[row[int(u)]].features["country"] == "DE"
    )
    assert (
        vectors[row[nl.pk]] @ vectors[row[pl.pk]]
        > vectors[row[nl.pk]] @ vectors[row[int(de)]] + 0.1
    )


def test_reasons_are_true():
    nl = teacher("Anouk de Vries", **NL_PHYSICS)
    pl = teacher("Tomasz Zieliński", **PL_PHYSICS)
    se = teacher("Lena Berg", **SE_MUSIC)
    de = teacher("Jonas Weber", **DE_MUSIC)
    work()
    # Music teachers meet through the canonical subject, though the Swedish bio is not in
    # the encoder's languages; they share no language, so no language reason and no
    # cross-border reason (which needs a shared language).
    music = suggested(se)
    assert de.pk in music
    reasons = music[de.pk].reasons
    assert "Both teach music to primary (6-12)" in reasons
    assert not any("in common" in r for r in reasons)
    assert not any("across the border" in r for r in reasons)
    # Nobody is given a subject they do not share.
    for me in (nl, pl, se, de):
        for s in selectors.people_suggestions(me):
            for reason in s.reasons:
                if reason.startswith("Both teach physics"):
                    assert {me.pk, s.user.pk} <= {nl.pk, pl.pk}
                if reason.startswith("Both teach music"):
                    assert {me.pk, s.user.pk} <= {se.pk, de.pk}


def test_only_discoverable_teachers_are_suggested_and_opting_out_counts_at_once():
    nl = teacher("Anouk de Vries", **NL_PHYSICS)
    pl = teacher("Tomasz Zieliński", discoverable=False, **PL_PHYSICS)
    work()
    assert pl.pk not in suggested(nl)
    # Viewers need not be discoverable to get suggestions.
    assert nl.pk in suggested(pl)
    community_services.profile_update(user=nl, discoverable=False)
    # No worker run: the opt-out counts from the next request on.
    assert nl.pk not in suggested(pl)
    assert api(pl).get("/api/me/suggestions/people").json() == {"items": []}


def test_discoverable_is_off_by_default_and_set_through_the_api():
    user = UserFactory()
    client = api(user)
    assert client.get("/api/me").json()["discoverable"] is False
    response = client.patch(
        "/api/me",
        data=json.dumps({"discoverable": True, "visibility": {"school": "nobody"}}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["discoverable"] is True
    assert body["visibility"]["school"] == "nobody"
    assert body["visibility"]["bio"] == "everyone"
    bad = client.patch(
        "/api/me",
        data=json.dumps({"visibility": {"school": "world"}}),
        content_type="application/json",
    )
    assert bad.status_code == 400


def test_hidden_fields_never_feed_a_reason_nor_show():
    nl = teacher("Anouk de Vries", **NL_PHYSICS)
    pl = teacher(
        "Tomasz Zieliński",
        school="Szkoła Podstawowa nr 5",
        visibility={"subjects": "nobody", "age_groups": "nobody", "bio": "members"},
        **PL_PHYSICS,
    )
    work()
    found = suggested(nl)
    if pl.pk in found:
        text = " ".join(found[pl.pk].reasons)
        assert "physics" not in text and "12-15" not in text
        assert "similar teaching" not in text
    # The bio is for community members only: a stranger's scores use the interests' vector
    # alone; colleagues' use interests and bio.
    index = index_cache.people_index()
    row = int(index.rows_of([pl.pk])[0])
    interests, bio = index.records[row].embedding
    assert np.allclose(index.tiers["public"].vectors[row], interests / np.linalg.norm(interests))
    both = interests + bio
    assert np.allclose(index.tiers["members"].vectors[row], both / np.linalg.norm(both))
    # The profile page and the API show the stranger only the public fields.
    page = api(nl).get(f"/people/{pl.handle}/")
    assert page.status_code == 200
    html = page.content.decode()
    for hidden in (
        "fizyka",
        "wahadłem",
        "Szkoła Podstawowa nr 5",
        "lower_secondary",
        "Lower secondary",
    ):
        assert hidden not in html
    assert "metoda badawcza" in html  # interests stay public
    person = api(nl).get(f"/api/people/{pl.handle}").json()
    assert person["subjects"] == [] and person["bio"] == "" and person["school"] == ""
    # Search never finds a teacher through a field hidden from the searcher.
    assert api(nl).get("/api/people?subject=fizyka").json()["count"] == 0
    assert api(nl).get("/api/people?q=wahad").json()["count"] == 0
    assert api(nl).get("/api/people?interest=metoda").json()["count"] == 1
    # A colleague in the same community sees the "members" fields (the bio), not "nobody".
    community = CommunityFactory()
    MembershipFactory(community=community, user=nl)
    MembershipFactory(community=community, user=pl)
    person = api(nl).get(f"/api/people/{pl.handle}").json()
    assert person["bio"].startswith("Uczę") and person["subjects"] == []
    assert person["shares_community"] is True


def test_profile_page_is_for_colleagues_and_for_discoverable_teachers():
    shy = teacher("Shy Teacher", discoverable=False, **NL_PHYSICS)
    stranger = teacher("Stranger", discoverable=False, **SE_MUSIC)
    colleague = UserFactory()
    community = CommunityFactory()
    MembershipFactory(community=community, user=shy)
    MembershipFactory(community=community, user=colleague)
    assert api(stranger).get(f"/people/{shy.handle}/").status_code == 404
    assert api(stranger).get(f"/api/people/{shy.handle}").status_code == 404
    page = api(colleague).get(f"/people/{shy.handle}/")
    assert page.status_code == 200
    assert community.name in page.content.decode()  # communities in common
    assert Client().get(f"/people/{shy.handle}/").status_code == 302  # sign in first
    community_services.profile_update(user=shy, discoverable=True)
    assert api(stranger).get(f"/people/{shy.handle}/").status_code == 200
    # Left the community: a banned or departed member is no longer a colleague.
    community.memberships.filter(user=colleague).update(state=MembershipState.LEFT)
    community_services.profile_update(user=shy, discoverable=False)
    assert api(colleague).get(f"/people/{shy.handle}/").status_code == 404


def test_dismissals_stick_both_ways():
    nl = teacher("Anouk de Vries", **NL_PHYSICS)
    pl = teacher("Tomasz Zieliński", **PL_PHYSICS)
    work()
    assert pl.pk in suggested(nl)
    response = api(nl).post(
        "/api/me/suggestions/dismiss",
        data=json.dumps({"kind": "person", "id": pl.pk}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert pl.pk not in suggested(nl)
    assert nl.pk not in suggested(pl)
    # Still gone after the worker rebuilt everything.
    vectors.mark_stale([nl.pk, pl.pk])
    vectors.refresh_people([nl.pk, pl.pk])
    index_cache.clear()
    assert pl.pk not in suggested(nl)
    assert Dismissal.objects.filter(user=nl).count() == 1
    bad = api(nl).post(
        "/api/me/suggestions/dismiss",
        data=json.dumps({"kind": "planet", "id": 1}),
        content_type="application/json",
    )
    assert bad.status_code == 400


def test_banned_and_deactivated_teachers_are_never_suggested():
    nl = teacher("Anouk de Vries", **NL_PHYSICS)
    pl = teacher("Tomasz Zieliński", **PL_PHYSICS)
    be = teacher("Bram Peeters", **{**NL_PHYSICS, "country": "BE"})
    work()
    assert {pl.pk, be.pk} <= set(suggested(nl))
    MembershipFactory(community=CommunityFactory(), user=pl, state=MembershipState.BANNED)
    be.is_active = False
    be.save()
    index_cache.clear()
    assert not {pl.pk, be.pk} & set(suggested(nl))


def test_shared_activity_is_a_reason_only_where_the_viewer_can_see_it(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    nl = teacher("Anouk de Vries", **NL_PHYSICS)
    pl = teacher("Tomasz Zieliński", **PL_PHYSICS)
    shared = CommunityFactory(name="European physics circle")
    private = CommunityFactory(name="Kraków staff room")
    for community, members in ((shared, [nl, pl]), (private, [pl])):
        for member in members:
            MembershipFactory(community=community, user=member)
    visible = resource_services.resource_share(
        actor=pl, community=shared, url="https://example.org/pendulum", title="Pendulum lab",
        language="en", licence="CC-BY-4.0", subjects=["physics"],
    )  # fmt: skip
    secret = resource_services.resource_share(
        actor=pl, community=private, url="https://example.org/secret", title="Secret staff plan",
        language="pl", licence="CC-BY-4.0",
    )  # fmt: skip
    resource_services.reaction_set(actor=nl, resource=visible, kind="used_in_class")
    resource_services.reaction_set(actor=pl, resource=visible, kind="used_in_class")
    resource_services.reaction_set(actor=pl, resource=secret, kind="useful")
    vectors.refresh_people([nl.pk, pl.pk])
    index_cache.clear()
    reasons = suggested(nl)[pl.pk].reasons
    assert "Both used “Pendulum lab” in class" in reasons
    assert not any("Secret" in r for r in reasons)
    # The profile page lists only materials in communities the viewer can read.
    html = api(nl).get(f"/people/{pl.handle}/").content.decode()
    assert "Pendulum lab" in html and "Secret staff plan" not in html


def test_profile_changes_are_embedded_by_the_worker_not_the_request():
    nl = teacher("Anouk de Vries", **NL_PHYSICS)
    stored = PersonVector.objects.get(user=nl)
    assert stored.stale and stored.embedding is None  # the request only marked it
    vectors.sweep()
    stored.refresh_from_db()
    assert (
        not stored.stale and stored.embedding is not None and len(stored.embedding) == 2 * 512 * 4
    )
    assert stored.features["subjects"] == ["physics"]
    # Unchanged text is not embedded again; changed text is.
    digest = stored.text_hash
    community_services.profile_update(user=nl, school="Het Lyceum")
    vectors.sweep()
    stored.refresh_from_db()
    assert stored.text_hash == digest
    community_services.profile_update(user=nl, bio="Iets heel anders over muziek.")
    vectors.sweep()
    stored.refresh_from_db()
    assert stored.text_hash != digest


def test_the_periodic_sweep_picks_up_new_activity(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    nl = teacher("Anouk de Vries", **NL_PHYSICS)
    work()
    vectors._bookmarks.clear()
    vectors.sweep()  # sets the bookmarks
    community = CommunityFactory()
    MembershipFactory(community=community, user=nl)
    resource_services.resource_share(
        actor=nl, community=community, url="https://example.org/x", title="Springs",
        language="nl", licence="CC-BY-4.0",
    )  # fmt: skip
    assert vectors.sweep() >= 1
    assert PersonVector.objects.get(user=nl).activity["resources"]
    assert "networking.sweep" in dict(
        __import__("core.outbox", fromlist=["periodic"]).periodic.items()
    )
    # The worker runs the sweep and the weekly suggestions among its periodic tasks.
    last_run: dict[str, float] = {}
    run_due_periodic(last_run)
    assert {"networking.sweep", "networking.weekly"} <= set(last_run)


def test_weekly_people_you_may_want_to_meet_notification_is_sent_once():
    nl = teacher("Anouk de Vries", **NL_PHYSICS)
    pl = teacher("Tomasz Zieliński", **PL_PHYSICS)
    work()
    assert send_weekly() == 2
    process_pending_jobs()
    note = Notification.objects.get(recipient=nl)
    assert note.data["category"] == "networking"
    assert "Tomasz Zieliński" in note.verb
    assert SentSuggestion.objects.filter(user=nl, object_id=pl.pk).exists()
    assert send_weekly() == 0  # not again within the week
    process_pending_jobs()
    assert Notification.objects.filter(recipient=nl).count() == 1


def test_gdpr_export_has_suggestions_and_dismissals_and_erasure_removes_vectors():
    nl = teacher("Anouk de Vries", **NL_PHYSICS)
    pl = teacher("Tomasz Zieliński", **PL_PHYSICS)
    be = teacher("Bram Peeters", **{**NL_PHYSICS, "country": "BE"})
    work()
    client = api(nl)
    client.post(
        "/api/me/suggestions/dismiss",
        data=json.dumps({"kind": "person", "id": be.pk}),
        content_type="application/json",
    )
    send_weekly()
    export = json.loads(b"".join(client.get("/api/me/export").streaming_content)
                        if hasattr(client.get("/api/me/export"), "streaming_content")
                        else client.get("/api/me/export").content)  # fmt: skip
    section = export["networking"]
    assert section["dismissed"][0]["id"] == be.pk
    assert section["suggested_people_now"][0]["user"] == pl.pk
    assert section["sent_suggestions"][0]["id"] == pl.pk
    assert export["profile"]["discoverable"] is True
    community_services.account_delete(user=pl)
    assert not PersonVector.objects.filter(user_id=pl.pk).exists()
    assert not SentSuggestion.objects.filter(object_id=pl.pk, kind="person").exists()


def test_api_suggestion_shapes_and_people_search():
    nl = teacher("Anouk de Vries", **NL_PHYSICS)
    pl = teacher("Tomasz Zieliński", **PL_PHYSICS)
    work()
    body = api(nl).get("/api/me/suggestions/people?limit=3").json()
    item = body["items"][0]
    assert item["user"]["id"] == pl.pk and item["user"]["country"] == "PL"
    assert item["score"] > 0 and item["reasons"]
    assert api(nl).get("/api/me/suggestions/people?limit=500").status_code == 400
    found = api(nl).get("/api/people?country=PL&language=pl&age_group=lower_secondary").json()
    assert [p["id"] for p in found["items"]] == [pl.pk]
    assert found["count"] == 1 and found["pages"] == 1
    assert api(nl).get("/api/people?subject=fizyka").json()["count"] == 1
    assert api(nl).get("/api/people?subject=physics").json()["count"] == 1  # canonical match
    assert Client().get("/api/people").status_code == 401


def test_community_and_material_suggestions_have_reasons(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    nl = teacher("Anouk de Vries", **NL_PHYSICS)
    pl = teacher("Tomasz Zieliński", **PL_PHYSICS)
    circle = CommunityFactory(
        name="European science circle", kind="cross_border", countries=["PL", "NL", "SE"],
        languages=["en"], description="Science teachers across Europe sharing inquiry labs.",
    )  # fmt: skip
    CommunityFactory(name="Invite only", join_policy="invite", languages=["en"])
    MembershipFactory(community=circle, user=pl)
    home = CommunityFactory(languages=["nl", "en"])
    MembershipFactory(community=home, user=nl)
    MembershipFactory(community=home, user=pl)
    resource_services.resource_share(
        actor=pl, community=home, url="https://example.org/p", title="Pendulum lab",
        language="en", licence="CC-BY-4.0", subjects=["physics"], age_min=12, age_max=14,
    )  # fmt: skip
    work()
    vectors.refresh_items()
    communities = api(nl).get("/api/me/suggestions/communities").json()["items"]
    assert [c["community"]["slug"] for c in communities] == [circle.slug]
    assert "Works in English, which you speak" in communities[0]["reasons"]
    materials = api(nl).get("/api/me/suggestions/materials").json()["items"]
    assert materials[0]["resource"]["title"] == "Pendulum lab"
    assert "About physics, which you teach" in materials[0]["reasons"]
    api(nl).post(
        "/api/me/suggestions/dismiss",
        data=json.dumps({"kind": "community", "id": circle.slug}),
        content_type="application/json",
    )
    assert api(nl).get("/api/me/suggestions/communities").json()["items"] == []


def test_home_and_community_pages_show_the_suggestions_panel():
    nl = teacher("Anouk de Vries", **NL_PHYSICS)
    pl = teacher("Tomasz Zieliński", **PL_PHYSICS)
    community = CommunityFactory()
    MembershipFactory(community=community, user=pl)
    work()
    home = api(nl).get("/").content.decode()
    assert "Suggested for you" in home and "Tomasz Zieliński" in home
    assert "Both teach physics" in home
    page = api(nl).get(f"/c/{community.slug}/").content.decode()
    assert "People here you may want to meet" in page and "Tomasz Zieliński" in page
    # "Not interested" from the page.
    response = api(nl).post(
        "/people/dismiss/", {"kind": "person", "id": pl.pk, "next": f"/c/{community.slug}/"}
    )
    assert response.status_code == 302 and response["Location"] == f"/c/{community.slug}/"
    assert "Tomasz Zieliński" not in api(nl).get("/").content.decode()
    people = api(nl).get("/people/?q=Tomasz").content.decode()
    assert "Tomasz Zieliński" in people  # search still finds a dismissed suggestion


def test_profile_form_sets_visibility_and_discoverable():
    user = UserFactory(display_name="Anouk")
    client = api(user)
    page = client.get("/me/profile/").content.decode()
    assert "Who sees “School”" in page and "discoverable" in page
    response = client.post(
        "/me/profile/",
        {"display_name": "Anouk", "country": "NL", "subjects": "natuurkunde", "languages": "nl",
         "interests": "", "bio": "", "school": "X", "visibility_school": "nobody",
         "visibility_bio": "members", "discoverable": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    profile = user.profile
    profile.refresh_from_db()
    assert profile.discoverable is True
    assert profile.visibility["school"] == "nobody" and profile.visibility["bio"] == "members"


@pytest.mark.parametrize("choice", [True, False])
def test_sign_up_asks_whether_to_be_discoverable(choice):
    page = Client().get("/accounts/signup/").content.decode()
    assert 'name="discoverable"' in page
    form = {"email": "ola@school.test", "display_name": "Ola Nordin",
            "password1": "Blueberry-Forest-19", "password2": "Blueberry-Forest-19"}  # fmt: skip
    if choice:
        form["discoverable"] = "on"
    assert Client().post("/accounts/signup/", form).status_code == 302
    from community.models import User

    assert User.objects.get(email="ola@school.test").profile.discoverable is choice
