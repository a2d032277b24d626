"""The worker's part of Web Push: claim due push rows, hold them through quiet hours, encrypt
and post them to the push services, settle each row by the answer.

Exactly once per notification and device, as far as HTTP allows:

* the rows are written in the notification job's transaction (``services``), so a worker
  killed mid-job leaves none and the next worker writes them once;
* a pass claims rows with one conditional ``UPDATE`` (a token and the time) and commits before
  sending, so two workers never send the same row;
* a claim not settled within ``KRING_PUSH_CLAIM_SECONDS`` belonged to a worker that died
  before it could post or record: another worker sends it. The one window left — a worker that
  dies after the push service accepted a push and before recording it — sends that push again;
  it carries the same ``tag``, so the device replaces the first without a second alert.

Quiet hours (the user's, in their time zone) hold pushes until they end; then only what is
still unread is pushed, and more than ``KRING_PUSH_SUMMARY_AFTER`` for one device become one
summary. Pushes are written in the recipient's language.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import ngettext
from notifications.models import Notification

from community.models import User
from core import metrics
from core.notify import render_verb
from core.protocol.notifications import push_payload, push_summary
from core.protocol.people import DELETED_USER_NAME

from .. import selectors
from ..email import in_quiet_hours
from ..models import DeliverySettings, PushDelivery, PushState, PushSubscription
from .transport import Push, Result, post_all

logger = logging.getLogger(__name__)
URGENT_CATEGORIES = frozenset({"mention", "facilitation", "event"})
KEEP_FINISHED = timedelta(days=2)
RETRY_BASE_SECONDS = 30
RETRY_MAX_SECONDS = 3600


@dataclass
class Claim:
    token: str
    pushes: list[Push] = field(default_factory=list)


def send_due(now: datetime | None = None) -> int:
    """One pass: claim what is due, send it, record the answers. Returns how many pushes were
    posted (whatever the push services answered)."""
    now = now or timezone.now()
    _purge_finished(now)
    claim = claim_due(now)
    if not claim.pushes:
        return 0
    if settings.KRING_FAULT_PUSH_PAUSE:
        # Fault injection for the crash tests: the claim is committed, nothing is sent yet.
        logger.warning("fault injection: pushes claimed by %s, paused", claim.token)
        time.sleep(settings.KRING_FAULT_PUSH_PAUSE)
    results = post_all(claim.pushes)
    record(claim, results, timezone.now())
    return len(results)


# --- claiming ------------------------------------------------------------------------------------


def _due(now: datetime) -> Q:
    stale = now - timedelta(seconds=settings.KRING_PUSH_CLAIM_SECONDS)
    due = Q(state=PushState.PENDING, not_before__lte=now) | Q(
        state=PushState.SENDING, claimed_at__lt=stale
    )
    return Q(queue=settings.KRING_OUTBOX_QUEUE) & due


def claim_due(now: datetime) -> Claim:
    """Claim up to ``KRING_PUSH_BATCH`` due rows (committed before anything is sent); rows of
    users in their quiet hours go back to wait for the end, rows already read are skipped."""
    claim = Claim(token=uuid.uuid4().hex)
    with transaction.atomic():
        ids = list(
            PushDelivery.objects.select_for_update(skip_locked=True)
            .filter(_due(now))
            .order_by("pk")
            .values_list("pk", flat=True)[: settings.KRING_PUSH_BATCH]
        )
        if not ids:
            return claim
        # The condition again in the UPDATE: a row another worker claimed meanwhile is not due.
        PushDelivery.objects.filter(pk__in=ids).filter(_due(now)).update(
            state=PushState.SENDING, claimed_by=claim.token, claimed_at=now,
            attempts=F("attempts") + 1,
        )  # fmt: skip
        rows = list(
            PushDelivery.objects.filter(claimed_by=claim.token, state=PushState.SENDING)
            .select_related("subscription", "notification")
            .order_by("pk")
        )
        claim.pushes = _prepare(rows, now)
    return claim


def quiet_hours_end(delivery: DeliverySettings, zone: ZoneInfo, now: datetime) -> datetime:
    """When the quiet hours that ``now`` is in end: the next ``quiet_end`` on the user's clock."""
    local = now.astimezone(zone)
    end = datetime.combine(local.date(), delivery.quiet_end, tzinfo=zone)
    if end <= local:
        end += timedelta(days=1)  # wall-clock arithmetic: 07:00 tomorrow, across a DST change
    return end.astimezone(UTC)


