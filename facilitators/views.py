"""Facilitator pages: the dashboard per community and the invitation landing page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from community import selectors as community_selectors
from community.models import Community, MembershipState, RoomKind
from community.permissions import actor_rank, can_moderate
from core.audit import AuditAction
from core.errors import KringError, NotFound
from core.roles import ROLE_RANK, Role

from . import selectors, services
from .permissions import can_act_on


def _community(request: HttpRequest, slug: str) -> Community:
    try:
        return community_selectors.community_get(slug=slug, user=request.user)
    except NotFound as exc:
        raise Http404(exc.detail) from exc


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@login_required
def dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    community = _community(request, slug)
    if not can_moderate.test(request.user, community):
        messages.error(request, _("Only this community's facilitators can open its dashboard."))
        return redirect("community:detail", slug=slug)
    if request.method == "POST":
        _handle_action(request, community)
        return redirect(request.get_full_path())
    action_filter = request.GET.get("action") or None
    members = list(selectors.member_list(community=community, state=None)[:300])
    return render(
        request,
        "facilitators/dashboard.html",
        {
            "community": community,
            "pending": selectors.member_list(community=community, state="pending"),
            "reports": selectors.report_list(community=community, state="open"),
            "members": member_rows(request.user, community, members),
            # Resource threads are moderated from their material's page (same controls).
            "rooms": community.rooms.filter(
                kind=RoomKind.DISCUSSION, archived_at__isnull=True
            ).order_by("position", "pk"),
            "audit": selectors.audit_list(community=community, action=action_filter, limit=50),
            "invitations": selectors.invitation_list(community=community)[:20],
            "roles": Role.choices,
            "audit_actions": AuditAction.choices,
            "action_filter": action_filter or "",
            "report_actions": [
                (a, REPORT_ACTION_LABELS.get(a, a)) for a in services.REPORT_ACTIONS
            ],
            # The announcement composer may send to the whole network.
            "network": community_selectors.network_communities(community),
            "max_length": settings.KRING_MAX_MESSAGE_LENGTH,
        },
    )


# What resolving a report does, in a facilitator's words (the codes are the API's).
REPORT_ACTION_LABELS = {
    "dismiss": gettext_lazy("Dismiss the report (nothing wrong)"),
    "hide": gettext_lazy("Hide the message"),
    "delete": gettext_lazy("Delete the message"),
    "mute": gettext_lazy("Mute the author"),
    "remove": gettext_lazy("Remove the author from the community"),
    "ban": gettext_lazy("Ban the author"),
}


def member_rows(actor: Any, community: Community, members: list[Any]) -> list[dict[str, Any]]:
    """Each member with what the dashboard may offer against them: nothing against oneself
    or anyone of equal or higher rank (the services refuse it anyway), only the roles below
    the actor's own, and the mute in force (so a muted member does not read as "active")."""
    mutes = selectors.active_mutes(community=community)
    rank = actor_rank(actor, community)
    roles = [(value, label) for value, label in Role.choices if ROLE_RANK[value] < rank]
    rows = []
    for membership in members:
        acts = can_act_on(actor, membership)
        rows.append(
            {
                "m": membership,
                "can_act": acts,
                "roles": roles if acts else [],
                "mute": mutes.get(membership.user_id)
                if membership.state == MembershipState.ACTIVE
                else None,
            }
        )
    return rows


def _handle_action(request: HttpRequest, community: Community) -> None:
    data = request.POST
    handler = _ACTIONS.get(data.get("action", ""))
    if handler is None:
        messages.error(request, _("Unknown action."))
        return
    try:
        handler(request, community, data)
    except KringError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("Done."))


def _membership(community: Community, data: Any) -> Any:
    return selectors.membership_in(community=community, user_id=_int(data.get("user")) or 0)


def _approve(request: HttpRequest, community: Community, data: Any) -> None:
    services.join_request_approve(
        actor=request.user, membership=_membership(community, data), message=data.get("message", "")
    )


def _decline(request: HttpRequest, community: Community, data: Any) -> None:
    services.join_request_decline(
        actor=request.user, membership=_membership(community, data), message=data.get("message", "")
    )


