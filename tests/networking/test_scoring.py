"""The people score as pure functions (networking/scoring.py): shared activity weighs by how
few others did the same, and a missing common language lowers a score without hiding the
colleague."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from networking.features import profile_features
from networking.scoring import Record, Viewer, build_index, score_people

WEIGHTS = {"subjects": 1.0, "age_groups": 1.0, "languages": 0.05, "activity": 1.0}
COMMUNITY = 7


def physics_teacher(user_id: int, languages: list[str], resources: list[int] = ()) -> Record:
    features = profile_features(
        {"country": "NL" if user_id % 2 else "PL", "subjects": ["physics"],
         "age_groups": ["lower_secondary"], "languages": languages}
    )  # fmt: skip
    activity: dict[str, Any] = {
        "resources": {str(rid): [COMMUNITY, ["used"]] for rid in resources},
        "rooms": {},
        "partners": {},
    }
    return Record(user_id, features, np.zeros((2, 512), np.float32), activity)


def viewer_of(record: Record) -> Viewer:
    return Viewer(
        user_id=record.user_id,
        features=record.features,
        embedding=None,
        activity=record.activity,
        readable_communities={COMMUNITY},
        comember_ids=set(),
        excluded_ids=set(),
    )


def ranked(records: list[Record], me: Record) -> dict[int, float]:
    index = build_index(records)
    scored = score_people(index, viewer_of(me), WEIGHTS, limit=len(records))
    return {
        int(index.ids[row]): float(s) for row, s in zip(scored.rows, scored.scores, strict=True)
    }


def test_a_material_few_used_says_more_than_one_everybody_used() -> None:
    popular, niche = 1, 2
    me = physics_teacher(1, ["en"], [popular, niche])
    niche_peer = physics_teacher(2, ["en"], [niche])
    crowd = [physics_teacher(uid, ["en"], [popular]) for uid in range(3, 40)]
    scores = ranked([me, niche_peer, *crowd], me)
    assert max(scores, key=scores.get) == niche_peer.user_id
    # The popular material still counts (a little) against someone with no activity.
    loner = physics_teacher(40, ["en"])
    scores = ranked([me, niche_peer, *crowd, loner], me)
    assert scores[crowd[0].user_id] > scores[loner.user_id]


def test_two_alone_with_a_material_count_it_fully_in_a_small_programme() -> None:
    me = physics_teacher(1, ["en"], [5])
    peer = physics_teacher(2, ["en"], [5])
    other = physics_teacher(3, ["en"])
    scores = ranked([me, peer, other], me)
    assert scores[peer.user_id] - scores[other.user_id] == pytest.approx(1.0 / 3, abs=1e-5)


def test_no_common_language_ranks_lower_but_is_still_suggested() -> None:
    me = physics_teacher(1, ["nl"])
    speaks_dutch = physics_teacher(2, ["nl", "en"])
    polish_only = physics_teacher(4, ["pl"])
    scores = ranked([me, speaks_dutch, polish_only], me)
    assert scores[speaks_dutch.user_id] > scores[polish_only.user_id] > 0
