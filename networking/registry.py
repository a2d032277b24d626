"""Where apps above networking plug in (filled in their ``AppConfig.ready``).

* ``excluded_people`` — ``exclude(viewer) -> iterable of user ids`` never suggested to the
  viewer (a personal block, say). Banned, deactivated and dismissed teachers are excluded by
  networking itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from core.registry import Registry

excluded_people: Registry[Callable[[Any], Iterable[int]]] = Registry("excluded people")
