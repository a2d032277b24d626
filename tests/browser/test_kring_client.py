"""The reference client, static/kring/kring.js, in chromium against a real daphne, with a
TCP proxy in between that drops, freezes or half-swallows the connection: reconnect with
backoff, resume exactly once, resend of unacknowledged posts (stored once), `gap` paging over
HTTP, and duplicates dropped by seq.

Each test drives its own `KringClient` on a signed-in page and reads what it emitted.
"""

from __future__ import annotations

import itertools
import time

import pytest

from community.models import EventKind, RoomEvent
from community.services import message_post
from core import ratelimit
from tests.conftest import make_member, start_daphne, stop_daphne
from tests.factories import CommunityFactory

from .conftest import sign_in, wait_until
from .proxy import FlakyProxy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

START_CLIENT = """([room, since]) => {
  if (window.kring) window.kring.close();  // the page's own socket would muddle the counts
  window.t = {events: [], statuses: [], frames: []};
  const client = new KringClient({
    url: (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/",
    historyUrl: (r) => "/api/rooms/" + r + "/events",
    pingInterval: 500, pingTimeout: 1500, maxDelay: 4000,
  });
  client.on("event", (f, info) => t.events.push({seq: f.seq, id: f.event.id, body: f.event.body,
                                                 backfill: !!(info && info.backfill)}));
  client.on("status", (s) => t.statuses.push([s, Date.now()]));
  client.on("frame", (f) => t.frames.push(f));
  client.connect();
  client.subscribe(room, since);
  window.tc = client;
}"""


@pytest.fixture(autouse=True)
def _no_rate_limit_for_set_up(settings):
    settings.KRING_RATE_LIMITS = ratelimit.unlimited()


@pytest.fixture
def proxy(daphne_server):
    flaky = FlakyProxy(int(daphne_server.url.rsplit(":", 1)[1]))
    yield flaky
    flaky.close()


def start_client(page, room, since=0):
    page.evaluate(START_CLIENT, [room.pk, since])
    wait_until(page, "() => window.t.statuses.some(([s]) => s === 'connected')", what="connected")
    wait_until(
        page, f"() => window.t.frames.some(f => f.type === 'subscribed' && f.room === {room.pk})"
    )


def seqs(page):
    return page.evaluate("() => window.t.events.map(e => e.seq)")


def connected_again(page, after: int):
    wait_until(
        page,
        f"() => window.t.statuses.filter(([s]) => s === 'connected').length > {after}",
        timeout=20,
        what="the client to reconnect",
    )


def setup(browser, server, proxy, messages=3):
    community = CommunityFactory()
    room = community.rooms.get(name="general")
    member = make_member(community)
    for n in range(messages):
        message_post(room_id=room.pk, author=member.user, body=f"before {n}")
    page = sign_in(browser, server, member.user.email, base_url=proxy.url)
    return community, room, member, page


def test_reconnects_with_growing_backoff_and_resumes_exactly_once(browser, daphne_server, proxy):
    _, room, member, page = setup(browser, daphne_server, proxy)
    start_client(page, room)
    wait_until(page, "() => window.t.events.length === 3")

    # The server is unreachable for a while: attempts space out instead of hammering it.
    proxy.mode = "refuse"
    proxy.drop_all()
    # Each delay is 500 ms * 2^attempt scaled by a random 0.5-1, so neighbouring gaps can
    # come out equal; gaps two attempts apart differ at least twofold whatever the jitter.
    for _ in range(100):
        if len(proxy.refused_at) >= 4:
            break
        page.wait_for_timeout(100)
    attempts = proxy.refused_at[:4]
    gaps = [b - a for a, b in itertools.pairwise(attempts)]
    assert len(gaps) == 3, attempts
    assert gaps[2] > gaps[0] * 1.5, gaps
    assert attempts[-1] - attempts[0] > 1.5, attempts  # not hammering: 4 tries took seconds

    # Meanwhile two messages were written; back online, each arrives once, in order.
    message_post(room_id=room.pk, author=member.user, body="while away 1")
    message_post(room_id=room.pk, author=member.user, body="while away 2")
    proxy.mode = "pass"
    connected_again(page, 1)
    wait_until(page, "() => window.t.events.length >= 5")
    page.wait_for_timeout(300)
    assert seqs(page) == [1, 2, 3, 4, 5]
    statuses = [s for s, _ in page.evaluate("() => window.t.statuses")]
    assert "reconnecting" in statuses or "offline" in statuses


