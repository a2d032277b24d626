"""Every write of the events app goes through these functions (and only they emit).

Split by domain; import from here: ``from events.services import rsvp_set``.
"""

from .calendars import (
    feed_create,
    feed_revoke,
    organiser_allow,
    organiser_disallow,
    reminder_settings_update,
)
from .cancelling import event_cancel
from .changes import event_update
from .reminders import reminder_job, reminders_enqueue_due
from .scheduling import event_create
from .seats import attendance_mark, promote_waiting, rsvp_set, rsvps_withdraw_all

__all__ = [
    "attendance_mark",
    "event_cancel",
    "event_create",
    "event_update",
    "feed_create",
    "feed_revoke",
    "organiser_allow",
    "organiser_disallow",
    "promote_waiting",
    "reminder_job",
    "reminder_settings_update",
    "reminders_enqueue_due",
    "rsvp_set",
    "rsvps_withdraw_all",
]
