"""A socket is only as valid as its session: logout, a password change or an expired session
close it, with a `resume` frame saying why."""

from __future__ import annotations

import asyncio

import pytest
from channels.db import database_sync_to_async
from channels.layers import InMemoryChannelLayer
from django.contrib.sessions.models import Session
from django.test import Client

from realtime import maintenance
from realtime.hub import get_hub
from tests.conftest import connect, receive_until

pytestmark = pytest.mark.django_db(transaction=True)


async def _closed_with(socket, code: int) -> dict:
    frame = await receive_until(socket, "resume")
    output = await socket.receive_output(timeout=2)
    assert (output["type"], output["code"]) == ("websocket.close", code)
    return frame


async def test_logout_closes_the_sockets_of_that_session_only(alice):
    client = Client()
    await database_sync_to_async(client.force_login)(alice.user)
    browser_session = client.session.session_key
    in_browser = await connect(browser_session)
    in_app = await connect(alice.token)  # another session of the same teacher
    await database_sync_to_async(client.logout)()
    frame = await _closed_with(in_browser, 4401)
    assert frame == {"type": "resume", "reason": "session_ended"}
    await in_app.send_json_to({"type": "ping"})
    assert (await receive_until(in_app, "pong"))["type"] == "pong"
    await in_app.disconnect()


async def test_password_change_closes_every_socket_of_the_user(alice):
    from allauth.account.signals import password_changed

    sockets = [await connect(alice.token) for _ in range(2)]
    await database_sync_to_async(
        lambda: password_changed.send(sender=alice.user.__class__, request=None, user=alice.user)
    )()
    for socket in sockets:
        await _closed_with(socket, 4401)


class SlowToJoinLayer(InMemoryChannelLayer):
    """The in-memory layer, joining groups as slowly as Redis over a busy network."""

    async def group_add(self, group: str, channel: str) -> None:
        await asyncio.sleep(0.3)
        await super().group_add(group, channel)


async def test_a_password_change_as_the_first_socket_opens_still_closes_it(alice, settings):
    # The process's first socket starts its hub; until the hub is in the hubs group, messages
    # for users pass it by. The socket is usable only once it is.
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": f"{__name__}.{SlowToJoinLayer.__qualname__}"}}
    from allauth.account.signals import password_changed

    socket = await connect(alice.token)
    await database_sync_to_async(
        lambda: password_changed.send(sender=alice.user.__class__, request=None, user=alice.user)
    )()
    await _closed_with(socket, 4401)


async def test_expired_or_deleted_session_is_noticed_by_the_periodic_check(alice):
    socket = await connect(alice.token)
    await database_sync_to_async(Session.objects.filter(session_key=alice.token).delete)()
    await maintenance.revalidate_sessions(get_hub())
    await _closed_with(socket, 4401)


async def test_idle_sockets_are_closed(alice, settings):
    settings.KRING_IDLE_TIMEOUT_SECONDS = 1
    socket = await connect(alice.token)
    hub = get_hub()
    await socket.send_json_to({"type": "ping"})  # answered only once the socket is registered
    await receive_until(socket, "pong")
    for conn in hub.user_sockets[alice.user.pk]:
        conn.last_seen -= 5
    await maintenance.close_idle_sockets(hub)
    assert (await _closed_with(socket, 4000))["reason"] == "idle"


async def test_too_many_sockets_for_one_user_are_refused(alice, settings):
    from channels.testing import WebsocketCommunicator

    from tests.conftest import ws_application

    settings.KRING_MAX_SOCKETS_PER_USER = 2
    open_ones = [await connect(alice.token) for _ in range(2)]
    extra = WebsocketCommunicator(
        ws_application(), "/ws/", headers=[(b"x-session-token", alice.token.encode())]
    )
    connected, _ = await extra.connect()
    assert not connected
    for socket in open_ones:
        await socket.disconnect()
