"""Notification pages: the list, delivery settings and levels (with Web Push devices),
one-click unsubscribe, and the service worker."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from community import selectors as community_selectors
from community.models import User
from core.errors import KringError
from core.protocol.notifications import notification_out, push_device_out

from . import email, selectors, services
from .categories import Category
from .forms import DeliverySettingsForm, LevelForm
from .push import keys as push_keys
from .push import services as push_services


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "read_all":
                services.notification_mark_all_read(user=request.user)
            elif action in ("read", "unread", "delete"):
                notification_id = int(request.POST.get("id", "0"))
                if action == "delete":
                    services.notification_delete(user=request.user, notification_id=notification_id)
                else:
                    services.notification_mark(
                        user=request.user,
                        notification_id=notification_id,
                        unread=action == "unread",
                    )
        except (KringError, ValueError):
            messages.error(request, _("That notification does not exist."))
        return redirect("delivery:list")
    only_unread = request.GET.get("unread") == "1"
    notifications = selectors.notification_list(
        user=request.user, unread=True if only_unread else None, limit=100
    )
    return render(
        request,
        "delivery/list.html",
        {
            "notifications": notifications_for_display(notifications),
            "unread": selectors.unread_count(user=request.user),
            "only_unread": only_unread,
            # Where a teacher reads their notifications is where pushes make sense to offer.
            "push_offer": not selectors.push_devices_of(user=request.user),
        },
    )


def notifications_for_display(notifications: list[Any]) -> list[dict[str, Any]]:
    """Notifications as a reader should see them: the community's name rather than its slug,
    a material's title rather than its thread's room name, and a link that marks it read."""
    names, rooms = selectors.notification_places(notifications)
    shown = []
    for notification in notifications:
        out = notification_out(notification).model_dump()
        verb = out["verb"]
        if out["room"] in rooms:
            raw, label = rooms[out["room"]]
            verb = verb.replace(raw, label)
        out["verb"] = verb
        out["community_name"] = names.get(out["community"] or "", "")
        out["open_url"] = reverse("delivery:open", args=[out["id"]])
        shown.append(out)
    return shown


@login_required
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Follow a notification's link and mark it read on the way."""
    try:
        notification = services.notification_mark(
            user=request.user, notification_id=notification_id, unread=False
        )
    except KringError:
        messages.error(request, _("That notification does not exist."))
        return redirect("delivery:list")
    target = (notification.data or {}).get("url") or ""
    # Only this site's own paths: a stored URL must never send a reader elsewhere.
    if not (target.startswith("/") and not target.startswith("//")):
        return redirect("delivery:list")
    return redirect(target)


@login_required
def delivery_settings(request: HttpRequest) -> HttpResponse:
    current = selectors.delivery_settings_of(user=request.user)
    if request.method == "POST" and "level" in request.POST:
        form = LevelForm(request.POST)
        community = community_selectors.community_get(
            slug=request.POST.get("community", ""), user=request.user
        )
        if form.is_valid():
            try:
                services.preference_set(
                    user=request.user, community=community, level=form.cleaned_data["level"]
                )
            except KringError as exc:
                messages.error(request, exc.detail)
            else:
                messages.success(request, _("Saved."))
        return redirect(_safe_next(request) or "delivery:settings")
    if request.method == "POST" and request.POST.get("action") == "remove_device":
        try:
            push_services.push_subscription_remove(
                user=request.user, subscription_id=int(request.POST.get("device", "0"))
            )
        except (KringError, ValueError):
            messages.error(request, _("That device does not get your notifications."))
        else:
            messages.success(request, _("That device no longer gets your notifications."))
        return redirect(reverse("delivery:settings") + "#push")
    if request.method == "POST":
        form = DeliverySettingsForm(request.POST)
        if form.is_valid():
            try:
                services.settings_update(user=request.user, **form.cleaned_data)
            except KringError as exc:
                form.add_error(None, exc.detail)
            else:
                messages.success(request, _("Your notification settings were saved."))
                return redirect("delivery:settings")
    else:
        fields = set(DeliverySettingsForm.base_fields) - {"timezone"}
        form = DeliverySettingsForm(
            initial={
                "timezone": request.user.zone.key,
                **{field: getattr(current, field) for field in fields},
            }
        )
    memberships = request.user.memberships.filter(state="active").select_related("community")
    levels = [
        (m.community, selectors.level_for(user=request.user, community_id=m.community_id)[0])
        for m in memberships
    ]
    return render(
        request,
        "delivery/settings.html",
        {
            "form": form,
            "levels": levels,
            "level_form": LevelForm,
            "quiet": current if current.quiet_start and current.quiet_end else None,
            "push_key": push_keys.public_key(),
            "push_devices": [
                push_device_out(s) for s in selectors.push_devices_of(user=request.user)
            ],
        },
    )


def _safe_next(request: HttpRequest) -> str | None:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return None


# One-click unsubscribe (RFC 8058) is a POST from the mail client; the signed token is the proof.
@csrf_exempt
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    found = email.read_unsubscribe_token(token)
    if found is None:
        return render(request, "delivery/unsubscribe.html", {"invalid": True}, status=400)
    user_id, category = found
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return render(request, "delivery/unsubscribe.html", {"invalid": True}, status=400)
    label = dict(Category.choices)[category]
    if request.method == "POST":
        services.email_category_unsubscribe(user=user, category=category)
        return render(request, "delivery/unsubscribe.html", {"done": True, "label": label})
    return render(request, "delivery/unsubscribe.html", {"label": label, "token": token})


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker (``static/kring/sw.js``) at the site's root, so its scope is the
    whole site: it shows Web Pushes and opens a clicked one. Never cached for long: browsers
    check it for updates."""
    path = finders.find("kring/sw.js")
    if not path:
        raise Http404("no service worker")
    with open(path, encoding="utf-8") as file:
        response = HttpResponse(file.read(), content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response
