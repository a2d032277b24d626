"""Teaching materials: a resource (file or link) with versions, adaptations, reactions, and
its own discussion room."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .licences import CHOICES as LICENCE_CHOICES


class ResourceType(models.TextChoices):
    """schema.org ``learningResourceType``."""

    LESSON_PLAN = "lesson plan", _("Lesson plan")
    WORKSHEET = "worksheet", _("Worksheet")
    PRESENTATION = "presentation", _("Presentation")
    ASSESSMENT = "assessment", _("Assessment")
    PROJECT = "project", _("Project")
    VIDEO = "video", _("Video")
    AUDIO = "audio", _("Audio")
    IMAGE = "image", _("Image")
    TOOL = "tool", _("Tool or website")
    OTHER = "other", _("Other")


class IscedLevel(models.IntegerChoices):
    EARLY_CHILDHOOD = 0, _("ISCED 0: early childhood")
    PRIMARY = 1, _("ISCED 1: primary")
    LOWER_SECONDARY = 2, _("ISCED 2: lower secondary")
    UPPER_SECONDARY = 3, _("ISCED 3: upper secondary")
    POST_SECONDARY = 4, _("ISCED 4: post-secondary non-tertiary")
    TERTIARY = 5, _("ISCED 5-8: tertiary")


class Resource(models.Model):
    community = models.ForeignKey(
        "community.Community", on_delete=models.CASCADE, related_name="resources"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=5000)
    resource_type = models.CharField(
        max_length=20, choices=ResourceType.choices, default=ResourceType.OTHER
    )
    subjects = models.JSONField(default=list, blank=True)
    tags = models.JSONField(default=list, blank=True)
    # The self-assessment area it serves ("infrastructure"; ``resources.registry``), or "":
    # a school's weakest areas suggest materials tagged for them.
    area = models.CharField(max_length=40, blank=True, db_index=True)
    age_min = models.PositiveSmallIntegerField(null=True, blank=True)
    age_max = models.PositiveSmallIntegerField(null=True, blank=True)
    isced_level = models.PositiveSmallIntegerField(
        choices=IscedLevel.choices, null=True, blank=True
    )
    language = models.CharField(max_length=35, help_text="BCP-47")
    licence = models.CharField(max_length=40, choices=LICENCE_CHOICES)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="resources"
    )
    # The discussion thread: a room of its own (kind "resource") in the community.
    # RESTRICT, not PROTECT: a thread cannot be deleted on its own, but deleting the
    # community takes its materials and their threads together.
    thread = models.OneToOneField(
        "community.Room", on_delete=models.RESTRICT, related_name="resource"
    )
    # An adaptation remembers the exact version it started from.
    adapted_from = models.ForeignKey(
        "ResourceVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="adaptations",
    )
    # Withdrawn by its author or a facilitator: out of the library, files no longer served,
    # thread locked; the page stays (adaptations still credit it) and it can be restored.
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawn_reason = models.CharField(max_length=500, blank=True)
    # Whether withdrawing locked the thread (restoring reopens only a thread it closed).
    withdrawal_locked_thread = models.BooleanField(default=False)
    # Kept by the services in the transaction that changes them, so the library lists and
    # sorts by use without counting every material's reactions on every page.
    used_count = models.PositiveIntegerField(default=0)
    useful_count = models.PositiveIntegerField(default=0)
    version_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # On PostgreSQL the table also has ``search_document``, a stored generated tsvector with a
    # GIN index (migration 0003), unknown to the ORM; ``selectors._search`` queries it.

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["community", "-created_at"]),
            models.Index(fields=["-created_at"], name="resource_newest"),
            models.Index(
                fields=["-used_count", "-useful_count", "-created_at"], name="resource_most_used"
            ),
            models.Index(fields=["language"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class ResourceVersion(models.Model):
    """One version of a resource: an uploaded file (stored under a generated name) or a link."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    file = models.FileField(upload_to="resources/", max_length=200, blank=True)
    url = models.URLField(max_length=1000, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    extension = models.CharField(max_length=10, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    change_note = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["resource", "number"]
        constraints = [
            models.UniqueConstraint(fields=["resource", "number"], name="one_number_per_version")
        ]

    def __str__(self) -> str:
        return f"{self.resource_id} v{self.number}"

    @property
    def is_file(self) -> bool:
        return bool(self.file)


class ReactionKind(models.TextChoices):
    USED_IN_CLASS = "used_in_class", _("Used it in class")
    USEFUL = "useful", _("Useful")


class Reaction(models.Model):
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=ReactionKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["resource", "user", "kind"], name="one_reaction_per_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.resource_id}"


class Toolkit(models.Model):
    """A curated, ordered collection of teaching materials with an introduction ("Starter kit:
    personalised learning in primary"), kept by a community's facilitators. Its materials may
    come from any community of that community's network. A public toolkit, and the openly
    licensed materials in it, can be read without an account."""

    community = models.ForeignKey(
        "community.Community", on_delete=models.CASCADE, related_name="toolkits"
    )
    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    introduction = models.TextField(blank=True, max_length=10000)
    language = models.CharField(max_length=35, blank=True, help_text="BCP-47")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Set while the toolkit is public (readable without an account, in the sitemap).
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["title"]
        indexes = [models.Index(fields=["published_at"], name="toolkit_public")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_public(self) -> bool:
        return self.published_at is not None


class ToolkitItem(models.Model):
    toolkit = models.ForeignKey(Toolkit, on_delete=models.CASCADE, related_name="items")
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField(default=0)
    # Why this material is in the kit, in the curator's words.
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["toolkit", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["toolkit", "resource"], name="one_item_per_material")
        ]

    def __str__(self) -> str:
        return f"{self.toolkit_id}#{self.position}: {self.resource_id}"
