"""The JSON API root: authentication and the one place errors are shaped.

Accepts allauth's session cookie (with CSRF on unsafe methods) or the ``X-Session-Token``
header of allauth's headless app API. Every error is ``{"error": code, "detail": text}``.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import APIKeyHeader, SessionAuth

from analytics.api import router as analytics_router
from chat.api import router as chat_router
from community.api import router as community_router
from community.api import router_me
from community.api_shaping import router as shaping_router
from community.middleware import activate_for
from core.errors import KringError
from delivery.api import router as delivery_router
from events.api import router as events_router
from facilitators.api import router as facilitators_router
from facilitators.api_coordination import router as coordination_router
from facilitators.api_members import router as facilitators_members_router
from networking.api import router as networking_router
from realtime.auth import user_for_session_token
from resources.api import router as resources_router
from resources.toolkit_api import public_router as public_toolkits_router
from resources.toolkit_api import router as toolkits_router
from schools.api import router as schools_router


class SessionTokenAuth(APIKeyHeader):
    """allauth's app-client session token. (allauth's own ninja class declares no header name,
    which makes the OpenAPI schema invalid; schemathesis found it.)"""

    param_name = "X-Session-Token"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if not key:
            return None
        user = user_for_session_token(key)
        if user is not None:
            activate_for(user)  # an app's answers in the teacher's language and time zone
        return user


class LocalSwagger(Swagger):
    """Swagger UI served from static/vendor (swagger-ui-dist), not ninja's CDN template:
    the page keeps the site's strict Content-Security-Policy and works offline."""

    template = "api/docs.html"

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        openapi_url = self.get_openapi_url(api, kwargs)
        return render(
            request,
            self.template,
            {
                "api": api,
                "openapi_url": openapi_url,
                "swagger_settings": {**self.settings, "url": openapi_url},
            },
        )


logger = logging.getLogger("kring.api")


api = NinjaAPI(
    title="Kring API",
    version="1",
    description=(
        "Communities, rooms and history for Kring. Real-time traffic goes over the WebSocket "
        "at /ws/ (see docs/protocol.md)."
    ),
    auth=[SessionTokenAuth(), SessionAuth(csrf=True)],
    urls_namespace="api",
    docs=LocalSwagger(),
)
api.add_router("/", community_router)
api.add_router("/", router_me)
api.add_router("/", facilitators_members_router)
api.add_router("/", facilitators_router)
api.add_router("/", delivery_router)
api.add_router("/", resources_router)
api.add_router("/", events_router)
api.add_router("/", networking_router)
api.add_router("/", shaping_router)
api.add_router("/", analytics_router)
api.add_router("/", coordination_router)
api.add_router("/", toolkits_router)
api.add_router("/", chat_router)
api.add_router("/", public_toolkits_router)
api.add_router("/", schools_router)


def _error(request: HttpRequest, status: int, code: str, detail: str) -> HttpResponse:
    return api.create_response(request, {"error": code, "detail": detail}, status=status)


@api.exception_handler(KringError)
def _kring_error(request: HttpRequest, exc: KringError) -> HttpResponse:
    response = _error(request, exc.status, exc.code, exc.detail)
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None:
        response["Retry-After"] = str(int(retry_after) + 1)
    return response


@api.exception_handler(AuthenticationError)
def _unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(
        request, 401, "unauthorized", _("Sign in first (session cookie or X-Session-Token).")
    )


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    429: "rate_limited",
}


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, _HTTP_CODES.get(exc.status_code, "error"), str(exc))


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    problems = []
    for error in exc.errors[:5]:
        location = ".".join(str(part) for part in error.get("loc", ()))
        problems.append(f"{location}: {error.get('msg', 'invalid')}")
    return _error(request, 400, "bad_request", "; ".join(problems) or "Invalid request.")


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", str(exc) or "Not found.")


@api.exception_handler(OverflowError)
@api.exception_handler(DataError)
def _out_of_range(request: HttpRequest, exc: Exception) -> HttpResponse:
    # A number beyond what the database stores (an id past 2^63, say) cannot name anything:
    # the request is wrong, not the server.
    return _error(
        request, 400, "bad_request", _("A number or text in the request is out of range.")
    )


@api.exception_handler(Exception)
def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    # Logged with its traceback (and so sent to Sentry when configured); the client gets the
    # same shape as every other error, never Django's HTML page.
    logger.exception("unhandled error in %s %s", request.method, request.path)
    return _error(
        request, 500, "server_error", _("Something went wrong on our side; it was logged.")
    )
