"""Forms of the event pages. They only parse (and build a rule from the "repeat" choice); the
services validate and decide, and their errors are shown next to the field they are about."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .errors import FieldInvalid
from .models import Audience, EventFormat
from .recurrence import zone_names

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
REPEAT_CHOICES = [
    ("", _("Does not repeat")),
    ("weekly", _("Every week on this weekday")),
    ("monthly_weekday", _("Every month on this weekday (e.g. the first Tuesday)")),
    ("monthly_day", _("Every month on this date")),
    ("daily", _("Every day")),
    ("custom", _("Custom rule (RFC 5545)")),
]
LOCAL_INPUT = {"type": "datetime-local", "step": "300"}


class WallClockField(forms.DateTimeField):
    """A date and time as typed, without a zone (naive): the event's own zone, chosen beside
    it, says what it means. (Django's field would read it in the reader's zone and refuse
    a time their clocks skip, though the event's zone may not skip it.)"""

    def to_python(self, value: Any) -> datetime | None:
        with timezone.override(UTC):
            moment = super().to_python(value)
        return moment.replace(tzinfo=None) if moment is not None else None


def rule_for(repeat: str, start: datetime, count: int | None, until: Any, custom: str) -> str:
    """The RRULE of a "repeat" choice, from the start's weekday or date."""
    if repeat == "custom":
        return custom.strip()
    if not repeat:
        return ""
    weekday = WEEKDAYS[start.weekday()]
    nth = (start.day - 1) // 7 + 1
    base = {
        "weekly": f"FREQ=WEEKLY;BYDAY={weekday}",
        "monthly_weekday": f"FREQ=MONTHLY;BYDAY={nth if nth < 5 else -1}{weekday}",
        "monthly_day": f"FREQ=MONTHLY;BYMONTHDAY={start.day}",
        "daily": "FREQ=DAILY",
    }[repeat]
    if count:
        return f"{base};COUNT={count}"
    if until:
        return f"{base};UNTIL={until:%Y%m%d}"
    return base


def repeat_of(rule: str) -> tuple[str, dict[str, Any]]:
    """The form's choice for a stored rule (custom when it is not one of the presets)."""
    if not rule:
        return "", {}
    parts = dict(p.split("=", 1) for p in rule.split(";"))
    extra: dict[str, Any] = {}
    if "COUNT" in parts:
        extra["count"] = int(parts.pop("COUNT"))
    simple = set(parts) - {"UNTIL"}
    if parts.get("FREQ") == "WEEKLY" and simple == {"FREQ", "BYDAY"} and len(parts["BYDAY"]) == 2:
        choice = "weekly"
    elif parts.get("FREQ") == "MONTHLY" and simple == {"FREQ", "BYDAY"}:
        choice = "monthly_weekday"
    elif parts.get("FREQ") == "MONTHLY" and simple == {"FREQ", "BYMONTHDAY"}:
        choice = "monthly_day"
    elif parts.get("FREQ") == "DAILY" and simple == {"FREQ"}:
        choice = "daily"
    else:
        return "custom", {"rrule": rule}
    if "UNTIL" in parts:
        extra["until"] = datetime.strptime(parts["UNTIL"][:8], "%Y%m%d").date()
    return choice, extra


class EventForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    starts_at = WallClockField(
        label=_("Starts"), widget=forms.DateTimeInput(attrs=LOCAL_INPUT, format="%Y-%m-%dT%H:%M")
    )
    ends_at = WallClockField(
        label=_("Ends"), widget=forms.DateTimeInput(attrs=LOCAL_INPUT, format="%Y-%m-%dT%H:%M")
    )
    timezone = forms.ChoiceField(
        label=_("Time zone"),
        help_text=_(
            "The organiser's zone: the times above are in it, and a series repeats at "
            "that time there (also across summer time). Everyone sees their own time "
            "beside it."
        ),
    )
    repeat = forms.ChoiceField(label=_("Repeat"), choices=REPEAT_CHOICES, required=False)
    count = forms.IntegerField(
        label=_("Number of sessions"),
        min_value=1,
        max_value=500,
        required=False,
        help_text=_(
            "e.g. 6 for six weekly sessions; leave empty to repeat until the date below "
            "or without end."
        ),
    )
    until = forms.DateField(
        label=_("Repeat until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    rrule = forms.CharField(
        label=_("Custom rule"),
        max_length=500,
        required=False,
        help_text=_("Only with “Custom rule”, e.g. FREQ=WEEKLY;INTERVAL=2;BYDAY=WE;COUNT=5"),
    )
    format = forms.ChoiceField(label=_("Where"), choices=EventFormat.choices)
    location = forms.CharField(
        label=_("Address"),
        max_length=300,
        required=False,
        help_text=_("For in person and hybrid: school, street, town."),
    )
    online_url = forms.URLField(
        label=_("Video link"),
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text=_("For online and hybrid (Teams, Zoom, Jitsi, …)."),
    )
    capacity = forms.IntegerField(
        label=_("Seats"),
        min_value=1,
        required=False,
        help_text=_("Leave empty for no limit. When full, people join a waiting list."),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=10_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Markdown works."),
    )
    agenda = forms.CharField(
        label=_("Agenda"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Pinned in the event's room."),
    )
    audience = forms.ChoiceField(label=_("Who can come"), choices=Audience.choices)
    guest_communities = forms.MultipleChoiceField(
        label=_("Also open to"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("With “Also members of the communities listed”."),
    )

    def __init__(self, *args: Any, guests: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = [(z, z.replace("_", " ")) for z in zone_names()]
        self.fields["guest_communities"].choices = [(c.slug, c.name) for c in guests]
        if not guests:
            del self.fields["guest_communities"]

    def changes(self) -> dict[str, Any]:
        """What the services take, from the cleaned fields."""
        data = self.cleaned_data
        start = data["starts_at"]
        return {
            "title": data["title"],
            "description": data["description"],
            "timezone": data["timezone"],
            "starts_at": start.isoformat(timespec="minutes"),
            "ends_at": data["ends_at"].isoformat(timespec="minutes"),
            "rrule": rule_for(data["repeat"], start, data["count"], data["until"], data["rrule"]),
            "format": data["format"],
            "location": data["location"],
            "online_url": data["online_url"],
            "capacity": data["capacity"],
            "agenda": data["agenda"],
            "audience": data["audience"],
            "guest_communities": data.get("guest_communities") or [],
        }

    def show(self, error: FieldInvalid | Any) -> None:
        """A service's error next to its field (the rule's next to "Repeat")."""
        field = getattr(error, "field", None)
        if field == "rrule" and self.cleaned_data.get("repeat") != "custom":
            field = "repeat"
        if field in self.fields:
            self.add_error(field, getattr(error, "problem", error.detail))
        else:
            self.add_error(None, error.detail)


class OccurrenceForm(forms.Form):
    """One occurrence of a series on its own."""

    title = EventForm.base_fields["title"]
    starts_at = EventForm.base_fields["starts_at"]
    ends_at = EventForm.base_fields["ends_at"]
    format = EventForm.base_fields["format"]
    location = EventForm.base_fields["location"]
    online_url = EventForm.base_fields["online_url"]
    capacity = EventForm.base_fields["capacity"]
    description = EventForm.base_fields["description"]

    def changes(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["starts_at"] = data["starts_at"].isoformat(timespec="minutes")
        data["ends_at"] = data["ends_at"].isoformat(timespec="minutes")
        return data

    show = EventForm.show


class NotesForm(forms.Form):
    notes = forms.CharField(
        label=_("Notes"),
        max_length=10_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What was said and decided; Markdown works."),
    )
    materials = forms.CharField(
        label=_("Shared materials"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line: a title, then the link (e.g. Slides https://…)."),
    )

    def changes(self) -> dict[str, Any]:
        materials = []
        for line in self.cleaned_data["materials"].splitlines():
            words = line.split()
            if not words:
                continue
            url = words[-1]
            materials.append({"title": " ".join(words[:-1]), "url": url})
        return {"notes": self.cleaned_data["notes"], "materials": materials}

    show = EventForm.show


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Why (told to those going)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
