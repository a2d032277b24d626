"""Forms for pages. Sign-up adds a display name to allauth's email + password form (the
headless JSON sign-up accepts the same ``display_name`` field)."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django import forms
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from .models import AgeGroup
from .visibility import DEFAULTS, FIELDS, Visibility

DISCOVERABLE_HELP = _(
    "Kring shows your profile to teachers in other communities and countries who teach what "
    "you teach, and they can find you in people search. Off unless you turn it on; you can change "
    "it any time on your profile."
)


class SignupForm(forms.Form):
    display_name = forms.CharField(
        label=_("Your name"),
        max_length=80,
        help_text=_("Shown to other teachers, e.g. 'Anna de Vries'."),
    )
    discoverable = forms.BooleanField(
        label=_("Suggest me to teachers in other communities and countries (discoverable)"),
        required=False,
        help_text=DISCOVERABLE_HELP,
    )

    # Filled in by the page from the browser (static/kring/page.js); empty without script.
    timezone = forms.CharField(
        required=False, max_length=64, widget=forms.HiddenInput(attrs={"data-browser-zone": ""})
    )

    def signup(self, request: Any, user: Any) -> None:
        from .services import profile_update

        language = translation.get_language() or ""
        zone = self.cleaned_data.get("timezone", "")
        profile_update(
            user=user,
            display_name=self.cleaned_data["display_name"],
            language=language if language in dict(settings.LANGUAGES) else "",
            timezone=zone if zone in zoneinfo.available_timezones() else "",
            discoverable=bool(self.cleaned_data.get("discoverable")),
        )


def _split_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _zone_choices() -> list[tuple[str, str]]:
    zones = sorted(
        z for z in zoneinfo.available_timezones() if "/" in z and not z.startswith("Etc/")
    )
    return [("", _("Same as my browser"))] + [(z, z.replace("_", " ")) for z in zones]


class ProfileForm(forms.Form):
    display_name = forms.CharField(label=_("Display name"), max_length=80)
    handle = forms.CharField(
        label=_("Handle"),
        max_length=40,
        required=False,
        help_text=_(
            "Colleagues mention you as @handle. It follows your name until you choose one."
        ),
    )
    language = forms.ChoiceField(
        label=_("Kring's language for me"),
        required=False,
        help_text=_("Also the language of your emails and notifications."),
    )
    timezone = forms.ChoiceField(
        label=_("My time zone"),
        required=False,
        help_text=_("Times of messages, events and emails are shown in it."),
    )
    country = forms.ChoiceField(label=_("Country"), choices=[("", "—"), *countries], required=False)
    school = forms.CharField(label=_("School"), max_length=200, required=False)
    subjects = forms.CharField(
        label=_("Subjects"), required=False, help_text=_("Comma-separated, e.g. maths, biology")
    )
    age_groups = forms.MultipleChoiceField(
        label=_("Age groups taught"),
        choices=AgeGroup.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    languages = forms.CharField(
        label=_("Languages"),
        required=False,
        help_text=_("Language tags, comma separated, e.g. nl, en, pl"),
    )
    interests = forms.CharField(label=_("Interests"), required=False)
    bio = forms.CharField(
        label=_("About you"),
        widget=forms.Textarea,
        required=False,
        max_length=1000,
        help_text=_("What and how you teach, what you would like to try with colleagues."),
    )
    discoverable = forms.BooleanField(
        label=_("Suggest me to teachers in other communities and countries (discoverable)"),
        required=False,
        help_text=DISCOVERABLE_HELP,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        languages = [(code, translation.get_language_info(code)["name_local"].capitalize())
                     for code, _name in settings.LANGUAGES]  # fmt: skip
        self.fields["language"].choices = [("", _("Same as my browser")), *languages]
        self.fields["timezone"].choices = _zone_choices()
        # "Who sees this" right after each field the teacher can hide.
        order: list[str] = ["display_name", "language", "timezone"]
        for field in FIELDS:
            name = f"visibility_{field}"
            self.fields[name] = forms.ChoiceField(
                label=_("Who sees “%(field)s”") % {"field": self.fields[field].label},
                choices=Visibility.choices,
                initial=DEFAULTS[field],
                required=False,
            )
            order += [field, name]
        self.order_fields([*order, "discoverable"])

    def changes(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if data.get("handle") in ("", self.initial.get("handle")):
            data.pop("handle", None)  # unchanged: it keeps following the name
        for field in ("subjects", "languages", "interests"):
            data[field] = _split_list(data[field])
        data["visibility"] = {
            field: data.pop(f"visibility_{field}") or DEFAULTS[field] for field in FIELDS
        }
        return data
