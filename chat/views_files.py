"""Files in conversations: served to readers of their room (never while their message is
hidden or after it was deleted), and "save to the library" for their sender."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from community.models import Community, MembershipState
from core.errors import Forbidden, Gone, KringError, NotFound
from core.uploads import safe_file_response
from resources.forms import DescribeForm

from . import selectors, services
from .models import Attachment


def _readable(request: HttpRequest, key: str) -> Attachment | HttpResponse:
    try:
        return selectors.attachment_for_reader(user=request.user, key=key)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    except Forbidden:
        return HttpResponse(
            _("Only the people of this conversation can open this file."), status=403
        )
    except Gone as exc:
        return HttpResponse(exc.detail, status=410, content_type="text/plain; charset=utf-8")


@login_required
def file_open(request: HttpRequest, key: str) -> HttpResponse:
    attachment = _readable(request, key)
    if isinstance(attachment, HttpResponse):
        return attachment
    return safe_file_response(
        attachment.file.open("rb"),
        filename=attachment.name,
        content_type=attachment.content_type,
        # Images were re-encoded on upload: safe to show; everything else downloads.
        inline=attachment.kind == "image",
    )


@login_required
def file_thumbnail(request: HttpRequest, key: str) -> HttpResponse:
    attachment = _readable(request, key)
    if isinstance(attachment, HttpResponse):
        return attachment
    if not attachment.thumbnail:
        raise Http404(_("This file has no preview."))
    extension = attachment.thumbnail.name.rsplit(".", 1)[-1]
    return safe_file_response(
        attachment.thumbnail.open("rb"),
        filename=f"preview.{extension}",
        content_type="image/png" if extension == "png" else "image/jpeg",
        inline=True,
    )


@login_required
def file_save(request: HttpRequest, key: str) -> HttpResponse:
    """The form that turns a file one sent into a teaching material of one's communities."""
    attachment = _readable(request, key)
    if isinstance(attachment, HttpResponse):
        return attachment
    communities = list(
        Community.objects.filter(
            memberships__user=request.user,
            memberships__state=MembershipState.ACTIVE,
            archived_at__isnull=True,
        ).order_by("name")
    )
    form = DescribeForm(
        request.POST or None,
        initial={"title": attachment.name.rsplit(".", 1)[0], "language": request.LANGUAGE_CODE},
    )
    chosen = request.POST.get("community", "")
    if request.method == "POST" and form.is_valid():
        community = next((c for c in communities if c.slug == chosen), None)
        if community is None:
            form.add_error(None, _("Choose one of your communities."))
        else:
            try:
                resource = services.attachment_save_to_library(
                    actor=request.user, attachment=attachment, community=community,
                    **form.metadata(),
                )  # fmt: skip
            except KringError as exc:
                form.add_error(None, exc.detail)
            else:
                messages.success(
                    request, _("Saved to the library of %(name)s.") % {"name": community.name}
                )
                return redirect("resources:detail", resource_id=resource.pk)
    return render(
        request,
        "chat/file_save.html",
        {
            "attachment": attachment,
            "form": form,
            "communities": communities,
            "chosen": chosen,
            "is_sender": attachment.uploader_id == request.user.pk,
        },
    )
