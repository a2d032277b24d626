"""Handles come from names, never from email addresses, and teachers may choose theirs; a
role a facilitator restricted someone to survives leaving and coming back."""

from __future__ import annotations

import pytest
from django.test import Client

from community import services
from community.models import Membership, User
from core.errors import Conflict, Invalid
from tests.conftest import make_member
from tests.factories import CommunityFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_signing_up_makes_the_handle_from_the_name_not_the_email():
    client = Client()
    answer = client.post(
        "/accounts/signup/",
        {"email": "anna.secret-surname@school.example", "password1": "a-Long-pass-2026",
         "password2": "a-Long-pass-2026", "display_name": "Anna de Vries"},
    )  # fmt: skip
    assert answer.status_code == 302
    user = User.objects.get(email="anna.secret-surname@school.example")
    assert user.handle == "anna-de-vries"
    assert "secret" not in user.handle


def test_the_handle_follows_the_name_until_the_teacher_chooses_one():
    user = UserFactory(display_name="Bram Smit")
    services.profile_update(user=user, display_name="Bram de Smit")
    assert user.handle == "bram-de-smit"
    services.profile_update(user=user, handle="@BramS")
    assert (user.handle, user.handle_chosen) == ("brams", True)
    services.profile_update(user=user, display_name="Bram Smit-Jansen")
    assert user.handle == "brams"


@pytest.mark.parametrize(
    ("handle", "error"),
    [("ab", Invalid), ("-anna", Invalid), ("an na", Invalid), ("facilitators", Invalid)],
)
def test_a_chosen_handle_must_be_valid(handle, error):
    user = UserFactory(display_name="Anna")
    with pytest.raises(error):
        services.profile_update(user=user, handle=handle)


def test_a_chosen_handle_must_be_free():
    UserFactory(display_name="Taken", handle="taken")
    user = UserFactory(display_name="Someone")
    with pytest.raises(Conflict):
        services.profile_update(user=user, handle="taken")
    user.refresh_from_db()
    assert user.handle != "taken" and not user.handle_chosen


def test_an_observer_who_leaves_and_rejoins_is_still_an_observer():
    community = CommunityFactory()
    observer = make_member(community, role="observer")
    co_facilitator = make_member(community, role="co_facilitator")
    make_member(community, role="facilitator")
    for member in (observer, co_facilitator):
        services.membership_leave(user=member.user, community=community)
        services.membership_join(user=member.user, community=community)
    roles = dict(Membership.objects.filter(community=community).values_list("user_id", "role"))
    assert roles[observer.user.pk] == "observer"
    assert roles[co_facilitator.user.pk] == "member"  # facilitating roles are given, not kept
