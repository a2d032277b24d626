"""Keeping vectors up to date — worker side only, never on a page request.

* A profile change (``community.registry.profile_changed``) marks the teacher stale, in the
  change's own transaction.
* The worker's periodic sweep (``core.outbox.periodic``, every
  ``KRING_NETWORKING_SWEEP_SECONDS``) marks teachers stale when they did something new
  (messages, replies, reactions, materials), rebuilds stale teachers and vectors older than
  ``KRING_NETWORKING_MAX_AGE_HOURS``, and embeds communities and materials whose text changed.

Embedding takes time (the first call in a process loads the encoder, about 3 s), so it runs
outside any transaction; only the writes that follow are short transactions of their own (on
SQLite a transaction holds the one write lock). A profile that changed again while its vector
was computed stays stale and is rebuilt at the next sweep.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from community.models import Community, Profile, User
from resources.models import Resource

from . import activity, embed, features
from .models import ItemKind, ItemVector, PersonVector

logger = logging.getLogger(__name__)
BATCH = 100


def profile_dict(profile: Profile | None) -> dict[str, Any]:
    if profile is None:
        return {}
    return {
        "country": profile.country.code or "",
        "subjects": profile.subjects,
        "age_groups": profile.age_groups,
        "languages": profile.languages,
        "interests": profile.interests,
        "bio": profile.bio,
        "discoverable": profile.discoverable,
        "visibility": profile.visibility,
    }


def mark_stale(user_ids: set[int] | list[int]) -> int:
    """Mark these teachers' vectors stale (creating the rows); returns how many."""
    ids = sorted({int(u) for u in user_ids if u})
    if not ids:
        return 0
    existing = set(PersonVector.objects.filter(user_id__in=ids).values_list("user_id", flat=True))
    PersonVector.objects.filter(user_id__in=existing, stale=False).update(stale=True)
    missing = [u for u in ids if u not in existing]
    if missing:
        real = User.objects.filter(pk__in=missing).values_list("pk", flat=True)
        PersonVector.objects.bulk_create(
            [PersonVector(user_id=u, stale=True) for u in real], ignore_conflicts=True
        )
    return len(ids)


def profile_changed(user: Any, fields: set[str]) -> None:
    """The ``profile_changed`` hook: runs in the profile change's transaction."""
    mark_stale([user.pk])


def refresh_people(user_ids: list[int]) -> int:
    """Rebuild features, embeddings (only where the text changed) and activity; call outside
    a transaction. Returns how many were rebuilt."""
    if not user_ids:
        return 0
    profiles = {p.user_id: p for p in Profile.objects.filter(user_id__in=user_ids)}
    read = {user_id: profile.updated_at for user_id, profile in profiles.items()}
    current = {v.user_id: v for v in PersonVector.objects.filter(user_id__in=user_ids)}
    users = set(User.objects.filter(pk__in=user_ids).values_list("pk", flat=True))
    todo = []
    for user_id in user_ids:
        if user_id not in users:
            continue
        data = profile_dict(profiles.get(user_id))
        texts = features.texts(data)
        todo.append((user_id, data, texts, features.text_hash(texts)))
    # Embed only what changed, in one batch (the encoder amortises its weights over a list).
    embed_rows = [
        (user_id, texts)
        for user_id, _data, texts, digest in todo
        if user_id not in current
        or current[user_id].text_hash != digest
        or not current[user_id].embedding
    ]
    flat = [text for _user, texts in embed_rows for text in texts]
    vectors = embed.encode(flat) if flat else None
    new_embeddings = {
        user_id: embed.to_bytes(vectors[2 * i : 2 * i + 2])  # type: ignore[index]
        for i, (user_id, _texts) in enumerate(embed_rows)
    }
    now = timezone.now()
    for user_id, data, _texts, digest in todo:
        values = {
            "features": features.profile_features(data),
            "activity": activity.activity_of(user_id),
            "computed_at": now,
            "text_hash": digest,
        }
        if user_id in new_embeddings:
            values["embedding"] = new_embeddings[user_id]
        with transaction.atomic():
            changed_since = (
                Profile.objects.filter(user_id=user_id).values_list("updated_at", flat=True).first()
            )
            values["stale"] = changed_since != read.get(user_id)
            PersonVector.objects.update_or_create(user_id=user_id, defaults=values)
    return len(todo)


