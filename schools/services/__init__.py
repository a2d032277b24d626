"""Writes of the schools app, by domain: schools and links, self-assessments, mentoring."""

from .assessment import assessment_save
from .mentoring import (
    goal_add,
    goal_set_done,
    pairing_accept,
    pairing_complete,
    pairing_decline,
    pairing_propose,
    plan_notes_set,
    session_add,
    session_remove,
)
from .schools import (
    school_create,
    school_hub_add,
    school_lead_set,
    school_link_confirm,
    school_link_remove,
    school_link_request,
    school_merge,
    school_update,
)

__all__ = [
    "assessment_save",
    "goal_add",
    "goal_set_done",
    "pairing_accept",
    "pairing_complete",
    "pairing_decline",
    "pairing_propose",
    "plan_notes_set",
    "school_create",
    "school_hub_add",
    "school_lead_set",
    "school_link_confirm",
    "school_link_remove",
    "school_link_request",
    "school_merge",
    "school_update",
    "session_add",
    "session_remove",
]
