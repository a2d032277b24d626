"""Web pages. Each view parses, authorises, calls one service or selector, renders."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language
from django_countries import countries

from core.errors import Forbidden, KringError, NotFound
from core.protocol.stewardship import logo_url
from core.roles import Role

from . import selectors, services, visibility
from .forms import ProfileForm
from .models import CommunityKind
from .permissions import can_moderate, can_post, can_read_rooms, can_report
from .registry import page_context, post_checks, room_kinds


def _extra_context(request: HttpRequest, community: Any, room: Any = None) -> dict[str, Any]:
    """What other apps add to community and room pages (e.g. the notification level)."""
    extra: dict[str, Any] = {}
    for contribute in page_context.values():
        extra.update(contribute(request.user, community, room))
    return extra


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("community:directory")
    return render(request, "community/home.html")


@login_required
def directory(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind") or None
    country = request.GET.get("country") or None
    q = (request.GET.get("q") or "").strip()[:100] or None
    if kind not in CommunityKind.values:
        kind = None
    communities = selectors.community_list(user=request.user, kind=kind, country=country, q=q)
    return render(
        request,
        "community/directory.html",
        {
            "communities": communities,
            "kinds": CommunityKind.choices,
            "countries": list(countries),
            "filters": {"kind": kind or "", "country": country or "", "q": q or ""},
        },
    )


def _community_or_404(request: HttpRequest, slug: str) -> Any:
    try:
        return selectors.community_get(slug=slug, user=request.user)
    except NotFound as exc:
        raise Http404(exc.detail) from exc


@login_required
def community_detail(request: HttpRequest, slug: str) -> HttpResponse:
    community = _community_or_404(request, slug)
    return render(
        request,
        "community/community.html",
        {
            "community": community,
            "rooms": selectors.room_list(community=community, user=request.user),
            "can_read": can_read_rooms.test(request.user, community),
            "can_moderate": can_moderate.test(request.user, community),
            **_extra_context(request, community),
            "role_label": dict(Role.choices).get(community.viewer_role or "", ""),
            # Its network: the circles it is part of, or (a circle) the communities linked.
            "circles": selectors.circles_of(community),
            "linked": selectors.linked_to(community),
            "logo_url": logo_url(community),
        },
    )


@login_required
@require_POST
def community_join(request: HttpRequest, slug: str) -> HttpResponse:
    community = _community_or_404(request, slug)
    try:
        membership = services.membership_join(
            user=request.user,
            community=community,
            request_message=request.POST.get("message", "").strip()[:1000],
        )
    except KringError as exc:
        messages.error(request, exc.detail)
    else:
        if membership.state == "pending":
            messages.info(request, _("Your request to join was sent to the facilitators."))
        else:
            messages.success(request, _("Welcome to %(name)s!") % {"name": community.name})
    return redirect("community:detail", slug=slug)


@login_required
@require_POST
def community_leave(request: HttpRequest, slug: str) -> HttpResponse:
    community = _community_or_404(request, slug)
    try:
        services.membership_leave(user=request.user, community=community)
    except KringError as exc:
        messages.error(request, exc.detail)
    else:
        messages.info(request, _("You left %(name)s.") % {"name": community.name})
    return redirect("community:detail", slug=slug)


@login_required
def room_detail(request: HttpRequest, slug: str, room_id: int) -> HttpResponse:
    community = _community_or_404(request, slug)
    try:
        room = selectors.room_for_reader(user=request.user, room_id=room_id)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    except Forbidden:
        messages.info(request, _("Join this community to take part in its rooms."))
        return redirect("community:detail", slug=slug)
    hooks = room_kinds.get(room.kind) if room.kind in room_kinds else None
    if hooks is not None and hooks.page_url is not None:
        return redirect(hooks.page_url(room))
    if room.community_id != community.pk:
        return redirect("community:room", slug=room.community.slug, room_id=room.pk)
    return render(
        request,
        "community/room.html",
        {
            **live_room_context(request, community, room),
            "rooms": selectors.room_list(community=community, user=request.user),
        },
    )


def live_room_context(request: HttpRequest, community: Any, room: Any) -> dict[str, Any]:
    """What the live room part of a page (community/_room_main.html, room.js) needs."""
    return {
        "community": community,
        "room": room,
        "can_post": can_post.test(request.user, community),
        "can_moderate": can_moderate.test(request.user, community),
        "can_report": can_report.test(request.user, community),
        "max_length": settings.KRING_MAX_MESSAGE_LENGTH,
        "strings": room_strings(),
        **_extra_context(request, community, room),
        "composer_state": composer_state(request.user, community, room),
    }


def composer_state(user: Any, community: Any, room: Any) -> dict[str, Any]:
    """What may stop this user posting in this room, for the page to say before they type:
    a lock, a mute (with its end as ISO time; the page shows it in the reader's zone), slow
    mode and how long until the next post is allowed. ``community`` is None for a room no
    community owns (a direct conversation)."""
    moderates = community is not None and can_moderate.test(user, community)
    wait = 0.0
    if room.slow_mode_seconds and not moderates:
        last = selectors.last_message_at(user=user, room_id=room.pk)
        if last is not None:
            wait = max(0.0, room.slow_mode_seconds - (timezone.now() - last).total_seconds())
    return {
        "community": community.slug if community is not None else "",
        "handle": user.handle or "",
        "locked": room.is_locked,
        "moderates": moderates,
        # What each post check would refuse (e.g. "muted": its room, end and reason).
        **{name: check.state(user, room) for name, check in post_checks.items() if check.state},
        "slow_mode_seconds": room.slow_mode_seconds,
        "slow_wait_seconds": round(wait, 1),
    }


def _js(text: str, *names: str) -> str:
    """A translated text with ``%(name)s`` placeholders turned into ``{name}`` for a script
    to fill in (the page's scripts take every text from the page)."""
    return text % {name: "{" + name + "}" for name in names}


def room_strings() -> dict[str, Any]:
    """Texts the room page's script shows, translated here so the script stays plain."""
    return {
        "connected": _("Live"),
        "connecting": _("Connecting…"),
        "reconnecting": _("Connection lost, reconnecting…"),
        "signed_out": _("You were signed out. Reload the page to sign in again."),
        "typingOne": _js(_("%(name)s is typing…"), "name"),
        "typingMany": _js(_("%(names)s are typing…"), "names"),
        "reply": _("Reply"),
        "edit": _("Edit"),
        "delete": _("Delete"),
        "deleted": _("This message was deleted."),
        "edited": _("edited"),
        "replyingTo": _js(_("Replying to %(name)s: %(text)s"), "name", "text"),
        "confirmDelete": _("Delete this message?"),
        "sending": _("sending…"),
        "failed": _("not sent"),
        "gap": _("Some older messages are not shown; scroll up to load them."),
        "report": _("Report"),
        "reportReason": _("What is wrong with this message? The facilitators will look at it."),
        "reported": _("Thank you. The facilitators were told."),
        "hide": _("Hide"),
        "unhide": _("Unhide"),
        "hideReason": _("Why hide this message? Members see the reason."),
        "hiddenPlaceholder": _("Hidden by a facilitator"),
        "pin": _("Pin"),
        "unpin": _("Unpin"),
        "deletedByFacilitator": _("Removed by a facilitator."),
        "locked": _("Locked: only facilitators can post."),
        "slow": _("Slow mode:"),
        "lockedTag": _("Locked"),
        "slowTag": _("Slow mode"),
        "lockedForMe": _("This room is locked: only its facilitators can post for now."),
        "lockedModerator": _(
            "This room is locked for members; as a facilitator you can still post."
        ),
        "slowNotice": _js(_("Slow mode: wait %(seconds)s s between messages."), "seconds"),
        "slowWait": _js(_("You can send your next message in %(seconds)s s."), "seconds"),
        "mutedRoom": _("A facilitator muted you in this room."),
        "mutedCommunity": _("A facilitator muted you in this community."),
        "mutedUntil": _js(_("You can post again from %(time)s."), "time"),
        "mutedReason": _js(_("Reason: %(reason)s"), "reason"),
        "offline": _("Offline: messages you send go out when the connection is back."),
        "retry": _("Try again"),
        "editFailed": _("Edit text"),
        "dismiss": _("Dismiss"),
        "notSent": _js(_("Not sent: %(reason)s"), "reason"),
        "waitingToSend": _("Waiting for the connection…"),
        "newMessageFrom": _js(_("New message from %(name)s"), "name"),
        "mentionUnknown": _js(_("%(mention)s matches nobody in this community."), "mention"),
        "mentionDidYouMean": _js(_("Did you mean %(handles)s?"), "handles"),
        "mentionFacilitators": _("all facilitators of this community"),
        "member_joined": _js(_("%(name)s joined the community."), "name"),
        "member_left": _js(_("%(name)s left the community."), "name"),
        "member_removed": _js(_("%(name)s was removed from the community."), "name"),
        "member_banned": _js(_("%(name)s was banned from the community."), "name"),
        "member_role": _js(_("%(name)s is now %(role)s."), "name", "role"),
        "roleNames": {str(value): str(label) for value, label in Role.choices},
        "muted": _("You are muted here."),
        "unmuted": _("You can post again."),
        "removed": _("You are no longer a member of this community."),
        # Whole sentences with placeholders, so each language chooses its word order.
        "aboutVersion": _js(_("about version %(version)s"), "version"),
        "basedOn": _js(_("based on %(source)s"), "source"),
        "resource_shared": _js(_("%(name)s shared %(material)s"), "name", "material"),
        "resource_version": _js(
            _("%(name)s published version %(version)s of %(material)s"),
            "name",
            "version",
            "material",
        ),
        "resource_adapted": _js(
            _("%(name)s adapted a material into %(material)s"), "name", "material"
        ),
        "resource_withdrawn": _js(_("%(name)s withdrew %(material)s"), "name", "material"),
        "resource_restored": _js(_("%(name)s restored %(material)s"), "name", "material"),
        "calendar_scheduled": _js(
            _("%(name)s scheduled %(meeting)s (%(time)s)"), "name", "meeting", "time"
        ),
        "calendar_changed": _js(
            _("%(name)s changed %(meeting)s (%(time)s)"), "name", "meeting", "time"
        ),
        "calendar_cancelled": _js(
            _("%(name)s cancelled %(meeting)s (%(time)s)"), "name", "meeting", "time"
        ),
        "archivedRoom": _("This room is archived: it can be read, not written in."),
        "archivedCommunity": _(
            "This community is archived: its rooms can be read, not written in."
        ),
        "toNetwork": _js(_("to the network of %(community)s"), "community"),
    }


@login_required
def profile_edit(request: HttpRequest) -> HttpResponse:
    profile = selectors.profile_of(user=request.user)
    if request.method == "POST":
        form = ProfileForm(request.POST, initial={"handle": request.user.handle})
        if form.is_valid():
            try:
                services.profile_update(user=request.user, **form.changes())
            except KringError as exc:
                form.add_error(None, exc.detail)
            else:
                messages.success(request, _("Your profile was saved."))
                return redirect("community:profile")
    else:
        form = ProfileForm(
            initial={
                "display_name": request.user.display_name,
                "handle": request.user.handle,
                "language": request.user.language,
                "timezone": request.user.timezone,
                "country": profile.country.code or "",
                "school": profile.school,
                "subjects": ", ".join(profile.subjects),
                "age_groups": profile.age_groups,
                "languages": ", ".join(profile.languages),
                "interests": ", ".join(profile.interests),
                "bio": profile.bio,
                "discoverable": profile.discoverable,
                **{f"visibility_{f}": level for f, level in visibility.levels(profile).items()},
            }
        )
    return render(request, "community/profile.html", {"form": form})


@login_required
@require_POST
def account_delete(request: HttpRequest) -> HttpResponse:
    if request.POST.get("confirm", "").strip().lower() != request.user.email.lower():
        messages.error(request, _("Type your email address to confirm."))
        return redirect("community:profile")
    services.account_delete(
        user=request.user, erase_messages=request.POST.get("erase_messages") == "on"
    )
    logout(request)
    messages.info(request, _("Your account was deleted."))
    return redirect("community:home")


@require_POST
def language_choose(request: HttpRequest) -> HttpResponse:
    """The language switcher: Django's cookie for everyone, and the signed-in teacher's own
    setting (which Kring's emails and notifications use too)."""
    response = set_language(request)
    code = request.POST.get("language", "")
    if request.user.is_authenticated and code in dict(settings.LANGUAGES):
        services.profile_update(user=request.user, language=code)
    return response
