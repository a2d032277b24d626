"""Who sees which analytics (the matrix: docs/permissions.md, "## Analytics").

* A community's figures (counts, charts, ties by country) are for its facilitators and
  co-facilitators, staff, and programme coordinators (who see every community).
* Figures about individuals (who is dormant, nudging them) are for that community's own
  facilitators only: not staff, not coordinators, not other communities' facilitators.
* Members are told on the community page what is counted; their own figures are in their
  data export.
"""

from __future__ import annotations

from typing import Any

import rules

from community.permissions import (
    has_facilitating_role,
    is_active_member,
    is_authenticated,
    is_coordinator,
    is_staff,
)

can_view_analytics = is_authenticated & (
    (is_active_member & has_facilitating_role) | is_staff | is_coordinator
)
can_view_individuals = is_authenticated & is_active_member & has_facilitating_role
can_set_target = can_view_analytics
can_nudge = can_view_individuals
can_export_xapi = can_view_analytics


@rules.predicate
def can_view_programme(user: Any) -> bool:
    return bool(is_coordinator(user))
