"""autobahn's per-connection debug lines are pretty-printed and coloured only when they are
written."""

from __future__ import annotations

from config.server import defer_autobahn_formatting


class CountsRepr:
    calls = 0

    def __repr__(self) -> str:
        CountsRepr.calls += 1
        return "counted"


def test_pretty_printing_waits_until_a_line_is_written() -> None:
    defer_autobahn_formatting()
    from autobahn.websocket import protocol

    value = protocol.pformat([("openHandshakeTimeout", CountsRepr())])
    assert CountsRepr.calls == 0  # a dropped debug line costs nothing
    assert f"{value}" == "[('openHandshakeTimeout', counted)]"
    assert CountsRepr.calls == 1
    timings = protocol.Timings()
    timings.track("onOpen")
    assert str(timings).startswith("{'onOpen': ")


def test_colouring_waits_until_a_line_is_written() -> None:
    defer_autobahn_formatting()
    from autobahn.twisted import websocket as twisted_websocket
    from autobahn.websocket import protocol

    for module in (protocol, twisted_websocket):
        value = module.hlval(CountsRepr())
        before = CountsRepr.calls
        assert "counted" in f"{value}"
        assert CountsRepr.calls == before + 1
        assert "CountsRepr" in str(module.hltype(CountsRepr))
