"""schema.org / LRMI metadata of a teaching material, as JSON-LD, so OER portals can harvest it.

https://schema.org/LearningResource and the LRMI properties (learningResourceType,
typicalAgeRange, educationalLevel, isBasedOn).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.safestring import SafeString, mark_safe

from core.protocol.people import author_out

from .licences import LICENCES
from .models import IscedLevel, Resource


def _age_range(resource: Resource) -> str | None:
    low, high = resource.age_min, resource.age_max
    if low is None and high is None:
        return None
    if high is None:
        return f"{low}-"
    if low is None:
        return f"-{high}"
    return f"{low}-{high}"


def _licence_url(spdx: str) -> str:
    return LICENCES[spdx].url or f"https://spdx.org/licenses/{spdx}.html"


def resource_jsonld(resource: Resource, *, base_url: str) -> dict[str, Any]:
    """The ``LearningResource`` description. ``resource`` comes from
    ``selectors.resource_get`` (versions prefetched)."""
    page = f"{base_url}/resources/{resource.pk}/"
    versions = list(resource.versions.all())
    latest = versions[-1] if versions else None
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "LearningResource",
        "@id": page,
        "url": page,
        "name": resource.title,
        "description": resource.description,
        "learningResourceType": resource.resource_type,
        "inLanguage": resource.language,
        "license": _licence_url(resource.licence),
        "dateCreated": resource.created_at.date().isoformat(),
        "dateModified": resource.updated_at.date().isoformat(),
        "keywords": resource.tags,
        "about": resource.subjects,
        "version": latest.number if latest else 1,
        "author": {"@type": "Person", "name": author_out(resource.author).name},
        "sourceOrganization": {"@type": "Organization", "name": resource.community.name},
    }
    age_range = _age_range(resource)
    if age_range:
        data["typicalAgeRange"] = age_range
    if resource.isced_level is not None:
        data["educationalLevel"] = {
            "@type": "DefinedTerm",
            "name": IscedLevel(resource.isced_level).label,
            "termCode": str(resource.isced_level),
            "inDefinedTermSet": "https://uis.unesco.org/en/topic/international-standard-classification-education-isced",
        }
    if latest is not None:
        if latest.file:
            data["encodingFormat"] = latest.content_type
            data["contentSize"] = str(latest.size)
        else:
            data["sameAs"] = latest.url
    source = resource.adapted_from
    if source is not None:
        data["isBasedOn"] = {
            "@type": "LearningResource",
            "@id": f"{base_url}/resources/{source.resource_id}/",
            "name": source.resource.title,
            "version": source.number,
            "license": _licence_url(source.resource.licence),
        }
    return {key: value for key, value in data.items() if value not in ("", [], None)}


def jsonld_script_text(data: dict[str, Any]) -> SafeString:
    """``data`` as JSON safe inside ``<script type="application/ld+json">`` (escaped the way
    Django's ``json_script`` does, so text can never close the element)."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_SCRIPT_ESCAPES)
    return mark_safe(text)


_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def public_material_jsonld(resource: Resource, *, toolkit: Any, base_url: str) -> dict[str, Any]:
    """A material of a public toolkit, described at its public address: no link to pages
    that need an account, the author named only as the licence's credit."""
    data = resource_jsonld(resource, base_url=base_url)
    page = f"{base_url}/toolkits/{toolkit.slug}/materials/{resource.pk}/"
    data["@id"] = data["url"] = page
    if "isBasedOn" in data:
        data["isBasedOn"].pop("@id", None)
    versions = list(resource.versions.all())
    if versions and versions[-1].file:
        data["contentUrl"] = f"{page}download"
    data["isPartOf"] = {
        "@type": "Collection",
        "@id": f"{base_url}/toolkits/{toolkit.slug}/",
        "name": toolkit.title,
    }
    return data


def toolkit_jsonld(toolkit: Any, items: list[Any], *, base_url: str) -> dict[str, Any]:
    """A public toolkit as a schema.org ``Collection`` of ``LearningResource`` parts, in the
    curators' order (``items``: the public ones, materials loaded)."""
    url = f"{base_url}/toolkits/{toolkit.slug}/"
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Collection",
        "@id": url,
        "url": url,
        "name": toolkit.title,
        "description": toolkit.introduction,
        "inLanguage": toolkit.language,
        "dateModified": toolkit.updated_at.date().isoformat(),
        "sourceOrganization": {"@type": "Organization", "name": toolkit.community.name},
        "collectionSize": len(items),
        "hasPart": [
            {
                "@type": "LearningResource",
                "@id": f"{url}materials/{item.resource.pk}/",
                "url": f"{url}materials/{item.resource.pk}/",
                "position": position,
                "name": item.resource.title,
                "learningResourceType": item.resource.resource_type,
                "inLanguage": item.resource.language,
                "license": _licence_url(item.resource.licence),
            }
            for position, item in enumerate(items, start=1)
        ],
    }
    return {key: value for key, value in data.items() if value not in ("", [], None)}
