"""Forms of the pages that run a community. They parse and give the browser its hints; the
services decide (their errors land next to the field they name)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import CommunityKind, JoinPolicy


def split_codes(value: str) -> list[str]:
    return [item.strip() for item in value.replace(";", ",").split(",") if item.strip()]


class CommunityFieldsForm(forms.Form):
    """What every community has: name, countries, region, languages, join policy."""

    name = forms.CharField(label=_("Name"), max_length=120)
    countries = forms.CharField(
        label=_("Countries"),
        required=False,
        max_length=200,
        help_text=_("Two-letter codes, comma separated, e.g. NL, BE"),
    )
    region = forms.CharField(
        label=_("Region"), required=False, max_length=120, help_text=_("e.g. Gelderland, Skåne")
    )
    languages = forms.CharField(
        label=_("Languages"),
        required=False,
        max_length=200,
        help_text=_("Language tags, comma separated, e.g. nl, en"),
    )

    def fields_for_service(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["countries"] = split_codes(data.get("countries", ""))
        data["languages"] = split_codes(data.get("languages", ""))
        return data

    def show_error(self, exc: Any) -> None:
        """A domain error next to the field it names (or above the form)."""
        field = getattr(exc, "field", None)
        self.add_error(field if field in self.fields else None, exc.detail)


class CommunitySettingsForm(CommunityFieldsForm):
    description = forms.CharField(
        label=_("Description"), required=False, max_length=5000, widget=forms.Textarea
    )
    join_policy = forms.ChoiceField(label=_("Who can join"), choices=JoinPolicy.choices)
    field_order = ["name", "description", "countries", "region", "languages", "join_policy"]


class LogoForm(forms.Form):
    logo = forms.FileField(
        label=_("Logo"),
        help_text=_("PNG, JPEG or WebP, at most 1 MB; shown at most 512 pixels wide."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )

    def show_error(self, exc: Any) -> None:
        self.add_error("logo", exc.detail)


class FoundForm(CommunityFieldsForm):
    """A coordinator founds a community and names its first facilitator."""

    slug = forms.SlugField(
        label=_("Address"),
        required=False,
        max_length=80,
        help_text=_("/c/<address>/ — made from the name if left empty"),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=CommunityKind.choices)
    join_policy = forms.ChoiceField(label=_("Who can join"), choices=JoinPolicy.choices)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=5000, widget=forms.Textarea
    )
    facilitator_email = forms.EmailField(
        label=_("First facilitator's email"),
        help_text=_("Without an account yet, they get an invitation to accept."),
    )
    field_order = ["name", "slug", "kind", "countries", "region", "languages", "join_policy",
                   "description", "facilitator_email"]  # fmt: skip


class ProposalForm(CommunityFieldsForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=CommunityKind.choices)
    reason = forms.CharField(
        label=_("Why this community?"),
        max_length=2000,
        widget=forms.Textarea,
        help_text=_("Who it is for, what it will work on, who could facilitate it with you."),
    )
    field_order = ["name", "kind", "countries", "region", "languages", "reason"]


class RoomForm(forms.Form):
    name = forms.CharField(
        label=_("Room name"), max_length=80, help_text=_("One word, e.g. ai-in-de-klas")
    )
    topic = forms.CharField(label=_("Topic"), required=False, max_length=300)

    def show_error(self, exc: Any) -> None:
        field = getattr(exc, "field", None)
        self.add_error(field if field in self.fields else None, exc.detail)
