"""JSON API of the analytics: a community's figures, its target, nudges, the programme's
rows (coordinators), the xAPI export, and a member's forwarding choice."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from community.selectors import community_by_slug
from core.errors import Forbidden
from core.protocol.analytics import (
    AnalyticsOut,
    NudgeOut,
    ProgrammeRowOut,
    TargetOut,
    XapiExportOut,
    XapiForwardingOut,
    analytics_out,
    programme_row_out,
)
from core.protocol.api import ERRORS

from . import permissions, selectors, services
from .models import XapiOptOut, XapiStatement
from .views import export_range

router = Router(tags=["analytics"])


class TargetIn(Schema):
    active_members: int | None = Field(None, description="Null: no target")
    window_days: int = Field(30, description="7, 30 or 90")


class NudgeIn(Schema):
    user: int


class ForwardingIn(Schema):
    forward: bool


def _viewable(request: HttpRequest, slug: str):
    community = community_by_slug(slug=slug)
    if not permissions.can_view_analytics.test(request.auth, community):
        raise Forbidden(_("Only this community's facilitators and coordinators see its analytics."))
    return community


@router.get("/communities/{slug}/analytics", response={200: AnalyticsOut, **ERRORS})
def community_analytics(request: HttpRequest, slug: str) -> AnalyticsOut:
    community = _viewable(request, slug)
    individuals = permissions.can_view_individuals.test(request.auth, community)
    return analytics_out(
        community=community,
        figures=selectors.figures(community=community),
        target=selectors.target_of(community),
        dormant=selectors.dormant_members(community=community) if individuals else None,
    )


@router.put("/communities/{slug}/analytics/target", response={200: TargetOut, **ERRORS})
def target_put(request: HttpRequest, slug: str, data: TargetIn) -> TargetOut:
    community = community_by_slug(slug=slug)
    target = services.target_set(
        actor=request.auth,
        community=community,
        active_members=data.active_members,
        window_days=data.window_days,
    )
    return TargetOut(active_members=target.active_members, window_days=target.window_days)


@router.post("/communities/{slug}/analytics/nudges", response={201: NudgeOut, **ERRORS})
def nudge_post(request: HttpRequest, slug: str, data: NudgeIn) -> Status:
    community = community_by_slug(slug=slug)
    nudge = services.nudge_send(actor=request.auth, community=community, user_id=data.user)
    return Status(201, NudgeOut(user=nudge.user_id, sent_at=nudge.sent_at))


@router.get("/analytics/programme", response={200: list[ProgrammeRowOut], **ERRORS})
def programme(request: HttpRequest) -> list[ProgrammeRowOut]:
    if not permissions.can_view_programme.test(request.auth):
        raise Forbidden(_("Only programme coordinators see the programme."))
    return [programme_row_out(row) for row in selectors.programme_rows()]


@router.get("/communities/{slug}/xapi/statements", response={200: XapiExportOut, **ERRORS})
def xapi_export(request: HttpRequest, slug: str) -> HttpResponse | XapiExportOut:
    """xAPI statements of the community's activities between ``from`` and ``to`` (UTC days,
    YYYY-MM-DD; default the last 30 days), oldest first, as a JSON download."""
    community = _viewable(request, slug)
    first, last = export_range(request)
    start = dt.datetime.combine(first, dt.time.min, tzinfo=dt.UTC)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
    statements = list(
        XapiStatement.objects.filter(community=community, timestamp__gte=start, timestamp__lt=end)
        .order_by("timestamp", "source")
        .values_list("statement", flat=True)
    )
    answer = XapiExportOut(
        community=community.slug,
        first_day=first,
        last_day=last,
        count=len(statements),
        statements=statements,
    )
    response = HttpResponse(answer.model_dump_json(), content_type="application/json")
    response["Content-Disposition"] = (
        f'attachment; filename="kring-xapi-{community.slug}-{first}-{last}.json"'
    )
    return response


@router.get("/me/xapi-forwarding", response={200: XapiForwardingOut, **ERRORS})
def forwarding_get(request: HttpRequest) -> XapiForwardingOut:
    return XapiForwardingOut(
        forward=not XapiOptOut.objects.filter(user=request.auth).exists(),
        lrs_configured=bool(settings.KRING_XAPI_LRS_ENDPOINT),
    )


@router.put("/me/xapi-forwarding", response={200: XapiForwardingOut, **ERRORS})
def forwarding_put(request: HttpRequest, data: ForwardingIn) -> XapiForwardingOut:
    forward = services.xapi_forwarding_set(user=request.auth, forward=data.forward)
    return XapiForwardingOut(forward=forward, lrs_configured=bool(settings.KRING_XAPI_LRS_ENDPOINT))
