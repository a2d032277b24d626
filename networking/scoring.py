"""Scoring people for one viewer, in numpy, over an in-memory index of every discoverable
teacher: pure functions (no database), shared by the pages, the API, the weekly job and the
benchmark.

The score is a weighted sum (weights: ``KRING_NETWORKING_WEIGHTS``, documented in the
README) of

* ``embedding`` — cosine of the two profiles' text vectors (interests and bio, multilingual),
  mapped from ``KRING_NETWORKING_EMBEDDING_RANGE`` onto 0..1;
* ``subjects``, ``age_groups``, ``interests`` — overlap of canonical terms (set cosine:
  shared / sqrt(|mine| x |theirs|)), so a Dutch "natuurkunde" and a Polish "fizyka" meet;
* ``languages`` — 1 when both list a language in common;
* ``cross_border`` — 1 when the two work in different countries *and* share a language;
* ``activity`` — what both did with the same materials, rooms and each other, only in
  communities the viewer can read, each item weighed by how few others did the same
  (``_rarity``), counted up to 3;

and multiplied by ``KRING_NETWORKING_NO_COMMON_LANGUAGE`` when both list languages and share
none. Every component is computed per candidate from the tier of their profile that the
viewer may see (``features.py``), so a hidden field can neither raise a score nor give a
reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .features import SET_FIELDS, TEXT_FIELDS, tier_features, tier_fields, tier_vector

COMPONENTS = (
    "embedding",
    "subjects",
    "age_groups",
    "interests",
    "languages",
    "cross_border",
    "activity",
)
INDEX_TIERS = ("public", "members")


@dataclass
class Record:
    """One teacher as the index needs them (from ``PersonVector`` or the benchmark)."""

    user_id: int
    features: dict[str, Any]
    embedding: np.ndarray  # (2, 512): interests, bio
    activity: dict[str, Any] = field(default_factory=dict)


@dataclass
class Tier:
    vectors: np.ndarray  # (N, 512), float32
    country: np.ndarray  # (N,), "" where hidden
    postings: dict[str, dict[str, np.ndarray]]
    sizes: dict[str, np.ndarray]


@dataclass
class PeopleIndex:
    ids: np.ndarray  # (N,) int64, ascending
    records: list[Record]
    tiers: dict[str, Tier]
    # Activity: item -> rows of the people who did something with it.
    resource_rows: dict[int, np.ndarray]
    room_rows: dict[int, np.ndarray]

    def __len__(self) -> int:
        return len(self.records)

    def rows_of(self, user_ids: Any) -> np.ndarray:
        """Rows of these user ids (ids not in the index are left out)."""
        wanted = np.asarray(list(user_ids), dtype=np.int64)
        if not len(self.ids) or not len(wanted):
            return np.zeros(0, dtype=np.int64)
        rows = np.searchsorted(self.ids, wanted)
        rows = np.clip(rows, 0, len(self.ids) - 1)
        return rows[self.ids[rows] == wanted]


def _postings(values: list[list[str]]) -> tuple[dict[str, np.ndarray], np.ndarray]:
    lists: dict[str, list[int]] = {}
    sizes = np.zeros(len(values), dtype=np.float32)
    for row, terms in enumerate(values):
        sizes[row] = len(terms)
        for term in terms:
            lists.setdefault(term, []).append(row)
    return {t: np.asarray(r, dtype=np.int64) for t, r in lists.items()}, sizes


def build_index(records: list[Record]) -> PeopleIndex:
    records = sorted(records, key=lambda r: r.user_id)
    n = len(records)
    stacked = (
        np.stack([r.embedding for r in records]).astype(np.float32)
        if n
        else np.zeros((0, len(TEXT_FIELDS), 512), dtype=np.float32)
    )
    tiers = {}
    for tier in INDEX_TIERS:
        visible = [tier_features(r.features, tier) for r in records]
        # Which texts each candidate shows this tier, then the tier vectors in one go.
        mask = np.zeros((n, len(TEXT_FIELDS)), dtype=np.float32)
        for row, r in enumerate(records):
            fields = tier_fields(r.features.get("levels", {}), tier)
            for column, name in enumerate(TEXT_FIELDS):
                mask[row, column] = name in fields
        vectors = np.einsum("ntd,nt->nd", stacked, mask) if n else np.zeros((0, 512), np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        vectors = np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)
        postings, sizes = {}, {}
        for name in SET_FIELDS:
            postings[name], sizes[name] = _postings([v[name] for v in visible])
        tiers[tier] = Tier(
            vectors=np.ascontiguousarray(vectors, dtype=np.float32),
            country=np.asarray([v["country"] for v in visible], dtype="<U2"),
            postings=postings,
            sizes=sizes,
        )
    resource_rows: dict[int, list[int]] = {}
    room_rows: dict[int, list[int]] = {}
    for row, r in enumerate(records):
        for rid in r.activity.get("resources") or {}:
            resource_rows.setdefault(int(rid), []).append(row)
        for room in r.activity.get("rooms") or {}:
            room_rows.setdefault(int(room), []).append(row)
    return PeopleIndex(
        ids=np.asarray([r.user_id for r in records], dtype=np.int64),
        records=records,
        tiers=tiers,
        resource_rows={k: np.asarray(v, dtype=np.int64) for k, v in resource_rows.items()},
        room_rows={k: np.asarray(v, dtype=np.int64) for k, v in room_rows.items()},
    )


@dataclass
class Viewer:
    """The teacher asking, as scoring needs them."""

    user_id: int
    features: dict[str, Any]  # their own features ("self" tier is applied here)
    embedding: np.ndarray | None  # (2, 512) or None before the worker computed it
    activity: dict[str, Any]
    readable_communities: set[int]
    comember_ids: set[int]
    excluded_ids: set[int]

    def own(self) -> dict[str, Any]:
        return tier_features(self.features, "self")

    def vector(self) -> np.ndarray | None:
        if self.embedding is None:
            return None
        vector = tier_vector(self.embedding, tier_fields(self.features.get("levels", {}), "self"))
        return vector if np.any(vector) else None


@dataclass
class Scored:
    rows: np.ndarray
    scores: np.ndarray
    components: dict[str, np.ndarray]  # each (len(rows),)
    members_tier: np.ndarray  # (len(rows),) bool: the candidate shares a community


def _overlap(tier: Tier, name: str, terms: list[str], n: int) -> np.ndarray:
    if not terms:
        return np.zeros(n, dtype=np.float32)
    counts = np.zeros(n, dtype=np.float32)
    for term in set(terms):
        rows = tier.postings[name].get(term)
        if rows is not None:
            counts[rows] += 1
    # Cosine of the two sets: shared / sqrt(|mine| x |theirs|); 1 only for the same set.
    denominator = np.sqrt(tier.sizes[name] * len(set(terms)))
    return np.divide(counts, denominator, out=np.zeros(n, dtype=np.float32), where=denominator > 0)


def _rarity(people: int) -> float:
    """What sharing one item says, by how many did something with it (a damped inverse user
    frequency): 1 when the two are alone with it, 1/2 for 4 people, 1/4 for 16; independent
    of the population, so a small programme's shared material still counts."""
    return 1.0 / (1.0 + float(np.log2(max(people, 2) / 2)))


