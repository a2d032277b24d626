"""Pages: the facilitator dashboard's Analytics tab, the coordinators' programme view (and
its CSV), a member's "learning records" page (what is counted, xAPI forwarding on or off),
and the note on the community page telling members what is counted."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import Community
from core.errors import KringError

from . import permissions, presentation, selectors, services
from .models import ForwardState, XapiOptOut, XapiStatement


def _int_or_none(value: str | None) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise KringError(_("Enter a whole number."), field="active_members") from None


@login_required
def dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    community = get_object_or_404(Community, slug=slug)
    if not permissions.can_view_analytics.test(request.user, community):
        messages.error(request, _("Only this community's facilitators can open its analytics."))
        return redirect("community:detail", slug=slug)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "target":
                services.target_set(
                    actor=request.user,
                    community=community,
                    active_members=_int_or_none(request.POST.get("active_members")),
                    window_days=int(request.POST.get("window_days") or 30),
                )
                messages.success(request, _("The target is saved."))
            elif request.POST.get("action") == "nudge":
                nudge = services.nudge_send(
                    actor=request.user,
                    community=community,
                    user_id=_int_or_none(request.POST.get("user")) or 0,
                )
                messages.success(
                    request,
                    _("%(name)s is sent a friendly note.") % {"name": nudge.user.display_name},
                )
        except (KringError, ValueError) as error:
            messages.error(request, getattr(error, "detail", _("Check the values entered.")))
        return redirect(request.path)
    individuals = permissions.can_view_individuals.test(request.user, community)
    context = presentation.dashboard_context(community=community, individuals=individuals)
    return render(request, "analytics/dashboard.html", context)


@login_required
def programme(request: HttpRequest) -> HttpResponse:
    if not permissions.can_view_programme.test(request.user):
        messages.error(request, _("Only programme coordinators can open this page."))
        return redirect("community:home")
    rows = selectors.programme_rows()
    if request.GET.get("format") == "csv":
        return _programme_csv(rows)
    return render(request, "analytics/programme.html", presentation.programme_context(rows))


def _programme_csv(rows: list[dict[str, Any]]) -> HttpResponse:
    zone = timezone.get_current_timezone()
    now = timezone.localtime(timezone.now(), zone)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    # Days are counted in UTC (the rollups' days); the heading says so, and when, in the
    # reader's own zone, the file was made.
    writer.writerow(
        [
            "community",
            "slug",
            "kind",
            "members",
            "active, last 7 days (UTC days)",
            "active, last 30 days (UTC days)",
            "active, last 90 days (UTC days)",
            "target window (days)",
            "target",
            "active in the target window",
            "share of target",
            "messages, last 30 days",
            "attendances, last 30 days",
            "materials shared or adapted, last 30 days",
            "new cross-border ties, last 30 days",
            f"as of ({zone.key})",
        ]
    )
    for row in rows:
        c = row["community"]
        writer.writerow(
            [
                _csv_safe(c.name),
                c.slug,
                c.kind,
                row["members"],
                row["active_7"],
                row["active_30"],
                row["active_90"],
                row["window"],
                row["target"] or "",
                row["active"],
                f"{row['share']:.2f}" if row["share"] is not None else "",
                row["messages_30"],
                row["attendances_30"],
                row["materials_30"],
                row["new_ties_30"],
                now.strftime("%Y-%m-%d %H:%M"),
            ]
        )
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="kring-programme-{now:%Y%m%d-%H%M}.csv"'
    )
    return response


def _csv_safe(text: str) -> str:
    """A cell a spreadsheet would run as a formula is quoted with an apostrophe."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@login_required
def learning_records(request: HttpRequest) -> HttpResponse:
    """A member's own page: what is counted about them, and xAPI forwarding on or off."""
    if request.method == "POST":
        forward = request.POST.get("forward") == "on"
        services.xapi_forwarding_set(user=request.user, forward=forward)
        messages.success(
            request,
            _("Your learning records are sent on to the programme's LRS.")
            if forward
            else _("Your learning records are no longer sent on."),
        )
        return redirect("analytics:mine")
    statements = XapiStatement.objects.filter(user=request.user)
    return render(
        request,
        "analytics/mine.html",
        {
            "opted_out": XapiOptOut.objects.filter(user=request.user).exists(),
            "lrs": bool(settings.KRING_XAPI_LRS_ENDPOINT),
            "made": statements.count(),
            "sent": statements.filter(forward_state=ForwardState.SENT).count(),
            "recent": statements.order_by("-timestamp")[:10],
        },
    )


def community_page_context(user: Any, community: Any, room: Any) -> dict[str, Any]:
    """On the community page: what is counted (everyone), and the way to the analytics
    (those who may see them)."""
    if room is not None or not getattr(user, "is_authenticated", False):
        return {}
    return {
        "analytics_panel": {
            "template": "analytics/_counted.html",
            "can_view": permissions.can_view_analytics.test(user, community),
            "community": community,
        }
    }


def export_range(request: HttpRequest) -> tuple[dt.date, dt.date]:
    """The ``from``/``to`` dates (UTC days) of an xAPI export, checked."""
    today = selectors.today_utc()
    try:
        last = dt.date.fromisoformat(request.GET.get("to") or today.isoformat())
        first = dt.date.fromisoformat(
            request.GET.get("from") or (last - dt.timedelta(days=29)).isoformat()
        )
    except ValueError:
        raise KringError(_("Dates are written YYYY-MM-DD.")) from None
    if first > last:
        raise KringError(_("The first day comes after the last."))
    if (last - first).days >= settings.KRING_XAPI_EXPORT_MAX_DAYS:
        raise KringError(
            _("An export covers at most %(days)s days.")
            % {"days": settings.KRING_XAPI_EXPORT_MAX_DAYS}
        )
    return first, last