# --- communities and materials -------------------------------------------------------------


def community_text(community: Community) -> str:
    return f"{community.name}. {community.description}".strip()


def resource_text(resource: Resource) -> str:
    words = ", ".join([*resource.subjects, *resource.tags])
    return f"{resource.title}. {words}. {resource.description}".strip()


def refresh_items(limit: int = BATCH) -> int:
    """Embed communities and materials whose text changed (or that have no vector yet)."""
    done = 0
    for kind, queryset, text_of in (
        (ItemKind.COMMUNITY, Community.objects.order_by("pk"), community_text),
        (
            ItemKind.RESOURCE,
            Resource.objects.filter(withdrawn_at__isnull=True).order_by("-pk"),
            resource_text,
        ),
    ):
        hashes = dict(ItemVector.objects.filter(kind=kind).values_list("object_id", "text_hash"))
        pending = []
        for item in queryset.iterator():
            text = text_of(item)
            digest = features.text_hash([text])
            if hashes.get(item.pk) != digest:
                pending.append((item.pk, text, digest))
            if len(pending) >= limit - done:
                break
        if not pending:
            continue
        vectors = embed.encode([text for _pk, text, _digest in pending])
        with transaction.atomic():
            for (pk, _text, digest), vector in zip(pending, vectors, strict=True):
                ItemVector.objects.update_or_create(
                    kind=kind,
                    object_id=pk,
                    defaults={"embedding": embed.to_bytes(vector[None, :]), "text_hash": digest},
                )
        done += len(pending)
        if done >= limit:
            break
    return done


# --- the periodic sweep --------------------------------------------------------------------

_bookmarks: dict[str, int] = {}


def sweep() -> int:
    """Mark teachers with new activity stale, then rebuild a batch of stale or old vectors
    and of changed community and material texts. Idempotent: every worker may run it."""
    from community.models import RoomEvent
    from resources.models import Reaction

    if not _bookmarks:  # activity before this process started was seen by earlier sweeps
        _bookmarks.update(
            event=RoomEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
            reaction=Reaction.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
            resource=Resource.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
        )
    users, *newest = activity.active_since(
        _bookmarks["event"], _bookmarks["reaction"], _bookmarks["resource"]
    )
    with transaction.atomic():
        mark_stale(users)
    _bookmarks.update(zip(("event", "reaction", "resource"), newest, strict=True))
    # Teachers who never had a vector (accounts from before networking, imports).
    without = Profile.objects.filter(
        ~Exists(PersonVector.objects.filter(user_id=OuterRef("user_id")))
    ).values_list("user_id", flat=True)[:BATCH]
    with transaction.atomic():
        mark_stale(list(without))
    old = timezone.now() - timedelta(hours=settings.KRING_NETWORKING_MAX_AGE_HOURS)
    due = list(
        PersonVector.objects.filter(Q(stale=True) | Q(computed_at__lt=old))
        .order_by("-stale", "computed_at")
        .values_list("user_id", flat=True)[:BATCH]
    )
    return refresh_people(due) + refresh_items()


def erase(user: Any, erase_messages: bool) -> None:
    """GDPR erasure: the teacher's vectors go (the rows would cascade; removed explicitly)."""
    from .models import Dismissal, SentSuggestion, SuggestionKind

    PersonVector.objects.filter(user_id=user.pk).delete()
    # Others' records naming this teacher go too.
    Dismissal.objects.filter(kind=SuggestionKind.PERSON, object_id=user.pk).delete()
    SentSuggestion.objects.filter(kind=SuggestionKind.PERSON, object_id=user.pk).delete()
