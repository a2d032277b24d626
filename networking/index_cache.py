"""The in-memory index of discoverable teachers, one per process, reloaded when the database
says something changed.

Each request asks one cheap question (the newest vector and profile change and the number of
vectors); only when the answer differs is the index rebuilt from the stored vectors (the
stored ones: nothing is embedded here). Opt-out and visibility are read from the profile
rows themselves, not from the vectors, so turning ``discoverable`` off or hiding a field
counts from the next request on, before the worker has run.
"""

from __future__ import annotations

import threading
from typing import Any

from django.db.models import Count, Max

from community.models import MembershipState, Profile

from . import embed
from .models import PersonVector
from .scoring import PeopleIndex, Record, build_index

_lock = threading.Lock()
_state: dict[str, Any] = {"version": None, "index": None}


def _version() -> tuple[Any, ...]:
    vectors = PersonVector.objects.aggregate(newest=Max("updated_at"), n=Count("pk"))
    profiles = Profile.objects.aggregate(newest=Max("updated_at"))
    return (vectors["newest"], vectors["n"], profiles["newest"])


def _load() -> PeopleIndex:
    from community.models import Membership

    banned = Membership.objects.filter(state=MembershipState.BANNED).values("user_id")
    rows = (
        PersonVector.objects.filter(
            user__is_active=True, user__profile__discoverable=True, computed_at__isnull=False
        )
        .exclude(user_id__in=banned)
        .values_list("user_id", "features", "embedding", "activity", "user__profile__visibility")
    )
    records = []
    for user_id, features, blob, activity, visibility in rows.iterator(chunk_size=2000):
        levels = {**(features.get("levels") or {}), **(visibility or {})}
        records.append(
            Record(
                user_id=user_id,
                features={**features, "levels": levels, "discoverable": True},
                embedding=embed.from_bytes(blob, 2),
                activity=activity or {},
            )
        )
    return build_index(records)


def people_index() -> PeopleIndex:
    version = _version()
    with _lock:
        if _state["index"] is None or _state["version"] != version:
            _state["index"] = _load()
            _state["version"] = version
        return _state["index"]


def clear() -> None:
    with _lock:
        _state.update(version=None, index=None)
