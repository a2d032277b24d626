"""Toolkit pages: the list, one toolkit (for members, or the public page anyone may read), a
public material's page and file, the curators' forms, and the sitemap of public pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from community.permissions import can_coordinate, can_read_rooms
from community.selectors import community_by_slug
from community.text import render_markdown
from core.errors import KringError, NotFound

from . import toolkit_selectors as selectors
from . import toolkit_services as services
from .api import attachment_response
from .licences import LICENCES
from .lrmi import jsonld_script_text, public_material_jsonld, toolkit_jsonld
from .permissions import can_curate_toolkits, can_read_toolkit, toolkit_reader_communities
from .toolkit_api import public_answer


class ToolkitForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    introduction = forms.CharField(
        label=gettext_lazy("Introduction"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy("Who the kit is for and how to use it. Markdown works."),
    )
    language = forms.CharField(
        label=gettext_lazy("Language of the introduction"),
        required=False,
        max_length=35,
        help_text=gettext_lazy("A language tag, e.g. nl, en, pl"),
    )
    public = forms.BooleanField(
        label=gettext_lazy("Public: anyone can read it, with its openly licensed materials"),
        required=False,
        help_text=gettext_lazy(
            "Materials that are not openly licensed (NoDerivatives, all rights reserved) "
            "stay for members only. Authors are told when their material becomes public."
        ),
    )


def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")[:-1]


def _is_member_reader(user: Any, toolkit: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if can_coordinate.test(user):
        return True
    return any(can_read_rooms.test(user, c) for c in toolkit_reader_communities(toolkit))


def toolkit_list(request: HttpRequest) -> HttpResponse:
    """Public toolkits for everyone; signed in, also those of one's communities' networks."""
    return render(
        request,
        "resources/toolkits.html",
        {"toolkits": selectors.toolkit_list(user=request.user)},
    )


def toolkit_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        toolkit = selectors.toolkit_get(slug=slug)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    if not can_read_toolkit(request.user, toolkit):
        if not request.user.is_authenticated:
            return redirect(f"/accounts/login/?next={request.path}")
        raise Http404(_("No such toolkit."))
    public = None
    jsonld = None
    if toolkit.published_at is not None:
        public_toolkit = selectors.public_toolkit(slug=slug)
        public = public_answer(public_toolkit)
        jsonld = jsonld_script_text(
            toolkit_jsonld(public_toolkit, public_toolkit.public_items, base_url=_base(request))
        )
    member_view = _is_member_reader(request.user, toolkit)
    items, hidden = selectors.readable_items(toolkit, request.user) if member_view else ([], 0)
    return render(
        request,
        "resources/toolkit.html",
        {
            "toolkit": toolkit,
            "introduction": render_markdown(toolkit.introduction),
            "member_view": member_view,
            "items": [{"item": item, "licence": LICENCES[item.resource.licence]} for item in items],
            "hidden": hidden,
            "public": public,
            "jsonld": jsonld,
            "can_curate": can_curate_toolkits(request.user, toolkit.community),
        },
    )


def _public_material(slug: str, resource_id: int) -> tuple[Any, Any]:
    try:
        toolkit = selectors.public_toolkit(slug=slug)
        return toolkit, selectors.public_material(toolkit=toolkit, resource_id=resource_id)
    except NotFound as exc:
        raise Http404(exc.detail) from exc


def public_material(request: HttpRequest, slug: str, resource_id: int) -> HttpResponse:
    """An openly licensed material of a public toolkit, for anyone."""
    toolkit, resource = _public_material(slug, resource_id)
    material = next(
        i.material for i in public_answer(toolkit).items if i.material.id == resource.pk
    )
    return render(
        request,
        "resources/public_material.html",
        {
            "toolkit": toolkit,
            "material": material,
            "jsonld": jsonld_script_text(
                public_material_jsonld(resource, toolkit=toolkit, base_url=_base(request))
            ),
        },
    )


def public_download(request: HttpRequest, slug: str, resource_id: int) -> HttpResponse:
    _toolkit, resource = _public_material(slug, resource_id)
    version = selectors.latest_version(resource)
    if version is None or not version.file:
        raise Http404(_("This material is a link, not a file."))
    response = attachment_response(resource, version)
    response["Cache-Control"] = "public, max-age=3600"
    return response


@require_GET
def sitemap(request: HttpRequest) -> HttpResponse:
    """Public toolkits and their materials, for search engines and OER portals."""
    return render(
        request,
        "resources/sitemap.xml",
        {"base": _base(request), "entries": selectors.public_sitemap_entries()},
        content_type="application/xml; charset=utf-8",
    )


@require_GET
def robots(request: HttpRequest) -> HttpResponse:
    return HttpResponse(
        f"User-agent: *\nDisallow: /api/\nSitemap: {_base(request)}/sitemap.xml\n",
        content_type="text/plain; charset=utf-8",
    )


# --- curating -----------------------------------------------------------------------------------


@login_required
def toolkit_new(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        community = community_by_slug(slug=slug)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    if not can_curate_toolkits(request.user, community):
        messages.error(request, _("Only facilitators and coordinators curate toolkits."))
        return redirect("community:detail", slug=slug)
    form = ToolkitForm(request.POST or None, initial={"language": (community.languages or [""])[0]})
    form.fields.pop("public")
    if request.method == "POST" and form.is_valid():
        try:
            toolkit = services.toolkit_create(
                actor=request.user, community=community, **form.cleaned_data
            )
        except KringError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.detail)
        else:
            messages.success(request, _("Toolkit created: now add materials."))
            return redirect("resources:toolkit_edit", slug=toolkit.slug)
    return render(
        request,
        "resources/toolkit_form.html",
        {"form": form, "community": community, "heading": _("New toolkit")},
    )


def _items(toolkit: Any) -> list[tuple[int, str]]:
    return [(i.resource_id, i.note) for i in toolkit.items.all()]


def _moved(items: list[tuple[int, str]], resource_id: int, step: int) -> list[tuple[int, str]]:
    index = next((n for n, (rid, _note) in enumerate(items) if rid == resource_id), None)
    target = None if index is None else index + step
    if index is None or target is None or not 0 <= target < len(items):
        return items
    items = list(items)
    items[index], items[target] = items[target], items[index]
    return items


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@login_required
def toolkit_edit(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        toolkit = selectors.toolkit_get(slug=slug)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    if not can_curate_toolkits(request.user, toolkit.community):
        raise Http404(_("No such toolkit."))
    form = ToolkitForm(
        initial={
            "title": toolkit.title,
            "introduction": toolkit.introduction,
            "language": toolkit.language,
            "public": toolkit.published_at is not None,
        }
    )
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "details":
                form = ToolkitForm(request.POST)
                if form.is_valid():
                    services.toolkit_update(
                        actor=request.user, toolkit=toolkit, **form.cleaned_data
                    )
                    messages.success(request, _("Saved."))
                    return redirect("resources:toolkit_edit", slug=slug)
            elif action == "delete":
                services.toolkit_delete(actor=request.user, toolkit=toolkit)
                messages.success(request, _("Toolkit deleted."))
                return redirect("resources:toolkits")
            elif action in ("add", "remove", "up", "down"):
                resource_id = _int(request.POST.get("resource"))
                items = _items(toolkit)
                if action == "add":
                    items.append((resource_id, request.POST.get("note", "").strip()[:500]))
                elif action == "remove":
                    items = [item for item in items if item[0] != resource_id]
                else:
                    items = _moved(items, resource_id, -1 if action == "up" else 1)
                services.toolkit_items_set(actor=request.user, toolkit=toolkit, items=items)
                return redirect("resources:toolkit_edit", slug=slug)
        except KringError as exc:
            if action == "details":
                form.add_error(exc.field if exc.field in form.fields else None, exc.detail)
            else:
                messages.error(request, exc.detail)
    in_kit = {i.resource_id for i in toolkit.items.all()}
    return render(
        request,
        "resources/toolkit_edit.html",
        {
            "toolkit": toolkit,
            "form": form,
            "items": list(toolkit.items.all()),
            "candidates": [
                r
                for r in selectors.toolkit_candidates(
                    user=request.user, community=toolkit.community
                )
                if r.pk not in in_kit
            ],
            "open_licences": {spdx for spdx, lic in LICENCES.items() if lic.is_open},
        },
    )
