"""A community's logo, served by a view (never from MEDIA_URL) with safe headers."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from core.errors import NotFound

from . import selectors
from .permissions import can_view_community


def community_logo(request: HttpRequest, slug: str) -> HttpResponse:
    """The logo, for any signed-in teacher who may see the community: a re-encoded image,
    served with headers that keep a browser from ever treating it as anything else."""
    try:
        community = selectors.community_by_slug(slug=slug)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    if not community.logo or not can_view_community.test(request.user, community):
        raise Http404(_("No logo."))
    name = community.logo.name
    extension = name.rsplit(".", 1)[-1]
    content_type = {"png": "image/png", "webp": "image/webp"}.get(extension, "image/jpeg")
    response = FileResponse(default_storage.open(name, "rb"), content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, max-age=31536000, immutable"
    return response
