"""Django's error views, answering ``{"error", "detail"}`` under ``/api/``.

The API's own errors are shaped in ``config.api``; these catch what never reaches ninja: an
unknown path under ``/api/``, a request Django itself refuses (400, 403), and a crash in a
middleware. Pages keep Django's templates.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def json_error(status: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse({"error": code, "detail": detail}, status=status)


def bad_request(request: HttpRequest, exception: Any) -> HttpResponse:
    if is_api(request):
        return json_error(400, "bad_request", "The request could not be understood.")
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Any) -> HttpResponse:
    if is_api(request):
        return json_error(403, "forbidden", "You may not do this.")
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Any) -> HttpResponse:
    if is_api(request):
        return json_error(404, "not_found", "There is no such API endpoint (see /api/docs).")
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if is_api(request):
        return json_error(500, "server_error", "Something went wrong on our side; it was logged.")
    return defaults.server_error(request)
