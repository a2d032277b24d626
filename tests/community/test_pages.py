"""Server-rendered pages: each authorises on every request."""

from __future__ import annotations

import pytest
from django.test import Client

from community.models import Membership
from tests.conftest import make_member
from tests.factories import CommunityFactory, UserFactory

pytestmark = pytest.mark.django_db


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_home_for_visitors_and_a_home_page_for_teachers():
    assert "Create an account" in Client().get("/").content.decode()
    assert Client().get("/communities/").status_code == 302  # to login
    response = logged_in(UserFactory()).get("/")
    assert response.status_code == 200
    assert "Find a learning community" in response.content.decode()  # no community yet


def test_directory_lists_and_filters():
    CommunityFactory(name="Tartu hub", kind="hub", countries=["EE"])
    CommunityFactory(name="Skåne network", kind="regional", countries=["SE"])
    client = logged_in(UserFactory())
    page = client.get("/communities/?kind=hub").content.decode()
    assert "Tartu hub" in page and "Skåne network" not in page
    page = client.get("/communities/?country=SE").content.decode()
    assert "Skåne network" in page and "Tartu hub" not in page


def test_join_and_leave_with_forms(community):
    user = UserFactory()
    client = logged_in(user)
    response = client.post(f"/c/{community.slug}/join/", follow=True)
    assert "Welcome to" in response.content.decode()
    assert Membership.objects.get(user=user).state == "active"
    client.post(f"/c/{community.slug}/leave/")
    assert Membership.objects.get(user=user).state == "left"


def test_join_needs_post():
    community = CommunityFactory()
    assert logged_in(UserFactory()).get(f"/c/{community.slug}/join/").status_code == 405


def test_room_page_for_members_only(community, room):
    member = make_member(community)
    page = logged_in(member.user).get(f"/c/{community.slug}/rooms/{room.pk}/")
    assert page.status_code == 200
    assert 'id="composer"' in page.content.decode()
    outsider = logged_in(UserFactory()).get(f"/c/{community.slug}/rooms/{room.pk}/")
    assert outsider.status_code == 302 and outsider.url == f"/c/{community.slug}/"


def test_observer_room_page_has_no_composer(community, room):
    observer = make_member(community, role="observer")
    page = logged_in(observer.user).get(f"/c/{community.slug}/rooms/{room.pk}/").content.decode()
    assert 'id="composer"' not in page


def test_profile_form_saves_and_reports_bad_language(alice):
    client = logged_in(alice.user)
    ok = client.post(
        "/me/profile/",
        {"display_name": "Alice A.", "country": "NL", "languages": "nl, en", "subjects": "maths",
         "interests": "", "school": "De Linde", "bio": "", "age_groups": ["primary"]},
    )  # fmt: skip
    assert ok.status_code == 302
    bad = client.post("/me/profile/", {"display_name": "Alice", "languages": "!!"})
    assert "BCP-47" in bad.content.decode()


def test_signup_page_asks_for_a_display_name():
    page = Client().get("/accounts/signup/").content.decode()
    assert 'name="display_name"' in page and 'name="email"' in page


def test_signup_creates_teacher_with_name():
    response = Client().post(
        "/accounts/signup/",
        {"email": "ola@school.test", "display_name": "Ola Nordin",
         "password1": "Blueberry-Forest-19", "password2": "Blueberry-Forest-19"},
    )  # fmt: skip
    assert response.status_code == 302
    from community.models import User

    assert User.objects.get(email="ola@school.test").display_name == "Ola Nordin"


def test_pages_carry_a_strict_content_security_policy():
    policy = Client().get("/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
