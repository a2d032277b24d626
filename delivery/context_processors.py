from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from notifications.models import Notification


def notifications(request: HttpRequest) -> dict[str, Any]:
    """The unread badge, and the seq a page's socket resumes notifications from."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    mine = Notification.objects.filter(recipient_id=user.pk, deleted=False)
    return {
        "kring_unread": mine.filter(unread=True).count(),
        "kring_notification_seq": mine.order_by("-pk").values_list("pk", flat=True).first() or 0,
    }
