"""Kring's core data: teachers, communities, memberships, rooms and the room event log."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from core.roles import Role


class KringUserManager(UserManager):
    """Users sign in with their email address; there is no username."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):  # type: ignore[override]
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):  # type: ignore[override]
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):  # type: ignore[override]
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


HANDLE_PATTERN = r"[a-z0-9][a-z0-9._-]{1,38}[a-z0-9]"


class User(AbstractUser):
    username = None  # type: ignore[assignment]
    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(_("display name"), max_length=80)
    # How others mention this teacher: "@anna-de-vries". Follows the display name until the
    # teacher chooses one (``handle_chosen``); never made from the email address.
    handle = models.CharField(_("handle"), max_length=40, unique=True, null=True, blank=True)
    handle_chosen = models.BooleanField(default=False)
    # The language Kring speaks to them (a code of LANGUAGES; empty: their browser's) and
    # their time zone (IANA; empty: KRING_DEFAULT_TIMEZONE), for pages, emails, reminders.
    language = models.CharField(_("language"), max_length=10, blank=True)
    timezone = models.CharField(_("time zone"), max_length=64, blank=True)
    # A site-wide role that staff grant: creates and archives communities of every kind and
    # decides teachers' proposals (staff are coordinators too).
    is_coordinator = models.BooleanField(
        _("programme coordinator"),
        default=False,
        help_text=_("Creates, archives and restores communities and decides proposals."),
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = KringUserManager()  # type: ignore[misc]

    def __str__(self) -> str:
        return self.display_name or self.email

    @property
    def public_name(self) -> str:
        """The name shown to other teachers; never the email address."""
        return self.display_name or _("Teacher %(id)s") % {"id": self.pk}

    @property
    def zone(self) -> ZoneInfo:
        """Where this teacher's clock is (their own setting, else the deployment's default)."""
        return zone_or_default(self.timezone)

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not self.handle:
            self.handle = unique_handle(self.display_name or "teacher", exclude=self.pk)
        super().save(*args, **kwargs)


def zone_or_default(name: str) -> ZoneInfo:
    """The IANA zone ``name``, or ``KRING_DEFAULT_TIMEZONE`` when it is empty or unknown."""
    for candidate in (name, settings.KRING_DEFAULT_TIMEZONE, "UTC"):
        try:
            return ZoneInfo(candidate)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return ZoneInfo("UTC")


# Handles that mean something else in a message ("@facilitators" tells the facilitators).
RESERVED_HANDLES = frozenset({"facilitators", "everyone", "all", "here", "kring", "admin"})


def unique_handle(name: str, exclude: int | None = None) -> str:
    """A free handle derived from a name: "Anna de Vries" -> "anna-de-vries" (or "-2", ...);
    ``exclude``: the user the handle is for (their own handle is not taken)."""
    from django.utils.text import slugify

    base = (slugify(name)[:34].strip("-_.") or "teacher").ljust(3, "0")
    candidate, n = base, 1
    others = User.objects.exclude(pk=exclude) if exclude else User.objects.all()
    while candidate in RESERVED_HANDLES or others.filter(handle=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


class AgeGroup(models.TextChoices):
    EARLY_YEARS = "early_years", _("Early years (0-6)")
    PRIMARY = "primary", _("Primary (6-12)")
    LOWER_SECONDARY = "lower_secondary", _("Lower secondary (12-15)")
    UPPER_SECONDARY = "upper_secondary", _("Upper secondary (15-18)")
    VOCATIONAL = "vocational", _("Vocational")
    ADULT = "adult", _("Adult and teacher education")


class Profile(models.Model):
    """What a teacher tells colleagues about themself."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    country = CountryField(blank=True)
    school = models.CharField(max_length=200, blank=True)
    subjects = models.JSONField(default=list, blank=True)
    age_groups = models.JSONField(default=list, blank=True)
    languages = models.JSONField(default=list, blank=True, help_text="BCP-47 tags")
    interests = models.JSONField(default=list, blank=True)
    bio = models.TextField(max_length=1000, blank=True)
    # Opt-in to being suggested to (and found by) teachers outside one's own communities.
    # Off by default; asked at sign-up and on the profile page.
    discoverable = models.BooleanField(default=False)
    # Who sees each field: {"school": "nobody", ...}; a missing field has its default
    # (``community.visibility``, which also enforces it).
    visibility = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True, null=True, db_index=True)

    def __str__(self) -> str:
        return f"Profile of {self.user}"


class CommunityKind(models.TextChoices):
    REGIONAL = "regional", _("Regional learning community")
    HUB = "hub", _("Regional innovation hub")
    CROSS_BORDER = "cross_border", _("Cross-border European community")


class JoinPolicy(models.TextChoices):
    OPEN = "open", _("Open: anyone can join")
    REQUEST = "request", _("On request: a facilitator approves")
    INVITE = "invite", _("Invite only")


class Community(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=CommunityKind.choices)
    countries = CountryField(multiple=True, blank=True)
    region = models.CharField(max_length=120, blank=True)
    languages = models.JSONField(default=list, blank=True, help_text="BCP-47 tags")
    join_policy = models.CharField(
        max_length=10, choices=JoinPolicy.choices, default=JoinPolicy.OPEN
    )
    description = models.TextField(blank=True)
    # A re-encoded image (core.uploads), stored under a generated name; served by a view.
    logo = models.FileField(upload_to="logos/", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Archived by a coordinator: out of the directory, read-only, history kept; restorable.
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "communities"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class MembershipState(models.TextChoices):
    ACTIVE = "active", _("Active")
    PENDING = "pending", _("Pending approval")
    LEFT = "left", _("Left")
    # Removed by a facilitator and blocked from joining again until unbanned.
    BANNED = "banned", _("Banned")


class Membership(models.Model):
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.MEMBER)
    state = models.CharField(
        max_length=10, choices=MembershipState.choices, default=MembershipState.ACTIVE
    )
    # What the teacher wrote when asking to join a `request` community.
    request_message = models.TextField(max_length=1000, blank=True)
    joined_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["community", "user"], name="one_membership_per_user"),
        ]
        indexes = [models.Index(fields=["community", "state"])]

    def __str__(self) -> str:
        return f"{self.user} in {self.community} ({self.role}, {self.state})"

    @property
    def is_active(self) -> bool:
        return self.state == MembershipState.ACTIVE


class RoomKind(models.TextChoices):
    DISCUSSION = "discussion", _("Discussion room")
    RESOURCE = "resource", _("Discussion of a teaching material")
    EVENT = "event", _("Room of an event or meeting")
    # A conversation of a few people (the chat app): no community, only its participants.
    DIRECT = "direct", _("Direct conversation")
    MENTORING = "mentoring", _("Private room of two schools mentoring each other")


class Room(models.Model):
    # None only for rooms of a private kind (direct conversations), which no community owns.
    community = models.ForeignKey(
        Community, null=True, blank=True, on_delete=models.CASCADE, related_name="rooms"
    )
    name = models.CharField(max_length=80)
    topic = models.CharField(max_length=300, blank=True)
    kind = models.CharField(max_length=20, choices=RoomKind.choices, default=RoomKind.DISCUSSION)
    # The seq of the newest event; raised in the same transaction that stores the event, so
    # the row lock on the room orders concurrent posters and keeps seqs gapless.
    last_seq = models.BigIntegerField(default=0)
    # Locked rooms are read-only for everyone but the community's facilitators.
    is_locked = models.BooleanField(default=False)
    # Minimum seconds between two posts of one member (facilitators exempt); 0 = off.
    slow_mode_seconds = models.PositiveIntegerField(default=0)
    # Where the room stands in the community's list (facilitators reorder; then by id).
    position = models.PositiveIntegerField(default=0)
    # Archived: read-only and out of the list, its history kept; facilitators restore it.
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["community", "id"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="unique_room_name"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.community.slug}/{self.name}" if self.community_id else f"{self.kind}/{self.pk}"
        )


class EventKind(models.TextChoices):
    MESSAGE = "message", _("Message")
    EDIT = "edit", _("Edit")
    DELETE = "delete", _("Delete")
    # Moderation: each is an event of its own with its own seq, so resuming clients see it.
    HIDE = "hide", _("Hide")
    UNHIDE = "unhide", _("Unhide")
    PIN = "pin", _("Pin")
    UNPIN = "unpin", _("Unpin")
    ROOM = "room", _("Room settings changed")  # lock, unlock, slow mode, topic
    MEMBER = "member", _("Membership changed")  # joined, left, removed, banned, role
    ANNOUNCEMENT = "announcement", _("Announcement")  # by a facilitator, to every member
    RESOURCE = "resource", _("Teaching material")  # shared, new version, adapted
    CALENDAR = "calendar", _("Event")  # scheduled, changed, cancelled
    REACTION = "reaction", _("Reaction")  # added to or taken from a message (the chat app)


class RoomEvent(models.Model):
    """One entry of a room's event log; ``seq`` is gapless and strictly increasing per room.

    A message row holds the message's current state (edits update it, a delete redacts it);
    the edit and delete events that changed it are rows of their own with their own seq, so a
    client resuming from any seq can replay every change.
    """

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="events")
    seq = models.BigIntegerField()
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # For edit/delete (and later moderation) events: the message they act on.
    target = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="changes"
    )
    reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies"
    )
    body = models.TextField(blank=True)
    html = models.TextField(blank=True)
    # The client's `ref` of the post that created this event: a retry finds it again.
    # NULL (not "") when absent, so the unique constraint ignores posts without a ref.
    client_ref = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    # Details of moderation and membership events (action, reason, settings, user...).
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # Hidden by a facilitator: members see a placeholder, facilitators still see the text.
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_reason = models.CharField(max_length=300, blank=True)
    pinned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["room", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["room", "seq"], name="unique_room_seq"),
            models.UniqueConstraint(
                fields=["author", "client_ref"],
                condition=Q(client_ref__isnull=False),
                name="idempotent_post_per_author_ref",
            ),
        ]
        indexes = [
            # Slow mode looks up a member's latest message in a room.
            models.Index(fields=["room", "author", "-seq"], name="room_author_latest"),
            models.Index(fields=["room", "pinned_at"], name="room_pins"),
            # Members' messages of the last days (the facilitators' members table).
            models.Index(fields=["room", "created_at"], name="room_event_time"),
        ]

    def __str__(self) -> str:
        return f"{self.room_id}#{self.seq} {self.kind}"


class RoomReadState(models.Model):
    """How far a member has read in a room; unread counts are derived from it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="read_states")
    last_read_seq = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "room"], name="one_read_state_per_room"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.room_id} up to {self.last_read_seq}"


class CircleLink(models.Model):
    """A regional community or hub as part of a cross-border circle's network ("part of the
    European circle"): the circle lists it, its facilitators are members of the circle, and
    announcements can reach the whole network."""

    circle = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="circle_links")
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="network_links")
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    linked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["circle", "community"], name="one_link_per_circle"),
        ]

    def __str__(self) -> str:
        return f"{self.community_id} in circle {self.circle_id}"
