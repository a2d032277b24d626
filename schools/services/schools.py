"""Schools and teachers' links to them: creating and editing a school, linking oneself
(one primary school, more allowed), the lead confirming links, merging duplicates."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext
from django_countries import countries

from community.models import Community, CommunityKind, User
from community.permissions import is_active_member
from community.services.profiles import clean_language_tags
from core import ratelimit
from core.audit import AuditAction, audit_record
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.notify import Category, Verb, notify_users

from ..models import (
    AssessmentResponse,
    LinkState,
    Pairing,
    School,
    SchoolInHub,
    SchoolKind,
    SchoolLink,
    SizeBand,
)
from ..permissions import can_edit_school, can_manage_links, can_merge_schools, is_hub_facilitator

EDITABLE = ("name", "country", "region", "kind", "size_band", "languages", "website")


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    if "name" in data:
        name = " ".join(str(data["name"] or "").split())
        if not 2 <= len(name) <= 200:
            raise Invalid(_("A school's name is 2 to 200 characters."), field="name")
        cleaned["name"] = name
    if "country" in data:
        code = str(data["country"] or "").upper()
        if code not in dict(countries):
            raise Invalid(_("Choose the school's country."), field="country")
        cleaned["country"] = code
    if "region" in data:
        cleaned["region"] = " ".join(str(data["region"] or "").split())[:120]
    if "kind" in data:
        if data["kind"] not in SchoolKind.values:
            raise Invalid(_("Choose the type of school."), field="kind")
        cleaned["kind"] = data["kind"]
    if "size_band" in data:
        if data["size_band"] and data["size_band"] not in SizeBand.values:
            raise Invalid(_("Choose a size."), field="size_band")
        cleaned["size_band"] = data["size_band"] or ""
    if "languages" in data:
        cleaned["languages"] = clean_language_tags(data["languages"] or [])[:10]
    if "website" in data:
        website = str(data["website"] or "").strip()
        if len(website) > 300 or (website and not website.startswith(("https://", "http://"))):
            raise Invalid(_("A website is an http(s) address."), field="website")
        cleaned["website"] = website
    return cleaned


def _primary_if_first(user: User) -> bool:
    return not SchoolLink.objects.filter(user_id=user.pk, is_primary=True).exists()


def _check_link_count(user: User) -> None:
    if (
        SchoolLink.objects.filter(user_id=user.pk).count()
        >= settings.KRING_SCHOOL_MAX_LINKS_PER_TEACHER
    ):
        raise Conflict(
            ngettext(
                "You are linked to %(n)s school already, the most there can be.",
                "You are linked to %(n)s schools already, the most there can be.",
                settings.KRING_SCHOOL_MAX_LINKS_PER_TEACHER,
            )
            % {"n": settings.KRING_SCHOOL_MAX_LINKS_PER_TEACHER}
        )


def school_create(*, actor: User, **data: Any) -> School:
    """A new school; its creator is its lead (a confirmed link, primary if they have none)."""
    ratelimit.limit("school", actor_id=actor.pk, what=_("changes to schools"))
    missing = [f for f in ("name", "country", "kind") if not data.get(f)]
    if missing:
        raise Invalid(_("Missing: %(fields)s.") % {"fields": ", ".join(missing)}, field=missing[0])
    fields = _clean({k: v for k, v in data.items() if k in EDITABLE})
    _check_link_count(actor)
    with transaction.atomic():
        school = School.objects.create(created_by=actor, **fields)
        SchoolLink.objects.create(
            school=school,
            user=actor,
            state=LinkState.CONFIRMED,
            is_lead=True,
            is_primary=_primary_if_first(actor),
            confirmed_at=timezone.now(),
            confirmed_by=actor,
        )
    return school


def _live(school: School) -> School:
    if school.merged_into_id is not None:
        raise Conflict(_("This school was merged into another one."))
    return school


def school_update(*, actor: User, school: School, **changes: Any) -> School:
    if not can_edit_school(actor, school):
        raise Forbidden(_("Only the school's lead edits it."))
    _live(school)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise Invalid(_("Not editable: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    ratelimit.limit("school", actor_id=actor.pk, what=_("changes to schools"))
    fields = _clean(changes)
    with transaction.atomic():
        for name, value in fields.items():
            setattr(school, name, value)
        school.save(update_fields=[*fields, "updated_at"])
    return school


def _leads(school_id: int) -> list[int]:
    return list(
        SchoolLink.objects.filter(
            school_id=school_id, state=LinkState.CONFIRMED, is_lead=True
        ).values_list("user_id", flat=True)
    )


def school_link_request(
    *, actor: User, school: School, primary: bool = False, shown: bool = True
) -> SchoolLink:
    """Link oneself to a school (waiting for its lead; a school without a lead — its lead
    left — is confirmed at once, and the teacher becomes its lead). ``primary`` makes it the
    teacher's main school (their other links stay). Linking again changes primary/shown."""
    _live(school)
    ratelimit.limit("school", actor_id=actor.pk, what=_("changes to schools"))
    with transaction.atomic():
        link = SchoolLink.objects.select_for_update().filter(school=school, user=actor).first()
        if link is None:
            _check_link_count(actor)
            lead_ids = _leads(school.pk)
            link = SchoolLink(school=school, user=actor)
            if not lead_ids:
                link.state, link.is_lead = LinkState.CONFIRMED, True
                link.confirmed_at, link.confirmed_by = timezone.now(), actor
        if primary or _primary_if_first(actor):
            SchoolLink.objects.filter(user=actor, is_primary=True).exclude(pk=link.pk).update(
                is_primary=False
            )
            link.is_primary = True
        link.shown = shown
        created = link.pk is None
        link.save()
        if created and link.state == LinkState.PENDING:
            notify_users(
                actor=actor,
                user_ids=_leads(school.pk),
                category=Category.SCHOOLS,
                verb=Verb(gettext_noop("asked to be linked to %(school)s"), school=school.name),
                url=f"/schools/{school.pk}/",
                members_only=False,
            )
    return link


