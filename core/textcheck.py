"""Text no database or client should be given: NUL characters (PostgreSQL refuses them in text
columns) and unpaired UTF-16 surrogates (not encodable as UTF-8). Refused at the edges as a bad
request, so they never reach a service as a "database error, retry"."""

from __future__ import annotations

import re
from typing import Any

_UNSAFE = re.compile("[\x00\ud800-\udfff]")
DETAIL = "Text may not contain NUL characters or unpaired surrogates."


def has_unsafe_text(value: Any) -> bool:
    """Whether any string in ``value`` (nested lists and dicts, keys too) is unsafe."""
    if isinstance(value, str):
        return _UNSAFE.search(value) is not None
    if isinstance(value, dict):
        return any(has_unsafe_text(k) or has_unsafe_text(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(has_unsafe_text(item) for item in value)
    return False
