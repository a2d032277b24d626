"""Pages of the analytics (placeholder replaced below)."""

from typing import Any


def community_page_context(user: Any, community: Any, room: Any) -> dict[str, Any]:
    return {}
