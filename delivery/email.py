"""Emails: immediate notifications (held during quiet hours) and daily/weekly digests, each
with a one-click unsubscribe link per category (RFC 8058)."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Min
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import ngettext
from notifications.models import Notification

from community.models import Community, User
from core.notify import render_verb
from core.protocol.people import DELETED_USER_NAME

from .categories import Category
from .models import DeliverySettings, EmailMode

logger = logging.getLogger(__name__)
UNSUBSCRIBE_SALT = "kring.delivery.unsubscribe"
IMMEDIATE_BATCH = 200


def unsubscribe_token(user_id: int, category: str) -> str:
    return signing.dumps({"u": user_id, "c": category}, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=timedelta(days=180))
    except signing.BadSignature:
        return None
    if data.get("c") not in Category.values:
        return None
    return int(data["u"]), data["c"]


def unsubscribe_url(user_id: int, category: str) -> str:
    path = reverse("delivery:unsubscribe", args=[unsubscribe_token(user_id, category)])
    return settings.KRING_BASE_URL.rstrip("/") + path


def _settings_for(user_ids: set[int]) -> dict[int, DeliverySettings]:
    found = {s.user_id: s for s in DeliverySettings.objects.filter(user_id__in=user_ids)}
    for user_id in user_ids - set(found):
        found[user_id] = DeliverySettings(user_id=user_id)  # defaults, unsaved
    return found


def in_quiet_hours(delivery: DeliverySettings, zone: ZoneInfo, now: datetime) -> bool:
    """Is ``now`` inside the quiet hours, on the clock of the user's time zone ``zone``?"""
    if delivery.quiet_start is None or delivery.quiet_end is None:
        return False
    local = now.astimezone(zone).time()
    start, end = delivery.quiet_start, delivery.quiet_end
    if start <= end:
        return start <= local < end
    return local >= start or local < end  # across midnight, e.g. 19:00-07:00


def _claim(ids: list[int]) -> list[int]:
    """Mark as emailed *before* sending: a worker that dies mid-send never sends twice."""
    with transaction.atomic():
        claimable = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk__in=ids, emailed=False)
            .values_list("pk", flat=True)
        )
        Notification.objects.filter(pk__in=claimable).update(emailed=True)
    return claimable


@contextmanager
def in_their_language(user: User) -> Iterator[None]:
    """Write to ``user`` in their language and on their clock."""
    with (
        translation.override(user.language or settings.LANGUAGE_CODE),
        timezone.override(user.zone),
    ):
        yield


def _told(notifications: list[Notification]) -> list[Notification]:
    """Each notification's sentence (``said``) in the active language, and its community's
    name (``community_name``)."""
    names = dict(
        Community.objects.filter(
            slug__in={(n.data or {}).get("community") for n in notifications} - {None}
        ).values_list("slug", "name")
    )
    for notification in _with_actor_names(notifications):
        data = notification.data or {}
        notification.said = render_verb(data.get("verb") or notification.verb)  # type: ignore[attr-defined]
        notification.community_name = names.get(data.get("community") or "", "")  # type: ignore[attr-defined]
    return notifications


def _message(
    user: User, subject: str, template: str, context: dict[str, Any], categories: set[str]
) -> EmailMultiAlternatives:
    """Call inside ``in_their_language(user)``."""
    context = {
        **context,
        "user": user,
        "base_url": settings.KRING_BASE_URL.rstrip("/"),
        "zone": user.zone.key,
        "LANGUAGE_CODE": translation.get_language(),
    }
    labels = dict(Category.choices)
    context["unsubscribe"] = [(labels[c], unsubscribe_url(user.pk, c)) for c in sorted(categories)]
    body = render_to_string(f"delivery/email/{template}.txt", context)
    message = EmailMultiAlternatives(subject=subject, body=body, to=[user.email])
    message.attach_alternative(
        render_to_string(f"delivery/email/{template}.html", context), "text/html"
    )
    first = sorted(categories)[0] if categories else None
    if first:
        message.extra_headers["List-Unsubscribe"] = f"<{unsubscribe_url(user.pk, first)}>"
        message.extra_headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return message


def send_immediate(now: datetime | None = None) -> int:
    """Email notifications waiting for immediate delivery, except to users in their quiet
    hours (they get them when the quiet hours end). Returns the number of emails sent."""
    now = now or timezone.now()
    waiting = list(
        Notification.objects.filter(emailed=False, data__email="immediate")
        .order_by("pk")
        .values_list("pk", "recipient_id")[:IMMEDIATE_BATCH]
    )
    if not waiting:
        return 0
    recipients = {r for _, r in waiting}
    delivery = _settings_for(recipients)
    zones = {u.pk: u.zone for u in User.objects.filter(pk__in=recipients).only("timezone")}
    due = [
        pk
        for pk, recipient in waiting
        if not in_quiet_hours(delivery[recipient], zones[recipient], now)
    ]
    claimed = _claim(due)
    by_user: dict[int, list[Notification]] = defaultdict(list)
    for notification in Notification.objects.filter(pk__in=claimed).order_by("pk"):
        by_user[notification.recipient_id].append(notification)
    users = User.objects.in_bulk(list(by_user))
    messages = []
    for user_id, notifications in by_user.items():
        user = users[user_id]
        categories = {n.data.get("category", "") for n in notifications} - {""}
        with in_their_language(user):
            told = _told(notifications)
            if len(told) == 1:
                subject = f"Kring: {told[0].actor_name} {told[0].said}"  # type: ignore[attr-defined]
            else:
                count = len(told)
                subject = "Kring: " + ngettext(
                    "%(count)s new notification", "%(count)s new notifications", count
                ) % {"count": count}
            messages.append(
                _message(user, subject, "immediate", {"notifications": told}, categories)
            )
    return _send(messages)


