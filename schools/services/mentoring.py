"""Mentoring pairs of schools in a hub: a facilitator proposes a pair, both school leads
accept, and the pair becomes active with its private room (opened through the community's
services, told live to both schools' teachers) and a plan: goals per area, planned visits and
online co-planning sessions (reminded through the outbox), notes. The facilitator follows
the status: proposed, active, completed (or declined)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from community.models import Community, RoomKind, User
from community.selectors import facilitator_ids
from community.services import private_room_open
from core import ratelimit
from core.audit import AuditAction, audit_record
from core.emitters import users_frame_on_commit
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.notify import Category, Verb, notify_users
from core.protocol.schools import mentoring_frame

from ..instrument import instrument
from ..matching import hub_schools, pair_reasons
from ..models import (
    LinkState,
    Pairing,
    PairingStatus,
    PlanGoal,
    PlanSession,
    School,
    SchoolLink,
    SessionKind,
)
from ..permissions import can_complete_pairing, can_edit_plan, can_run_mentoring, pairing_side
from ..profile import latest_medians

OPEN = (PairingStatus.PROPOSED, PairingStatus.ACTIVE)


def teacher_ids(*school_ids: int) -> list[int]:
    """Confirmed teachers of these schools (the pair's people)."""
    return sorted(
        set(
            SchoolLink.objects.filter(
                school_id__in=school_ids, state=LinkState.CONFIRMED
            ).values_list("user_id", flat=True)
        )
    )


def lead_ids(*school_ids: int) -> list[int]:
    return sorted(
        set(
            SchoolLink.objects.filter(
                school_id__in=school_ids, state=LinkState.CONFIRMED, is_lead=True
            ).values_list("user_id", flat=True)
        )
    )


def _tell_on_commit(pairing: Pairing) -> None:
    """The pair changed: both schools' teachers' open pages (with the room once active) and
    the hub's facilitators' (without it)."""
    people = teacher_ids(pairing.mentor_id, pairing.mentee_id)
    users_frame_on_commit(people, mentoring_frame(pairing, with_room=True))
    others = [u for u in facilitator_ids(pairing.hub_id) if u not in people]
    users_frame_on_commit(others, mentoring_frame(pairing, with_room=False))


def _locked(pairing: Pairing) -> Pairing:
    found = (
        Pairing.objects.select_for_update(of=("self",))
        .select_related("hub", "mentor", "mentee")
        .filter(pk=pairing.pk)
        .first()
    )
    if found is None:
        raise NotFound(_("No such mentoring pair."))
    return found


def pairing_propose(*, actor: User, hub: Community, mentor: School, mentee: School) -> Pairing:
    """Propose ``mentor`` to mentor ``mentee`` (both schools of the hub); the reasons are the
    suggestion engine's for the pair, kept with it. Both leads are told."""
    if not can_run_mentoring(actor, hub):
        raise Forbidden(_("Only the hub's facilitators propose mentoring pairs."))
    if hub.archived_at is not None:
        raise Conflict(_("This hub is archived."))
    if mentor.pk == mentee.pk:
        raise Invalid(_("A school cannot mentor itself."), field="mentee")
    in_hub = {s.pk for s in hub_schools(hub)}
    if mentor.pk not in in_hub or mentee.pk not in in_hub:
        raise Invalid(_("Both schools must take part in this hub."))
    ratelimit.limit("mentoring", actor_id=actor.pk, what=_("mentoring changes"))
    _score, reasons = pair_reasons(
        mentor, mentee, latest_medians(school_ids=[mentor.pk, mentee.pk])
    )
    with transaction.atomic():
        if Pairing.objects.filter(mentor=mentor, mentee=mentee, status__in=OPEN).exists():
            raise Conflict(_("These schools are already paired (or proposed)."))
        pairing = Pairing.objects.create(
            hub=hub, mentor=mentor, mentee=mentee, reasons=reasons, proposed_by=actor
        )
        audit_record(
            community_id=hub.pk,
            actor=actor,
            action=AuditAction.PAIRING_PROPOSE,
            data={"pairing": pairing.pk, "mentor": mentor.name, "mentee": mentee.name},
        )
        notify_users(
            actor=actor,
            user_ids=lead_ids(mentor.pk, mentee.pk),
            category=Category.SCHOOLS,
            verb=Verb(
                gettext_noop("proposed that %(mentor)s mentors %(mentee)s"),
                mentor=mentor.name,
                mentee=mentee.name,
            ),
            url=f"/mentoring/{pairing.pk}/",
            members_only=False,
        )
        _tell_on_commit(pairing)
    return pairing


def _activate(pairing: Pairing, actor: User) -> None:
    name = slugify(f"mentoring-{pairing.mentor.name}-{pairing.mentee.name}") or "mentoring"
    room = private_room_open(
        community=pairing.hub,
        kind=RoomKind.MENTORING,
        name=name[:70],
        topic=_("%(mentor)s mentors %(mentee)s")
        % {"mentor": pairing.mentor.name, "mentee": pairing.mentee.name},
    )
    pairing.room = room
    pairing.status = PairingStatus.ACTIVE
    pairing.activated_at = timezone.now()
    notify_users(
        actor=actor,
        user_ids=teacher_ids(pairing.mentor_id, pairing.mentee_id),
        category=Category.SCHOOLS,
        verb=Verb(
            gettext_noop("opened the mentoring room of %(mentor)s and %(mentee)s"),
            mentor=pairing.mentor.name,
            mentee=pairing.mentee.name,
        ),
        url=f"/mentoring/{pairing.pk}/room/",
        members_only=False,
    )


def pairing_accept(*, actor: User, pairing: Pairing) -> Pairing:
    """A school lead accepts for their school; the second acceptance makes the pair active
    and opens its room, live for both schools' teachers."""
    ratelimit.limit("mentoring", actor_id=actor.pk, what=_("mentoring changes"))
    with transaction.atomic():
        pairing = _locked(pairing)
        side = pairing_side(actor, pairing)
        if side is None:
            raise Forbidden(_("Only the leads of the two schools accept a mentoring pair."))
        if pairing.status != PairingStatus.PROPOSED:
            raise Conflict(_("This pair is %(status)s.") % {"status": pairing.get_status_display()})
        now = timezone.now()
        if side == "mentor" and pairing.mentor_accepted_at is None:
            pairing.mentor_accepted_at, pairing.mentor_accepted_by = now, actor
        elif side == "mentee" and pairing.mentee_accepted_at is None:
            pairing.mentee_accepted_at, pairing.mentee_accepted_by = now, actor
        if pairing.mentor_accepted_at and pairing.mentee_accepted_at:
            _activate(pairing, actor)
        else:
            notify_users(
                actor=actor,
                user_ids=[*lead_ids(pairing.mentor_id, pairing.mentee_id), pairing.proposed_by_id],
                category=Category.SCHOOLS,
                verb=Verb(
                    gettext_noop("accepted mentoring between %(mentor)s and %(mentee)s"),
                    mentor=pairing.mentor.name,
                    mentee=pairing.mentee.name,
                ),
                url=f"/mentoring/{pairing.pk}/",
                members_only=False,
            )
        pairing.save()
        _tell_on_commit(pairing)
    return pairing


def pairing_decline(*, actor: User, pairing: Pairing, reason: str = "") -> Pairing:
    ratelimit.limit("mentoring", actor_id=actor.pk, what=_("mentoring changes"))
    with transaction.atomic():
        pairing = _locked(pairing)
        if pairing_side(actor, pairing) is None and not can_run_mentoring(actor, pairing.hub):
            raise Forbidden(_("Only the two schools' leads or the hub's facilitators decline."))
        if pairing.status != PairingStatus.PROPOSED:
            raise Conflict(_("Only a proposed pair can be declined."))
        pairing.status = PairingStatus.DECLINED
        pairing.declined_reason = " ".join(reason.split())[:500]
        pairing.save(update_fields=["status", "declined_reason"])
        notify_users(
            actor=actor,
            user_ids=[*lead_ids(pairing.mentor_id, pairing.mentee_id), pairing.proposed_by_id],
            category=Category.SCHOOLS,
            verb=Verb(
                gettext_noop("declined mentoring between %(mentor)s and %(mentee)s"),
                mentor=pairing.mentor.name,
                mentee=pairing.mentee.name,
            ),
            text=pairing.declined_reason,
            url=f"/mentoring/{pairing.pk}/",
            members_only=False,
        )
        _tell_on_commit(pairing)
    return pairing


def pairing_complete(*, actor: User, pairing: Pairing) -> Pairing:
    """The pair finished its work; its room and plan stay readable for its teachers."""
    with transaction.atomic():
        pairing = _locked(pairing)
        if not can_complete_pairing(actor, pairing):
            raise Forbidden(_("Only the two schools' leads or the hub's facilitators do this."))
        if pairing.status != PairingStatus.ACTIVE:
            raise Conflict(_("Only an active pair can be completed."))
        pairing.status, pairing.completed_at = PairingStatus.COMPLETED, timezone.now()
        pairing.save(update_fields=["status", "completed_at"])
        audit_record(
            community_id=pairing.hub_id,
            actor=actor,
            action=AuditAction.PAIRING_COMPLETE,
            data={"pairing": pairing.pk},
        )
        _tell_on_commit(pairing)
    return pairing


def _editable(actor: User, pairing: Pairing) -> Pairing:
    if not can_edit_plan(actor, pairing):
        raise Forbidden(_("The two schools' leads and the hub's facilitators plan the mentoring."))
    if pairing.status != PairingStatus.ACTIVE:
        raise Conflict(_("Only an active pair's plan can change."))
    ratelimit.limit("mentoring", actor_id=actor.pk, what=_("mentoring changes"))
    return pairing


def plan_notes_set(*, actor: User, pairing: Pairing, notes: str) -> Pairing:
    _editable(actor, pairing)
    notes = str(notes or "").strip()
    if len(notes) > settings.KRING_MENTORING_NOTES_MAX:
        raise Invalid(
            _("Notes are at most %(n)s characters.") % {"n": settings.KRING_MENTORING_NOTES_MAX},
            field="notes",
        )
    Pairing.objects.filter(pk=pairing.pk).update(notes=notes)
    pairing.notes = notes
    return pairing


def goal_add(*, actor: User, pairing: Pairing, area: str, text: str) -> PlanGoal:
    _editable(actor, pairing)
    if instrument().area(area) is None:
        raise Invalid(_("Choose one of the self-assessment's areas."), field="area")
    text = " ".join(str(text or "").split())
    if not 1 <= len(text) <= 300:
        raise Invalid(_("A goal is 1 to 300 characters."), field="text")
    with transaction.atomic():
        if pairing.goals.count() >= settings.KRING_MENTORING_MAX_GOALS:
            raise Conflict(
                _("A plan has at most %(n)s goals.") % {"n": settings.KRING_MENTORING_MAX_GOALS}
            )
        return PlanGoal.objects.create(pairing=pairing, area=area, text=text)


def goal_set_done(*, actor: User, pairing: Pairing, goal_id: int, done: bool) -> PlanGoal:
    _editable(actor, pairing)
    goal = pairing.goals.filter(pk=goal_id).first()
    if goal is None:
        raise NotFound(_("No such goal in this plan."))
    goal.done = done
    goal.save(update_fields=["done"])
    return goal


def session_add(
    *, actor: User, pairing: Pairing, kind: str, title: str, starts_at: datetime, place: str = ""
) -> PlanSession:
    """A planned visit or online co-planning session (``starts_at`` aware; stored in UTC)."""
    _editable(actor, pairing)
    if kind not in SessionKind.values:
        raise Invalid(_("A session is a school visit or an online session."), field="kind")
    title = " ".join(str(title or "").split())
    if not 1 <= len(title) <= 200:
        raise Invalid(_("A session needs a title (at most 200 characters)."), field="title")
    if starts_at.tzinfo is None:
        raise Invalid(_("Give the time with its time zone."), field="starts_at")
    if starts_at < timezone.now() - timedelta(days=1):
        raise Invalid(_("Plan sessions from today on."), field="starts_at")
    place = " ".join(str(place or "").split())[:300]
    with transaction.atomic():
        if pairing.sessions.count() >= settings.KRING_MENTORING_MAX_SESSIONS:
            raise Conflict(
                _("A plan has at most %(n)s sessions.")
                % {"n": settings.KRING_MENTORING_MAX_SESSIONS}
            )
        session = PlanSession.objects.create(
            pairing=pairing, kind=kind, title=title, starts_at=starts_at, place=place
        )
        notify_users(
            actor=actor,
            user_ids=teacher_ids(pairing.mentor_id, pairing.mentee_id),
            category=Category.SCHOOLS,
            verb=Verb(gettext_noop("planned “%(title)s” for your mentoring pair"), title=title),
            url=f"/mentoring/{pairing.pk}/",
            members_only=False,
        )
    return session


def session_remove(*, actor: User, pairing: Pairing, session_id: int) -> None:
    _editable(actor, pairing)
    deleted, _rows = pairing.sessions.filter(pk=session_id).delete()
    if not deleted:
        raise NotFound(_("No such session in this plan."))


def reminders_send() -> int:
    """The periodic task: each session starting within ``KRING_MENTORING_REMINDER_HOURS``
    is claimed once (``reminded_at`` set where still empty, in the same transaction as its
    outbox job), so several workers, or a restarted one, remind exactly once."""
    now = timezone.now()
    horizon = now + timedelta(hours=settings.KRING_MENTORING_REMINDER_HOURS)
    due = list(
        PlanSession.objects.filter(
            reminded_at__isnull=True,
            starts_at__gt=now,
            starts_at__lte=horizon,
            pairing__status=PairingStatus.ACTIVE,
        ).values_list("pk", flat=True)[:500]
    )
    sent = 0
    for session_id in due:
        with transaction.atomic():
            if not PlanSession.objects.filter(pk=session_id, reminded_at__isnull=True).update(
                reminded_at=now
            ):
                continue  # another worker claimed it
            session = PlanSession.objects.select_related("pairing").get(pk=session_id)
            pairing = session.pairing
            notify_users(
                actor=None,
                user_ids=teacher_ids(pairing.mentor_id, pairing.mentee_id),
                category=Category.SCHOOLS,
                verb=Verb(gettext_noop("Reminder: “%(title)s” is coming up"), title=session.title),
                text=session.place,
                url=f"/mentoring/{pairing.pk}/",
                members_only=False,
            )
            sent += 1
    return sent
