"""A teacher's own data: everything Kring holds about them as JSON (GDPR art. 15/20), and
erasing their account (art. 17).

Erasure deletes the account and everything that is only theirs (profile, email addresses,
sessions, memberships, read markers, and what each app's eraser removes), removes their name
from membership events, and keeps what they wrote in rooms readable for the others as written
by "Deleted user" — or, with ``erase_messages``, empties those messages too. The sections of
other apps come from ``core.gdpr``'s registries.
"""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from core import gdpr
from core.emitters import session_ended_on_commit
from core.gdpr import iso
from core.protocol.people import DELETED_USER_NAME

from ..models import EventKind, Membership, Profile, RoomEvent, RoomReadState, User
from ..visibility import levels

EXPORT_VERSION = 1


def account_export(*, user: User) -> dict[str, Any]:
    """Everything Kring holds about ``user``, as JSON-ready data."""
    profile = Profile.objects.filter(user=user).first()
    export: dict[str, Any] = {
        "format": "kring-account-export",
        "version": EXPORT_VERSION,
        "exported_at": timezone.now().isoformat(),
        "account": {
            "id": user.pk,
            "email": user.email,
            "display_name": user.display_name,
            "handle": user.handle,
            "language": user.language,
            "timezone": user.timezone,
            "date_joined": iso(user.date_joined),
            "last_login": iso(user.last_login),
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
            "discoverable": profile.discoverable if profile else False,
            "visibility": levels(profile),
        },
        "memberships": [
            {
                "community": m.community.slug,
                "role": m.role,
                "state": m.state,
                "joined_at": iso(m.joined_at),
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
                "created_at": iso(e.created_at),
                "edited_at": iso(e.edited_at),
                "deleted_at": iso(e.deleted_at),
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
    }
    for section, exporter in gdpr.exporters.items():
        export[section] = exporter(user)
    return export


def account_delete(*, user: User, erase_messages: bool = False) -> None:
    """Erase ``user``'s account and personal data (see the module docstring)."""
    with transaction.atomic():
        user_id = user.pk
        if erase_messages:
            mine = RoomEvent.objects.filter(author=user)
            RoomEvent.objects.filter(target__in=mine).update(body="", html="")
            mine.update(body="", html="", deleted_at=timezone.now())
        # Membership events carry the member's name in their data.
        for event in RoomEvent.objects.filter(kind=EventKind.MEMBER, data__user__id=user_id):
            event.data["user"] = {"id": None, "name": DELETED_USER_NAME}
            RoomEvent.objects.filter(pk=event.pk).update(data=event.data)
        for eraser in gdpr.erasers.values():
            eraser(user, erase_messages)
        EmailAddress.objects.filter(user=user).delete()
        _delete_sessions_of(user_id)
        # Everything only theirs goes with the row (CASCADE); authored events, audit entries
        # and reports keep a NULL user (SET_NULL): "Deleted user".
        user.delete()
        session_ended_on_commit(user_id)


def _delete_sessions_of(user_id: int) -> None:
    """Sessions do not reference users in the database; decode them to find this user's."""
    for session in Session.objects.iterator():
        if session.get_decoded().get(SESSION_KEY) == str(user_id):
            session.delete()
