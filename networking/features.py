"""A teacher's matching features, from their profile: pure functions, shared by the worker
(which stores them), the index (which combines them per viewer tier) and the benchmark.

Tiers: what a viewer may use of a candidate's profile is exactly what that viewer could read
on the candidate's profile page (``community.visibility``):

* ``public`` — a signed-in teacher outside the candidate's communities (the candidate is
  discoverable, or they would not be a candidate): fields at ``everyone``;
* ``members`` — someone sharing an active community: fields at ``everyone`` or ``members``;
* ``self`` — the teacher's own suggestions: every field not set to ``nobody``.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import numpy as np

from community.visibility import DEFAULTS, Visibility

from .vocab import SUBJECTS, canonical_terms, fold

TIERS = ("public", "members", "self")
TEXT_FIELDS = ("interests", "bio")  # the two embedded texts, in this order
SET_FIELDS = ("subjects", "age_groups", "interests", "languages")


def language_codes(tags: list[str]) -> list[str]:
    """BCP-47 tags to their language ("en-GB" -> "en"), in order, once each."""
    return list(dict.fromkeys(t.split("-")[0].lower() for t in tags if t))


def profile_features(profile: dict[str, Any]) -> dict[str, Any]:
    """``profile``: country, subjects, age_groups, languages, interests, bio, discoverable,
    visibility. Returns the stored features (canonical terms, languages, levels)."""
    chosen = profile.get("visibility") or {}
    return {
        "country": profile.get("country") or "",
        "languages": language_codes(profile.get("languages") or []),
        "subjects": sorted(canonical_terms(profile.get("subjects") or [], "subject")),
        "age_groups": sorted(set(profile.get("age_groups") or [])),
        "interests": sorted(canonical_terms(profile.get("interests") or [], "theme")),
        "levels": {f: chosen.get(f, default) for f, default in DEFAULTS.items()},
        "discoverable": bool(profile.get("discoverable")),
    }


SENTENCE = re.compile(r"(?<=[.!?;])\s+|\n+")


def texts(profile: dict[str, Any]) -> list[str]:
    """The texts that are embedded, in ``TEXT_FIELDS`` order: the interests, and the bio
    without the sentences that only restate a subject of the teacher's (those the metadata
    compares, in every language; left in, "I teach maths to ..." in one language looks more
    like every other such sentence in that language than like the same teaching in another).
    A bio that is nothing but such sentences is kept whole."""
    bio = (profile.get("bio") or "").strip()
    own = {fold(s) for s in profile.get("subjects") or []}
    for term in canonical_terms(profile.get("subjects") or [], "subject"):
        if term in SUBJECTS:
            own |= {fold(word) for word in SUBJECTS[term][1]}
    sentences = [s for s in SENTENCE.split(bio) if s.strip()]
    kept = [s for s in sentences if not _names_any(fold(s), own)]
    return ["; ".join(profile.get("interests") or []), " ".join(kept) if kept else bio]


def _names_any(sentence: str, words: set[str]) -> bool:
    return any(re.search(rf"(?<!\w){re.escape(w)}(?!\w)", sentence) for w in words if w)


def text_hash(values: list[str]) -> str:
    return hashlib.sha256("\x1f".join(values).encode()).hexdigest()


def tier_fields(levels: dict[str, str], tier: str) -> set[str]:
    """The profile fields a viewer of ``tier`` may use."""
    if tier == "self":
        return {f for f, level in levels.items() if level != Visibility.NOBODY}
    allowed = (
        {Visibility.EVERYONE} if tier == "public" else {Visibility.EVERYONE, Visibility.MEMBERS}
    )
    return {f for f, level in levels.items() if level in allowed}


def tier_vector(embedding: np.ndarray, fields: set[str]) -> np.ndarray:
    """The candidate's vector for a tier: the visible texts' vectors summed, normalised."""
    vector = np.zeros(embedding.shape[1], dtype=np.float32)
    for row, field in enumerate(TEXT_FIELDS):
        if field in fields:
            vector += embedding[row]
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector


def tier_features(features: dict[str, Any], tier: str) -> dict[str, Any]:
    """The features a viewer of ``tier`` may use (hidden fields empty)."""
    fields = tier_fields(features.get("levels") or DEFAULTS, tier)
    return {
        "country": features.get("country", "") if "country" in fields else "",
        **{f: (features.get(f) or []) if f in fields else [] for f in SET_FIELDS},
    }
