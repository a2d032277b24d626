"""Schools, teachers' links to them, their yearly self-assessments, and school-to-school
mentoring pairs in a hub with their plans."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField


class SchoolKind(models.TextChoices):
    PRIMARY = "primary", _("Primary")
    SECONDARY = "secondary", _("Secondary")
    VOCATIONAL = "vocational", _("Vocational")
    SPECIAL = "special", _("Special needs")
    OTHER = "other", _("Other")


class SizeBand(models.TextChoices):
    SMALL = "small", _("Up to 200 pupils")
    MEDIUM = "medium", _("200 to 500 pupils")
    LARGE = "large", _("500 to 1,000 pupils")
    VERY_LARGE = "very_large", _("More than 1,000 pupils")


class School(models.Model):
    name = models.CharField(_("name"), max_length=200)
    country = CountryField(_("country"))
    region = models.CharField(_("region"), max_length=120, blank=True)
    kind = models.CharField(_("type"), max_length=20, choices=SchoolKind.choices)
    size_band = models.CharField(_("size"), max_length=20, choices=SizeBand.choices, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True, help_text="BCP-47")
    website = models.URLField(_("website"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # A duplicate a coordinator merged: its links, answers and pairs moved to the survivor,
    # and its address leads there.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from"
    )

    class Meta:
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["country", "name"])]

    def __str__(self) -> str:
        return self.name


class LinkState(models.TextChoices):
    PENDING = "pending", _("Waiting for the school lead")
    CONFIRMED = "confirmed", _("Confirmed")


class SchoolLink(models.Model):
    """A teacher works at a school: asked by the teacher, confirmed by the school's lead (the
    lead's own link is confirmed when they create the school or are made lead)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="links")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="school_links"
    )
    state = models.CharField(max_length=10, choices=LinkState.choices, default=LinkState.PENDING)
    is_primary = models.BooleanField(default=False)
    # The school lead (a teacher or head): confirms links, edits the school, sees individual
    # self-assessment answers, accepts mentoring.
    is_lead = models.BooleanField(default=False)
    # Listed on the school's page (the teacher's choice).
    shown = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["school", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["school", "user"], name="one_link_per_school"),
            models.UniqueConstraint(
                fields=["user"], condition=Q(is_primary=True), name="one_primary_school"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} at {self.school_id} ({self.state})"


class SchoolInHub(models.Model):
    """A school takes part in a hub (a community of kind hub): added by the hub's
    facilitators or by the school's lead, if a member of the hub."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="hubs")
    hub = models.ForeignKey("community.Community", on_delete=models.CASCADE, related_name="+")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["school", "hub"], name="one_school_in_hub"),
        ]

    def __str__(self) -> str:
        return f"{self.school_id} in hub {self.hub_id}"


class AssessmentResponse(models.Model):
    """One teacher's answers for one school in one yearly cycle: ``{statement id: 1..5, or 0
    for "don't know"}``; unanswered statements are left out. Private to the school lead."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="responses")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="school_responses"
    )
    year = models.PositiveIntegerField()
    instrument = models.CharField(max_length=60)
    answers = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["school", "year", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "user", "year"], name="one_response_per_teacher_year"
            ),
        ]
        indexes = [models.Index(fields=["school", "year"])]

    def __str__(self) -> str:
        return f"{self.user_id} for {self.school_id} in {self.year}"


class PairingStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    DECLINED = "declined", _("Declined")


class Pairing(models.Model):
    """A mentor school and a mentee school in a hub: proposed by a hub facilitator, active
    once both school leads accept (then it has its private room), completed at the end."""

    hub = models.ForeignKey("community.Community", on_delete=models.CASCADE, related_name="+")
    mentor = models.ForeignKey(School, on_delete=models.CASCADE, related_name="mentoring")
    mentee = models.ForeignKey(School, on_delete=models.CASCADE, related_name="mentored")
    status = models.CharField(
        max_length=12, choices=PairingStatus.choices, default=PairingStatus.PROPOSED
    )
    # Why the pair was suggested, as plain sentences (kept as proposed).
    reasons = models.JSONField(default=list, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    mentor_accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    mentor_accepted_at = models.DateTimeField(null=True, blank=True)
    mentee_accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    mentee_accepted_at = models.DateTimeField(null=True, blank=True)
    declined_reason = models.CharField(max_length=500, blank=True)
    room = models.OneToOneField(
        "community.Room", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["mentor", "mentee"],
                condition=Q(status__in=["proposed", "active"]),
                name="one_open_pairing",
            ),
            models.CheckConstraint(condition=~Q(mentor=models.F("mentee")), name="two_schools"),
        ]

    def __str__(self) -> str:
        return f"{self.mentor_id} mentors {self.mentee_id} ({self.status})"


class PlanGoal(models.Model):
    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, related_name="goals")
    area = models.CharField(max_length=40)
    text = models.CharField(max_length=300)
    done = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pairing", "pk"]

    def __str__(self) -> str:
        return self.text


class SessionKind(models.TextChoices):
    VISIT = "visit", _("School visit")
    ONLINE = "online", _("Online co-planning session")


class PlanSession(models.Model):
    """A planned visit or online co-planning session; teachers of both schools are reminded
    ``KRING_MENTORING_REMINDER_HOURS`` before it, once (``reminded_at`` claims it)."""

    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, related_name="sessions")
    kind = models.CharField(max_length=10, choices=SessionKind.choices)
    title = models.CharField(max_length=200)
    starts_at = models.DateTimeField()
    place = models.CharField(max_length=300, blank=True, help_text="An address or a video link")
    reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["reminded_at", "starts_at"])]

    def __str__(self) -> str:
        return self.title
