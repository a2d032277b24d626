"""Shared set-up of the events tests: a community with a facilitator and members, and a way to
schedule an event some days ahead."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from events import services
from tests.conftest import Member, make_member
from tests.factories import CommunityFactory


@dataclass
class Circle:
    community: Any
    facilitator: Member
    alice: Member
    bob: Member
    carol: Member


@pytest.fixture
def circle(db: Any) -> Circle:
    community = CommunityFactory(countries=["NL", "PL"])
    return Circle(
        community=community,
        facilitator=make_member(community, role="facilitator", display_name="Fiona Facilitator"),
        alice=make_member(community, display_name="Alice Anders"),
        bob=make_member(community, display_name="Bob Berg"),
        carol=make_member(community, display_name="Carol Cruz"),
    )


def local_in(
    days: int, hour: int = 19, minute: int = 0, zone: str = "Europe/Amsterdam"
) -> datetime:
    """A wall-clock time ``days`` from today at ``hour:minute`` in ``zone`` (naive)."""
    day = (timezone.now() + timedelta(days=days)).astimezone(ZoneInfo(zone)).date()
    return datetime(day.year, day.month, day.day, hour, minute)


def schedule(actor: Any, community: Any, *, days: int = 7, hours: float = 1.5, **fields: Any):
    """An event ``days`` from now at 19:00 Amsterdam time (online unless told otherwise)."""
    start = fields.pop("start", None) or local_in(days)
    fields.setdefault("timezone", "Europe/Amsterdam")
    if "location" not in fields:
        fields.setdefault("online_url", "https://meet.example.org/kring")
    return services.event_create(
        actor=actor,
        community=community,
        title=fields.pop("title", "Regional session"),
        starts_at=start.isoformat(),
        ends_at=(start + timedelta(hours=hours)).isoformat(),
        **fields,
    )
