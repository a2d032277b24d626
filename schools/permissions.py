"""Who may do what with schools, self-assessments and mentoring pairs (``rules``
predicates; ``docs/permissions.md`` "Schools and mentoring" is the matrix, tested cell by
cell). Never cached: a link removed or a lead changed counts at the next request."""

from __future__ import annotations

from typing import Any

import rules

from community.models import CommunityKind, MembershipState
from community.permissions import is_authenticated, is_coordinator, membership_of
from core.roles import FACILITATING_ROLES

from .models import LinkState, Pairing, School, SchoolLink


def _link(user: Any, school_id: int) -> SchoolLink | None:
    if not is_authenticated(user):
        return None
    return SchoolLink.objects.filter(school_id=school_id, user_id=user.pk).first()


def is_school_teacher(user: Any, school: School | int) -> bool:
    """A confirmed teacher of the school (its lead included)."""
    school_id = school if isinstance(school, int) else school.pk
    link = _link(user, school_id)
    return bool(link and link.state == LinkState.CONFIRMED)


def is_school_lead(user: Any, school: School | int) -> bool:
    school_id = school if isinstance(school, int) else school.pk
    link = _link(user, school_id)
    return bool(link and link.state == LinkState.CONFIRMED and link.is_lead)


def is_hub_facilitator(user: Any, hub: Any) -> bool:
    """An active facilitator or co-facilitator of a hub (a community of kind hub)."""
    if getattr(hub, "kind", None) != CommunityKind.HUB:
        return False
    membership = membership_of(user, hub)
    return bool(
        membership
        and membership.state == MembershipState.ACTIVE
        and membership.role in FACILITATING_ROLES
    )


@rules.predicate
def can_edit_school(user: Any, school: School) -> bool:
    return is_school_lead(user, school) or is_coordinator(user)


# Confirming and removing teachers' links, naming another lead: the lead (and coordinators,
# who fix a school whose lead left).
can_manage_links = can_edit_school


@rules.predicate
def can_merge_schools(user: Any) -> bool:
    return bool(is_coordinator(user))


@rules.predicate
def can_assess(user: Any, school: School) -> bool:
    return is_school_teacher(user, school)


@rules.predicate
def can_see_answers(user: Any, school: School) -> bool:
    """Individual self-assessment answers: the school lead only."""
    return is_school_lead(user, school)


def can_run_mentoring(user: Any, hub: Any) -> bool:
    """See suggested pairs, propose and follow pairs in a hub: its facilitators and the
    programme's coordinators."""
    return is_hub_facilitator(user, hub) or bool(is_coordinator(user))


def pairing_side(user: Any, pairing: Pairing) -> str | None:
    """Which school of the pair ``user`` leads: "mentor", "mentee" or None."""
    if is_school_lead(user, pairing.mentor_id):
        return "mentor"
    if is_school_lead(user, pairing.mentee_id):
        return "mentee"
    return None


def is_pair_teacher(user: Any, pairing: Pairing) -> bool:
    return is_school_teacher(user, pairing.mentor_id) or is_school_teacher(user, pairing.mentee_id)


def can_view_pairing(user: Any, pairing: Pairing) -> bool:
    return is_pair_teacher(user, pairing) or can_run_mentoring(user, pairing.hub)


def can_edit_plan(user: Any, pairing: Pairing) -> bool:
    """The plan (goals, visits and sessions, notes): both school leads and the hub's
    facilitators, while the pair is active."""
    return pairing_side(user, pairing) is not None or is_hub_facilitator(user, pairing.hub)


def can_complete_pairing(user: Any, pairing: Pairing) -> bool:
    return can_edit_plan(user, pairing) or bool(is_coordinator(user))


rules.add_perm("schools.edit", can_edit_school)
rules.add_perm("schools.merge", can_merge_schools)
rules.add_perm("schools.assess", can_assess)
rules.add_perm("schools.answers", can_see_answers)
