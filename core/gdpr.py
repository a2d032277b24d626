"""A person's data across every app (GDPR art. 15/17/20), without this layer knowing the apps.

Each app registers, in its ``AppConfig.ready``:

* an exporter under the name of its section of the export: ``exporter(user) -> JSON data``;
* an eraser: ``eraser(user, erase_messages)``, run inside the erasure's transaction before
  the account row is deleted, to remove or anonymise what the database would not cascade.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .registry import Registry

exporters: Registry[Callable[[Any], Any]] = Registry("GDPR exporters")
erasers: Registry[Callable[[Any, bool], None]] = Registry("GDPR erasers")


def iso(value: Any) -> str | None:
    """A date or time in the export: ISO 8601, or null."""
    return value.isoformat() if value else None
