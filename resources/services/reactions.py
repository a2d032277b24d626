"""Reactions to a material ("used it in class", "useful"): counted on the material (the
library sorts by them), and the author is told."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from community.models import User
from community.permissions import can_post
from core import ratelimit
from core.errors import Forbidden, Invalid
from core.notify import Category, Verb, notify_users

from .. import selectors
from ..models import Reaction, ReactionKind, Resource
from .describing import _require_current


def reaction_set(*, actor: User, resource: Resource, kind: str, on: bool = True) -> dict[str, int]:
    """Add or take back a reaction ("used it in class", "useful"); returns the counts."""
    ratelimit.limit("reaction", actor_id=actor.pk, what=_("reactions"))
    if kind not in ReactionKind.values:
        raise Invalid(
            _("Unknown reaction '%(kind)s'; choose from %(value)s.")
            % {"kind": kind, "value": ", ".join(ReactionKind.values)}
        )
    if not can_post.test(actor, resource.community_id):
        raise Forbidden(_("Only active members of this community react to its materials."))
    if on:
        _require_current(resource)
    counter = COUNTERS[kind]
    with transaction.atomic():
        if on:
            _reaction, created = Reaction.objects.get_or_create(
                resource=resource, user=actor, kind=kind
            )
            if created:
                Resource.objects.filter(pk=resource.pk).update(**{counter: F(counter) + 1})
            if created and resource.author_id and resource.author_id != actor.pk:
                verb = {
                    "used_in_class": gettext_noop("used your “%(title)s” in class"),
                    "useful": gettext_noop("found your “%(title)s” useful"),
                }[kind]
                notify_users(
                    actor=actor, user_ids=[resource.author_id], category=Category.YOUR_RESOURCE,
                    verb=Verb(verb, title=resource.title), community_id=resource.community_id,
                    target=resource, url=f"/resources/{resource.pk}/",

                )  # fmt: skip
        else:
            deleted, _per_model = Reaction.objects.filter(
                resource=resource, user=actor, kind=kind
            ).delete()
            if deleted:
                Resource.objects.filter(pk=resource.pk).update(**{counter: F(counter) - deleted})
    return selectors.reaction_counts(resource)


# The counter on Resource that each reaction kind keeps (the library sorts by them).
COUNTERS = {ReactionKind.USED_IN_CLASS: "used_count", ReactionKind.USEFUL: "useful_count"}