def _activity_counts(index: PeopleIndex, viewer: Viewer) -> np.ndarray:
    n = len(index)
    counts = np.zeros(n, dtype=np.float32)
    readable = viewer.readable_communities
    for rid, info in (viewer.activity.get("resources") or {}).items():
        if info[0] in readable:
            rows = index.resource_rows.get(int(rid))
            if rows is not None:
                counts[rows] += _rarity(len(rows))
    for room, community in (viewer.activity.get("rooms") or {}).items():
        if community in readable:
            rows = index.room_rows.get(int(room))
            if rows is not None:
                counts[rows] += 0.5 * _rarity(len(rows))
    partners = viewer.activity.get("partners") or {}
    visible_partners = [
        int(uid) for uid, communities in partners.items() if set(communities) & readable
    ]
    counts[index.rows_of(visible_partners)] += 1.0
    return counts


def score_people(
    index: PeopleIndex,
    viewer: Viewer,
    weights: dict[str, float],
    *,
    limit: int,
    embedding_range: tuple[float, float] = (0.2, 0.7),
    no_common_language: float = 0.9,
    min_score: float = 0.0,
) -> Scored:
    """The best ``limit`` candidates for ``viewer`` (best first), with their components."""
    n = len(index)
    empty = Scored(np.zeros(0, dtype=np.int64), np.zeros(0), {}, np.zeros(0, dtype=bool))
    if n == 0:
        return empty
    own = viewer.own()
    query = viewer.vector()
    members = np.zeros(n, dtype=bool)
    members[index.rows_of(viewer.comember_ids)] = True
    low, high = embedding_range
    parts: dict[str, list[np.ndarray]] = {name: [] for name in COMPONENTS if name != "activity"}
    penalties = []
    for tier_name in INDEX_TIERS:
        tier = index.tiers[tier_name]
        if query is not None and weights.get("embedding", 0):
            cosine = tier.vectors @ query
            parts["embedding"].append(np.clip((cosine - low) / (high - low), 0.0, 1.0))
        else:
            parts["embedding"].append(np.zeros(n, dtype=np.float32))
        for name in ("subjects", "age_groups", "interests"):
            parts[name].append(_overlap(tier, name, own[name], n))
        shared_languages = _overlap(tier, "languages", own["languages"], n) > 0
        parts["languages"].append(shared_languages.astype(np.float32))
        foreign = (tier.country != "") & (tier.country != own["country"]) & bool(own["country"])
        parts["cross_border"].append((foreign & shared_languages).astype(np.float32))
        both_list = (tier.sizes["languages"] > 0) & bool(own["languages"])
        penalties.append(np.where(both_list & ~shared_languages, no_common_language, 1.0))
    components = {name: np.where(members, p[1], p[0]) for name, p in parts.items()}
    components["activity"] = np.minimum(_activity_counts(index, viewer), 3.0) / 3.0
    total = np.zeros(n, dtype=np.float32)
    for name in COMPONENTS:
        weight = weights.get(name, 0.0)
        if weight:
            total += weight * components[name]
    total *= np.where(members, penalties[1], penalties[0])
    excluded = index.rows_of(viewer.excluded_ids | {viewer.user_id})
    total[excluded] = -1.0
    total[total < min_score] = -1.0
    k = min(limit, n)
    top = np.argpartition(-total, k - 1)[:k] if k < n else np.arange(n)
    top = top[np.argsort(-total[top], kind="stable")]
    top = top[total[top] >= 0]
    return Scored(
        rows=top,
        scores=total[top],
        components={name: c[top] for name, c in components.items()},
        members_tier=members[top],
    )
