"""GDPR: a member's part of the data export (their activity as counted, nudges received,
their xAPI statements — each with whether and when it was sent to the LRS, exactly as sent)
and erasure (the rollup rows that name them, their statements, their opt-out)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from core.gdpr import iso

from .models import MemberDay, MemberSummary, Nudge, Tie, TieDay, XapiOptOut, XapiStatement


def export(user: Any) -> dict[str, Any]:
    return {
        "what_is_counted": [
            {
                "community": s.community.slug,
                "first_active_day": iso(s.first_day),
                "last_active_day": iso(s.last_day),
                "active_days": s.active_days,
                "posts": s.posts,
                "replies": s.replies,
                "reactions": s.reactions,
                "events_attended": s.attended,
                "materials_shared": s.shared,
                "materials_adapted": s.adapted,
            }
            for s in MemberSummary.objects.filter(user=user).select_related("community")
        ],
        "nudges_received": [
            {"community": n.community.slug, "sent_at": iso(n.sent_at)}
            for n in Nudge.objects.filter(user=user).select_related("community")
        ],
        "xapi_forwarding": "off" if XapiOptOut.objects.filter(user=user).exists() else "on",
        "xapi_statements": [
            {
                "statement": s.statement,
                "forwarding": s.forward_state,
                "sent_at": iso(s.forwarded_at),
            }
            for s in XapiStatement.objects.filter(user=user).order_by("timestamp")
        ],
    }


def erase(user: Any, erase_messages: bool) -> None:
    """The rows naming the user go (the database would cascade most; summaries of pairs are
    removed here explicitly). Counts of their community's days stay: they name nobody."""
    MemberDay.objects.filter(user=user).delete()
    MemberSummary.objects.filter(user=user).delete()
    TieDay.objects.filter(Q(low=user) | Q(high=user)).delete()
    Tie.objects.filter(Q(low=user) | Q(high=user)).delete()
    Nudge.objects.filter(Q(user=user)).delete()
    Nudge.objects.filter(sent_by=user).update(sent_by=None)
    XapiStatement.objects.filter(user=user).delete()
    XapiOptOut.objects.filter(user=user).delete()
