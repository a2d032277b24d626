"""xAPI statements: every kind valid against an independent model (the ``ralph-malph``
package's xAPI 1.0.3 pydantic models), pseudonymous and stable; the JSON export per
community and time range; forwarding to a real local LRS through the outbox, retried, and
each statement id stored exactly once; opt-out; the GDPR export says what was sent."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from ralph.models.xapi.base.statements import BaseXapiStatement

from analytics import rollup, services
from analytics.models import ForwardState, XapiStatement
from analytics.xapi import statements as st
from core import learning
from delivery.models import OutboxJob
from delivery.worker import process_pending_jobs
from events.models import Rsvp
from resources.models import Reaction

from .lrs import PASSWORD, USER, LocalLRS
from .streams import make_world, meet, post, react, share

TODAY = dt.datetime.now(dt.UTC).date()


@pytest.fixture(autouse=True)
def _no_lag(settings: Any) -> None:
    settings.KRING_ANALYTICS_SWEEP_LAG_SECONDS = 0


def busy_world(seed: int = 3) -> Any:
    world = make_world(seed, today=TODAY, people=6)
    for _ in range(25):
        post(world)
    share(world)
    share(world)
    share(world, adapt=True)
    for _ in range(8):
        react(world)
    meet(world)
    meet(world)
    Rsvp.objects.update(attended=True)
    return world


@pytest.fixture
def self_assessments(monkeypatch: Any) -> list[learning.LearningRecord]:
    """A stand-in for a schools app's self-assessments, through the registry hook."""
    records: list[learning.LearningRecord] = []
    entries = dict(learning.sources._entries)
    entries["schools.self_assessment"] = lambda since: [r for r in records if r.timestamp >= since]
    monkeypatch.setattr(learning.sources, "_entries", entries)
    return records


@pytest.mark.django_db
def test_every_statement_kind_is_valid_xapi(self_assessments: list) -> None:
    world = busy_world()
    self_assessments.append(
        learning.LearningRecord(
            source="self-assessment:1",
            verb="completed",
            user_id=world.users[0].pk,
            community_id=world.community.pk,
            timestamp=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1),
            object_url="http://127.0.0.1:8000/schools/self-assessment/1/",
            object_name="SELFIE for teachers",
            object_type=st.ACTIVITY_TYPES["self_assessment"],
            language="nl",
        )
    )
    rollup.sweep()
    from analytics.xapi import making

    making.statements_from_sources()
    verbs = set(XapiStatement.objects.values_list("verb", flat=True))
    assert verbs == {
        "posted",
        "replied",
        "shared",
        "adapted",
        "used_in_class",
        "attended",
        "completed",
    }
    for row in XapiStatement.objects.all():
        statement = row.statement
        BaseXapiStatement.model_validate(statement)  # the independent model
        assert statement["version"] == "1.0.3"
        assert statement["verb"]["id"] == st.VERBS[row.verb].iri
        account = statement["actor"]["account"]
        assert account["homePage"] == "http://127.0.0.1:8000/"
        assert account["name"] == st.actor_name(row.user_id)
        assert row.user.email not in json.dumps(statement)
        assert row.user.display_name not in json.dumps(statement)
        grouping = statement["context"]["contextActivities"]["grouping"][0]
        assert grouping["id"].endswith(f"/c/{row.community.slug}/")
        assert statement["context"]["language"]
        assert statement["id"] == str(row.id)


@pytest.mark.django_db
def test_statements_are_made_once_with_stable_ids() -> None:
    world = busy_world()
    rollup.sweep()
    made = {str(pk): s for pk, s in XapiStatement.objects.values_list("pk", "statement")}
    # The cursors moved on: sweeping again, or making them again from the same rows, adds none.
    from analytics.xapi import making

    making.statements_for_reactions(list(Reaction.objects.values_list("pk", flat=True)))
    rollup.sweep()
    assert {str(pk): s for pk, s in XapiStatement.objects.values_list("pk", "statement")} == made
    assert st.actor_name(world.users[0].pk) == st.actor_name(world.users[0].pk)
    assert st.actor_name(world.users[0].pk) != st.actor_name(world.users[1].pk)


