"""Turning an outbox job into notifications: who (``recipients.py``: in bulk, with
preferences applied in SQL), then storing the rows and scheduling the pushes, here.

One job is processed in one transaction: recipients are computed with one query (levels and
delivery settings joined in), rows are inserted with ``bulk_create`` in batches, unread counts
come from one grouped query, and after commit one layer message per *process* carries the
live pushes for all connected recipients. A worker killed mid-job rolls the transaction back:
nothing was stored, and the job is done again, once, by the next worker.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Count
from django.utils import timezone, translation
from notifications.models import Notification

from community.models import Community, User
from core.emitters import notifications_on_commit
from core.notify import COMMUNITIES_JOB, COMMUNITY_JOB, USERS_JOB, Category, render_verb
from core.outbox import JobHandler
from core.protocol.notifications import notification_body

from .categories import Level, levels_receiving
from .models import EmailMode
from .push.services import push_deliveries_create
from .recipients import (
    Delivery,
    Recipient,
    _communities_job,
    _community_job,
    _message_job,
    _users_job,
)
from .services import MESSAGE_JOB

logger = logging.getLogger(__name__)
BATCH_SIZE = 1000
# Serialises notification inserts across workers so ids (the per-user `seq`) commit in order.
FANOUT_LOCK_KEY = 4_242_001


def _handler(kind: Callable[[dict[str, Any]], tuple[Delivery, dict[int, Recipient]]]) -> JobHandler:
    def handle(job_id: int, payload: dict[str, Any]) -> int:
        return process(job_id, *kind(payload))

    return handle


# Registered with ``core.outbox`` by the app's ``ready``.
JOB_HANDLERS: dict[str, JobHandler] = {
    USERS_JOB: _handler(_users_job),
    COMMUNITY_JOB: _handler(_community_job),
    COMMUNITIES_JOB: _handler(_communities_job),
    MESSAGE_JOB: _handler(_message_job),
}


# --- storing and pushing --------------------------------------------------------------------


@dataclass
class Row:
    recipient_id: int
    verb: str  # the verb key (JSON of its spec)
    category: str
    email: str | None  # "immediate", "digest" or None (nothing to email)
    language: str


def _stored_verb(key: str) -> Any:
    """A verb key back as stored: a spec, or a sentence (a job from before specs)."""
    return json.loads(key)


def _english(key: str) -> str:
    """The verb in English, for the ``verb`` column (admin, old clients); readers get theirs."""
    with translation.override("en"):
        return render_verb(_stored_verb(key))[:255]


_EMAIL_BY_MODE = {
    EmailMode.IMMEDIATELY: "immediate",
    EmailMode.DAILY: "digest",
    EmailMode.WEEKLY: "digest",
}


def process(job_id: int, delivery: Delivery, recipients: dict[int, Recipient]) -> int:
    """Store a job's notifications and schedule their pushes. Call inside the transaction
    that marks the job done. Returns the number of notifications stored."""
    receiving = {category: set(levels_receiving(category)) for category in Category.values}
    rows: list[Row] = []
    pushed: list[int] = []
    delivered: list[int] = []  # not muted: their devices get a Web Push
    for user_id, (verb, category) in delivery.per_user.items():
        recipient = recipients.get(user_id)
        if recipient is None:
            continue  # not (or no longer) an active member: never told
        if recipient.level not in receiving[category]:
            continue
        deliver = recipient.level != Level.MUTE
        email = None
        if deliver and category in recipient.email_categories:
            email = _EMAIL_BY_MODE.get(recipient.email_mode)
        if deliver and recipient.live:
            pushed.append(user_id)
        if deliver:
            delivered.append(user_id)
        rows.append(Row(user_id, verb, category, email, recipient.language))
    if not rows:
        return 0
    slug = (
        Community.objects.filter(pk=delivery.community_id).values_list("slug", flat=True).first()
        if delivery.community_id
        else None
    )
    common = {
        "actor_content_type_id": _content_type({"model": "community.user"}).pk,
        "actor_object_id": str(delivery.actor_id or ""),
        "description": delivery.text,
        "target_content_type_id": _content_type(delivery.target).pk if delivery.target else None,
        "target_object_id": str(delivery.target["id"]) if delivery.target else None,
        "timestamp": timezone.now(),
    }
    shared_data = {"community": slug, "room": delivery.room_id, "url": delivery.url, "job": job_id}
    _serialise_inserts()
    ids = _insert(rows, common, shared_data)
    push_deliveries_create(ids, delivered)
    if settings.KRING_FAULT_FANOUT_PAUSE:
        # Fault injection for the crash tests: hold the job's transaction open after the
        # inserts, so a test can kill the worker exactly mid-job. Never set in production.
        logger.warning("fault injection: job %s paused mid-transaction", job_id)
        time.sleep(settings.KRING_FAULT_FANOUT_PAUSE)
    if pushed:
        by_user = {row.recipient_id: row for row in rows}
        _push(pushed, ids, by_user, delivery, slug, common["timestamp"])
    return len(rows)


def _serialise_inserts() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [FANOUT_LOCK_KEY])


def _insert(rows: list[Row], common: dict[str, Any], shared_data: dict[str, Any]) -> dict[int, int]:
    """Insert the rows; returns {recipient_id: notification id}."""
    data_text: dict[tuple[str, str | None, str], str] = {}
    english: dict[str, str] = {}
    for row in rows:
        key = (row.category, row.email, row.verb)
        if key not in data_text:
            stored = _stored_verb(row.verb)
            verb = {"verb": stored} if isinstance(stored, dict) else {}
            data_text[key] = json.dumps(
                {"category": row.category, "email": row.email, **shared_data, **verb}
            )
        if row.verb not in english:
            english[row.verb] = _english(row.verb)
    if connection.vendor == "postgresql":
        return _insert_postgresql(rows, common, data_text, english)
    created = Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=row.recipient_id,
                verb=english[row.verb],
                emailed=row.email is None,  # nothing to send counts as done
                data=json.loads(data_text[(row.category, row.email, row.verb)]),
                **common,
            )
            for row in rows
        ],
        batch_size=BATCH_SIZE,
    )
    return {n.recipient_id: n.pk for n in created}


def _insert_postgresql(
    rows: list[Row],
    common: dict[str, Any],
    data_text: dict[tuple[str, str | None, str], str],
    english: dict[str, str],
) -> dict[int, int]:
    """One INSERT ... SELECT FROM unnest(arrays) RETURNING per batch: near COPY speed, and
    it hands back the ids (the per-user seqs) that the pushes carry."""
    table = Notification._meta.db_table
    sql = (
        f"INSERT INTO {table} (level, recipient_id, unread, actor_content_type_id, "
        "actor_object_id, verb, description, target_content_type_id, target_object_id, "
        "timestamp, public, deleted, emailed, data) "
        "SELECT 'info', r, TRUE, %s, %s, v, %s, %s, %s, %s, TRUE, FALSE, e, d::jsonb "
        "FROM unnest(%s::bigint[], %s::text[], %s::boolean[], %s::text[]) AS t(r, v, e, d) "
        "RETURNING recipient_id, id"
    )
    ids: dict[int, int] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 5000):
            batch = rows[start : start + 5000]
            cursor.execute(
                sql,
                [
                    common["actor_content_type_id"],
                    common["actor_object_id"],
                    common["description"],
                    common["target_content_type_id"],
                    common["target_object_id"],
                    common["timestamp"],
                    [row.recipient_id for row in batch],
                    [english[row.verb] for row in batch],
                    [row.email is None for row in batch],
                    [data_text[(row.category, row.email, row.verb)] for row in batch],
                ],
            )
            ids.update(cursor.fetchall())
    return ids


def _content_type(target: dict[str, Any] | None) -> ContentType:
    """Looked up per job, not from the process-wide cache: a long-lived worker must not keep
    ids of content types that were recreated (a flushed test database, a restored dump)."""
    app_label, model = (target or {"model": "community.user"})["model"].split(".")
    return ContentType.objects.get(app_label=app_label, model=model)


def _unread_counts(user_ids: list[int]) -> dict[int, int]:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT recipient_id, count(*) FROM {Notification._meta.db_table} "
                "WHERE recipient_id = ANY(%s) AND unread AND NOT deleted GROUP BY recipient_id",
                [user_ids],
            )
            return dict(cursor.fetchall())
    counts: dict[int, int] = {}
    for start in range(0, len(user_ids), 5000):
        chunk = user_ids[start : start + 5000]
        counts.update(
            Notification.objects.filter(recipient_id__in=chunk, unread=True, deleted=False)
            .values("recipient_id")
            .annotate(n=Count("id"))
            .values_list("recipient_id", "n")
        )
    return counts


def _push(
    pushed: list[int],
    ids: dict[int, int],
    rows: dict[int, Row],
    delivery: Delivery,
    slug: str | None,
    timestamp: Any,
) -> None:
    """After commit, one layer message per (verb, category, language) variant to every
    process, with ``[user, notification id, unread count]`` for each pushed recipient."""
    unread = _unread_counts(pushed)
    actor = User.objects.filter(pk=delivery.actor_id).first() if delivery.actor_id else None
    groups: dict[tuple[str, str, str], list[list[int]]] = {}
    for user_id in pushed:
        row = rows[user_id]
        groups.setdefault((row.verb, row.category, row.language), []).append(
            [user_id, ids[user_id], unread.get(user_id, 0)]
        )
    for (verb, category, language), triples in groups.items():
        with translation.override(language):
            said = render_verb(_stored_verb(verb))
        body = notification_body(
            actor=actor,
            verb=said,
            category=category,
            text=delivery.text,
            community=slug,
            room=delivery.room_id,
            target=delivery.target,
            url=delivery.url,
            created_at=timestamp,
        )
        notifications_on_commit(body.model_dump_json(), triples)
