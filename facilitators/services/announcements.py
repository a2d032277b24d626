"""Announcements: a facilitator's message to every member of a community, or of its whole
network (a cross-border circle and the communities linked to it) at once."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from community.models import Community, EventKind, RoomEvent, User
from community.selectors import network_communities
from community.services import GENERAL_ROOM, clean_body, rendered, room_event_append
from core.audit import AuditAction, audit_record
from core.errors import Conflict, Invalid, NotFound
from core.notify import Category, Verb, notify_communities, notify_community

from .base import require_moderator

SCOPES = ("community", "network")


def announcement_post(
    *, actor: User, community: Community, body: str, scope: str = "community"
) -> RoomEvent:
    """A facilitator's announcement: an ``announcement`` event in the general room, and a
    notification to every member (even those who chose "mentions only").

    With ``scope="network"`` it goes to every community of the network too
    (``community.selectors.network_communities``): an event in each general room, live on
    every open page, and one notification job for all their members, each person told once.
    Returns the event in ``community``."""
    if scope not in SCOPES:
        raise Invalid(
            _("Send an announcement to the 'community' or its 'network', not '%(scope)s'.")
            % {"scope": scope}
        )
    body = clean_body(body)
    html = rendered(body)
    require_moderator(actor, community)
    if community.archived_at is not None:
        raise Conflict(_("This community is archived."))
    targets = [community]
    if scope == "network":
        targets += network_communities(community)
        if len(targets) == 1:
            raise Conflict(_("This community is not part of a network: link it to a circle first."))
    generals = {
        room.community_id: room
        for room in community.rooms.model.objects.filter(community__in=targets, name=GENERAL_ROOM)
    }
    if community.pk not in generals:
        raise NotFound(_("This community has no general room."))
    network = {"from": community.slug, "name": community.name} if scope == "network" else None
    with transaction.atomic():
        events = {}
        for target in targets:
            general = generals.get(target.pk)
            if general is None:
                continue
            events[target.pk] = room_event_append(
                room_id=general.pk,
                kind=EventKind.ANNOUNCEMENT,
                author=actor,
                body=body,
                html=html,
                data={"network": network} if network else None,
            )
        event = events[community.pk]
        general = generals[community.pk]
        verb = Verb(
            gettext_noop("posted an announcement in %(community)s"), community=community.name
        )
        url = f"/c/{community.slug}/rooms/{general.pk}/#m{event.pk}"
        if network is None:
            notify_community(
                actor=actor,
                community_id=community.pk,
                category=Category.ANNOUNCEMENT,
                verb=verb,
                room_id=general.pk,
                target=event,
                text=body,
                url=url,
            )
        else:
            notify_communities(
                actor=actor,
                community_ids=list(events),
                category=Category.ANNOUNCEMENT,
                verb=Verb(
                    gettext_noop("posted an announcement to the network of %(community)s"),
                    community=community.name,
                ),
                room_id=general.pk,
                target=event,
                text=body,
                url=url,
            )
            audit_record(
                community_id=community.pk,
                actor=actor,
                action=AuditAction.NETWORK_ANNOUNCE,
                data={
                    "communities": [t.slug for t in targets if t.pk in events],
                    "event": event.pk,
                },
            )
    return event
