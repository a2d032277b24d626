"""Direct conversations: starting one (1:1 or a small group), blocking, reporting a message
to staff, and one's own choice about who may write."""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from community import selectors as community_selectors
from community.models import Room, RoomKind, User
from core import ratelimit
from core.errors import Forbidden, Invalid, NotFound, TooLarge
from core.notify import Category, Verb, notify_users

from ..models import (
    Block,
    ChatSettings,
    DirectConversation,
    DirectParticipant,
    DirectReport,
    DirectReportState,
)
from ..permissions import message_refusal

TITLE_MAX = 80
REPORT_REASON_MAX = 1000


def _pair_key(a: int, b: int) -> str:
    return f"{min(a, b)}:{max(a, b)}"


def conversation_start(
    *, actor: User, user_ids: list[int], title: str = ""
) -> tuple[DirectConversation, bool]:
    """The conversation of ``actor`` with these people: for one other person, the one they
    already have (found again, never doubled); for several, a new group. Returns
    ``(conversation, created)``. Everyone must be someone the actor may write to."""
    others = sorted({int(uid) for uid in user_ids} - {actor.pk})
    if not others:
        raise Invalid(_("Choose at least one person to write to."))
    limit = settings.KRING_DIRECT_GROUP_MAX
    if len(others) + 1 > limit:
        raise TooLarge(
            _("A conversation can have at most %(limit)s people, you included.") % {"limit": limit}
        )
    title = title.strip()
    if len(title) > TITLE_MAX:
        raise TooLarge(_("A title can be at most %(limit)s characters.") % {"limit": TITLE_MAX})
    people = list(User.objects.filter(pk__in=others, is_active=True))
    if len(people) != len(others):
        raise NotFound(_("Some of these people do not exist."))
    for person in people:
        refusal = message_refusal(actor, person)
        if refusal:
            raise Forbidden(refusal)
    pair_key = _pair_key(actor.pk, others[0]) if len(others) == 1 else None
    if pair_key is not None:
        existing = DirectConversation.objects.filter(pair_key=pair_key).first()
        if existing is not None:
            return existing, False
    ratelimit.limit("direct_start", actor_id=actor.pk, what=_("new conversations"))
    try:
        with transaction.atomic():
            room = Room.objects.create(community=None, kind=RoomKind.DIRECT, name="direct")
            conversation = DirectConversation.objects.create(
                room=room,
                pair_key=pair_key,
                title=title if pair_key is None else "",
                created_by=actor,
            )
            DirectParticipant.objects.bulk_create(
                DirectParticipant(conversation=conversation, user_id=uid)
                for uid in [actor.pk, *others]
            )
    except IntegrityError:
        # The other person opened the same conversation at the same moment.
        existing = DirectConversation.objects.filter(pair_key=pair_key).first()
        if pair_key is None or existing is None:
            raise
        return existing, False
    return conversation, True


def block_create(*, actor: User, user_id: int) -> Block:
    """``actor`` stops hearing from ``user_id``: they can no longer start a conversation with
    the actor nor write in one the actor is in; conversations of the two are hidden from the
    actor's list. Blocking again changes nothing."""
    if user_id == actor.pk:
        raise Invalid(_("You cannot block yourself."))
    blocked = User.objects.filter(pk=user_id).first()
    if blocked is None:
        raise NotFound(_("No such person."))
    block, _created = Block.objects.get_or_create(blocker=actor, blocked=blocked)
    return block


def block_delete(*, actor: User, user_id: int) -> None:
    deleted, _details = Block.objects.filter(blocker=actor, blocked_id=user_id).delete()
    if not deleted:
        raise NotFound(_("You have not blocked this person."))


def chat_settings_update(*, user: User, from_anyone: bool) -> ChatSettings:
    chat_settings, _created = ChatSettings.objects.update_or_create(
        user=user, defaults={"from_anyone": from_anyone}
    )
    return chat_settings


def direct_report_create(*, reporter: User, message_id: int, reason: str) -> DirectReport:
    """Report a message of a direct conversation to staff (there is no facilitator). Only a
    participant reports, only someone else's message; the reported text is kept with the
    report, and staff are told. Reporting the same message again while open changes
    nothing."""
    reason = reason.strip()
    if not reason:
        raise Invalid(_("Say what is wrong with this message."))
    if len(reason) > REPORT_REASON_MAX:
        raise TooLarge(_("A report reason is at most %(limit)s characters.") % {"limit": 1000})
    message = community_selectors.message_get(message_id=message_id)
    if message.room.kind != RoomKind.DIRECT:
        raise Invalid(_("Report messages of community rooms to their facilitators."))
    # Whoever is not in the conversation learns nothing about it, not even that it exists.
    community_selectors.room_for_reader(user=reporter, room_id=message.room_id)
    if message.author_id == reporter.pk:
        raise Invalid(_("You cannot report your own message."))
    if message.deleted_at is not None:
        raise NotFound(_("This message was deleted."))
    existing = DirectReport.objects.filter(
        message=message, reporter=reporter, state=DirectReportState.OPEN
    ).first()
    if existing is not None:
        return existing
    ratelimit.limit("report", actor_id=reporter.pk, what=_("reports"))
    with transaction.atomic():
        report = DirectReport.objects.create(
            message=message, reporter=reporter, reason=reason, excerpt=message.body
        )
        staff = User.objects.filter(is_staff=True, is_active=True).values_list("pk", flat=True)
        notify_users(
            actor=reporter,
            user_ids=list(staff),
            category=Category.FACILITATION,
            verb=Verb(gettext_noop("reported a direct message")),
            text=reason,
            url=f"/admin/chat/directreport/{report.pk}/change/",
            members_only=False,
        )
    return report
