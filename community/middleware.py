"""Each teacher reads Kring in their own language and time zone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

from .models import zone_or_default


def activate_for(user: Any) -> None:
    """Speak and tell the time as ``user`` chose (their language: only if they chose one, so
    the browser's choice stands otherwise)."""
    if getattr(user, "language", ""):
        translation.activate(user.language)
    timezone.activate(zone_or_default(getattr(user, "timezone", "")))


class UserLocaleMiddleware:
    """After authentication: the signed-in teacher's language and time zone for this request
    (Django's LocaleMiddleware has already taken the cookie or the browser's language)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            activate_for(user)
            request.LANGUAGE_CODE = translation.get_language()  # type: ignore[attr-defined]
        else:
            timezone.activate(zone_or_default(""))
        return self.get_response(request)