def _link_of(school: School, link_id: int) -> SchoolLink:
    link = (
        SchoolLink.objects.select_related("user", "school")
        .filter(pk=link_id, school=school)
        .first()
    )
    if link is None:
        raise NotFound(_("No such link to this school."))
    return link


def school_link_confirm(*, actor: User, school: School, link_id: int) -> SchoolLink:
    if not can_manage_links(actor, school):
        raise Forbidden(_("Only the school's lead confirms its teachers."))
    ratelimit.limit("school", actor_id=actor.pk, what=_("changes to schools"))
    with transaction.atomic():
        link = _link_of(school, link_id)
        if link.state == LinkState.CONFIRMED:
            return link
        link.state, link.confirmed_at, link.confirmed_by = (
            LinkState.CONFIRMED,
            timezone.now(),
            actor,
        )
        link.save(update_fields=["state", "confirmed_at", "confirmed_by"])
        notify_users(
            actor=actor,
            user_ids=[link.user_id],
            category=Category.SCHOOLS,
            verb=Verb(gettext_noop("confirmed you as a teacher of %(school)s"), school=school.name),
            url=f"/schools/{school.pk}/",
            members_only=False,
        )
    return link


def school_link_remove(*, actor: User, school: School, link_id: int) -> None:
    """A teacher unlinks themself; the lead declines a request or removes a teacher. The
    last lead cannot leave while others are linked: they name another lead first."""
    link = _link_of(school, link_id)
    own = link.user_id == actor.pk
    if not own and not can_manage_links(actor, school):
        raise Forbidden(_("Only the school's lead removes its teachers."))
    with transaction.atomic():
        if link.is_lead and link.state == LinkState.CONFIRMED:
            others = SchoolLink.objects.filter(school=school).exclude(pk=link.pk)
            if len(_leads(school.pk)) == 1 and others.exists():
                raise Conflict(_("Name another lead before the school's only lead leaves."))
        link.delete()


def school_lead_set(*, actor: User, school: School, link_id: int, lead: bool) -> SchoolLink:
    """Make a confirmed teacher a lead of the school too, or not (a school keeps one lead)."""
    if not can_manage_links(actor, school):
        raise Forbidden(_("Only the school's lead names other leads."))
    with transaction.atomic():
        link = _link_of(school, link_id)
        if link.state != LinkState.CONFIRMED:
            raise Conflict(_("Confirm the teacher first."))
        if not lead and link.is_lead and len(_leads(school.pk)) == 1:
            raise Conflict(_("A school keeps at least one lead."))
        link.is_lead = lead
        link.save(update_fields=["is_lead"])
    return link


