"""What networking stores: each teacher's features and embeddings (computed by the worker, never
on a page request), the same for communities and materials, what a teacher dismissed, and the
suggestions Kring sent them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PersonVector(models.Model):
    """A teacher's matching features, rebuilt by the worker when their profile or activity
    changed (``stale``).

    ``embedding`` holds two float32 vectors of 512 dimensions, back to back: the profile's
    subjects and interests, and its bio (zeros where empty). Which of them a viewer's
    suggestions may use depends on the field's visibility for that viewer, so ``features``
    keeps per field what it is made of, and the index combines them per viewer tier.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    embedding = models.BinaryField(null=True, blank=True)
    # The text the embedding was computed from (hash): unchanged text is not embedded again.
    text_hash = models.CharField(max_length=64, blank=True)
    # {"country", "languages", "subjects", "age_groups", "interests", "levels", "discoverable"}
    features = models.JSONField(default=dict)
    # {"resources": {id: [community, kinds]}, "rooms": {id: community}, "partners": {...}}
    activity = models.JSONField(default=dict)
    stale = models.BooleanField(default=True, db_index=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    # When the weekly "people you may want to meet" was last considered for this teacher.
    weekly_at = models.DateTimeField(null=True, blank=True)
    # Raised on every rebuild: the in-memory index of each process reloads what changed.
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    def __str__(self) -> str:
        return f"Networking vector of {self.user_id}"


class ItemKind(models.TextChoices):
    COMMUNITY = "community", _("Community")
    RESOURCE = "resource", _("Teaching material")


class ItemVector(models.Model):
    """The embedding of a community's name and description, or a material's title and
    description (float32 x 512), rebuilt by the worker when that text changed."""

    kind = models.CharField(max_length=20, choices=ItemKind.choices)
    object_id = models.BigIntegerField()
    embedding = models.BinaryField()
    text_hash = models.CharField(max_length=64)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="one_vector_per_item")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}"


class SuggestionKind(models.TextChoices):
    PERSON = "person", _("Person")
    COMMUNITY = "community", _("Community")
    RESOURCE = "resource", _("Teaching material")


class Dismissal(models.Model):
    """ "Not interested": never suggested to this teacher again (a person dismissed is also
    never suggested the other way round)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=SuggestionKind.choices)
    object_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "object_id"], name="one_dismissal_per_item"
            )
        ]
        indexes = [models.Index(fields=["kind", "object_id"])]

    def __str__(self) -> str:
        return f"{self.user_id} dismissed {self.kind} {self.object_id}"


class SentSuggestion(models.Model):
    """A suggestion Kring sent a teacher (the weekly "people you may want to meet"), with the
    reasons it gave: in their data export, and never sent twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=SuggestionKind.choices)
    object_id = models.BigIntegerField()
    score = models.FloatField()
    reasons = models.JSONField(default=list)
    sent_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["user", "-sent_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id} to {self.user_id}"