def _prepare(rows: list[PushDelivery], now: datetime) -> list[Push]:
    user_ids = {row.subscription.user_id for row in rows}
    users = User.objects.in_bulk(list(user_ids))
    delivery = {s.user_id: s for s in DeliverySettings.objects.filter(user_id__in=user_ids)}
    held: dict[datetime, list[int]] = defaultdict(list)
    skipped: list[int] = []
    by_device: dict[int, list[PushDelivery]] = defaultdict(list)
    for row in rows:
        user_id = row.subscription.user_id
        user = users.get(user_id)
        own = delivery.get(user_id) or DeliverySettings(user_id=user_id)  # defaults, unsaved
        notification = row.notification
        if user is None or not notification.unread or notification.deleted:
            skipped.append(row.pk)  # read (in the app, or on another device) before its push
        elif in_quiet_hours(own, user.zone, now):
            held[quiet_hours_end(own, user.zone, now)].append(row.pk)
        else:
            by_device[row.subscription_id].append(row)
    if skipped:
        PushDelivery.objects.filter(pk__in=skipped).update(
            state=PushState.SKIPPED, finished_at=now, claimed_by=""
        )
    for until, ids in held.items():  # waiting is not a try
        PushDelivery.objects.filter(pk__in=ids).update(
            state=PushState.PENDING, not_before=until, claimed_by="", claimed_at=None,
            attempts=F("attempts") - 1,
        )  # fmt: skip
    if not by_device:
        return []
    return _payloads(by_device, users, now)


def _payloads(
    by_device: dict[int, list[PushDelivery]], users: dict[int, User], now: datetime
) -> list[Push]:
    notifications = [row.notification for rows in by_device.values() for row in rows]
    names, rooms = selectors.notification_places(notifications)
    actor_ids = {int(n.actor_object_id) for n in notifications if n.actor_object_id.isdigit()}
    actors = {u.pk: u.public_name for u in User.objects.filter(pk__in=actor_ids)}
    recipients = {row.subscription.user_id for rows in by_device.values() for row in rows}
    unread = dict(
        Notification.objects.filter(recipient_id__in=recipients, unread=True, deleted=False)
        .values("recipient_id")
        .annotate(n=Count("id"))
        .values_list("recipient_id", "n")
    )
    pushes = []
    for device_rows in by_device.values():
        subscription = device_rows[0].subscription
        user = users[subscription.user_id]
        language = user.language or settings.LANGUAGE_CODE
        with translation.override(language):
            told = [_told(row.notification, actors, names, rooms) for row in device_rows]
            common = {"lang": language, "unread": unread.get(user.pk, 0)}
            if len(device_rows) > settings.KRING_PUSH_SUMMARY_AFTER:
                count = len(device_rows)
                title = ngettext(
                    "%(count)s new notification", "%(count)s new notifications", count
                ) % {"count": count}
                bodies = [
                    push_summary(
                        title=title, body=told[-1][0], url=reverse("delivery:list") + "?unread=1",
                        created_at=now, **common,
                    )
                ]  # fmt: skip
                groups = [[row.pk for row in device_rows]]
            else:
                bodies = [
                    push_payload(
                        notification_id=row.notification_id, title=title, body=body,
                        url=reverse("delivery:open", args=[row.notification_id]),
                        created_at=row.notification.timestamp, **common,
                    )
                    for row, (title, body) in zip(device_rows, told, strict=True)
                ]  # fmt: skip
                groups = [[row.pk] for row in device_rows]
        info = {
            "endpoint": subscription.endpoint,
            "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
        }
        categories = {(row.notification.data or {}).get("category") for row in device_rows}
        urgency = "high" if categories & URGENT_CATEGORIES else "normal"
        for payload, group in zip(bodies, groups, strict=True):
            pushes.append(Push(group, subscription.pk, info, payload.model_dump_json(), urgency))
    return pushes


