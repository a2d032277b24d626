"""Sharing, versioning, adapting and reacting to teaching materials, correcting, withdrawing
and restoring them.

Each material gets its own discussion room (same event log, seq, resume and moderation as any
room). Sharing, a new version and an adaptation are ``resource`` events in the community's
general room, and notify (community-wide: "teaching materials"; the author of the source of an
adaptation or of a reaction: "your teaching materials").

Split by domain; import from here: ``from resources.services import resource_share``.
"""

from .describing import resource_update
from .reactions import reaction_set
from .sharing import resource_adapt, resource_new_version, resource_share
from .withdrawal import resource_restore, resource_withdraw

__all__ = [
    "reaction_set",
    "resource_adapt",
    "resource_new_version",
    "resource_restore",
    "resource_share",
    "resource_update",
    "resource_withdraw",
]
