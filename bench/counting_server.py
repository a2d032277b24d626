"""Kring's server (``config.server``) counting the SQL statements it runs, for benchmarks that
report queries per operation: every second the count is written to BENCH_QUERY_COUNT_FILE.

Run: python -m bench.counting_server --host 127.0.0.1 --port 9000
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

_lock = threading.Lock()
_count = 0


def _counting(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
    global _count
    with _lock:
        _count += 1
    return execute(sql, params, many, context)


def _install() -> None:
    from django.db.backends.signals import connection_created

    def wrap(sender: Any, connection: Any, **kwargs: Any) -> None:
        if _counting not in connection.execute_wrappers:
            connection.execute_wrappers.append(_counting)

    connection_created.connect(wrap, weak=False)
    path = Path(os.environ["BENCH_QUERY_COUNT_FILE"])

    def report() -> None:
        # Written whole then renamed: a reader never sees a half-written (empty) file.
        scratch = path.with_suffix(".tmp")
        scratch.write_text(str(_count))
        scratch.replace(path)
        timer = threading.Timer(1.0, report)
        timer.daemon = True
        timer.start()

    report()


if __name__ == "__main__":
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    _install()
    from config.server import main

    main()
