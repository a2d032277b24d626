"""Reports of messages, for the community's facilitators, and what they decide."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from community import selectors
from community.models import User
from community.permissions import can_report, membership_of
from community.selectors import facilitator_ids, room_label
from core import ratelimit
from core.audit import AuditAction, audit_record
from core.emitters import users_frame_on_commit
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.notify import Category, Verb, notify_users
from core.protocol.moderation import ReportFrame, report_out

from ..models import Report, ReportState
from .base import require_moderator
from .members import member_ban, member_mute, member_remove
from .messages import message_hide, message_moderate_delete


def report_create(*, reporter: User, message_id: int, reason: str) -> Report:
    """Report a message to the community's facilitators (not only to platform admins). A
    second report of the same message by the same member while it is open changes nothing."""
    reason = reason.strip()
    if not reason:
        raise Invalid(_("Say what is wrong with this message."))
    if len(reason) > 1000:
        raise Invalid(_("A report reason is at most 1000 characters."))
    message = selectors.message_get(message_id=message_id)
    if not can_report.test(reporter, message.room):
        raise Forbidden(_("Only members of this community can report its messages."))
    if message.deleted_at is not None:
        raise NotFound(_("This message was deleted."))
    community_id = message.room.community_id
    existing = Report.objects.filter(
        message=message, reporter=reporter, state=ReportState.OPEN
    ).first()
    if existing is not None:
        return existing
    ratelimit.limit("report", actor_id=reporter.pk, what=_("reports"))
    try:
        with transaction.atomic():
            report = Report.objects.create(
                community_id=community_id, message=message, reporter=reporter, reason=reason
            )
            report = Report.objects.select_related("community", "message__author", "reporter").get(
                pk=report.pk
            )
            facilitators = facilitator_ids(community_id)
            users_frame_on_commit(
                facilitators,
                ReportFrame(community=report.community.slug, report=report_out(report)),
            )
            notify_users(
                actor=reporter,
                user_ids=facilitators,
                category=Category.FACILITATION,
                verb=Verb(
                    gettext_noop("reported a message in %(room)s"), room=room_label(message.room)
                ),
                community_id=community_id,
                room_id=message.room_id,
                target=message,
                text=reason,
                url=f"/c/{report.community.slug}/facilitate/",
            )
    except IntegrityError:
        return Report.objects.get(message=message, reporter=reporter, state=ReportState.OPEN)
    return report


REPORT_ACTIONS = ("dismiss", "hide", "delete", "mute", "remove", "ban")


def report_resolve(
    *,
    actor: User,
    report: Report,
    action: str,
    note: str = "",
    mute_until: datetime | None = None,
) -> Report:
    """Close a report by acting on it (hide or delete the message; mute, remove or ban its
    author) or dismissing it. The action is audited like any other, plus the resolution."""
    if action not in REPORT_ACTIONS:
        raise Invalid(
            _("Unknown action '%(action)s'; choose from %(value)s.")
            % {"action": action, "value": ", ".join(REPORT_ACTIONS)}
        )
    with transaction.atomic():
        report = (
            Report.objects.select_for_update(of=("self",))
            .select_related("community", "message__room", "message__author", "reporter")
            .get(pk=report.pk)
        )
        require_moderator(actor, report.community)
        if report.state != ReportState.OPEN:
            raise Conflict(_("This report was already handled."))
        message = report.message
        reason = note or report.reason
        if action == "hide":
            message_hide(actor=actor, message_id=message.pk, reason=reason)
        elif action == "delete":
            message_moderate_delete(actor=actor, message_id=message.pk, reason=reason)
        elif action in ("mute", "remove", "ban"):
            author_membership = membership_of(message.author, report.community)
            if author_membership is None:
                raise Conflict(_("The author is no longer a member."))
            if action == "mute":
                member_mute(
                    actor=actor, membership=author_membership, until=mute_until, reason=reason
                )
            elif action == "remove":
                member_remove(actor=actor, membership=author_membership, reason=reason)
            else:
                member_ban(actor=actor, membership=author_membership, reason=reason)
        report.state = ReportState.DISMISSED if action == "dismiss" else ReportState.RESOLVED
        report.resolution = action
        report.resolution_note = note[:1000]
        report.resolved_by = actor
        report.resolved_at = timezone.now()
        report.save()
        # Everyone else who reported the same message gets the same outcome.
        Report.objects.filter(message=message, state=ReportState.OPEN).exclude(pk=report.pk).update(
            state=report.state,
            resolution=action,
            resolution_note=note[:1000],
            resolved_by=actor,
            resolved_at=report.resolved_at,
        )
        audit_record(
            community_id=report.community_id,
            actor=actor,
            action=(
                AuditAction.REPORT_DISMISS if action == "dismiss" else AuditAction.REPORT_RESOLVE
            ),
            target_user=message.author,
            room=message.room,
            message=message,
            reason=note,
            data={"report": report.pk, "action": action},
        )
    return report
