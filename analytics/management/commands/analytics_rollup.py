"""Recompute analytics rollups from the raw tables: every community (or ``--community``)
over ``--days`` back from today, or ``--from``/``--to``. Safe while the worker runs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from analytics import rollup
from community.models import Community


class Command(BaseCommand):
    help = "Recompute the analytics rollups of some days from the raw tables."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--community", help="a community's slug (default: all)")
        parser.add_argument("--days", type=int, default=30, help="days back from today")
        parser.add_argument("--from", dest="first", help="first UTC day, YYYY-MM-DD")
        parser.add_argument("--to", dest="last", help="last UTC day, YYYY-MM-DD")

    def handle(self, *args: Any, **options: Any) -> None:
        today = dt.datetime.now(dt.UTC).date()
        try:
            last = dt.date.fromisoformat(options["last"]) if options["last"] else today
            first = (
                dt.date.fromisoformat(options["first"])
                if options["first"]
                else last - dt.timedelta(days=options["days"] - 1)
            )
        except ValueError as error:
            raise CommandError(f"Dates are written YYYY-MM-DD: {error}") from None
        communities = Community.objects.all()
        if options["community"]:
            communities = communities.filter(slug=options["community"])
            if not communities.exists():
                raise CommandError(f"No community '{options['community']}'.")
        days = 0
        for community in communities:
            days += rollup.recompute(community=community, first=first, last=last)
        self.stdout.write(f"{days} community days recomputed ({first} to {last}).")