def school_merge(*, actor: User, duplicate: School, survivor: School) -> School:
    """A coordinator merges a duplicate into the survivor: links (a teacher linked to both
    keeps the survivor's, primary if either was), self-assessments (the survivor's answer of
    a year wins over the duplicate's), hubs and mentoring pairs move; the duplicate stays as
    a pointer to the survivor."""
    if not can_merge_schools(actor):
        raise Forbidden(_("Only programme coordinators merge schools."))
    if duplicate.pk == survivor.pk:
        raise Invalid(_("A school cannot be merged into itself."))
    if survivor.merged_into_id is not None or duplicate.merged_into_id is not None:
        raise Conflict(_("One of these schools was merged already."))
    ratelimit.limit("school", actor_id=actor.pk, what=_("changes to schools"))
    with transaction.atomic():
        for link in SchoolLink.objects.select_for_update().filter(school=duplicate):
            kept = SchoolLink.objects.filter(school=survivor, user_id=link.user_id).first()
            if kept is None:
                link.school = survivor
                link.save(update_fields=["school"])
                continue
            changes = {
                "is_primary": kept.is_primary or link.is_primary,
                "is_lead": kept.is_lead or link.is_lead,
            }
            if link.state == LinkState.CONFIRMED:
                changes["state"] = LinkState.CONFIRMED
            link.delete()
            SchoolLink.objects.filter(pk=kept.pk).update(**changes)
        taken = set(
            AssessmentResponse.objects.filter(school=survivor).values_list("user_id", "year")
        )
        for response in AssessmentResponse.objects.filter(school=duplicate):
            if (response.user_id, response.year) in taken:
                response.delete()
            else:
                AssessmentResponse.objects.filter(pk=response.pk).update(school=survivor)
        present = set(SchoolInHub.objects.filter(school=survivor).values_list("hub_id", flat=True))
        SchoolInHub.objects.filter(school=duplicate, hub_id__in=present).delete()
        SchoolInHub.objects.filter(school=duplicate).update(school=survivor)
        # A pair between the two merged schools makes no sense any more: it is completed.
        Pairing.objects.filter(
            Q(mentor=duplicate, mentee=survivor) | Q(mentor=survivor, mentee=duplicate)
        ).exclude(status__in=["completed", "declined"]).update(
            status="completed", completed_at=timezone.now()
        )
        Pairing.objects.filter(mentor=duplicate).update(mentor=survivor)
        Pairing.objects.filter(mentee=duplicate).update(mentee=survivor)
        duplicate.merged_into = survivor
        duplicate.save(update_fields=["merged_into", "updated_at"])
        audit_record(
            community_id=None,
            actor=actor,
            action=AuditAction.SCHOOL_MERGE,
            data={"duplicate": duplicate.pk, "survivor": survivor.pk, "name": duplicate.name},
        )
    return survivor


def school_hub_add(*, actor: User, school: School, hub: Community) -> SchoolInHub:
    """A school takes part in a hub: added by the hub's facilitators, or by the school's lead
    when they are an active member of the hub."""
    _live(school)
    if hub.kind != CommunityKind.HUB:
        raise Invalid(_("Schools take part in hubs (regional innovation hubs)."))
    lead_member = can_edit_school(actor, school) and is_active_member(actor, hub)
    if not (is_hub_facilitator(actor, hub) or lead_member):
        raise Forbidden(
            _("The hub's facilitators add schools, or a school's lead who is a member of the hub.")
        )
    ratelimit.limit("school", actor_id=actor.pk, what=_("changes to schools"))
    with transaction.atomic():
        entry, _created = SchoolInHub.objects.get_or_create(
            school=school, hub=hub, defaults={"added_by": actor}
        )
    return entry


def teacher_school_data_erase(*, user: User) -> None:
    """GDPR erasure: the teacher's self-assessment answers and school links go (a school's
    medians of past years lose their answers too: they were theirs to take back)."""
    with transaction.atomic():
        AssessmentResponse.objects.filter(user=user).delete()
        SchoolLink.objects.filter(user=user).delete()
