"""Learning activities other apps record, for analytics to turn into xAPI statements.

The analytics app (higher up) reads Kring's own activity (messages, materials, reactions,
attendance) itself. An app that adds learning activities of its own (e.g. a schools app's
self-assessments: "completed") registers a source here in its ``AppConfig.ready``: a function
returning the records made since a moment. Analytics' worker sweep calls every source and
makes one statement per record (its ``source`` key makes that idempotent).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .registry import Registry


@dataclass(frozen=True)
class LearningRecord:
    source: str  # unique and stable, e.g. "self-assessment:42"
    verb: str  # a key of analytics.xapi.verbs.VERBS, e.g. "completed"
    user_id: int
    community_id: int
    timestamp: dt.datetime
    object_url: str  # the activity's IRI (a page of Kring)
    object_name: str
    object_type: str  # an activity type IRI
    language: str = "en"


# name -> function(since) -> the records made at or after ``since``.
sources: Registry[Callable[[dt.datetime], Iterable[LearningRecord]]] = Registry(
    "learning record sources"
)
