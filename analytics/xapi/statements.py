"""xAPI 1.0.3 statements, built from plain values (no queries here).

* Verbs are ADL or registered IRIs (the xAPI registry / published profiles); see ``VERBS``.
* The actor is pseudonymous: an ``account`` whose ``homePage`` is this site and whose
  ``name`` is a keyed hash of the user id (``KRING_XAPI_ACTOR_KEY``, else derived from
  ``SECRET_KEY``) — stable, never the email or name, and meaningless outside this site.
* The statement id is a UUID 5 of the site and what the statement records (``source``):
  making a statement again gives the same id, and an LRS stores it once.
* Context: the community as a ``grouping`` activity, the room or event as ``parent``, the
  content's language, and the platform.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.crypto import salted_hmac

VERSION = "1.0.3"
PLATFORM = "Kring"


@dataclass(frozen=True)
class Verb:
    iri: str
    display: str


VERBS: dict[str, Verb] = {
    # ADL's cross-platform "acrossx" profile (registered): a message posted in a forum.
    "posted": Verb("https://w3id.org/xapi/acrossx/verbs/posted", "posted"),
    # Registered in the xAPI registry (registry.tincanapi.com): a reply to a post.
    "replied": Verb("http://id.tincanapi.com/verb/replied", "replied"),
    "shared": Verb("http://adlnet.gov/expapi/verbs/shared", "shared"),
    # Activity Streams "create" (registered): the adaptation is a new work; its source is
    # named in context.contextActivities.other.
    "adapted": Verb("http://activitystrea.ms/schema/1.0/create", "adapted"),
    # Activity Streams "use" (registered): "Used it in class" on a material.
    "used_in_class": Verb("http://activitystrea.ms/schema/1.0/use", "used in class"),
    "attended": Verb("http://adlnet.gov/expapi/verbs/attended", "attended"),
    "completed": Verb("http://adlnet.gov/expapi/verbs/completed", "completed"),
}

ACTIVITY_TYPES = {
    "message": "https://w3id.org/xapi/acrossx/activities/message",
    "material": "http://id.tincanapi.com/activitytype/resource",
    "meeting": "http://adlnet.gov/expapi/activities/meeting",
    "community": "http://id.tincanapi.com/activitytype/community-site",
    "room": "http://id.tincanapi.com/activitytype/discussion",
    "self_assessment": "http://adlnet.gov/expapi/activities/assessment",
}


def base_url() -> str:
    return settings.KRING_BASE_URL.rstrip("/")


def actor_name(user_id: int) -> str:
    """A stable pseudonym of a user for this site: an HMAC of the id, never reversible."""
    secret = settings.KRING_XAPI_ACTOR_KEY or settings.SECRET_KEY
    return salted_hmac(
        "kring.xapi.actor", str(user_id), secret=secret, algorithm="sha256"
    ).hexdigest()[:40]


def statement_id(source: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"{base_url()}/xapi/{source}")


def language_tag(tag: str | None) -> str:
    return (tag or "").strip() or "en"


def activity(
    *, url: str, kind: str, name: str, language: str, description: str = ""
) -> dict[str, Any]:
    definition: dict[str, Any] = {
        "type": ACTIVITY_TYPES[kind],
        "name": {language_tag(language): name.strip() or kind},
    }
    if description.strip():
        definition["description"] = {language_tag(language): description.strip()[:500]}
    return {"objectType": "Activity", "id": url, "definition": definition}


def community_activity(*, slug: str, name: str, language: str) -> dict[str, Any]:
    return activity(url=f"{base_url()}/c/{slug}/", kind="community", name=name, language=language)


def build(
    *,
    source: str,
    verb: str,
    user_id: int,
    timestamp: dt.datetime,
    obj: dict[str, Any],
    community: dict[str, Any],
    language: str,
    parent: dict[str, Any] | None = None,
    other: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One complete statement (what is stored, exported and sent)."""
    context_activities: dict[str, Any] = {"grouping": [community]}
    if parent:
        context_activities["parent"] = [parent]
    if other:
        context_activities["other"] = [other]
    return {
        "id": str(statement_id(source)),
        "actor": {
            "objectType": "Agent",
            "account": {"homePage": base_url() + "/", "name": actor_name(user_id)},
        },
        "verb": {"id": VERBS[verb].iri, "display": {"en-US": VERBS[verb].display}},
        "object": obj,
        "context": {
            "contextActivities": context_activities,
            "language": language_tag(language),
            "platform": PLATFORM,
        },
        "timestamp": timestamp.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        "version": VERSION,
    }
