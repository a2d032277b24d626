"""Where the apps above plug into teaching materials (filled in their ``AppConfig.ready``).

* ``material_areas`` — the areas a material may be tagged for (key -> label), e.g. the areas
  of a school's self-assessment ("infrastructure", "assessment"), so a school's weakest areas
  can suggest materials for them. The schools app registers its instrument's areas; without
  it a material has no area.
"""

from __future__ import annotations

from typing import Any

from core.registry import Registry

material_areas: Registry[Any] = Registry("material areas")


def area_choices() -> list[tuple[str, Any]]:
    """The areas a material can be tagged for, as form choices (key, label)."""
    return material_areas.items()
