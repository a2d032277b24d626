"""Community roles and their order. Moderation rules compare ranks, never role names."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    FACILITATOR = "facilitator", _("Facilitator")
    CO_FACILITATOR = "co_facilitator", _("Co-facilitator")
    MEMBER = "member", _("Member")
    OBSERVER = "observer", _("Observer")


ROLE_RANK: dict[str, int] = {
    Role.OBSERVER: 10,
    Role.MEMBER: 20,
    Role.CO_FACILITATOR: 30,
    Role.FACILITATOR: 40,
}

# Roles that may write in rooms; observers read only.
POSTING_ROLES = frozenset({Role.FACILITATOR, Role.CO_FACILITATOR, Role.MEMBER})
FACILITATING_ROLES = frozenset({Role.FACILITATOR, Role.CO_FACILITATOR})
# Staff act above every community role.
STAFF_RANK = max(ROLE_RANK.values()) + 1