def test_a_post_lost_mid_send_is_resent_after_reconnecting_and_stored_once(
    browser, daphne_server, proxy
):
    _, room, _member, page = setup(browser, daphne_server, proxy, messages=0)
    start_client(page, room)

    proxy.mode = "blackhole_up"  # what the browser sends goes nowhere
    ref = page.evaluate(f"() => window.tc.post({room.pk}, 'lost in transit')")
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.tc.pending.size") == 1
    proxy.drop_all()  # ...and then the socket drops
    proxy.mode = "pass"

    connected_again(page, 1)
    wait_until(page, "() => window.tc.pending.size === 0", what="the resent post's ack")
    stored = RoomEvent.objects.filter(room=room, kind=EventKind.MESSAGE, body="lost in transit")
    assert stored.count() == 1 and stored.get().client_ref == ref
    wait_until(page, "() => window.t.events.length === 1")
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.t.events.map(e => e.body)") == ["lost in transit"]


def test_a_post_whose_ack_was_lost_is_not_stored_twice(browser, daphne_server, proxy):
    _, room, _member, page = setup(browser, daphne_server, proxy, messages=0)
    start_client(page, room)

    proxy.mode = "blackhole_down"  # the post arrives; the ack (and the event) do not
    page.evaluate(f"() => window.tc.post({room.pk}, 'arrived once')")
    deadline = time.monotonic() + 5
    while not RoomEvent.objects.filter(room=room, body="arrived once").exists():
        assert time.monotonic() < deadline, "the post did not reach the server"
        time.sleep(0.05)
    assert page.evaluate("() => window.tc.pending.size") == 1
    proxy.drop_all()
    proxy.mode = "pass"

    connected_again(page, 1)
    wait_until(page, "() => window.tc.pending.size === 0", what="the ack of the resent post")
    assert RoomEvent.objects.filter(room=room, body="arrived once").count() == 1
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.t.events.map(e => e.body)") == ["arrived once"]


def test_a_gap_is_paged_over_http_oldest_first(browser, daphne_server):
    # A server that replays at most 5 missed events on subscribe; older ones are a `gap`.
    server = start_daphne({"KRING_RESUME_MAX_EVENTS": "5"}, log_name="daphne-gap")
    try:
        community = CommunityFactory()
        room = community.rooms.get(name="general")
        member = make_member(community)
        for n in range(30):
            message_post(room_id=room.pk, author=member.user, body=f"m{n + 1}")
        page = sign_in(browser, server, member.user.email)
        start_client(page, room, since=0)

        wait_until(page, "() => window.t.events.length === 30", what="all 30 events")
        gap = page.evaluate("() => window.t.frames.find(f => f.type === 'gap')")
        assert (gap["from"], gap["to"]) == (1, 25)
        events = page.evaluate("() => window.t.events")
        assert sorted(e["seq"] for e in events) == list(range(1, 31))
        assert [e["seq"] for e in events if e["backfill"]] == list(range(1, 26))  # oldest first
        assert all(not e["backfill"] for e in events if e["seq"] > 25)
    finally:
        stop_daphne(server)


def test_events_seen_before_are_dropped_by_seq(browser, daphne_server, proxy):
    _, room, _member, page = setup(browser, daphne_server, proxy, messages=4)
    start_client(page, room)
    wait_until(page, "() => window.t.events.length === 4")

    # Ask the real server to replay everything again on the same socket...
    page.evaluate(f"() => window.tc._send({{type: 'subscribe', room: {room.pk}, since: 0}})")
    wait_until(
        page,
        f"() => window.t.frames.filter(f => f.type === 'subscribed' && f.room === {room.pk}).length === 2",
    )
    # ...and hand it the history page once more: nothing is delivered twice.
    page.evaluate(
        f"""async () => {{
          const frames = await (await fetch('/api/rooms/{room.pk}/events')).json();
          for (const f of frames) window.tc._receive(f);
        }}"""
    )
    page.wait_for_timeout(300)
    assert seqs(page) == [1, 2, 3, 4]

    page.evaluate(f"() => window.tc.post({room.pk}, 'fresh')")
    wait_until(page, "() => window.t.events.length === 5")
    assert seqs(page) == [1, 2, 3, 4, 5]
