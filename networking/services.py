"""Writes: "not interested", the weekly "people you may want to meet", and the teacher's part
of the GDPR export."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from community.models import Community, Profile, User
from core.errors import Invalid, NotFound
from core.gdpr import iso
from core.notify import Category, Verb, notify_users
from resources.models import Resource

from . import selectors
from .models import Dismissal, PersonVector, SentSuggestion, SuggestionKind

KINDS = {"person": SuggestionKind.PERSON, "user": SuggestionKind.PERSON,
         "community": SuggestionKind.COMMUNITY, "resource": SuggestionKind.RESOURCE}  # fmt: skip


def dismiss(*, user: Any, kind: str, object_id: int | str) -> Dismissal:
    """Never suggest this person, community or material to ``user`` again. ``object_id`` is
    a user id, a community slug (or id) or a material id."""
    if kind not in KINDS:
        raise Invalid(_("kind: one of %(value)s.") % {"value": ", ".join(sorted(KINDS))})
    stored_kind = KINDS[kind]
    if stored_kind == SuggestionKind.COMMUNITY:
        community = Community.objects.filter(slug=str(object_id)).first()
        if community is None and str(object_id).isdigit():
            community = Community.objects.filter(pk=int(object_id)).first()
        if community is None:
            raise NotFound(_("No community '%(object_id)s'.") % {"object_id": object_id})
        pk = community.pk
    else:
        try:
            pk = int(object_id)
        except (TypeError, ValueError):
            raise Invalid(_("id: a number.")) from None
        model = User if stored_kind == SuggestionKind.PERSON else Resource
        if not model.objects.filter(pk=pk).exists() or (
            stored_kind == SuggestionKind.PERSON and pk == user.pk
        ):
            raise NotFound(
                _("No person with id %(pk)s.") % {"pk": pk}
                if stored_kind == SuggestionKind.PERSON
                else _("No material with id %(pk)s.") % {"pk": pk}
            )
    dismissal, _created = Dismissal.objects.get_or_create(
        user_id=user.pk, kind=stored_kind, object_id=pk
    )
    return dismissal


# --- the weekly notification ----------------------------------------------------------------


def weekly_due_users(now: Any, limit: int) -> list[int]:
    """Discoverable teachers (they opted in to networking) not considered for a week."""
    since = now - timedelta(days=settings.KRING_NETWORKING_WEEKLY_DAYS)
    discoverable = Profile.objects.filter(discoverable=True, user__is_active=True).values("user_id")
    return list(
        PersonVector.objects.filter(user_id__in=discoverable, computed_at__isnull=False)
        .exclude(weekly_at__gte=since)
        .order_by("weekly_at", "user_id")
        .values_list("user_id", flat=True)[:limit]
    )


def send_weekly(now: Any = None, limit: int = 200) -> int:
    """The periodic task: for each due teacher, up to ``KRING_NETWORKING_WEEKLY_COUNT`` people
    never sent before, as one notification (category "networking": the teacher's delivery
    settings decide live, email now or in the digest, or nothing). Returns notifications."""
    now = now or timezone.now()
    sent = 0
    for user_id in weekly_due_users(now, limit):
        user = User.objects.filter(pk=user_id, is_active=True).first()
        if user is None:
            continue
        already = set(
            SentSuggestion.objects.filter(user_id=user_id, kind=SuggestionKind.PERSON).values_list(
                "object_id", flat=True
            )
        )
        count = settings.KRING_NETWORKING_WEEKLY_COUNT
        fresh = [
            s
            for s in selectors.people_suggestions(user, limit=count + len(already))
            if s.user.pk not in already
        ][:count]
        with transaction.atomic():
            # Claimed first: another worker running the same sweep skips this teacher.
            claimed = (
                PersonVector.objects.filter(user_id=user_id)
                .exclude(weekly_at__gte=now - timedelta(days=settings.KRING_NETWORKING_WEEKLY_DAYS))
                .update(weekly_at=now)
            )
            if not claimed or not fresh:
                continue
            SentSuggestion.objects.bulk_create(
                [
                    SentSuggestion(
                        user_id=user_id,
                        kind=SuggestionKind.PERSON,
                        object_id=s.user.pk,
                        score=s.score,
                        reasons=s.reasons,
                    )
                    for s in fresh
                ]
            )
            names = [s.user.public_name for s in fresh]
            notify_users(
                actor=None,
                user_ids=[user_id],
                category=Category.NETWORKING,
                # Told in each reader's own language.
                verb=Verb(
                    gettext_noop("suggests people you may want to meet: %(names)s"),
                    names=", ".join(names),
                ),
                text="; ".join(f"{s.user.public_name}: {s.reasons[0]}" for s in fresh),
                url="/people/",
                members_only=False,
            )
            sent += 1
    return sent


# --- GDPR -----------------------------------------------------------------------------------


def export(user: Any) -> dict[str, Any]:
    """The teacher's networking data: current suggestions (as they would see them now), the
    suggestions Kring sent, and what they dismissed."""
    people = selectors.people_suggestions(user, limit=10)
    return {
        "discoverable": bool(
            Profile.objects.filter(user_id=user.pk).values_list("discoverable", flat=True).first()
        ),
        "suggested_people_now": [
            {"user": s.user.pk, "name": s.user.public_name, "score": s.score, "reasons": s.reasons}
            for s in people
        ],
        "sent_suggestions": [
            {
                "kind": s.kind,
                "id": s.object_id,
                "score": s.score,
                "reasons": s.reasons,
                "sent_at": iso(s.sent_at),
            }
            for s in SentSuggestion.objects.filter(user_id=user.pk).order_by("sent_at", "pk")
        ],
        "dismissed": [
            {"kind": d.kind, "id": d.object_id, "dismissed_at": iso(d.created_at)}
            for d in Dismissal.objects.filter(user_id=user.pk).order_by("created_at", "pk")
        ],
        "vector_computed_at": iso(
            PersonVector.objects.filter(user_id=user.pk)
            .values_list("computed_at", flat=True)
            .first()
        ),
    }
