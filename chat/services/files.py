"""Files in the conversation: a message with attachments, and saving one to the library.

Each file goes through the materials' upload checks (``core.uploads.check_upload``: allowed
types, declared and real type agreeing, no active content, images re-encoded so EXIF and
anything hidden go), with the chat's own size limit; images get a thumbnail. Stored under
generated names; served only by ``views_files`` to readers of the room."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from community import selectors as community_selectors
from community.models import Community, RoomEvent, User
from community.permissions import post_refusal
from community.services import message_post
from core import ratelimit
from core.errors import Forbidden, Invalid, TooLarge
from core.protocol.chat import attachment_data
from core.uploads import IMAGE_FORMATS, check_upload, thumbnail
from resources import services as materials
from resources.models import Resource

from ..models import Attachment, AttachmentKind

NAME_MAX = 120


def too_many_files() -> str:
    """What someone choosing more files than a message takes is told (here and on the page)."""
    return _("At most %(n)s files per message.") % {"n": settings.KRING_CHAT_FILES_PER_MESSAGE}


def _clean_name(name: str, extension: str) -> str:
    stem = (name or "file").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    cleaned = get_valid_filename(stem.strip())[: NAME_MAX - len(extension) - 1] or "file"
    return f"{cleaned}.{extension}"


def message_post_with_files(
    *,
    room_id: int,
    author: User,
    body: str,
    files: list[Any],
    reply_to_id: int | None = None,
    ref: str | None = None,
) -> tuple[RoomEvent, bool]:
    """Post a message with files (images, documents). Everything is checked before anything
    is stored, all in one transaction with the message; a retry with the same ``ref``
    returns the message stored the first time and stores nothing. Without text, the
    message says the files' names."""
    if not files:
        raise Invalid(_("Choose a file to send."))
    if len(files) > settings.KRING_CHAT_FILES_PER_MESSAGE:
        raise TooLarge(too_many_files())
    room = community_selectors.room_get(room_id=room_id)
    refusal = post_refusal(author, room)
    if refusal:
        raise Forbidden(refusal)
    for _file in files:
        ratelimit.limit("chat_file", actor_id=author.pk, what=_("files"))
    checked = [
        (upload, check_upload(upload, max_bytes=settings.KRING_CHAT_FILE_MAX_BYTES))
        for upload in files
    ]
    stored: list[str] = []
    try:
        rows, summaries = [], []
        for upload, ok in checked:
            rows.append(_store(room_id, author, upload.name, ok, stored))
            summaries.append(attachment_data(rows[-1]))
        text = body.strip() or " · ".join(row.name for row in rows)
        with transaction.atomic():
            event, created = message_post(
                room_id=room_id,
                author=author,
                body=text,
                reply_to_id=reply_to_id,
                ref=ref,
                extra={"attachments": summaries},
            )
            if created:
                for row in rows:
                    row.message = event
                Attachment.objects.bulk_create(rows)
    except BaseException:
        _forget(stored)
        raise
    if not created:
        _forget(stored)
    return event, created


def _store(room_id: int, author: User, original: str, ok: Any, stored: list[str]) -> Attachment:
    folder = f"chat/{room_id}/{uuid.uuid4().hex}"
    name = default_storage.save(f"{folder}.{ok.extension}", ContentFile(ok.content))
    stored.append(name)
    row = Attachment(
        room_id=room_id,
        uploader=author,
        kind=AttachmentKind.IMAGE if ok.extension in IMAGE_FORMATS else AttachmentKind.FILE,
        name=_clean_name(original, ok.extension),
        file=name,
        content_type=ok.content_type,
        extension=ok.extension,
        size=ok.size,
        sha256=ok.sha256,
    )
    if row.kind == AttachmentKind.IMAGE:
        small, extension, row.width, row.height = thumbnail(
            ok.content, side=settings.KRING_CHAT_THUMBNAIL_SIDE
        )
        row.thumbnail = default_storage.save(f"{folder}-small.{extension}", ContentFile(small))
        stored.append(row.thumbnail.name)
    return row


def files_of_deleted_message(message: RoomEvent) -> None:
    """A deleted message's files go with it: the rows now, the stored files once the delete
    is committed (a rolled-back delete keeps them). Copies saved to the library stay."""
    attachments = Attachment.objects.filter(message=message)
    names = [name for pair in attachments.values_list("file", "thumbnail") for name in pair if name]
    if names:
        attachments.delete()
        transaction.on_commit(lambda: _forget(names))


def _forget(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


def attachment_save_to_library(
    *, actor: User, attachment: Attachment, community: Community, **metadata: Any
) -> Resource:
    """Turn a file one sent into a teaching material of ``community`` (title, licence and
    the rest of ``metadata``, checked by the library). Only its sender: a licence is theirs
    to give."""
    if attachment.uploader_id != actor.pk:
        raise Forbidden(_("Only the person who sent a file can publish it as a material."))
    with attachment.file.open("rb") as opened:
        upload = SimpleUploadedFile(attachment.name, opened.read(), attachment.content_type)
    return materials.resource_share(actor=actor, community=community, upload=upload, **metadata)
