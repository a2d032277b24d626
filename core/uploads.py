"""Checking uploaded teaching materials before anything is stored.

A file is accepted only when its extension is allowed (``KRING_UPLOAD_TYPES``), the type the
browser declared is one of that extension's types, and the file's own bytes say the same
(``filetype`` reads the magic numbers; text formats must be clean UTF-8). Files that could run
in a browser are refused: HTML or script anywhere in a document or image (polyglots such as a
PNG with HTML after its header), SVG (not an allowed type), PDFs with JavaScript or launch
actions. Images are decoded and re-encoded with Pillow, which drops EXIF (location, camera)
and anything hidden after the picture. Stored names are generated, never the user's.
"""

from __future__ import annotations

import hashlib
import io
import re
import uuid
from dataclasses import dataclass
from typing import Any

import filetype
from django.conf import settings
from PIL import Image, UnidentifiedImageError

from core.errors import Invalid, TooLarge

TEXT_EXTENSIONS = {"txt", "md", "csv"}
IMAGE_FORMATS = {"png": "PNG", "jpg": "JPEG", "jpeg": "JPEG", "gif": "GIF", "webp": "WEBP"}
# Magic-number names that count as the same type.
SAME_KIND = {"jpeg": "jpg", "m4a": "mp4", "oga": "ogg"}
ACTIVE_CONTENT = re.compile(
    rb"<\s*(script|html|!doctype\s+html|iframe|svg|object|embed)|javascript:", re.IGNORECASE
)
PDF_ACTIVE = re.compile(rb"/(JavaScript|JS|Launch|RichMedia)\b")
# Compressed containers and media: markup bytes cannot run from them, and random compressed
# data would give false alarms.
NOT_SCANNED_FOR_MARKUP = {
    "zip",
    "docx",
    "pptx",
    "xlsx",
    "odt",
    "odp",
    "ods",
    "mp3",
    "mp4",
    "m4a",
    "ogg",
    "webm",
    "wav",
}


@dataclass
class CheckedFile:
    content: bytes
    extension: str
    content_type: str
    size: int
    sha256: str

    def storage_name(self, community_id: int) -> str:
        return f"resources/{community_id}/{uuid.uuid4().hex}.{self.extension}"


def _extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _size_text(limit: int) -> str:
    if limit >= 1024 * 1024:
        return f"{limit / (1024 * 1024):g} MB"
    return f"{limit // 1024} KB"


def check_upload(
    upload: Any, *, max_bytes: int | None = None, types: dict[str, list[str]] | None = None
) -> CheckedFile:
    """Validate an uploaded file (Django ``UploadedFile``); raise ``Invalid``/``TooLarge``.
    ``max_bytes`` and ``types`` narrow the materials' limits for other uploads (a logo)."""
    limit = settings.KRING_UPLOAD_MAX_BYTES if max_bytes is None else max_bytes
    if upload.size > limit:
        raise TooLarge(f"Files can be at most {_size_text(limit)}.")
    allowed: dict[str, list[str]] = settings.KRING_UPLOAD_TYPES if types is None else types
    extension = _extension(upload.name or "")
    if extension not in allowed:
        raise Invalid(
            f"'.{extension}' files are not accepted. Allowed: {', '.join(sorted(allowed))}."
            if extension
            else "The file needs an extension (e.g. .pdf, .docx, .png)."
        )
    declared = (upload.content_type or "").split(";")[0].strip().lower()
    if declared not in allowed[extension]:
        raise Invalid(f"A .{extension} file cannot be of type '{declared}'.")
    content = upload.read()
    if len(content) > limit:
        raise TooLarge(f"Files can be at most {_size_text(limit)}.")
    if not content:
        raise Invalid("The file is empty.")
    _check_magic(extension, content)
    if extension not in NOT_SCANNED_FOR_MARKUP and ACTIVE_CONTENT.search(content):
        raise Invalid("The file contains web page code (HTML or script); it is not accepted.")
    if extension == "pdf" and PDF_ACTIVE.search(content):
        raise Invalid("PDFs with JavaScript or launch actions are not accepted.")
    if extension in IMAGE_FORMATS:
        content = _reencode_image(content, IMAGE_FORMATS[extension])
    return CheckedFile(
        content=content,
        extension=extension,
        content_type=allowed[extension][0],
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )


def _check_magic(extension: str, content: bytes) -> None:
    if extension in TEXT_EXTENSIONS:
        if b"\x00" in content:
            raise Invalid(f"This .{extension} file is not text.")
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            raise Invalid(f"This .{extension} file is not UTF-8 text.") from None
        return
    kind = filetype.guess(content)
    found = SAME_KIND.get(kind.extension, kind.extension) if kind else None
    expected = SAME_KIND.get(extension, extension)
    if found != expected:
        what = f"a .{kind.extension} file" if kind else "not a recognisable file"
        raise Invalid(f"This file is named .{extension} but its content is {what}.")


def _reencode_image(content: bytes, image_format: str) -> bytes:
    """Decode and encode again: no EXIF, nothing after the image data, no malformed chunks."""
    try:
        with Image.open(io.BytesIO(content)) as image:
            image.load()
            frames = getattr(image, "n_frames", 1)
            output = io.BytesIO()
            options: dict[str, Any] = {}
            if image_format == "JPEG":
                image = image.convert("RGB")
                options = {"quality": 90, "optimize": True}
            elif image_format in ("GIF", "WEBP") and frames > 1:
                options = {"save_all": True}
            image.save(output, format=image_format, **options)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError) as exc:
        raise Invalid(f"The image could not be read ({exc.__class__.__name__}).") from None
    return output.getvalue()
