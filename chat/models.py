"""What the chat app adds to rooms: reactions on messages, direct conversations with their
participants, blocks between teachers and reports of direct messages (which go to staff)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _

from community.models import Room, RoomEvent


class MessageReaction(models.Model):
    """One person's emoji on one message. The message's ``data["reactions"]`` holds the
    summary every client shows; these rows are the truth it is rebuilt from."""

    message = models.ForeignKey(RoomEvent, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    emoji = models.CharField(max_length=16)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["message", "user", "emoji"], name="one_reaction_per_emoji"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.emoji} on {self.message_id}"


class DirectConversation(models.Model):
    """A room of kind ``direct``: one person with one other (``pair_key`` keeps it unique) or
    a small group. No community owns it; only its participants read it."""

    room = models.OneToOneField(Room, on_delete=models.CASCADE, related_name="direct")
    # "12:34" (the two user ids in order) for a conversation of two; NULL for a group.
    pair_key = models.CharField(max_length=40, unique=True, null=True, blank=True)
    title = models.CharField(max_length=80, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"direct {self.room_id}"

    @property
    def is_group(self) -> bool:
        return self.pair_key is None


class DirectParticipant(models.Model):
    conversation = models.ForeignKey(
        DirectConversation, on_delete=models.CASCADE, related_name="participants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="direct_conversations"
    )
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "user"], name="one_participation_per_user"
            ),
        ]
        indexes = [models.Index(fields=["user", "conversation"])]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.conversation_id}"


class Block(models.Model):
    """``blocker`` no longer hears from ``blocked``: no new conversation, no message into a
    conversation they share, and those conversations are hidden from the blocker."""

    blocker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    blocked = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="one_block_per_pair"),
        ]

    def __str__(self) -> str:
        return f"{self.blocker_id} blocks {self.blocked_id}"


class ChatSettings(models.Model):
    """A teacher's choices about direct messages."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    # Off by default: only people who share a community with them can write to them.
    from_anyone = models.BooleanField(
        _("Teachers outside my communities may message me"), default=False
    )

    def __str__(self) -> str:
        return f"chat settings of {self.user_id}"


class DirectReportState(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class DirectReport(models.Model):
    """A participant reported a direct message: staff look at it (there is no facilitator).
    The reporter chose to show this one message; staff see its text here, nothing more."""

    message = models.ForeignKey(RoomEvent, on_delete=models.CASCADE, related_name="+")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.TextField(max_length=1000)
    # The text as it was when reported (the author may edit or delete it afterwards).
    excerpt = models.TextField(blank=True)
    state = models.CharField(
        max_length=10, choices=DirectReportState.choices, default=DirectReportState.OPEN
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["message", "reporter"],
                condition=models.Q(state="open"),
                name="one_open_direct_report",
            ),
        ]

    def __str__(self) -> str:
        return f"report of {self.message_id} by {self.reporter_id}"


class MessageSearch(models.Model):
    """The search index of messages (PostgreSQL): written only by the database's triggers
    (``chat/search_sql.py``), never by Django; empty on SQLite, where search reads the room
    event log with LIKE. A row exists exactly for messages that are not deleted or hidden."""

    message = models.OneToOneField(
        RoomEvent, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    room_id = models.BigIntegerField()
    author_id = models.BigIntegerField(null=True)
    created_at = models.DateTimeField()
    has_file = models.BooleanField(default=False)
    # The text search configuration the document was stemmed with ("dutch", "simple").
    config = models.CharField(max_length=20)
    document = SearchVectorField()

    class Meta:
        db_table = "chat_message_search"
        indexes = [models.Index(fields=["room_id", "-created_at"], name="message_search_room_time")]

    def __str__(self) -> str:
        return f"search row of {self.message_id}"


class AttachmentKind(models.TextChoices):
    IMAGE = "image", _("Image")
    FILE = "file", _("File")


class Attachment(models.Model):
    """A file in a conversation: checked like materials' uploads (``core.uploads``), stored
    under a generated name, served only to readers of its room while its message is shown."""

    # In URLs (/files/KEY/): unguessable, though every download is authorised anyway.
    key = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    message = models.ForeignKey(RoomEvent, on_delete=models.CASCADE, related_name="attachments")
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="+")
    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=AttachmentKind.choices)
    # The name the teacher's file had (shown, and used when downloading), cleaned.
    name = models.CharField(max_length=200)
    file = models.FileField(upload_to="chat/", max_length=200)
    thumbnail = models.FileField(upload_to="chat/", max_length=200, blank=True)
    content_type = models.CharField(max_length=100)
    extension = models.CharField(max_length=10)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.name} on {self.message_id}"
