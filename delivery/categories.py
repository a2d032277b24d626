"""At which preference level each category of notification (``core.notify.Category``) is
created.

Levels, Discourse style, per user and per community or room (the room's level wins, then the
community's, then ``normal``):

* ``mute`` — rows are still stored (muted never means lost) exactly as for ``normal``, but
  nothing is pushed live or emailed;
* ``mentions`` — only what concerns you directly: mentions, replies, your membership and your
  resources, announcements, and facilitation work for facilitators;
* ``normal`` — also community-wide news (new resources and versions);
* ``watching`` — also every new message in the room (following a thread).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.notify import Category


class Level(models.TextChoices):
    # "Mute" the level, not the moderator's button: languages word them differently.
    MUTE = "mute", pgettext_lazy("notification level", "Mute")
    MENTIONS = "mentions", _("Mentions only")
    NORMAL = "normal", _("Normal")
    WATCHING = "watching", _("Watching (everything)")


DEFAULT_LEVEL = Level.NORMAL


# The lowest level at which a category creates a notification. ``mute`` counts as ``normal``
# for creating rows (nothing is lost) and as nothing for delivery.
_RANK = {Level.MENTIONS: 1, Level.NORMAL: 2, Level.WATCHING: 3}
CATEGORY_MIN_LEVEL: dict[str, str] = {
    Category.MENTION: Level.MENTIONS,
    Category.MEMBERSHIP: Level.MENTIONS,
    Category.FACILITATION: Level.MENTIONS,
    Category.ANNOUNCEMENT: Level.MENTIONS,
    Category.RESOURCE: Level.NORMAL,
    Category.YOUR_RESOURCE: Level.MENTIONS,
    Category.MESSAGE: Level.WATCHING,
    Category.EVENT: Level.MENTIONS,
    Category.NEW_EVENT: Level.NORMAL,
    Category.NETWORKING: Level.NORMAL,
    Category.SCHOOLS: Level.MENTIONS,
}


def levels_receiving(category: str) -> list[str]:
    """Levels at which ``category`` creates a row (delivery then skips ``mute``)."""
    minimum = _RANK[CATEGORY_MIN_LEVEL[category]]
    levels = [level for level, rank in _RANK.items() if rank >= minimum]
    if minimum <= _RANK[Level.NORMAL]:
        levels.append(Level.MUTE)
    return levels
