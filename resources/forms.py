"""Forms of the material pages. They only parse; the services validate and decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .licences import CHOICES as LICENCE_CHOICES
from .licences import adaptation_licence_problem
from .models import IscedLevel, ResourceType
from .registry import area_choices


def _split_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _accept() -> str:
    return ",".join(f".{extension}" for extension in settings.KRING_UPLOAD_TYPES)


class _ContentFields(forms.Form):
    file = forms.FileField(label=_("File"), required=False)
    link = forms.URLField(
        label=_("…or a link"),
        required=False,
        max_length=1000,
        assume_scheme="https",
        help_text=_("A website, video or online document, instead of a file."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = _accept()
        limit = settings.KRING_UPLOAD_MAX_BYTES // (1024 * 1024)
        self.fields["file"].help_text = _("At most %(mb)s MB: %(types)s.") % {
            "mb": limit,
            "types": ", ".join(sorted(settings.KRING_UPLOAD_TYPES)),
        }

    def content(self) -> dict[str, Any]:
        return {"upload": self.cleaned_data.get("file"), "url": self.cleaned_data.get("link") or ""}


class _DescribingFields(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=5000,
        help_text=_("What it is, how you used it, what worked."),
    )
    resource_type = forms.ChoiceField(label=_("Type"), choices=ResourceType.choices)
    subjects = forms.CharField(
        label=_("Subjects"), required=False, help_text=_("Comma-separated, e.g. maths, science")
    )
    tags = forms.CharField(
        label=_("Tags"), required=False, help_text=_("Comma-separated, e.g. outdoor, inquiry")
    )
    area = forms.ChoiceField(
        label=_("Area of a school's self-assessment"),
        required=False,
        help_text=_("Which area of a school's digital development it helps with, if any."),
    )
    age_min = forms.IntegerField(label=_("Age from"), min_value=0, max_value=99, required=False)
    age_max = forms.IntegerField(label=_("Age to"), min_value=0, max_value=99, required=False)
    isced_level = forms.TypedChoiceField(
        label=_("School level"),
        choices=[("", "—"), *IscedLevel.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    language = forms.CharField(
        label=_("Language"), max_length=35, help_text=_("e.g. nl, pl, sv, en")
    )
    licence = forms.ChoiceField(
        label=_("Licence"),
        choices=LICENCE_CHOICES,
        initial="CC-BY-4.0",
        help_text=_("Creative Commons lets other teachers reuse and adapt your work."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "area" in self.fields:
            self.fields["area"].choices = [("", "—"), *area_choices()]  # type: ignore[attr-defined]

    def metadata(self) -> dict[str, Any]:
        data = {field: self.cleaned_data.get(field) for field in self.describing_fields()}
        data["subjects"] = _split_list(data["subjects"] or "")
        data["tags"] = _split_list(data["tags"] or "")
        return data

    def describing_fields(self) -> list[str]:
        return [field for field in _DescribingFields.base_fields if field in self.fields]

    def start_from(self, resource: Any) -> None:
        """Fill the describing fields this form has with ``resource``'s description."""
        for field in self.describing_fields():
            value = getattr(resource, field)
            self.initial[field] = ", ".join(value) if field in ("subjects", "tags") else value


class ShareForm(_ContentFields, _DescribingFields):
    pass


class EditForm(_DescribingFields):
    """The description of a shared material; its licence stays (shown, not editable)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["licence"]


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why"), max_length=500, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Shown on the material's page; the author is told."),
    )  # fmt: skip


class VersionForm(_ContentFields):
    change_note = forms.CharField(
        label=_("What changed"), max_length=500, required=False,
        help_text=_("e.g. 'fixed the answer key', 'added a Polish glossary'"),
    )  # fmt: skip


class AdaptForm(_ContentFields, _DescribingFields):
    """Starts filled in from the source; the file may stay the source's own."""

    community = forms.ChoiceField(label=_("Share the adaptation in"))
    version = forms.TypedChoiceField(label=_("Based on"), coerce=int)

    def __init__(self, *args: Any, communities: list[Any], versions: list[Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = [(c.slug, c.name) for c in communities]
        self.fields["version"].choices = [
            (v.number, _("version %(n)s") % {"n": v.number}) for v in reversed(versions)
        ]
        self.fields["file"].help_text = _("Leave empty to start from a copy of the source file.")
        self.order_fields(["community", "version"])

    def limit_licences(self, source_licence: str) -> None:
        """Offer only the licences an adaptation of a ``source_licence`` material may have
        (share-alike keeps it, non-commercial stays non-commercial)."""
        field = self.fields["licence"]
        field.choices = [
            (spdx, name)
            for spdx, name in LICENCE_CHOICES
            if adaptation_licence_problem(source_licence, spdx) is None
        ]
        allowed = [spdx for spdx, _name in field.choices]
        if self.initial.get("licence") not in allowed and allowed:
            self.initial["licence"] = source_licence if source_licence in allowed else allowed[0]
        field.help_text = _("Only the licences the original's licence allows for adaptations.")


class DescribeForm(_DescribingFields):
    """A material's description and licence without its content: for pages of other apps
    that turn a file they hold into a material (the chat app's "save to the library")."""