def _role(request: HttpRequest, community: Community, data: Any) -> None:
    services.member_role_change(
        actor=request.user, membership=_membership(community, data), role=data.get("role", "")
    )


def _mute(request: HttpRequest, community: Community, data: Any) -> None:
    minutes = _int(data.get("minutes"))
    room_id = _int(data.get("room"))
    room = community.rooms.filter(pk=room_id).first() if room_id else None
    services.member_mute(
        actor=request.user,
        membership=_membership(community, data),
        room=room,
        until=timezone.now() + timedelta(minutes=minutes) if minutes else None,
        reason=data.get("reason", ""),
    )


def _unmute(request: HttpRequest, community: Community, data: Any) -> None:
    services.member_unmute(actor=request.user, membership=_membership(community, data))


def _remove(request: HttpRequest, community: Community, data: Any) -> None:
    services.member_remove(
        actor=request.user, membership=_membership(community, data), reason=data.get("reason", "")
    )


def _ban(request: HttpRequest, community: Community, data: Any) -> None:
    services.member_ban(
        actor=request.user, membership=_membership(community, data), reason=data.get("reason", "")
    )


def _unban(request: HttpRequest, community: Community, data: Any) -> None:
    services.member_unban(actor=request.user, membership=_membership(community, data))


def _room_settings(request: HttpRequest, community: Community, data: Any) -> None:
    room = community.rooms.filter(pk=_int(data.get("room"))).first()
    if room is None:
        raise NotFound(_("No such room."))
    services.room_settings_update(
        actor=request.user,
        room=room,
        is_locked=data.get("is_locked") == "on",
        slow_mode_seconds=_int(data.get("slow_mode_seconds")) or 0,
        topic=data.get("topic", ""),
    )


def _resolve(request: HttpRequest, community: Community, data: Any) -> None:
    report = (
        selectors.report_list(community=community, state=None)
        .filter(pk=_int(data.get("report")))
        .first()
    )
    if report is None:
        raise NotFound(_("No such report."))
    services.report_resolve(
        actor=request.user,
        report=report,
        action=data.get("resolution", ""),
        note=data.get("note", ""),
    )


def _invite(request: HttpRequest, community: Community, data: Any) -> None:
    invitation = services.invitation_create(
        actor=request.user,
        community=community,
        email=data.get("email", ""),
        base_url=request.build_absolute_uri("/").rstrip("/"),
    )
    messages.info(
        request,
        _("Invitation link: %(url)s")
        % {
            "url": request.build_absolute_uri(
                reverse("facilitators:invitation", args=[invitation.token])
            )
        },
    )


def _announce(request: HttpRequest, community: Community, data: Any) -> None:
    services.announcement_post(
        actor=request.user,
        community=community,
        body=data.get("body", ""),
        scope=data.get("scope", "community"),
    )


def _revoke(request: HttpRequest, community: Community, data: Any) -> None:
    invitation = (
        selectors.invitation_list(community=community)
        .filter(pk=_int(data.get("invitation")))
        .first()
    )
    if invitation is None:
        raise NotFound(_("No such invitation."))
    services.invitation_revoke(actor=request.user, invitation=invitation)


_ACTIONS: dict[str, Callable[[HttpRequest, Community, Any], None]] = {
    "approve": _approve,
    "decline": _decline,
    "role": _role,
    "mute": _mute,
    "unmute": _unmute,
    "remove": _remove,
    "ban": _ban,
    "unban": _unban,
    "room": _room_settings,
    "resolve": _resolve,
    "invite": _invite,
    "revoke": _revoke,
    "announce": _announce,
}


@login_required
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    try:
        found = selectors.invitation_get(token=token)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    if request.method == "POST":
        try:
            services.invitation_accept(user=request.user, token=token)
        except KringError as exc:
            messages.error(request, exc.detail)
        else:
            messages.success(request, _("Welcome to %(name)s!") % {"name": found.community.name})
            return redirect("community:detail", slug=found.community.slug)
    return render(request, "facilitators/invitation.html", {"invitation": found})
