"""Who may do what with events (membership, rank and posting rules are the community app's).
``docs/permissions.md`` (## Events) is the matrix.

* Seeing an event, its ``.ics`` and its room: active members of its community (observers
  too), members of the communities it is open to (guests), staff.
* Scheduling: the community's facilitators, and members a facilitator allowed to organise
  (observers and members muted community-wide may not: it is contributing to the community).
* Editing, cancelling, the attendee list and its export, marking attendance: the event's
  organisers (while they may still organise there), the community's facilitators, staff.
* RSVP: whoever may see it, except staff who are not members (they moderate, they do not
  come).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from community.models import Membership, MembershipState
from community.permissions import (
    can_moderate,
    can_post,
    can_read_rooms,
    community_post_refusal,
    is_authenticated,
)

from .models import Audience, OrganiserGrant


def is_guest(user: Any, event: Any) -> bool:
    """An active member of one of the communities the event is open to."""
    if not is_authenticated(user) or event.audience != Audience.NETWORK:
        return False
    return Membership.objects.filter(
        user_id=user.pk,
        state=MembershipState.ACTIVE,
        community_id__in=event.guest_communities.values("pk"),
    ).exists()


def can_view_event(user: Any, event: Any) -> bool:
    if not is_authenticated(user):
        return False
    return can_read_rooms.test(user, event.community_id) or is_guest(user, event)


def can_rsvp(user: Any, event: Any) -> bool:
    if not is_authenticated(user):
        return False
    member = Membership.objects.filter(
        user_id=user.pk, community_id=event.community_id, state=MembershipState.ACTIVE
    ).exists()
    return member or is_guest(user, event)


def has_organiser_grant(user: Any, community: Any) -> bool:
    community_id = getattr(community, "pk", community)
    return OrganiserGrant.objects.filter(community_id=community_id, user_id=user.pk).exists()


def organise_refusal(user: Any, community: Any) -> str | None:
    """Why ``user`` may not schedule events in ``community`` now, or None."""
    if not is_authenticated(user):
        return _("Sign in first.")
    moderates = can_moderate.test(user, community)
    if moderates and getattr(user, "is_staff", False) and not can_post.test(user, community):
        return _("Staff moderate events but schedule them only where they are members.")
    if not moderates and not (
        can_post.test(user, community) and has_organiser_grant(user, community)
    ):
        return _("Facilitators schedule events here, and members they allow to organise.")
    return community_post_refusal(user, community)


def can_manage_event(user: Any, event: Any) -> bool:
    """Edit, cancel, see and export who comes, mark attendance."""
    if not is_authenticated(user):
        return False
    if can_moderate.test(user, event.community_id):
        return True
    is_organiser = event.organisers.filter(pk=user.pk).exists()
    return is_organiser and can_post.test(user, event.community_id)


def can_allow_organisers(user: Any, community: Any) -> bool:
    """Allowing members to organise is the facilitators' (and staff's) call."""
    return bool(can_moderate.test(user, community))


def can_organise_in_room(user: Any, event: Any) -> bool:
    """Organisers and facilitators post in the event's room at any time (agenda, notes)."""
    return can_manage_event(user, event)
