"""The Analytics tab, the programme view and its CSV, the members' note and their learning
records page: who sees what, targets, nudges."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.test import Client

from analytics import rollup
from analytics.models import CommunityTarget, Nudge, XapiOptOut
from community.models import Membership, Profile, RoomEvent
from delivery.models import OutboxJob
from tests.conftest import make_member
from tests.factories import CommunityFactory, UserFactory

from .streams import make_world, post, react, share


@pytest.fixture(autouse=True)
def _no_lag(settings: Any) -> None:
    settings.KRING_ANALYTICS_SWEEP_LAG_SECONDS = 0


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def lively(db: Any) -> Any:
    """A community with weeks of activity, a facilitator and a long-dormant member."""
    world = make_world(5, today=dt.datetime.now(dt.UTC).date(), people=8)
    for _ in range(60):
        post(world)
    for _ in range(4):
        share(world)
    for _ in range(6):
        react(world)
    world.facilitator = make_member(
        world.community, role="facilitator", display_name="Fia Fac"
    ).user
    Profile.objects.update_or_create(user=world.facilitator, defaults={"country": "SE"})
    world.sleeper = make_member(world.community, display_name="Sam Sleeper").user
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=200)
    Membership.objects.filter(user__in=[world.sleeper, world.facilitator]).update(
        joined_at=long_ago
    )
    rollup.sweep()
    return world


def test_facilitator_sees_the_figures_charts_and_dormant_members(lively: Any) -> None:
    page = client_for(lively.facilitator).get(f"/c/{lively.community.slug}/analytics/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Messages, threads and replies per week" in html
    assert '<svg class="chart-svg"' in html and "<title id=" in html and "<desc id=" in html
    assert "Show as a table" in html
    assert "Sam Sleeper" in html  # dormant, named for the community's facilitator
    figures = page.context["figures"]
    assert figures.members == 10
    assert sum(w.counts["messages"] for w in figures.weeks) > 0


def test_coordinator_sees_totals_but_no_individuals(lively: Any) -> None:
    coordinator = UserFactory(is_coordinator=True)
    page = client_for(coordinator).get(f"/c/{lively.community.slug}/analytics/")
    assert page.status_code == 200
    assert "Sam Sleeper" not in page.content.decode()
    assert "Only this community's facilitators see who is dormant." in page.content.decode()


def test_members_and_other_facilitators_are_sent_away(lively: Any) -> None:
    other = CommunityFactory()
    outsider = make_member(other, role="facilitator").user
    for user in (lively.users[0], outsider):
        page = client_for(user).get(f"/c/{lively.community.slug}/analytics/")
        assert page.status_code == 302


def test_setting_a_target_and_refusing_a_bad_one(lively: Any) -> None:
    client = client_for(lively.facilitator)
    url = f"/c/{lively.community.slug}/analytics/"
    client.post(url, {"action": "target", "active_members": "48", "window_days": "30"})
    target = CommunityTarget.objects.get(community=lively.community)
    assert (target.active_members, target.window_days) == (48, 30)
    client.post(url, {"action": "target", "active_members": "-3", "window_days": "30"})
    client.post(url, {"action": "target", "active_members": "10", "window_days": "45"})
    target.refresh_from_db()
    assert (target.active_members, target.window_days) == (48, 30)
    page = client.get(url)
    assert page.context["goal"] == 48 and '<progress id="target-progress"' in page.content.decode()


def test_nudging_a_dormant_member_once(lively: Any) -> None:
    client = client_for(lively.facilitator)
    url = f"/c/{lively.community.slug}/analytics/"
    jobs = OutboxJob.objects.count()
    client.post(url, {"action": "nudge", "user": lively.sleeper.pk})
    assert Nudge.objects.filter(user=lively.sleeper).count() == 1
    job = OutboxJob.objects.order_by("-pk").first()
    assert OutboxJob.objects.count() == jobs + 1 and job.payload["users"] == [lively.sleeper.pk]
    assert "would love to hear from you again" in job.payload["verb"]["msgid"]
    client.post(url, {"action": "nudge", "user": lively.sleeper.pk})  # too soon
    assert Nudge.objects.filter(user=lively.sleeper).count() == 1
    active = make_member(lively.community, display_name="Ada Active").user
    Membership.objects.filter(user=active).update(
        joined_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=300)
    )
    lively.users.append(active)
    while not RoomEvent.objects.filter(author=active, kind="message").exists():
        post(lively)
    RoomEvent.objects.filter(author=active).update(
        created_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=2), deleted_at=None
    )
    rollup.sweep()
    client.post(url, {"action": "nudge", "user": active.pk})
    assert not Nudge.objects.filter(user=active).exists()  # active lately: not nudged


def test_programme_view_and_csv_state_the_time_zone(lively: Any) -> None:
    coordinator = UserFactory(is_coordinator=True, timezone="Europe/Tallinn")
    CommunityTarget.objects.create(community=lively.community, active_members=5, window_days=90)
    client = client_for(coordinator)
    page = client.get("/coordinate/programme/")
    assert page.status_code == 200 and lively.community.name in page.content.decode()
    response = client.get("/coordinate/programme/?format=csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][-1] == "as of (Europe/Tallinn)" and "(UTC days)" in rows[0][4]
    mine = next(r for r in rows if r[1] == lively.community.slug)
    assert mine[7] == "90" and mine[8] == "5"
    assert client_for(lively.facilitator).get("/coordinate/programme/").status_code == 302


def test_members_are_told_what_is_counted_and_can_opt_out(lively: Any) -> None:
    member = lively.users[1]
    client = client_for(member)
    page = client.get(f"/c/{lively.community.slug}/").content.decode()
    assert "What is counted here" in page and "/me/learning-records/" in page
    assert f"/c/{lively.community.slug}/analytics/" not in page
    client.post("/me/learning-records/", {"forward": "off"})
    assert XapiOptOut.objects.filter(user=member).exists()
    client.post("/me/learning-records/", {"forward": "on"})
    assert not XapiOptOut.objects.filter(user=member).exists()
