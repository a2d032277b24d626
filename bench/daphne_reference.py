"""R1d — daphne with an empty application: R1's subscribe protocol, served the way Kring is
served (``config.server``: its daphne subclass, backlog, no access log, autobahn's deferred
formatting) but with no Django, no authentication, no database and no channel layer.

It is what daphne itself costs per socket, the floor under any Kring figure: bench S6 reports
it beside R1 so the share of a reconnect that is Kring's own work can be read off.

Run: python -m bench.daphne_reference --host 127.0.0.1 --port 9000
"""

from __future__ import annotations

import argparse
import json
import os
from collections import defaultdict
from typing import Any

seqs: dict[int, int] = defaultdict(int)


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            pass
        return
    if scope["type"] == "http":
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})
        return
    while True:
        message = await receive()
        if message["type"] == "websocket.connect":
            await send({"type": "websocket.accept"})
        elif message["type"] == "websocket.disconnect":
            return
        elif message["type"] == "websocket.receive":
            frame = json.loads(message.get("text") or "{}")
            if frame.get("type") == "subscribe":
                room = frame["room"]
                reply = {"type": "subscribed", "room": room, "seq": seqs[room]}
                await send(
                    {"type": "websocket.send", "text": json.dumps(reply, separators=(",", ":"))}
                )
            elif frame.get("type") == "ping":
                await send({"type": "websocket.send", "text": '{"type":"pong"}'})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    options = parser.parse_args()
    # Only Kring's daphne set-up and garbage-collector thresholds are used; no app is loaded.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from config.server import (
        KringCommandLineInterface,
        defer_autobahn_formatting,
        tune_garbage_collector,
    )

    defer_autobahn_formatting()
    tune_garbage_collector()
    endpoint = f"tcp:port={options.port}:interface={options.host}:backlog=1024"
    # No access log, as Kring's server runs by default (config.server).
    KringCommandLineInterface().run(
        ["-e", endpoint, "--verbosity", "0", "bench.daphne_reference:application"]
    )


if __name__ == "__main__":
    main()
