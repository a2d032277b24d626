"""Requests carrying text no database or page should be given (NUL characters, unpaired
surrogates; ``core.textcheck``) are refused at the door with 400: in a query string, a form or
a JSON body, for pages and the API alike. Without this, PostgreSQL's refusal surfaced as a 500
(or, on a socket, as "unavailable, retry")."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.views import defaults

from core.textcheck import DETAIL, has_unsafe_text

from .errors import is_api, json_error

FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}


class UnsafeTextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _unsafe(request):
            if is_api(request):
                return json_error(400, "bad_request", DETAIL)
            return defaults.bad_request(request, ValueError(DETAIL))
        return self.get_response(request)


def _unsafe(request: HttpRequest) -> bool:
    if has_unsafe_text(list(request.GET.lists())):
        return True
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return False
    if request.content_type == "application/json":
        body = request.body
        if b"\\u" not in body:  # in JSON they only get in as \u escapes
            return False
        try:
            return has_unsafe_text(json.loads(body))
        except ValueError:
            return False  # not JSON: the API answers that itself
    if request.content_type in FORM_TYPES:
        return has_unsafe_text(list(request.POST.lists()))
    return False