def _told(
    notification: Notification,
    actors: dict[int, str],
    names: dict[str, str],
    rooms: dict[int, tuple[str, str]],
) -> tuple[str, str]:
    """(title, body) of one notification in the active language: "Anna mentioned you in
    #general" and the excerpt (or the community's name)."""
    data = notification.data or {}
    said = render_verb(data.get("verb") or notification.verb)
    if data.get("room") in rooms:
        raw, label = rooms[data["room"]]
        said = said.replace(raw, label)
    aid = notification.actor_object_id
    actor = actors.get(int(aid), DELETED_USER_NAME) if aid.isdigit() else "Kring"
    body = notification.description or names.get(data.get("community") or "", "")
    return f"{actor} {said}", body


# --- recording -----------------------------------------------------------------------------------


def record(claim: Claim, results: list[Result], now: datetime) -> None:
    """Settle each claimed row by its push's answer (only rows still claimed by this pass)."""
    mine = PushDelivery.objects.filter(claimed_by=claim.token, state=PushState.SENDING)
    sent_rows: list[int] = []
    sent_devices: set[int] = set()
    gone: set[int] = set()
    with transaction.atomic():
        for push, result in zip(claim.pushes, results, strict=True):
            metrics.WEB_PUSHES.labels(outcome=result.outcome).inc()
            if result.outcome == "sent":
                sent_rows += push.rows
                sent_devices.add(push.subscription_id)
            elif result.outcome == "gone":
                gone.add(push.subscription_id)
            elif result.outcome == "retry":
                _retry(mine.filter(pk__in=push.rows), result, now)
            else:
                logger.warning("push to device %s refused: %s", push.subscription_id, result.detail)
                mine.filter(pk__in=push.rows).update(
                    state=PushState.FAILED, finished_at=now, last_error=result.detail[:300]
                )
        mine.filter(pk__in=sent_rows).update(state=PushState.SENT, finished_at=now)
        PushSubscription.objects.filter(pk__in=sent_devices).update(last_push_at=now)
        if gone:  # the browser unsubscribed or the push service dropped it: forget the device
            PushSubscription.objects.filter(pk__in=gone).delete()


def _retry(rows: Any, result: Result, now: datetime) -> None:
    for row in rows:
        if row.attempts >= settings.KRING_PUSH_MAX_ATTEMPTS:
            rows.filter(pk=row.pk).update(
                state=PushState.FAILED, finished_at=now, last_error=result.detail[:300]
            )
            continue
        backoff = min(RETRY_BASE_SECONDS * 2 ** (row.attempts - 1), RETRY_MAX_SECONDS)
        wait = result.retry_after or backoff
        rows.filter(pk=row.pk).update(
            state=PushState.PENDING, not_before=now + timedelta(seconds=wait), claimed_by="",
            claimed_at=None, last_error=result.detail[:300],
        )  # fmt: skip


_last_purge = 0.0


def _purge_finished(now: datetime) -> None:
    """Settled rows are kept two days (to look into), then deleted, at most once an hour."""
    global _last_purge
    if time.monotonic() - _last_purge < 3600:
        return
    _last_purge = time.monotonic()
    PushDelivery.objects.filter(
        state__in=[PushState.SENT, PushState.SKIPPED, PushState.FAILED],
        finished_at__lt=now - KEEP_FINISHED,
    ).delete()
