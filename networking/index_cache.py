"""The in-memory index of discoverable teachers, one per process, reloaded when the database
says something changed.

At most every ``KRING_NETWORKING_INDEX_CHECK_SECONDS`` a request asks one cheap question (the
newest vector and profile change, both indexed); when the answer differs, the index is rebuilt
from the stored vectors (nothing is embedded here) in a background thread while requests keep
using the current one — only a process without any index builds it in the request. The
selectors check every suggestion against the profile rows before showing it (discoverable,
active, the fields it may show), so an opt-out or a hidden field counts from the next
request on, before the worker or the rebuild has run.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.conf import settings
from django.db.models import Max

from community.models import MembershipState, Profile

from . import embed
from .models import PersonVector
from .scoring import PeopleIndex, Record, build_index

_lock = threading.Lock()
_state: dict[str, Any] = {"version": None, "index": None, "checked": 0.0, "building": False}
logger = logging.getLogger(__name__)


def _version() -> tuple[Any, ...]:
    vectors = PersonVector.objects.aggregate(newest=Max("updated_at"))
    profiles = Profile.objects.aggregate(newest=Max("updated_at"))
    return (vectors["newest"], profiles["newest"])


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
    index = _state["index"]
    now = time.monotonic()
    if (
        index is not None
        and now - _state["checked"] < settings.KRING_NETWORKING_INDEX_CHECK_SECONDS
    ):
        return index
    _state["checked"] = now
    version = _version()
    if index is None:
        with _lock:
            if _state["index"] is None:
                _state["index"], _state["version"] = _load(), version
            return _state["index"]
    if version != _state["version"] and not _state["building"]:
        if not settings.KRING_NETWORKING_INDEX_BACKGROUND:
            with _lock:
                _state["index"], _state["version"] = _load(), version
            return _state["index"]
        _state["building"] = True
        threading.Thread(target=_rebuild, args=(version,), daemon=True).start()
    return index


def _rebuild(version: tuple[Any, ...]) -> None:
    from django.db import connection

    try:
        index = _load()
        with _lock:
            _state["index"], _state["version"] = index, version
    except Exception:
        logger.exception("rebuilding the networking index failed; keeping the current one")
    finally:
        _state["building"] = False
        connection.close()


def clear() -> None:
    with _lock:
        _state.update(version=None, index=None, checked=0.0, building=False)
