from __future__ import annotations

import zoneinfo

from django import forms
from django.utils.translation import gettext_lazy as _

from .categories import Category, Level
from .models import EmailMode

WEEKDAYS = [(0, _("Monday")), (1, _("Tuesday")), (2, _("Wednesday")), (3, _("Thursday")),
            (4, _("Friday")), (5, _("Saturday")), (6, _("Sunday"))]  # fmt: skip


class DeliverySettingsForm(forms.Form):
    live = forms.BooleanField(label=_("Show notifications live in Kring"), required=False)
    email_mode = forms.ChoiceField(label=_("Email me"), choices=EmailMode.choices)
    email_categories = forms.MultipleChoiceField(
        label=_("Email about"), choices=Category.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    timezone = forms.ChoiceField(
        label=_("My time zone"),
        choices=[(z, z) for z in sorted(zoneinfo.available_timezones()) if "/" in z],
    )
    quiet_start = forms.TimeField(
        label=_("Quiet from"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    quiet_end = forms.TimeField(
        label=_("Quiet until"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    digest_hour = forms.TypedChoiceField(
        label=_("Digest at"), coerce=int, choices=[(h, f"{h:02d}:00") for h in range(24)]
    )
    digest_weekday = forms.TypedChoiceField(
        label=_("Weekly digest on"), coerce=int, choices=WEEKDAYS
    )


class LevelForm(forms.Form):
    level = forms.ChoiceField(choices=Level.choices)