@pytest.mark.django_db
def test_export_per_community_and_range(settings: Any) -> None:
    world = busy_world()
    world.facilitator = world.users[0]
    world.community.memberships.filter(user=world.facilitator).update(role="facilitator")
    rollup.sweep()
    client = Client()
    client.force_login(world.facilitator)
    url = f"/api/communities/{world.community.slug}/xapi/statements"
    first = (TODAY - dt.timedelta(days=120)).isoformat()
    answer = client.get(url, {"from": first, "to": TODAY.isoformat()})
    assert answer.status_code == 200 and "attachment" in answer["Content-Disposition"]
    body = answer.json()
    expected = XapiStatement.objects.filter(community=world.community).count()
    assert body["count"] == expected == len(body["statements"]) > 0
    narrow = client.get(url, {"from": TODAY.isoformat(), "to": TODAY.isoformat()}).json()
    assert narrow["count"] < expected
    assert all(s["timestamp"].startswith(TODAY.isoformat()) for s in narrow["statements"])
    bad = client.get(url, {"from": "2026-13-01"})
    assert bad.status_code == 400 and set(bad.json()) == {"error", "detail"}
    too_long = client.get(url, {"from": "2020-01-01", "to": TODAY.isoformat()})
    assert too_long.status_code == 400
    member = Client()
    member.force_login(world.users[1])
    assert member.get(url).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_forwarding_to_a_local_lrs_exactly_once_with_retries(settings: Any) -> None:
    with LocalLRS() as lrs:
        settings.KRING_XAPI_LRS_ENDPOINT = lrs.endpoint
        settings.KRING_XAPI_LRS_USERNAME, settings.KRING_XAPI_LRS_PASSWORD = USER, PASSWORD
        settings.KRING_XAPI_BATCH = 10
        settings.KRING_XAPI_RETRY_SECONDS = 0
        world = busy_world()
        opted_out = world.users[2]
        services.xapi_forwarding_set(user=opted_out, forward=False)
        lrs.down_for = 2  # the first two requests find the LRS down
        rollup.sweep()
        assert OutboxJob.objects.filter(kind="analytics.xapi_forward").exists()
        for _ in range(6):  # the worker: jobs, then the retry task re-enqueues what failed
            process_pending_jobs()
            from analytics.xapi import forwarding

            forwarding.retry_due()
        process_pending_jobs()

        rows = XapiStatement.objects.all()
        to_send = rows.exclude(user=opted_out)
        assert to_send.count() > 10
        assert set(to_send.values_list("forward_state", flat=True)) == {ForwardState.SENT}
        assert set(rows.filter(user=opted_out).values_list("forward_state", flat=True)) <= {
            ForwardState.HELD
        }
        assert set(lrs.statements) == {str(pk) for pk in to_send.values_list("pk", flat=True)}
        assert set(lrs.stores.values()) == {1}
        assert to_send.filter(forward_attempts__gt=1).exists()  # the retried ones

        # A worker that died after the LRS stored a batch, before recording it: sent again,
        # the LRS answers 409, each is settled alone; still stored once.
        again = list(to_send.values_list("pk", flat=True)[:5])
        XapiStatement.objects.filter(pk__in=again).update(forward_state=ForwardState.PENDING)
        from analytics.xapi import making

        making.enqueue_forwarding([str(pk) for pk in again])
        process_pending_jobs()
        assert set(
            XapiStatement.objects.filter(pk__in=again).values_list("forward_state", flat=True)
        ) == {ForwardState.SENT}
        assert set(lrs.stores.values()) == {1}

        # Opting back in sends what was held.
        services.xapi_forwarding_set(user=opted_out, forward=True)
        process_pending_jobs()
        assert all(
            str(pk) in lrs.statements
            for pk in rows.filter(user=opted_out).values_list("pk", flat=True)
        )


@pytest.mark.django_db
def test_gdpr_export_includes_what_was_sent(settings: Any) -> None:
    world = busy_world()
    rollup.sweep()
    user = world.users[0]
    sent = XapiStatement.objects.filter(user=user).first()
    assert sent is not None
    XapiStatement.objects.filter(pk=sent.pk).update(
        forward_state=ForwardState.SENT, forwarded_at=dt.datetime.now(dt.UTC)
    )
    client = Client()
    client.force_login(user)
    export = client.get("/api/me/export").json()
    part = export["analytics"]
    assert part["xapi_forwarding"] == "on"
    by_id = {s["statement"]["id"]: s for s in part["xapi_statements"]}
    assert by_id[str(sent.pk)]["forwarding"] == "sent" and by_id[str(sent.pk)]["sent_at"]
    assert part["what_is_counted"]