def digest_due(
    delivery: DeliverySettings,
    zone: ZoneInfo,
    now: datetime,
    oldest_waiting: datetime | None = None,
) -> bool:
    """Is a digest due: past this period's slot (digest hour, and weekday for weekly) in the
    user's own time zone, and not sent since that slot? Before a first digest, the slot must
    also come after the oldest waiting notification: nobody gets a "daily" digest minutes
    after joining."""
    if delivery.email_mode not in (EmailMode.DAILY, EmailMode.WEEKLY):
        return False
    local = now.astimezone(zone)
    slot = local.replace(hour=delivery.digest_hour, minute=0, second=0, microsecond=0)
    if delivery.email_mode == EmailMode.WEEKLY:
        slot -= timedelta(days=(local.weekday() - delivery.digest_weekday) % 7)
    if slot > local:
        slot -= timedelta(days=7 if delivery.email_mode == EmailMode.WEEKLY else 1)
    baseline = delivery.last_digest_at or oldest_waiting
    return baseline is None or baseline < slot


def send_digests(now: datetime | None = None) -> int:
    """One digest per user whose digest is due, with everything waiting for it. Returns the
    number of digests sent."""
    now = now or timezone.now()
    oldest_waiting = dict(
        Notification.objects.filter(emailed=False, data__email="digest")
        .values("recipient_id")
        .annotate(oldest=Min("timestamp"))
        .values_list("recipient_id", "oldest")
    )
    if not oldest_waiting:
        return 0
    waiting_users = set(oldest_waiting)
    delivery = _settings_for(waiting_users)
    users = User.objects.in_bulk(list(waiting_users))
    messages = []
    for user_id in sorted(waiting_users):
        settings_ = delivery[user_id]
        if not digest_due(settings_, users[user_id].zone, now, oldest_waiting[user_id]):
            continue
        ids = list(
            Notification.objects.filter(recipient_id=user_id, emailed=False, data__email="digest")
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        claimed = _claim(ids)
        notifications = list(Notification.objects.filter(pk__in=claimed).order_by("pk"))
        if not notifications:
            continue
        settings_.last_digest_at = now
        if settings_.pk:
            DeliverySettings.objects.filter(pk=settings_.pk).update(last_digest_at=now)
        else:
            DeliverySettings.objects.update_or_create(
                user_id=user_id, defaults={"last_digest_at": now}
            )
        categories = {n.data.get("category", "") for n in notifications} - {""}
        weekly = settings_.email_mode == EmailMode.WEEKLY
        count = len(notifications)
        with in_their_language(users[user_id]):
            by_community: dict[str, list[Notification]] = defaultdict(list)
            for notification in _told(notifications):
                by_community[notification.community_name].append(notification)  # type: ignore[attr-defined]
            subject = (
                ngettext(
                    "Kring weekly digest: %(count)s update",
                    "Kring weekly digest: %(count)s updates",
                    count,
                )
                if weekly
                else ngettext(
                    "Kring daily digest: %(count)s update",
                    "Kring daily digest: %(count)s updates",
                    count,
                )
            ) % {"count": count}
            messages.append(
                _message(
                    users[user_id],
                    subject,
                    "digest",
                    {"groups": sorted(by_community.items()), "count": count, "weekly": weekly},
                    categories,
                )
            )
    return _send(messages)


def _with_actor_names(notifications: list[Notification]) -> list[Notification]:
    ids = {int(n.actor_object_id) for n in notifications if n.actor_object_id.isdigit()}
    names = {u.pk: u.public_name for u in User.objects.filter(pk__in=ids)}
    for notification in notifications:
        aid = notification.actor_object_id
        notification.actor_name = (
            names.get(int(aid), DELETED_USER_NAME) if aid.isdigit() else "Kring"
        )  # type: ignore[attr-defined]
    return notifications


def _send(messages: list[EmailMultiAlternatives]) -> int:
    if not messages:
        return 0
    with get_connection() as connection:
        sent = 0
        for message in messages:
            message.connection = connection
            try:
                sent += message.send()
            except Exception:
                logger.exception("sending a notification email to %s failed", message.to)
    return sent
