"""Pages of teaching materials: the library, one material with its live thread, and the forms
to share, add a version and adapt. Each view parses, authorises, calls a service or selector."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community.permissions import can_read_rooms
from community.selectors import community_by_slug
from community.views import live_room_context
from core.errors import Forbidden, Gone, KringError, NotFound

from . import selectors, services
from .api import attachment_response, material_detail_out
from .forms import AdaptForm, EditForm, ShareForm, VersionForm, WithdrawForm
from .licences import LICENCES
from .lrmi import jsonld_script_text, resource_jsonld
from .models import IscedLevel, ReactionKind, ResourceType
from .permissions import can_manage_resource, material_refusal

PAGE_SIZE = 24


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


@login_required
def library(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    """All materials of the viewer's communities, or of one community, with filters."""
    community = None
    if slug is not None:
        try:
            community = community_by_slug(slug=slug)
        except NotFound as exc:
            raise Http404(exc.detail) from exc
        if not can_read_rooms.test(request.user, community):
            messages.info(request, _("Join this community to see its teaching materials."))
            return redirect("community:detail", slug=slug)
    get = request.GET
    filters = {
        "subject": (get.get("subject") or "").strip()[:60] or None,
        "age": _int_or_none(get.get("age")),
        "language": (get.get("language") or "").strip()[:35] or None,
        "licence": get.get("licence") if get.get("licence") in LICENCES else None,
        "tag": (get.get("tag") or "").strip()[:60] or None,
        "resource_type": get.get("type") if get.get("type") in ResourceType.values else None,
        "q": (get.get("q") or "").strip()[:200] or None,
        "sort": "most_used" if get.get("sort") == "most_used" else "newest",
        # Withdrawn materials the viewer may review or restore (their own, or as facilitator).
        "withdrawn": get.get("withdrawn") == "1",
    }
    chosen = _int_or_none(get.get("community"))
    community_id = community.pk if community else chosen
    resources = selectors.resource_list(user=request.user, community_id=community_id, **filters)
    any_withdrawn = (
        filters["withdrawn"]
        or selectors.resource_list(
            user=request.user, community_id=community_id, withdrawn=True
        ).exists()
    )
    page = Paginator(resources, PAGE_SIZE).get_page(get.get("page"))
    query = get.copy()
    query.pop("page", None)
    return render(
        request,
        "resources/library.html",
        {
            "community": community,
            "page": page,
            "filters": {**filters, "community": chosen, "type": filters["resource_type"]},
            "communities": selectors.communities_of(user=request.user),
            "licences": LICENCES.values(),
            "types": ResourceType.choices,
            "query": query.urlencode(),
            "can_share": bool(selectors.communities_to_share_in(user=request.user)),
            "any_withdrawn": any_withdrawn,
        },
    )


def _readable(request: HttpRequest, resource_id: int) -> Any:
    try:
        return selectors.resource_for_reader(user=request.user, resource_id=resource_id)
    except NotFound as exc:
        raise Http404(exc.detail) from exc


def _material_for_member(request: HttpRequest, resource_id: int) -> Any:
    """For the forms and actions: outsiders get a 404, as if the material were not there."""
    try:
        return _readable(request, resource_id)
    except Forbidden as exc:
        raise Http404(exc.detail) from exc


def _material_form(
    request: HttpRequest, form: Any, resource: Any, heading: str, **extra: Any
) -> HttpResponse:
    """The form page about an existing material (new version, adapt, edit)."""
    context = {"form": form, "resource": resource, "community": resource.community}
    return render(request, "resources/form.html", {**context, "heading": heading, **extra})


@login_required
def detail(request: HttpRequest, resource_id: int) -> HttpResponse:
    try:
        resource = _readable(request, resource_id)
    except Forbidden:
        messages.info(request, _("Join its community to open this material."))
        return redirect("community:directory")
    if request.method == "POST":
        return _react(request, resource)
    out = material_detail_out(resource, viewer=request.user)
    return render(
        request,
        "resources/detail.html",
        {
            **live_room_context(request, resource.community, resource.thread),
            "resource": resource,
            "out": out,
            "versions": list(resource.versions.all()),
            "licence": LICENCES[resource.licence],
            "isced": IscedLevel(resource.isced_level).label
            if resource.isced_level is not None
            else "",
            "reactions": [
                {
                    "kind": kind,
                    "label": label,
                    "count": out.reactions.counts[kind],
                    "mine": kind in out.reactions.mine,
                }
                for kind, label in ReactionKind.choices
            ],
            # A withdrawn material is not offered to harvesters.
            "jsonld": None
            if resource.withdrawn_at
            else jsonld_script_text(
                resource_jsonld(resource, base_url=request.build_absolute_uri("/")[:-1])
            ),
            "can_adapt": LICENCES[resource.licence].adaptable and not resource.withdrawn_at,
            "withdraw_form": WithdrawForm() if out.can_withdraw else None,
            "must_give_reason": resource.author_id != request.user.pk,
        },
    )


def _react(request: HttpRequest, resource: Any) -> HttpResponse:
    kind = request.POST.get("reaction", "")
    try:
        services.reaction_set(
            actor=request.user, resource=resource, kind=kind, on=request.POST.get("on") == "1"
        )
    except KringError as exc:
        messages.error(request, exc.detail)
    return redirect("resources:detail", resource_id=resource.pk)


