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


def test_the_server_collects_garbage_at_the_configured_pace_without_start_up_objects(
    settings,
) -> None:
    """bench S6: Python's default thresholds spent a fifth of a reconnect storm's CPU in
    collections."""
    import gc

    from config.server import tune_garbage_collector

    before = gc.get_threshold()
    settings.KRING_GC_THRESHOLDS = (12_345, 40, 10)
    try:
        tune_garbage_collector()
        assert gc.get_threshold() == (12_345, 40, 10)
        assert gc.get_freeze_count() > 10_000, "what exists after start-up is frozen"
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
