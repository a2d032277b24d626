"""Turning new raw rows into stored xAPI statements (called by the worker's sweep with the
rows it has just read; making the same statement twice stores it once: ``source`` is
unique). A statement to forward gets an outbox job in the same transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction

from community.models import EventKind, RoomEvent
from core import learning, outbox
from events.models import Rsvp
from resources.models import Reaction, ReactionKind, Resource

from ..models import ForwardState, XapiOptOut, XapiStatement
from . import statements as st

FORWARD_JOB = "analytics.xapi_forward"


def _community_parts(community: Any) -> tuple[dict[str, Any], str]:
    language = st.language_tag((community.languages or ["en"])[0])
    return (
        st.community_activity(slug=community.slug, name=community.name, language=language),
        language,
    )


def _message_url(event: RoomEvent) -> str:
    return f"{st.base_url()}/c/{event.room.community.slug}/rooms/{event.room_id}/#m{event.seq}"


def _room_activity(event: RoomEvent, language: str) -> dict[str, Any]:
    room = event.room
    return st.activity(
        url=f"{st.base_url()}/c/{room.community.slug}/rooms/{room.pk}/",
        kind="room",
        name="#" + room.name,
        language=language,
    )


def statements_for_events(ids: list[int]) -> int:
    events = (
        RoomEvent.objects.filter(pk__in=ids, kind=EventKind.MESSAGE, author__isnull=False)
        .select_related("room__community", "reply_to__room__community")
        .order_by("pk")
    )
    made = []
    for event in events:
        community, language = _community_parts(event.room.community)
        if event.reply_to_id and event.reply_to is not None:
            verb, target = "replied", event.reply_to
        else:
            verb, target = "posted", event
        obj = st.activity(
            url=_message_url(target),
            kind="message",
            name=f"Message #{target.seq} in #{target.room.name}",
            language=language,
        )
        made.append(
            _row(
                source=f"message:{event.pk}",
                verb=verb,
                user_id=event.author_id,
                community_id=event.room.community_id,
                timestamp=event.created_at,
                statement=st.build(
                    source=f"message:{event.pk}",
                    verb=verb,
                    user_id=event.author_id,
                    timestamp=event.created_at,
                    obj=obj,
                    community=community,
                    language=language,
                    parent=_room_activity(event, language),
                ),
            )
        )
    return store(made)


def _material(resource: Resource) -> dict[str, Any]:
    return st.activity(
        url=f"{st.base_url()}/resources/{resource.pk}/",
        kind="material",
        name=resource.title,
        language=resource.language,
        description=resource.description,
    )


def statements_for_resources(ids: list[int]) -> int:
    made = []
    resources = Resource.objects.filter(pk__in=ids, author__isnull=False).select_related(
        "community", "adapted_from__resource"
    )
    for resource in resources:
        community, _ = _community_parts(resource.community)
        source = resource.adapted_from.resource if resource.adapted_from else None
        verb = "adapted" if source else "shared"
        made.append(
            _row(
                source=f"material:{resource.pk}",
                verb=verb,
                user_id=resource.author_id,
                community_id=resource.community_id,
                timestamp=resource.created_at,
                statement=st.build(
                    source=f"material:{resource.pk}",
                    verb=verb,
                    user_id=resource.author_id,
                    timestamp=resource.created_at,
                    obj=_material(resource),
                    community=community,
                    language=resource.language,
                    other=_material(source) if source else None,
                ),
            )
        )
    return store(made)


def statements_for_reactions(ids: list[int]) -> int:
    made = []
    reactions = Reaction.objects.filter(pk__in=ids, kind=ReactionKind.USED_IN_CLASS).select_related(
        "resource__community"
    )
    for reaction in reactions:
        resource = reaction.resource
        community, _ = _community_parts(resource.community)
        source = f"used:{resource.pk}:{reaction.user_id}"
        made.append(
            _row(
                source=source,
                verb="used_in_class",
                user_id=reaction.user_id,
                community_id=resource.community_id,
                timestamp=reaction.created_at,
                statement=st.build(
                    source=source,
                    verb="used_in_class",
                    user_id=reaction.user_id,
                    timestamp=reaction.created_at,
                    obj=_material(resource),
                    community=community,
                    language=resource.language,
                ),
            )
        )
    return store(made)


def statements_for_attendance(rsvp_ids: list[int]) -> int:
    made = []
    rsvps = Rsvp.objects.filter(pk__in=rsvp_ids, attended=True).select_related(
        "occurrence__event__community"
    )
    for rsvp in rsvps:
        occurrence = rsvp.occurrence
        event = occurrence.event
        community, language = _community_parts(event.community)
        source = f"attended:{occurrence.pk}:{rsvp.user_id}"
        start = occurrence.starts_at.astimezone(dt.UTC)
        obj = st.activity(
            url=f"{st.base_url()}/events/{event.pk}/#{start:%Y%m%dT%H%MZ}",
            kind="meeting",
            name=event.title,
            language=language,
        )
        made.append(
            _row(
                source=source,
                verb="attended",
                user_id=rsvp.user_id,
                community_id=event.community_id,
                timestamp=occurrence.ends_at,
                statement=st.build(
                    source=source,
                    verb="attended",
                    user_id=rsvp.user_id,
                    timestamp=occurrence.ends_at,
                    obj=obj,
                    community=community,
                    language=language,
                ),
            )
        )
    return store(made)


def statements_for_records(records: Iterable[learning.LearningRecord]) -> int:
    """Records other apps registered (``core.learning.sources``), e.g. self-assessments."""
    from community.models import Community

    made = []
    records = list(records)
    communities = Community.objects.in_bulk({r.community_id for r in records})
    for record in records:
        community = communities.get(record.community_id)
        if community is None or record.verb not in st.VERBS:
            continue
        grouping, _ = _community_parts(community)
        obj = {
            "objectType": "Activity",
            "id": record.object_url,
            "definition": {
                "type": record.object_type,
                "name": {st.language_tag(record.language): record.object_name},
            },
        }
        made.append(
            _row(
                source=record.source,
                verb=record.verb,
                user_id=record.user_id,
                community_id=record.community_id,
                timestamp=record.timestamp,
                statement=st.build(
                    source=record.source,
                    verb=record.verb,
                    user_id=record.user_id,
                    timestamp=record.timestamp,
                    obj=obj,
                    community=grouping,
                    language=record.language,
                ),
            )
        )
    return store(made)


def _row(**fields: Any) -> XapiStatement:
    return XapiStatement(id=st.statement_id(fields["source"]), **fields)


def store(rows: list[XapiStatement]) -> int:
    """Store new statements (known ones are left as they are) and, when an LRS is set,
    enqueue the forwarding of those whose member did not opt out. Call inside a
    transaction."""
    if not rows:
        return 0
    known = set(
        XapiStatement.objects.filter(source__in=[r.source for r in rows]).values_list(
            "source", flat=True
        )
    )
    rows = [r for r in rows if r.source not in known]
    opted_out = set(
        XapiOptOut.objects.filter(user_id__in={r.user_id for r in rows}).values_list(
            "user_id", flat=True
        )
    )
    lrs = bool(settings.KRING_XAPI_LRS_ENDPOINT)
    for row in rows:
        if not lrs:
            row.forward_state = ForwardState.OFF
        elif row.user_id in opted_out:
            row.forward_state = ForwardState.HELD
        else:
            row.forward_state = ForwardState.PENDING
    XapiStatement.objects.bulk_create(rows, ignore_conflicts=True)
    pending = [str(r.id) for r in rows if r.forward_state == ForwardState.PENDING]
    enqueue_forwarding(pending)
    return len(rows)


def enqueue_forwarding(ids: list[str]) -> None:
    batch = settings.KRING_XAPI_BATCH
    for start in range(0, len(ids), batch):
        outbox.enqueue(kind=FORWARD_JOB, payload={"statements": ids[start : start + batch]})


def statements_from_sources() -> int:
    """Ask every registered learning record source for what is new (the cursor lags like
    the others, and ``source`` keys make a record seen twice one statement)."""
    from django.utils import timezone

    from ..rollup import _cursor  # the sweep's cursors

    if not learning.sources.values():
        return 0
    with transaction.atomic():
        cursor = _cursor("learning_sources")
        horizon = timezone.now() - dt.timedelta(seconds=settings.KRING_ANALYTICS_SWEEP_LAG_SECONDS)
        since = cursor.last_time or dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
        made = 0
        for source in learning.sources.values():
            made += statements_for_records(r for r in source(since) if r.timestamp < horizon)
        cursor.last_time = horizon
        cursor.save(update_fields=["last_time"])
    return made
