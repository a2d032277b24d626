"""Suggestions (people, communities, materials) with their reasons, people search and the
profile page: read-only, for the pages, the API and the weekly job alike.

Privacy rules, enforced here for every caller:

* only discoverable, active teachers who are not banned anywhere, not dismissed (either way)
  and not excluded by an app (``registry.excluded_people``, e.g. a block) are suggested;
* a candidate's fields count (in the score and in reasons) only as far as the viewer could
  read them on the profile page (``community.visibility``);
* activity counts only where it happened in a community the viewer can read, and a material
  is named in a reason only when the viewer can open it.
"""

from .items import (
    CommunitySuggestion,
    ResourceSuggestion,
    community_suggestions,
    resource_suggestions,
)
from .people import (
    PersonSuggestion,
    activity_reasons,
    comember_ids,
    dismissed_ids,
    people_suggestions,
    profile_reasons,
    readable_community_ids,
    viewer_for,
)
from .search import (
    communities_in_common,
    materials_shared_by,
    people_search,
    person_by_handle,
    visible_search_results,
)

__all__ = [
    "CommunitySuggestion",
    "PersonSuggestion",
    "ResourceSuggestion",
    "activity_reasons",
    "comember_ids",
    "communities_in_common",
    "community_suggestions",
    "dismissed_ids",
    "materials_shared_by",
    "people_search",
    "people_suggestions",
    "person_by_handle",
    "profile_reasons",
    "readable_community_ids",
    "resource_suggestions",
    "viewer_for",
    "visible_search_results",
]
