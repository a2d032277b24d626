"""What the synthetic teachers of bench/teachers.py did in Kring, for Q1's population with
activity: materials they adapted, used or found useful, and the rooms they talk in, in the
format ``networking.activity.activity_of`` stores.

The affinity is planted loosely, the way it shows in a real programme: only some teachers do
anything, most of what they do is not about their theme, and a material about a subject and a
theme is used by teachers of every age group (so the groups of the same subject and theme at
other ages share it too), next to materials about the subject alone and popular ones that
everybody uses. Rooms: one per theme network (every subject) and one per subject (every
theme).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from bench.teachers import SUBJECTS, THEMES, Teacher


@dataclass(frozen=True)
class ActivityKnobs:
    active: float = 0.5  # share of teachers who did anything at all
    most_actions: int = 5  # an active teacher acts on 1..most_actions materials
    theme_material: float = 0.35  # an action is on a material of their subject and theme...
    subject_material: float = 0.35  # ...of their subject only (otherwise a popular one)
    per_subject_theme: int = 3  # materials per subject and theme
    per_subject: int = 5  # materials per subject about no theme
    popular: int = 30  # materials everybody uses (chosen by popularity, Zipf)
    theme_room: float = 0.3  # an active teacher posts in their theme network's room
    subject_room: float = 0.3  # ...and in their subject's room


def _catalogue(knobs: ActivityKnobs) -> tuple[dict[Any, list[int]], list[int], dict[int, int]]:
    """Material ids by (subject, theme) and by subject, the popular ones, and each material's
    community (the subject's community; popular ones in a programme-wide one)."""
    by_key: dict[Any, list[int]] = {}
    community: dict[int, int] = {}
    next_id = 1
    for number, subject in enumerate(SUBJECTS, start=1):
        first = next_id
        for theme in THEMES:
            by_key[(subject, theme)] = list(range(next_id, next_id + knobs.per_subject_theme))
            next_id += knobs.per_subject_theme
        by_key[subject] = list(range(next_id, next_id + knobs.per_subject))
        next_id += knobs.per_subject
        community.update(dict.fromkeys(range(first, next_id), number))
    popular = list(range(next_id, next_id + knobs.popular))
    community.update(dict.fromkeys(popular, 0))
    return by_key, popular, community


def communities() -> set[int]:
    """Every community the activity happens in (all readable to the bench's viewers)."""
    return set(range(len(SUBJECTS) + 1)) | {100 + n for n in range(len(THEMES))}


def activity(seed: int, teachers: list[Teacher], knobs: ActivityKnobs) -> list[dict[str, Any]]:
    rng = random.Random(seed * 7919 + 1)
    by_key, popular, community = _catalogue(knobs)
    popularity = [1 / (rank + 1) for rank in range(len(popular))]
    themes = list(THEMES)
    subjects = list(SUBJECTS)
    out = []
    for t in teachers:
        resources: dict[str, list[Any]] = {}
        rooms: dict[str, int] = {}
        if rng.random() < knobs.active:
            subject, _age, theme = t.key
            for _ in range(rng.randint(1, knobs.most_actions)):
                draw = rng.random()
                if draw < knobs.theme_material:
                    rid = rng.choice(by_key[(subject, theme)])
                elif draw < knobs.theme_material + knobs.subject_material:
                    rid = rng.choice(by_key[subject])
                else:
                    rid = rng.choices(popular, weights=popularity)[0]
                kind = rng.choice(["adapted", "used", "useful"])
                entry = resources.setdefault(str(rid), [community[rid], []])
                if kind not in entry[1]:
                    entry[1].append(kind)
            if rng.random() < knobs.theme_room:
                number = themes.index(theme)
                rooms[str(1000 + number)] = 100 + number
            if rng.random() < knobs.subject_room:
                number = subjects.index(subject)
                rooms[str(2000 + number)] = number + 1
        out.append({"resources": resources, "rooms": rooms, "partners": {}})
    return out
