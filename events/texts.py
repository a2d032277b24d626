"""Saying when, to a person: in their language and their time zone (``User.language``,
``User.timezone``), with the organiser's time beside it when the two differ. Notifications are
written once per (language, zone) group of recipients: the sentence is translated when read,
the time in it is formatted here for that group."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import formats, translation
from django.utils.translation import gettext as _

from community.models import User

UI_LANGUAGES = {code for code, _name in settings.LANGUAGES}


def city(zone_name: str) -> str:
    """``Europe/Amsterdam`` -> ``Amsterdam``: how people name a zone."""
    return zone_name.rsplit("/", 1)[-1].replace("_", " ")


def when(moment: datetime, zone_name: str) -> str:
    """``Tuesday 3 March 2026, 19:00`` in the active language, in ``zone_name``."""
    local = moment.astimezone(ZoneInfo(zone_name))
    return formats.date_format(local, "l j F Y, H:i")


def when_for(moment: datetime, viewer_zone: str | None, event_zone: str) -> str:
    """When, for one reader: their time (zone named), and the organiser's when it differs."""
    if not viewer_zone:
        return _("%(when)s (%(zone)s time)") % {
            "when": when(moment, event_zone),
            "zone": city(event_zone),
        }
    mine = when(moment, viewer_zone)
    offset_mine = moment.astimezone(ZoneInfo(viewer_zone)).utcoffset()
    offset_theirs = moment.astimezone(ZoneInfo(event_zone)).utcoffset()
    if offset_mine == offset_theirs:
        return _("%(when)s (your time, %(zone)s)") % {"when": mine, "zone": city(viewer_zone)}
    theirs = formats.date_format(moment.astimezone(ZoneInfo(event_zone)), "H:i")
    return _("%(when)s your time (%(theirs)s in %(zone)s)") % {
        "when": mine,
        "theirs": theirs,
        "zone": city(event_zone),
    }


def language_of(code: str | None) -> str:
    """The language a teacher chose, else the deployment's default."""
    code = (code or "").split("-")[0].lower()
    return code if code in UI_LANGUAGES else settings.LANGUAGE_CODE


def groups(user_ids: Iterable[int]) -> dict[tuple[str, str | None], list[int]]:
    """Recipients by (language, chosen zone or None), to write one text per group."""
    grouped: dict[tuple[str, str | None], list[int]] = defaultdict(list)
    rows = User.objects.filter(pk__in=sorted(set(user_ids))).values_list(
        "pk", "language", "timezone"
    )
    for user_id, language, zone in rows.order_by("pk"):
        grouped[(language_of(language), zone or None)].append(user_id)
    return dict(grouped)


def in_language(language: str, build: Any) -> Any:
    with translation.override(language):
        return build()
