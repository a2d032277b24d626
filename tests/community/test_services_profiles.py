from __future__ import annotations

import pytest

from community import selectors, services
from core.errors import Invalid
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_profile_update_cleans_and_stores_fields():
    user = UserFactory()
    profile = services.profile_update(
        user=user,
        display_name="  Anna   de Vries ",
        country="nl",
        subjects=["biology", "biology", " ICT "],
        age_groups=["primary", "lower_secondary"],
        languages=["NL", "en-gb"],
        interests=["AI in education"],
        bio="Teacher in Arnhem.",
    )
    user.refresh_from_db()
    assert user.display_name == "Anna de Vries"
    assert profile.country.code == "NL"
    assert profile.subjects == ["biology", "ICT"]
    assert profile.languages == ["nl", "en-GB"]


@pytest.mark.parametrize(
    "changes",
    [
        {"country": "XX"},
        {"languages": ["klingon!!"]},
        {"age_groups": ["toddlers"]},
        {"display_name": ""},
        {"subjects": ["x" * 81]},
        {"unknown_field": 1},
    ],
)
def test_invalid_profile_changes_write_nothing(changes):
    user = UserFactory(display_name="Kept")
    with pytest.raises(Invalid):
        services.profile_update(user=user, school="changed", **changes)
    user.refresh_from_db()
    assert user.display_name == "Kept"
    assert selectors.profile_of(user=user).school == ""
