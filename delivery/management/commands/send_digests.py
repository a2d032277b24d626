"""Send the digests that are due now (the worker does this on its own; this is for cron)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from delivery import email


class Command(BaseCommand):
    help = "Send daily/weekly notification digests that are due, and held immediate emails."

    def handle(self, *args: Any, **options: Any) -> None:
        immediate = email.send_immediate()
        digests = email.send_digests()
        self.stdout.write(f"{digests} digest(s) and {immediate} immediate email(s) sent.")
