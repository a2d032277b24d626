"""Property-based tests of the whole JSON API from its own OpenAPI schema: whatever the input,
no 5xx. Runs against the real Django app (WSGI entry point, same views) with a signed-in
facilitator, so that guarded endpoints are reached too."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from community import services
from tests.conftest import make_member
from tests.factories import CommunityFactory

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())


@pytest.fixture
def keep_test_connection():
    # As Django's test client does: the request's end must not close the connection that
    # holds the test's transaction.
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def facilitator_token(db, keep_test_connection):

    community = CommunityFactory(slug="fuzz")
    facilitator = make_member(community, role="facilitator")
    member = make_member(community)
    room = community.rooms.get(name="general")
    services.message_post(room_id=room.pk, author=member.user, body="something to act on")
    return facilitator.token


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@pytest.mark.django_db
def test_no_server_errors(case, facilitator_token):
    case.call_and_validate(
        headers={"X-Session-Token": facilitator_token}, checks=[not_a_server_error]
    )
