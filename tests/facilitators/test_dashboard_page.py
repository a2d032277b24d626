"""The facilitator dashboard as the server renders it: controls only against lower ranks,
a muted member shown as muted, join requests with the teacher's profile and message, report
actions in words, and empty lists as empty states."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from community.models import Membership, Profile
from community.services import message_post
from facilitators.models import Mute, Report
from tests.conftest import make_member
from tests.factories import CommunityFactory

pytestmark = pytest.mark.django_db


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def row_of(html: str, user_id: int) -> str:
    start = html.index(f'class="member-row" data-user="{user_id}"')
    end = html.find('class="member-row"', start + 10)
    return html[start : end if end != -1 else len(html)]


def test_no_controls_against_equal_or_higher_ranks():
    community = CommunityFactory()
    lead = make_member(community, role="facilitator")
    co = make_member(community, role="co_facilitator")
    other_co = make_member(community, role="co_facilitator")
    member = make_member(community)
    page = logged_in(co.user).get(f"/c/{community.slug}/facilitate/").text

    assert "details" not in row_of(page, lead.user.pk)
    assert "details" not in row_of(page, other_co.user.pk)
    assert "details" not in row_of(page, co.user.pk)  # nor against oneself
    mine = row_of(page, member.user.pk)
    assert 'value="remove"' in mine and 'value="ban"' in mine and "data-confirm" in mine
    assert 'value="facilitator"' not in mine and 'value="co_facilitator"' not in mine


def test_a_muted_member_reads_as_muted_with_the_end_time():
    community = CommunityFactory()
    lead = make_member(community, role="facilitator")
    member = make_member(community)
    until = timezone.now() + timedelta(days=1)
    Mute.objects.create(community=community, user=member.user, until=until)
    row = row_of(logged_in(lead.user).get(f"/c/{community.slug}/facilitate/").text, member.user.pk)
    # The end time is in the reader's zone (theirs, else the deployment's default).
    local = timezone.localtime(until, ZoneInfo(settings.KRING_DEFAULT_TIMEZONE))
    assert "Muted" in row and local.isoformat()[:16] in row
    assert 'value="unmute"' in row and 'value="mute"' not in row


def test_join_requests_show_the_profile_and_the_message():
    community = CommunityFactory(join_policy="request")
    lead = make_member(community, role="facilitator")
    asker = make_member(community, state="pending", display_name="Ewa Kowalska")
    Profile.objects.update_or_create(
        user=asker.user, defaults={"school": "Gimnazjum nr 2, Nowy Sącz", "subjects": ["biology"]}
    )
    Membership.objects.filter(user=asker.user).update(request_message="I teach outdoors")
    page = logged_in(lead.user).get(f"/c/{community.slug}/facilitate/").text
    assert "Gimnazjum nr 2, Nowy Sącz" in page and "biology" in page
    assert "I teach outdoors" in page


def test_report_actions_are_in_words_and_empty_lists_are_empty_states():
    community = CommunityFactory()
    lead = make_member(community, role="facilitator")
    page = logged_in(lead.user).get(f"/c/{community.slug}/facilitate/").text
    assert "No pending requests." in page and "No open reports." in page
    assert "Nothing yet: moderation actions" in page
    assert '<ol class="audit">' not in page

    member = make_member(community)
    message, _ = message_post(
        room_id=community.rooms.get(name="general").pk, author=member.user, body="spam"
    )
    Report.objects.create(community=community, message=message, reporter=lead.user, reason="Spam")
    page = logged_in(lead.user).get(f"/c/{community.slug}/facilitate/").text
    assert '<option value="hide">Hide the message</option>' in page
    assert '<option value="dismiss">Dismiss the report (nothing wrong)</option>' in page