@login_required
def download(request: HttpRequest, resource_id: int, number: int) -> HttpResponse:
    try:
        resource = _readable(request, resource_id)
        version = selectors.downloadable_version(
            viewer=request.user, resource=resource, number=number
        )
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    except Forbidden:
        return HttpResponse(_("Only members of its community can download this."), status=403)
    except Gone as exc:
        return HttpResponse(exc.detail, status=410, content_type="text/plain; charset=utf-8")
    if not version.file:
        return redirect(version.url)
    return attachment_response(resource, version)


@login_required
def share(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        community = community_by_slug(slug=slug)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    refusal = material_refusal(request.user, community)
    if refusal:
        messages.error(request, refusal)
        return redirect("community:detail", slug=slug)
    form = ShareForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            resource = services.resource_share(
                actor=request.user, community=community, **form.content(), **form.metadata()
            )
        except KringError as exc:
            form.add_error(None, exc.detail)
        else:
            messages.success(request, _("Shared. Your community was told."))
            return redirect("resources:detail", resource_id=resource.pk)
    elif request.method == "GET":
        # The community's own language first: a Dutch community shares in Dutch.
        language = (community.languages or [request.LANGUAGE_CODE])[0]
        form.initial.update({"language": language, "licence": "CC-BY-4.0"})
    return render(
        request,
        "resources/form.html",
        {"form": form, "community": community, "heading": _("Share a teaching material")},
    )


@login_required
def new_version(request: HttpRequest, resource_id: int) -> HttpResponse:
    resource = _material_for_member(request, resource_id)
    if not can_manage_resource(request.user, resource):
        messages.error(request, _("Only the author or a facilitator adds versions."))
        return redirect("resources:detail", resource_id=resource.pk)
    form = VersionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.resource_new_version(
                actor=request.user,
                resource=resource,
                change_note=form.cleaned_data["change_note"],
                **form.content(),
            )
        except KringError as exc:
            form.add_error(None, exc.detail)
        else:
            messages.success(request, _("Version %(n)s is published.") % {"n": version.number})
            return redirect("resources:detail", resource_id=resource.pk)
    return _material_form(
        request, form, resource, _("New version of “%(title)s”") % {"title": resource.title}
    )


@login_required
def adapt(request: HttpRequest, resource_id: int) -> HttpResponse:
    resource = _material_for_member(request, resource_id)
    versions = list(resource.versions.all())
    communities = selectors.communities_to_share_in(user=request.user)
    form = AdaptForm(
        request.POST or None, request.FILES or None, communities=communities, versions=versions
    )
    if request.method == "POST" and form.is_valid():
        try:
            adaptation = services.resource_adapt(
                actor=request.user,
                source=selectors.version_get(
                    resource=resource, number=form.cleaned_data["version"]
                ),
                community=community_by_slug(slug=form.cleaned_data["community"]),
                **form.content(),
                **form.metadata(),
            )
        except KringError as exc:
            form.add_error(None, exc.detail)
        else:
            messages.success(request, _("Your adaptation is shared."))
            return redirect("resources:detail", resource_id=adaptation.pk)
    elif request.method == "GET":
        form.start_from(resource)
        form.initial["community"] = resource.community.slug
    form.limit_licences(resource.licence)
    licence = LICENCES[resource.licence]
    return _material_form(
        request,
        form,
        resource,
        _("Adapt “%(title)s”") % {"title": resource.title},
        licence_note=None
        if licence.adaptable and not licence.share_alike
        else (
            _("%(name)s: the adaptation keeps this licence.") % {"name": licence.name}
            if licence.adaptable
            else _("%(name)s does not allow adaptations.") % {"name": licence.name}
        ),
    )


@login_required
def edit(request: HttpRequest, resource_id: int) -> HttpResponse:
    resource = _material_for_member(request, resource_id)
    if not can_manage_resource(request.user, resource) or resource.withdrawn_at:
        messages.error(request, _("Only the author or a facilitator edits this material."))
        return redirect("resources:detail", resource_id=resource.pk)
    form = EditForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.resource_update(actor=request.user, resource=resource, **form.metadata())
        except KringError as exc:
            form.add_error(None, exc.detail)
        else:
            messages.success(request, _("Saved."))
            return redirect("resources:detail", resource_id=resource.pk)
    elif request.method == "GET":
        form.start_from(resource)
    return _material_form(
        request,
        form,
        resource,
        _("Edit “%(title)s”") % {"title": resource.title},
        licence_note=_("Licence: %(name)s. It cannot change once shared: others may rely on it.")
        % {"name": LICENCES[resource.licence].name},
        submit=_("Save"),
    )


@login_required
@require_POST
def withdraw(request: HttpRequest, resource_id: int) -> HttpResponse:
    return _withdraw_or_restore(request, resource_id, services.resource_withdraw)


@login_required
@require_POST
def restore(request: HttpRequest, resource_id: int) -> HttpResponse:
    return _withdraw_or_restore(request, resource_id, services.resource_restore)


def _withdraw_or_restore(request: HttpRequest, resource_id: int, action: Any) -> HttpResponse:
    resource = _material_for_member(request, resource_id)
    form = WithdrawForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        action(actor=request.user, resource=resource, reason=reason)
    except KringError as exc:
        messages.error(request, exc.detail)
    else:
        done = (
            _("Withdrawn: it is out of the library and its thread is closed.")
            if action is services.resource_withdraw
            else _("Restored: it is back in the library.")
        )
        messages.success(request, done)
    return redirect("resources:detail", resource_id=resource.pk)
