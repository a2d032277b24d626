"""Subscribes read together (realtime.readers): one call answers each reader as it would have
been answered alone, refusals in the reader's language, in chunks of the setting."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import translation
from django.utils.translation import gettext

from core.errors import Forbidden, NotFound
from realtime.readers import _rights_of_readers
from tests.conftest import make_member
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MEMBERS_ONLY = "Only active members of this community can read its rooms."


def _told_in(language: str, text: str) -> str:
    with translation.override(language):
        return gettext(text)


def test_readers_of_mixed_languages_are_answered_together(community, room, alice, settings):
    settings.KRING_SUBSCRIBES_READ_TOGETHER = 2  # chunks of two
    facilitator = make_member(community, role="facilitator")
    outsider = UserFactory()
    queries: list[str] = []

    def count(run, sql, *args):
        queries.append(sql)
        return run(sql, *args)

    with connection.execute_wrapper(count):
        found = _rights_of_readers([
            (alice.user, room.pk, "en"),
            (outsider, room.pk, "pl"),
            (facilitator.user, room.pk, "en"),
            (outsider, room.pk, "nl"),
            (alice.user, 999_999, "fi"),
            (alice.user, room.pk, "en"),
        ])  # fmt: skip
    assert found[0] == (False, room.last_seq)
    assert found[2] == (True, room.last_seq)  # a facilitator sees hidden messages' text
    assert found[5] == (False, room.last_seq)
    for index, language in ((1, "pl"), (3, "nl")):
        assert isinstance(found[index], Forbidden)
        assert str(found[index].detail) == _told_in(language, MEMBERS_ONLY) != MEMBERS_ONLY
    assert isinstance(found[4], NotFound)
    assert str(found[4].detail) == _told_in("fi", "No room %(room_id)s.") % {"room_id": 999_999}
    if connection.vendor == "postgresql":
        # en: three readers in chunks of two; pl, nl and fi: one each.
        assert len(queries) == 5
