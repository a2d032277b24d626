"""Serve Kring with daphne, its WebSocket limits taken from the settings (one source of truth
for `make run`, the Procfile and the end-to-end tests)."""

from __future__ import annotations

from typing import Any

from daphne.cli import CommandLineInterface
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser


def daphne_arguments(*, host: str, port: int, proxy_headers: bool = False) -> list[str]:
    """daphne's command line for these settings. autobahn applies the message size to what the
    server sends too (on the ASGI path), so it gets the outgoing limit; the frame size takes
    the incoming one, and the consumer refuses larger incoming messages itself."""
    arguments = [
        "-b", host, "-p", str(port),
        "--websocket-max-message-size", str(settings.KRING_MAX_OUTGOING_FRAME_BYTES),
        "--websocket-max-frame-size", str(settings.KRING_MAX_FRAME_BYTES),
        "--ping-interval", str(settings.KRING_PING_INTERVAL_SECONDS),
        "--ping-timeout", str(settings.KRING_PING_TIMEOUT_SECONDS),
    ]  # fmt: skip
    if proxy_headers:
        arguments.append("--proxy-headers")
    return [*arguments, "config.asgi:application"]


class Command(BaseCommand):
    help = "Serve HTTP and WebSockets with daphne (limits from the settings)."
    requires_system_checks: list[str] = []  # the limits are checked at start-up anyway

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--proxy-headers", action="store_true", help="Behind a proxy (see deploy/)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        CommandLineInterface().run(
            daphne_arguments(
                host=options["host"], port=options["port"], proxy_headers=options["proxy_headers"]
            )
        )
