from __future__ import annotations

from typing import Any

from resources import services

from .files import pdf_upload


def share(actor: Any, community: Any, **overrides: Any) -> Any:
    """A material as a teacher would share it: a PDF worksheet unless ``url`` is given."""
    fields: dict[str, Any] = {
        "title": "Fractions with pizza",
        "description": "Worksheet: halves, quarters and eighths with pizza slices.",
        "resource_type": "worksheet",
        "subjects": ["maths"],
        "tags": ["fractions", "hands-on"],
        "age_min": 8,
        "age_max": 10,
        "isced_level": 1,
        "language": "nl",
        "licence": "CC-BY-4.0",
    }
    fields.update(overrides)
    if "url" not in fields and "upload" not in fields:
        fields["upload"] = pdf_upload()
    return services.resource_share(actor=actor, community=community, **fields)
