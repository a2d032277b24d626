"""The forms of the schools pages (the services validate again)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from .instrument import Instrument
from .models import SchoolKind, SessionKind, SizeBand


class SchoolForm(forms.Form):
    name = forms.CharField(label=_("Name of the school"), max_length=200)
    country = forms.ChoiceField(label=_("Country"), choices=[])
    region = forms.CharField(label=_("Region"), max_length=120, required=False)
    kind = forms.ChoiceField(label=_("Type of school"), choices=SchoolKind.choices)
    size_band = forms.ChoiceField(
        label=_("Size"), choices=[("", "—"), *SizeBand.choices], required=False
    )
    languages = forms.CharField(
        label=_("Languages"),
        required=False,
        help_text=_("The languages the school works in, comma separated, e.g. et, en"),
    )
    website = forms.URLField(
        label=_("Website"), max_length=300, required=False, assume_scheme="https"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", "—"), *countries]  # type: ignore[attr-defined]

    def data_for_service(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["languages"] = [x.strip() for x in data["languages"].split(",") if x.strip()]
        return data


class AssessmentForm(forms.Form):
    """One radio group per statement: 1-5, or "don't know" (0); a statement left alone is
    skipped."""

    def __init__(self, *args: Any, instrument: Instrument, dont_know: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(str(v), f"{v} · {label}") for v, label in instrument.scale_labels()]
        choices.append(("0", dont_know))
        for area in instrument.areas:
            for statement in area.statements:
                self.fields[statement.id] = forms.ChoiceField(
                    label=statement.label,
                    choices=choices,
                    required=False,
                    widget=forms.RadioSelect,
                )

    def answers(self) -> dict[str, int]:
        return {k: int(v) for k, v in self.cleaned_data.items() if v not in (None, "")}


class GoalForm(forms.Form):
    area = forms.ChoiceField(label=_("Area"), choices=[])
    text = forms.CharField(label=_("Goal"), max_length=300)

    def __init__(self, *args: Any, areas: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = areas  # type: ignore[attr-defined]


class SessionForm(forms.Form):
    kind = forms.ChoiceField(label=_("What"), choices=SessionKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    starts_at = forms.DateTimeField(
        label=_("When (your time)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M"],
    )
    place = forms.CharField(
        label=_("Where"), max_length=300, required=False, help_text=_("An address or a video link")
    )


class NotesForm(forms.Form):
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 5}), required=False
    )
