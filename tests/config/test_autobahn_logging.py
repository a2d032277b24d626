"""autobahn's per-connection debug lines are pretty-printed only when they are written."""

from __future__ import annotations

from config.server import defer_autobahn_pformat


class CountsRepr:
    calls = 0

    def __repr__(self) -> str:
        CountsRepr.calls += 1
        return "counted"


def test_pretty_printing_waits_until_a_line_is_written() -> None:
    defer_autobahn_pformat()
    from autobahn.websocket import protocol

    value = protocol.pformat([("openHandshakeTimeout", CountsRepr())])
    assert CountsRepr.calls == 0  # a dropped debug line costs nothing
    assert f"{value}" == "[('openHandshakeTimeout', counted)]"
    assert CountsRepr.calls == 1
    timings = protocol.Timings()
    timings.track("onOpen")
    assert str(timings).startswith("{'onOpen': ")
