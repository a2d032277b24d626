"""daphne listens with the configured backlog, so a reconnect storm is queued, not dropped, and
writes an access log only where told."""

from __future__ import annotations

from daphne.cli import CommandLineInterface

from config.server import daphne_arguments


def test_daphne_listens_with_the_configured_backlog(settings) -> None:
    settings.KRING_LISTEN_BACKLOG = 2048
    arguments = daphne_arguments(host="127.0.0.1", port=9000)
    assert arguments[:2] == ["-e", "tcp:port=9000:interface=127.0.0.1:backlog=2048"]
    assert arguments[-1] == "config.asgi:application"
    ipv6 = daphne_arguments(host="[::1]", port=9000)
    assert ipv6[1] == r"tcp:port=9000:interface=\:\:1:backlog=2048"


def _action_logger(arguments: list[str]) -> object:
    """What daphne's command line hands its server for access logging."""
    handed: dict = {}

    class Capturing:
        def __init__(self, **options: object) -> None:
            handed.update(options)

        def run(self) -> None:
            pass

        abort_start = False

    cli = CommandLineInterface()
    cli.server_class = Capturing
    cli.run(arguments)
    return handed["action_logger"]


def test_daphne_writes_an_access_log_only_where_told(settings) -> None:
    settings.KRING_ACCESS_LOG = ""
    arguments = daphne_arguments(host="127.0.0.1", port=9000)
    assert "--access-log" not in arguments
    assert _action_logger(arguments) is None  # not even formatted for /dev/null
    settings.KRING_ACCESS_LOG = "-"
    arguments = daphne_arguments(host="127.0.0.1", port=9000)
    assert arguments[arguments.index("--access-log") + 1] == "-"
    assert _action_logger(arguments) is not None
