"""`make bench`: run every benchmark (or those named: `python -m bench N1 S2`) and write
bench/RESULTS.md. Needs PostgreSQL and Redis (BENCH_DATABASE_URL, BENCH_REDIS_URL)."""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = {
    "S1": "bench.idle_sockets",
    "S2": "bench.room_fanout",
    "S3": "bench.post_ingest",
    "S4": "bench.two_processes",
    "S6": "bench.reconnect_storm",
    "N1": "bench.notify_fanout",
    "L1": "bench.library_search",
    "Q1": "bench.networking_quality",
    "Q2": "bench.networking_latency",
    "M1": "bench.member_table",
    "A1": "bench.analytics_dashboard",
    "C1": "bench.message_search",
}


def main(names: list[str]) -> None:
    from bench.common import write_results

    for name in names or list(BENCHMARKS):
        module = importlib.import_module(BENCHMARKS[name])
        text = module.main()
        print(text)
        write_results(name, text)


if __name__ == "__main__":
    main(sys.argv[1:])
