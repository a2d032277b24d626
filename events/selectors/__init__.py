"""Reading events: occurrences expanded from each series' rule and overlaid with their rows
(moves, cancellations, seat counts), the viewer's own answers, attendee lists, feeds.
Nothing here writes.

Split by domain; import from here: ``from events import selectors``.
"""

from .calendars import (
    FEED_PAST_DAYS,
    export_of,
    feed_by_token,
    feed_events,
    feed_rsvps,
    feeds_of,
    reminder_settings_of,
)
from .occurrences import (
    DEFAULT_DAYS,
    MAX_DAYS,
    OccurrenceView,
    attach_my_rsvps,
    community_occurrences,
    event_for_viewer,
    event_get,
    expand,
    my_occurrences,
    occurrence_view,
    parse_key,
    view_of,
    viewer_zone,
    visible_events,
    window,
)
from .people import (
    STATUS_ORDER,
    attendees,
    audience_user_ids,
    communities_to_open_to,
    could_organise,
    member_countries,
    organisers_of,
    people_going,
    rsvp_of,
    scheduling_help,
    waiting_position,
)

__all__ = [
    "DEFAULT_DAYS",
    "FEED_PAST_DAYS",
    "MAX_DAYS",
    "STATUS_ORDER",
    "OccurrenceView",
    "attach_my_rsvps",
    "attendees",
    "audience_user_ids",
    "communities_to_open_to",
    "community_occurrences",
    "could_organise",
    "event_for_viewer",
    "event_get",
    "expand",
    "export_of",
    "feed_by_token",
    "feed_events",
    "feed_rsvps",
    "feeds_of",
    "member_countries",
    "my_occurrences",
    "occurrence_view",
    "organisers_of",
    "parse_key",
    "people_going",
    "reminder_settings_of",
    "rsvp_of",
    "scheduling_help",
    "view_of",
    "viewer_zone",
    "visible_events",
    "waiting_position",
    "window",
]
