"""The Procfile's `worker`: fan-out jobs, immediate emails and digests."""

from __future__ import annotations

import asyncio
import signal
from typing import Any

from django.core.management.base import BaseCommand

from delivery import worker


class Command(BaseCommand):
    help = "Process notification fan-out jobs and send emails and digests, until stopped."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--once", action="store_true", help="Process what is pending, then exit."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["once"]:
            worker.run_due_periodic({})
            jobs = worker.process_pending_jobs()
            emails = worker.send_due_emails()
            self.stdout.write(f"{jobs} job(s) processed, {emails} email(s) sent.")
            return
        asyncio.run(self._run())

    async def _run(self) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        self.stdout.write("Kring worker running (Ctrl+C to stop).")
        await worker.run(stop)
