"""A teacher's own data: everything Kring holds about them as JSON (GDPR art. 15/20), and
erasing their account (art. 17).

Erasure deletes the account and everything that is only theirs (profile, email addresses,
sessions, memberships, read markers, notifications, preferences, mutes), removes their name
from membership events and invitations, and keeps what they wrote in rooms readable for the
others as written by "Deleted user" — or, with ``erase_messages``, empties those messages too.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from realtime.envelopes import DELETED_USER_NAME
from realtime.events import session_ended_on_commit

from ..models import EventKind, Membership, Profile, RoomEvent, RoomReadState

EXPORT_VERSION = 1


def _dt(value: Any) -> str | None:
    return value.isoformat() if value else None


def account_export(*, user: Any) -> dict[str, Any]:
    """Everything Kring holds about ``user``, as JSON-ready data."""
    from allauth.account.models import EmailAddress
    from notifications.models import Notification

    from delivery.models import DeliverySettings, NotificationPreference
    from facilitators.models import Report

    profile = Profile.objects.filter(user=user).first()
    delivery = DeliverySettings.objects.filter(user=user).first()
    return {
        "format": "kring-account-export",
        "version": EXPORT_VERSION,
        "exported_at": timezone.now().isoformat(),
        "account": {
            "id": user.pk,
            "email": user.email,
            "display_name": user.display_name,
            "handle": user.handle,
            "date_joined": _dt(user.date_joined),
            "last_login": _dt(user.last_login),
            "email_addresses": list(
                EmailAddress.objects.filter(user=user).values("email", "verified", "primary")
            ),
        },
        "profile": {
            "country": profile.country.code if profile else "",
            "school": profile.school if profile else "",
            "subjects": profile.subjects if profile else [],
            "age_groups": profile.age_groups if profile else [],
            "languages": profile.languages if profile else [],
            "interests": profile.interests if profile else [],
            "bio": profile.bio if profile else "",
        },
        "memberships": [
            {
                "community": m.community.slug,
                "role": m.role,
                "state": m.state,
                "joined_at": _dt(m.joined_at),
                "request_message": m.request_message,
            }
            for m in Membership.objects.filter(user=user).select_related("community")
        ],
        "messages": [
            {
                "id": e.pk,
                "room": e.room_id,
                "community": e.room.community.slug,
                "seq": e.seq,
                "kind": e.kind,
                "body": e.body,
                "created_at": _dt(e.created_at),
                "edited_at": _dt(e.edited_at),
                "deleted_at": _dt(e.deleted_at),
            }
            for e in RoomEvent.objects.filter(
                author=user, kind__in=[EventKind.MESSAGE, EventKind.ANNOUNCEMENT]
            )
            .select_related("room__community")
            .order_by("pk")
        ],
        "read_markers": list(
            RoomReadState.objects.filter(user=user).values("room_id", "last_read_seq")
        ),
        "notifications": [
            {
                "id": n.pk,
                "verb": n.verb,
                "text": n.description,
                "unread": n.unread,
                "created_at": _dt(n.timestamp),
                "data": n.data,
            }
            for n in Notification.objects.filter(recipient=user).order_by("pk")
        ],
        "notification_preferences": list(
            NotificationPreference.objects.filter(user=user).values(
                "community_id", "room_id", "level"
            )
        ),
        "delivery_settings": (
            {
                "live": delivery.live,
                "email_mode": delivery.email_mode,
                "email_categories": delivery.email_categories,
                "timezone": delivery.timezone,
                "quiet_start": str(delivery.quiet_start) if delivery.quiet_start else None,
                "quiet_end": str(delivery.quiet_end) if delivery.quiet_end else None,
            }
            if delivery
            else None
        ),
        "reports_made": list(
            Report.objects.filter(reporter=user).values(
                "message_id", "reason", "state", "created_at"
            )
        ),
        "resources": _resources(user),
    }


def _resources(user: Any) -> list[dict[str, Any]]:
    """Teaching materials authored by the user (empty until the resources app is installed)."""
    from django.apps import apps

    if not apps.is_installed("resources"):
        return []
    from resources.selectors import resources_by_author

    return resources_by_author(user=user)


def account_delete(*, user: Any, erase_messages: bool = False) -> None:
    """Erase ``user``'s account and personal data (see the module docstring)."""
    from allauth.account.models import EmailAddress
    from django.contrib.sessions.models import Session
    from notifications.models import Notification

    from facilitators.models import AuditEntry, Invitation

    with transaction.atomic():
        user_id, email = user.pk, user.email.lower()
        if erase_messages:
            mine = RoomEvent.objects.filter(author=user)
            RoomEvent.objects.filter(target__in=mine).update(body="", html="")
            mine.update(body="", html="", deleted_at=timezone.now())
            # notifications elsewhere quote what they wrote
            Notification.objects.filter(actor_object_id=str(user_id)).update(description="")
        # Membership events carry the member's name in their data.
        for event in RoomEvent.objects.filter(kind=EventKind.MEMBER, data__user__id=user_id):
            event.data["user"] = {"id": None, "name": DELETED_USER_NAME}
            RoomEvent.objects.filter(pk=event.pk).update(data=event.data)
        Invitation.objects.filter(email__iexact=email).update(email="")
        for entry in AuditEntry.objects.filter(data__email__iexact=email):
            entry.data["email"] = ""
            AuditEntry.objects.filter(pk=entry.pk).update(data=entry.data)
        EmailAddress.objects.filter(user=user).delete()
        _delete_sessions_of(user_id, Session)
        # Everything only theirs goes with the row (CASCADE); authored events, audit entries
        # and reports keep a NULL user (SET_NULL): "Deleted user".
        Notification.objects.filter(recipient=user).delete()
        user.delete()
        session_ended_on_commit(user_id)


def _delete_sessions_of(user_id: int, session_model: Any) -> None:
    """Sessions do not reference users in the database; decode them to find this user's."""
    from django.contrib.auth import SESSION_KEY

    for session in session_model.objects.iterator():
        if session.get_decoded().get(SESSION_KEY) == str(user_id):
            session.delete()
