from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from . import health, log_context, pages  # noqa: F401  (log_context connects receivers)
from .api import api
from .metrics import metrics

# /nl/, /pl/, ...: the home page in that language (Kring's URLs carry no language prefix).
LANGUAGE_PREFIX = "|".join(code for code, _name in settings.LANGUAGES)

urlpatterns = [
    path("healthz/live", health.live, name="healthz-live"),
    path("healthz/ready", health.ready, name="healthz-ready"),
    path("healthz", health.ready, name="healthz"),  # the old name of ready
    path("metrics", metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("_allauth/", include("allauth.headless.urls")),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("design/", pages.design_system, name="design"),
    re_path(rf"^(?P<code>{LANGUAGE_PREFIX})/?$", pages.language_home, name="language_home"),
    path("", pages.home, name="home"),
    path("", include("facilitators.urls")),
    path("", include("delivery.urls")),
    path("", include("resources.urls")),
    path("", include("events.urls")),
    path("", include("networking.urls")),
    path("", include("chat.urls")),
    path("", include("schools.urls")),
    path("", include("analytics.urls")),
    path("", include("community.urls")),
]

# Uploaded materials are never served from MEDIA_URL: only through the download endpoint,
# which checks membership and sets safe headers (resources/api.py).

handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
