"""Forwarding statements to an LRS (``KRING_XAPI_LRS_ENDPOINT``), through the outbox.

A forward job names statements; its handler locks those still pending (so two workers never
send the same one at once), POSTs them as one batch to ``<endpoint>/statements`` with the
``X-Experience-API-Version`` header and Basic credentials, and records the answer:

* 200: stored -> ``sent``;
* 409 (some id is already there — e.g. a worker died after sending, before recording): each
  is sent alone; a 409 for a single statement means the LRS has that id -> ``sent``. Our ids
  are derived from what a statement records, so the LRS has exactly this statement, once;
* anything else (down, 5xx, 429, timeout): tried again later with exponential backoff by the
  periodic ``retry_due`` task, up to ``KRING_XAPI_MAX_ATTEMPTS``, then ``failed`` (visible in
  the admin; ``manage.py xapi_forward --retry-failed`` sends them again).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import urllib.error
import urllib.request
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..models import ForwardState, XapiStatement
from . import making

logger = logging.getLogger(__name__)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:  # never follow: the
        return None  # credentials must go to the configured endpoint only


_opener = urllib.request.build_opener(_NoRedirect)


def _post(statements: list[dict[str, Any]]) -> int:
    """POST statements; returns the HTTP status (0 when the LRS did not answer)."""
    body = json.dumps(statements if len(statements) > 1 else statements[0]).encode()
    request = urllib.request.Request(
        settings.KRING_XAPI_LRS_ENDPOINT.rstrip("/") + "/statements",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "X-Experience-API-Version": "1.0.3"},
    )
    user, password = settings.KRING_XAPI_LRS_USERNAME, settings.KRING_XAPI_LRS_PASSWORD
    if user or password:
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    try:
        with _opener.open(request, timeout=settings.KRING_XAPI_TIMEOUT_SECONDS) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except (urllib.error.URLError, OSError, TimeoutError) as error:
        logger.warning("LRS did not answer: %s", error)
        return 0


def forward(job_id: int, payload: dict[str, Any]) -> int:
    """The outbox job handler: send the named statements still pending. Returns how many the
    LRS now has."""
    if not settings.KRING_XAPI_LRS_ENDPOINT:
        return 0
    rows = list(
        XapiStatement.objects.select_for_update(skip_locked=True)
        .filter(pk__in=payload.get("statements", []), forward_state=ForwardState.PENDING)
        .order_by("timestamp")
    )
    if not rows:
        return 0
    status = _post([r.statement for r in rows])
    if status == 200:
        _settle(rows, sent=True, error="")
        return len(rows)
    if status == 409:
        sent = 0
        for row in rows:
            alone = _post([row.statement])
            if alone in (200, 409):
                _settle([row], sent=True, error="")
                sent += 1
            else:
                _settle([row], sent=False, error=f"LRS answered {alone or 'nothing'}")
        return sent
    _settle(rows, sent=False, error=f"LRS answered {status or 'nothing'}")
    return 0


def _settle(rows: list[XapiStatement], *, sent: bool, error: str) -> None:
    now = timezone.now()
    for row in rows:
        row.forward_attempts += 1
        row.last_error = error[:500]
        if sent:
            row.forward_state, row.forwarded_at, row.next_forward_at = ForwardState.SENT, now, None
        elif row.forward_attempts >= settings.KRING_XAPI_MAX_ATTEMPTS:
            row.forward_state, row.next_forward_at = ForwardState.FAILED, None
        else:
            backoff = settings.KRING_XAPI_RETRY_SECONDS * 2 ** (row.forward_attempts - 1)
            row.next_forward_at = now + dt.timedelta(seconds=min(backoff, 86400))
    XapiStatement.objects.bulk_update(
        rows,
        ["forward_attempts", "last_error", "forward_state", "forwarded_at", "next_forward_at"],
    )


def retry_due() -> int:
    """Periodic: enqueue forward jobs for pending statements whose retry time came (and for
    pending ones that never had a job, e.g. after an opt-in). Safe in several workers: a
    statement in two jobs is sent by whichever locks it first."""
    if not settings.KRING_XAPI_LRS_ENDPOINT:
        return 0
    now = timezone.now()
    with transaction.atomic():
        ids = [
            str(pk)
            for pk in XapiStatement.objects.filter(
                forward_state=ForwardState.PENDING, next_forward_at__lte=now
            ).values_list("pk", flat=True)[: settings.KRING_XAPI_BATCH * 10]
        ]
        # Not retried again until this job had its chance.
        XapiStatement.objects.filter(pk__in=ids).update(
            next_forward_at=now + dt.timedelta(seconds=settings.KRING_XAPI_RETRY_SECONDS)
        )
        making.enqueue_forwarding(ids)
    return len(ids)
