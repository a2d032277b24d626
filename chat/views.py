"""Pages of direct conversations: the list (with finding people, blocks and one's choice
about who may write) and a conversation, which is a live room like any other."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community.views import composer_state, room_strings
from core.errors import KringError, NotFound
from core.protocol.chat import conversation_out

from . import selectors, services
from .page import reaction_context


@login_required
def conversation_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:100]
    return render(
        request,
        "chat/list.html",
        {
            "conversations": [
                conversation_out(c, reader_id=request.user.pk)
                for c in selectors.conversation_list(user=request.user)
            ],
            "q": q,
            "people": selectors.people_to_message(user=request.user, q=q) if q else [],
            "blocks": selectors.blocks_of(user=request.user),
            "chat_settings": selectors.chat_settings_of(user=request.user),
            "group_max": settings.KRING_DIRECT_GROUP_MAX,
        },
    )


@login_required
@require_POST
def conversation_start(request: HttpRequest) -> HttpResponse:
    try:
        user_ids = [int(v) for v in request.POST.getlist("user")]
    except ValueError:
        user_ids = []
    try:
        conversation, _created = services.conversation_start(
            actor=request.user, user_ids=user_ids, title=request.POST.get("title", "")
        )
    except KringError as exc:
        messages.error(request, exc.detail)
        return redirect("chat:list")
    return redirect("chat:conversation", room_id=conversation.room_id)


@login_required
def conversation_detail(request: HttpRequest, room_id: int) -> HttpResponse:
    try:
        conversation = selectors.conversation_for_participant(user=request.user, room_id=room_id)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    shown = conversation_out(conversation, reader_id=request.user.pk)
    names = ", ".join(p.name for p in shown.others) or _("Only you")
    room = conversation.room
    return render(
        request,
        "chat/conversation.html",
        {
            "conversation": shown,
            "heading": shown.title or names,
            "room": room,
            "can_post": True,
            "can_report": True,
            "max_length": settings.KRING_MAX_MESSAGE_LENGTH,
            "strings": {
                **room_strings(),
                "reportReason": _(
                    "What is wrong with this message? The Kring team will look at it."
                ),
                "reported": _("Thank you. The Kring team was told."),
            },
            "composer_state": {**composer_state(request.user, None, room), "community": ""},
            **reaction_context(request.user, None, room),
            "others": [
                p.user for p in conversation.participants.all() if p.user_id != request.user.pk
            ],
        },
    )


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    return redirect(target if target.startswith("/messages/") else "chat:list")


@login_required
@require_POST
def block(request: HttpRequest) -> HttpResponse:
    try:
        services.block_create(actor=request.user, user_id=int(request.POST.get("user", "0")))
    except (KringError, ValueError) as exc:
        messages.error(request, getattr(exc, "detail", _("No such person.")))
    else:
        messages.success(request, _("Blocked. They can no longer write to you."))
    return redirect("chat:list")


@login_required
@require_POST
def unblock(request: HttpRequest) -> HttpResponse:
    try:
        services.block_delete(actor=request.user, user_id=int(request.POST.get("user", "0")))
    except (KringError, ValueError) as exc:
        messages.error(request, getattr(exc, "detail", _("No such person.")))
    else:
        messages.success(request, _("Unblocked."))
    return redirect("chat:list")


@login_required
@require_POST
def chat_settings(request: HttpRequest) -> HttpResponse:
    services.chat_settings_update(
        user=request.user, from_anyone=request.POST.get("from_anyone") == "on"
    )
    messages.success(request, _("Saved."))
    return redirect("chat:list")
