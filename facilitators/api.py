"""JSON API for facilitators: moderating messages and rooms, reports, the audit log (with CSV
export) and announcements. Every endpoint authorises, then calls one service or selector; the
services check again. Join requests, invitations and members are in ``api_members.py``."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from community import selectors as community_selectors
from community.models import Community
from community.permissions import can_moderate
from community.services import message_delete
from core.audit import AuditAction
from core.errors import Forbidden
from core.protocol.api import ERRORS
from core.protocol.base import encode
from core.protocol.moderation import (
    AuditEntryOut,
    ReportOut,
    RoomSettingsOut,
    audit_entry_out,
    report_out,
)
from core.protocol.room_events import EventFrame, event_frame

from . import selectors, services

router = Router(tags=["facilitators"])


# --- what the endpoints accept ---


class ReasonIn(Schema):
    reason: str = Field("", max_length=1000)


class RoomSettingsIn(Schema):
    is_locked: bool | None = None
    slow_mode_seconds: int | None = Field(
        None, ge=0, description="0 turns slow mode off; at most KRING_MAX_SLOW_MODE_SECONDS"
    )
    topic: str | None = Field(None, max_length=300)
    name: str | None = Field(None, max_length=200, description="Not for the general room")
    reason: str = Field("", max_length=1000)


class ReportIn(Schema):
    reason: str = Field(..., min_length=1, max_length=1000)


class ResolveIn(Schema):
    action: str = Field(..., description="dismiss, hide, delete, mute, remove or ban")
    note: str = Field("", max_length=1000)
    mute_minutes: int | None = Field(None, ge=1, le=60 * 24 * 365)


class AnnouncementIn(Schema):
    body: str = Field(..., min_length=1)
    scope: str = Field(
        "community", description="community, or network: every community of its network too"
    )


# --- helpers ---


def _moderated_community(request: HttpRequest, slug: str) -> Community:
    community = community_selectors.community_by_slug(slug=slug)
    if not can_moderate.test(request.auth, community):
        raise Forbidden(_("Only this community's facilitators can do that."))
    return community


def _frame_response(event: Any) -> HttpResponse:
    return HttpResponse(encode(event_frame(event)), content_type="application/json")


# --- messages and rooms ---


@router.post("/messages/{message_id}/hide", response={200: EventFrame, **ERRORS})
def hide_message(request: HttpRequest, message_id: int, payload: ReasonIn) -> HttpResponse:
    return _frame_response(
        services.message_hide(actor=request.auth, message_id=message_id, reason=payload.reason)
    )


@router.post("/messages/{message_id}/unhide", response={200: EventFrame, **ERRORS})
def unhide_message(request: HttpRequest, message_id: int, payload: ReasonIn) -> HttpResponse:
    return _frame_response(
        services.message_unhide(actor=request.auth, message_id=message_id, reason=payload.reason)
    )


@router.post("/messages/{message_id}/delete", response={200: EventFrame, **ERRORS})
def delete_message(request: HttpRequest, message_id: int, payload: ReasonIn) -> HttpResponse:
    """Delete one's own message, or (facilitators) a message of a member below them."""
    return _frame_response(
        message_delete(actor=request.auth, message_id=message_id, reason=payload.reason)
    )


@router.post("/messages/{message_id}/pin", response={200: EventFrame, **ERRORS})
def pin_message(request: HttpRequest, message_id: int) -> HttpResponse:
    return _frame_response(services.message_pin(actor=request.auth, message_id=message_id))


@router.post("/messages/{message_id}/unpin", response={200: EventFrame, **ERRORS})
def unpin_message(request: HttpRequest, message_id: int) -> HttpResponse:
    return _frame_response(services.message_unpin(actor=request.auth, message_id=message_id))


@router.post("/messages/{message_id}/report", response={201: ReportOut, **ERRORS})
def report_message(request: HttpRequest, message_id: int, payload: ReportIn) -> Any:
    report = services.report_create(
        reporter=request.auth, message_id=message_id, reason=payload.reason
    )
    report = selectors.report_get(report_id=report.pk)
    # Reporters see their report, not other members' names; facilitators see everything.
    return Status(201, report_out(report))


@router.get("/rooms/{room_id}/pins", response={200: list[EventFrame], **ERRORS})
def list_pins(request: HttpRequest, room_id: int) -> HttpResponse:
    room = community_selectors.room_for_reader(user=request.auth, room_id=room_id)
    reveal = can_moderate.test(request.auth, room)
    frames = [
        encode(event_frame(e, reveal_hidden=reveal))
        for e in community_selectors.room_pins(room_id=room.pk)
    ]
    return HttpResponse("[" + ",".join(frames) + "]", content_type="application/json")


