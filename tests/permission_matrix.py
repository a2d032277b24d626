"""docs/permissions.md is the specification: one table per area (a ``## `` heading each), read
here by the tests of that area, which check every cell."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "permissions.md"


def matrix(section: str) -> dict[str, dict[str, bool]]:
    """The table under ``## {section}``: {who: {action: allowed}}, by the names in backticks."""
    text = DOC.read_text()
    start = text.index(f"\n## {section}\n")
    end = text.find("\n## ", start + 1)
    block = text[start : end if end > 0 else None]
    lines = [line for line in block.splitlines() if line.startswith("|")]
    header = [re.search(r"`(\w+)`", cell) for cell in lines[0].strip("|").split("|")[1:]]
    actions = [m.group(1) for m in header if m]
    table = {}
    for line in lines[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        who = re.search(r"`(\w+)`", cells[0]).group(1)
        table[who] = {a: v == "yes" for a, v in zip(actions, cells[1:], strict=True)}
    return table
