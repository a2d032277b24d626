"""Self-assessments as learning records (``core.learning.sources``): a teacher who answers
their school's questionnaire "completed" a self-assessment, once per response and per hub the
school takes part in (the hub is the community the statement is grouped under)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings

from core.learning import LearningRecord

from .models import AssessmentResponse, SchoolInHub

ASSESSMENT_TYPE = "http://adlnet.gov/expapi/activities/assessment"


def self_assessments_since(since: dt.datetime) -> list[LearningRecord]:
    responses = list(
        AssessmentResponse.objects.filter(created_at__gte=since).select_related("school", "user")
    )
    hubs: dict[int, list[int]] = defaultdict(list)
    for school_id, hub_id in SchoolInHub.objects.filter(
        school_id__in={r.school_id for r in responses}
    ).values_list("school_id", "hub_id"):
        hubs[school_id].append(hub_id)
    base = settings.KRING_BASE_URL.rstrip("/")
    return [
        LearningRecord(
            source=f"self-assessment:{response.pk}:{hub_id}",
            verb="completed",
            user_id=response.user_id,
            community_id=hub_id,
            timestamp=response.created_at,
            object_url=f"{base}/schools/{response.school_id}/assessment/#{response.year}",
            object_name=f"{response.school.name}: self-assessment {response.year}",
            object_type=ASSESSMENT_TYPE,
            language=response.user.language or settings.LANGUAGE_CODE,
        )
        for response in responses
        for hub_id in hubs[response.school_id]
    ]