@router.patch("/rooms/{room_id}", response={200: RoomSettingsOut, **ERRORS})
def update_room(request: HttpRequest, room_id: int, payload: RoomSettingsIn) -> Any:
    room = community_selectors.room_get(room_id=room_id)
    return services.room_settings_update(
        actor=request.auth,
        room=room,
        is_locked=payload.is_locked,
        slow_mode_seconds=payload.slow_mode_seconds,
        topic=payload.topic,
        name=payload.name,
        reason=payload.reason,
    )


# --- reports ---


@router.get("/communities/{slug}/reports", response={200: list[ReportOut], **ERRORS})
def list_reports(
    request: HttpRequest,
    slug: str,
    state: str | None = Query("open", description="open, resolved, dismissed; empty for all"),
) -> list[ReportOut]:
    community = _moderated_community(request, slug)
    return [report_out(r) for r in selectors.report_list(community=community, state=state or None)]


@router.post("/reports/{report_id}/resolve", response={200: ReportOut, **ERRORS})
def resolve_report(request: HttpRequest, report_id: int, payload: ResolveIn) -> Any:
    report = selectors.report_get(report_id=report_id)
    _moderated_community(request, report.community.slug)
    until = (
        timezone.now() + timedelta(minutes=payload.mute_minutes) if payload.mute_minutes else None
    )
    report = services.report_resolve(
        actor=request.auth,
        report=report,
        action=payload.action,
        note=payload.note,
        mute_until=until,
    )
    return report_out(selectors.report_get(report_id=report.pk))


# --- audit log ---


class AuditFilters(Schema):
    action: str | None = Field(None, description="An action (member.ban) or a group (member)")
    actor: int | None = None
    target: int | None = None
    since: datetime | None = None
    until: datetime | None = None


def _audit_entries(request: HttpRequest, slug: str, filters: AuditFilters, **extra: Any) -> Any:
    community = _moderated_community(request, slug)
    return community, selectors.audit_list(
        community=community,
        action=filters.action,
        actor_id=filters.actor,
        target_user_id=filters.target,
        since=filters.since,
        until=filters.until,
        **extra,
    )


@router.get("/communities/{slug}/audit", response={200: list[AuditEntryOut], **ERRORS})
def audit_log(
    request: HttpRequest,
    slug: str,
    filters: Query[AuditFilters],
    before: int | None = Query(None, description="Entries older than this entry id"),
    limit: int = Query(100, ge=1, le=500),
) -> list[AuditEntryOut]:
    community, entries = _audit_entries(request, slug, filters, before_id=before, limit=limit)
    return [audit_entry_out(e, community.slug) for e in entries]


@router.get("/communities/{slug}/audit.csv", response={200: str, **ERRORS})
def audit_log_csv(request: HttpRequest, slug: str, filters: Query[AuditFilters]) -> HttpResponse:
    """The whole (filtered) audit log as CSV, newest first."""
    community, entries = _audit_entries(request, slug, filters)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    zone = timezone.get_current_timezone()  # the reader's, which the heading names
    writer.writerow([f"time ({zone.key})", "action", "action_label", "actor_id", "actor",
                     "target_id", "target", "room", "message", "reason", "details"])  # fmt: skip
    labels = dict(AuditAction.choices)
    for entry in entries:
        writer.writerow(
            [
                timezone.localtime(entry.created_at, zone).isoformat(),
                entry.action,
                labels.get(entry.action, entry.action),
                entry.actor_id or "",
                _csv_safe(entry.actor.public_name if entry.actor else ""),
                entry.target_user_id or "",
                _csv_safe(entry.target_user.public_name if entry.target_user else ""),
                entry.room_id or "",
                entry.message_id or "",
                _csv_safe(entry.reason),
                _csv_safe(str(entry.data) if entry.data else ""),
            ]
        )
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = (
        f'attachment; filename="kring-audit-{community.slug}-{stamp}.csv"'
    )
    return response


def _csv_safe(value: Any) -> str:
    """Neutralise spreadsheet formulas in user-written cells (CSV injection)."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# --- announcements ---


@router.post("/communities/{slug}/announcements", response={201: EventFrame, **ERRORS})
def post_announcement(request: HttpRequest, slug: str, payload: AnnouncementIn) -> HttpResponse:
    """Facilitators: an announcement in the general room, notified to every member."""
    community = community_selectors.community_by_slug(slug=slug)
    event = services.announcement_post(
        actor=request.auth, community=community, body=payload.body, scope=payload.scope
    )
    return HttpResponse(encode(event_frame(event)), status=201, content_type="application/json")
