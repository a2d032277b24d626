"""Checking uploaded teaching materials before anything is stored.

A file is accepted only when its extension is allowed (``KRING_UPLOAD_TYPES``), the type the
browser declared is one of that extension's types, and the file's own bytes say the same
(``filetype`` reads the magic numbers; text formats must be clean UTF-8). Files that could run
in a browser are refused: HTML or script anywhere in a document or image (polyglots such as a
PNG with HTML after its header), SVG (not an allowed type), PDFs with active content
(JavaScript, launch and other actions that run, embedded files, XFA; read with qpdf through
pikepdf, so name escapes like ``/J#61vaScript`` and objects inside compressed object streams
are seen as a PDF reader sees them). Images are decoded and re-encoded with Pillow, which drops
EXIF (location, camera) and anything hidden after the picture; their size and frame count are
read from the header first and must fit ``KRING_IMAGE_MAX_PIXELS`` (all frames together) and
``KRING_IMAGE_MAX_FRAMES``, at most ``KRING_UPLOAD_DECODES`` files are decoded at once per
process, and a decode stops after ``KRING_IMAGE_DECODE_SECONDS``. Stored names are generated,
never the user's.
"""

from __future__ import annotations

import hashlib
import io
import re
import threading
import time
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import filetype
import pikepdf
from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from core.errors import Invalid, RateLimited, TooLarge

TEXT_EXTENSIONS = {"txt", "md", "csv"}
IMAGE_FORMATS = {"png": "PNG", "jpg": "JPEG", "jpeg": "JPEG", "gif": "GIF", "webp": "WEBP"}
# Magic-number names that count as the same type.
SAME_KIND = {"jpeg": "jpg", "m4a": "mp4", "oga": "ogg"}
ACTIVE_CONTENT = re.compile(
    rb"<\s*(script|html|!doctype\s+html|iframe|svg|object|embed)|javascript:", re.IGNORECASE
)
# Keys of a PDF dictionary that mean something runs or is carried along: scripts, actions
# triggered by events (/AA), embedded files, rich media, XFA forms (which carry scripts).
PDF_ACTIVE_KEYS = {"/JS", "/JavaScript", "/AA", "/EmbeddedFiles", "/EF", "/RichMedia", "/XFA"}
# Action types (/S) and object types (/Type) that run code or open other files.
PDF_ACTIVE_ACTIONS = {
    "/JavaScript", "/Launch", "/GoToE", "/ImportData", "/SubmitForm", "/RichMediaExecute",
    "/Rendition", "/Sound", "/Movie",
}  # fmt: skip
PDF_ACTIVE_TYPES = {"/EmbeddedFile", "/RichMedia", "/RichMediaExecute"}
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
        raise TooLarge(_("Files can be at most %(limit)s.") % {"limit": _size_text(limit)})
    allowed: dict[str, list[str]] = settings.KRING_UPLOAD_TYPES if types is None else types
    extension = _extension(upload.name or "")
    if extension not in allowed:
        raise Invalid(
            _("'.%(extension)s' files are not accepted. Allowed: %(allowed)s.")
            % {"extension": extension, "allowed": ", ".join(sorted(allowed))}
            if extension
            else _("The file needs an extension (e.g. .pdf, .docx, .png).")
        )
    declared = (upload.content_type or "").split(";")[0].strip().lower()
    if declared not in allowed[extension]:
        raise Invalid(
            _("A .%(extension)s file cannot be of type '%(declared)s'.")
            % {"extension": extension, "declared": declared}
        )
    content = upload.read()
    if len(content) > limit:
        raise TooLarge(_("Files can be at most %(limit)s.") % {"limit": _size_text(limit)})
    if not content:
        raise Invalid(_("The file is empty."))
    _check_magic(extension, content)
    if extension not in NOT_SCANNED_FOR_MARKUP and ACTIVE_CONTENT.search(content):
        raise Invalid(_("The file contains web page code (HTML or script); it is not accepted."))
    if extension == "pdf":
        with _decode_slot():
            _check_pdf(content)
    if extension in IMAGE_FORMATS:
        with _decode_slot():
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
            raise Invalid(_("This .%(extension)s file is not text.") % {"extension": extension})
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            raise Invalid(
                _("This .%(extension)s file is not UTF-8 text.") % {"extension": extension}
            ) from None
        return
    kind = filetype.guess(content)
    found = SAME_KIND.get(kind.extension, kind.extension) if kind else None
    expected = SAME_KIND.get(extension, extension)
    if found != expected:
        what = f"a .{kind.extension} file" if kind else "not a recognisable file"
        raise Invalid(
            _("This file is named .%(extension)s but its content is %(what)s.")
            % {"extension": extension, "what": what}
        )


_slots_lock = threading.Lock()
_slots: tuple[int, threading.BoundedSemaphore] | None = None


@contextmanager
def _decode_slot() -> Iterator[None]:
    """One of ``KRING_UPLOAD_DECODES`` places to decode a file in this process; waiting at most
    ``KRING_IMAGE_DECODE_SECONDS`` for one (then the uploader is asked to try again)."""
    global _slots
    size = settings.KRING_UPLOAD_DECODES
    with _slots_lock:
        if _slots is None or _slots[0] != size:  # the setting changed (tests)
            _slots = (size, threading.BoundedSemaphore(size))
        semaphore = _slots[1]
    if not semaphore.acquire(timeout=settings.KRING_IMAGE_DECODE_SECONDS):
        raise RateLimited(_("Other files are being checked; try again in a moment."), retry_after=5)
    try:
        yield
    finally:
        semaphore.release()


def _check_pdf(content: bytes) -> None:
    """Refuse PDFs that could run something, judged on the parsed objects (every indirect
    object, including those in object streams, and everything nested in them)."""
    try:
        pdf = pikepdf.open(io.BytesIO(content))
    except (pikepdf.PdfError, pikepdf.PasswordError, ValueError) as exc:
        raise Invalid(
            _("The PDF could not be read (%(name)s).") % {"name": exc.__class__.__name__}
        ) from None
    with pdf:
        roots: list[Any] = [pdf.trailer, *pdf.objects]
        if _pdf_has_active_content(roots):
            raise Invalid(
                _(
                    "PDFs with active content (JavaScript, actions that launch or submit, embedded "
                    "files) are not accepted."
                )
            )


def _pdf_has_active_content(roots: list[Any]) -> bool:
    stack = list(roots)
    while stack:
        obj = stack.pop()
        if isinstance(obj, pikepdf.Stream):
            obj = obj.stream_dict
        if isinstance(obj, pikepdf.Dictionary):
            keys = set(obj.keys())
            if keys & PDF_ACTIVE_KEYS:
                return True
            if str(obj.get("/S", "")) in PDF_ACTIVE_ACTIONS:
                return True
            if str(obj.get("/Type", "")) in PDF_ACTIVE_TYPES:
                return True
            children: Any = (obj[key] for key in keys)
        elif isinstance(obj, pikepdf.Array):
            children = iter(obj)
        else:
            continue
        # indirect objects are in ``roots`` already: follow only what is nested directly
        stack.extend(
            child
            for child in children
            if isinstance(child, pikepdf.Dictionary | pikepdf.Array) and not child.is_indirect
        )
    return False


def _check_image_size(image: Image.Image) -> int:
    """Width, height and frames from the header, before any pixel is decoded."""
    width, height = image.size
    frames = getattr(image, "n_frames", 1)  # GIF counts by skipping frame data, not decoding
    if frames > settings.KRING_IMAGE_MAX_FRAMES:
        raise Invalid(
            _("The image has %(frames)s frames; at most %(image_max_frames)s are accepted.")
            % {"frames": frames, "image_max_frames": settings.KRING_IMAGE_MAX_FRAMES}
        )
    budget = settings.KRING_IMAGE_MAX_PIXELS
    if width * height * frames > budget:
        raise Invalid(
            f"The image is too large ({width}x{height}"
            + (f", {frames} frames" if frames > 1 else "")
            + f"); at most {budget / 1e6:g} million pixels in all are accepted."
        )
    return frames


def _reencode_image(content: bytes, image_format: str) -> bytes:
    """Decode and encode again: no EXIF, nothing after the image data, no malformed chunks."""
    deadline = time.monotonic() + settings.KRING_IMAGE_DECODE_SECONDS

    def in_time() -> None:
        if time.monotonic() > deadline:
            raise Invalid(_("The image took too long to read."))

    try:
        with warnings.catch_warnings():
            # Pillow warns of large images at open; the budget below decides instead.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(content))
        with image:
            frames = _check_image_size(image)
            output = io.BytesIO()
            options: dict[str, Any] = {}
            if image_format in ("GIF", "WEBP") and frames > 1:
                # frame by frame, so the time limit is checked between them
                copies = []
                for frame in ImageSequence.Iterator(image):
                    in_time()
                    copies.append(frame.copy())
                in_time()
                options = {
                    "save_all": True,
                    "append_images": copies[1:],
                    "duration": [frame.info.get("duration", 100) for frame in copies],
                    "loop": image.info.get("loop", 0),
                }
                copies[0].save(output, format=image_format, **options)
                return output.getvalue()
            image.load()
            in_time()
            # A phone's photo is often stored sideways with an EXIF turn: apply it, since
            # the EXIF goes.
            image = ImageOps.exif_transpose(image) or image
            if image_format == "JPEG":
                image = image.convert("RGB")
                options = {"quality": 90, "optimize": True}
            image.save(output, format=image_format, **options)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError) as exc:
        raise Invalid(
            _("The image could not be read (%(name)s).") % {"name": exc.__class__.__name__}
        ) from None
    return output.getvalue()


def safe_file_response(
    opened: Any, *, filename: str, content_type: str, inline: bool = False
) -> Any:
    """A stored upload as a response no browser will run: a download (or, for a re-encoded
    image, shown inline), never sniffed, sandboxed, not cached by shared caches."""
    from django.http import FileResponse

    response = FileResponse(
        opened, as_attachment=not inline, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response


def thumbnail(content: bytes, *, side: int) -> tuple[bytes, str, int, int]:
    """A small copy of a checked (re-encoded) image, at most ``side`` pixels on its longer
    side, first frame only: ``(bytes, extension, width, height)`` with the original's size."""
    with _decode_slot(), Image.open(io.BytesIO(content)) as image:
        width, height = image.size
        image.seek(0)
        small = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")
        small.thumbnail((side, side))
        output = io.BytesIO()
        if small.mode == "RGBA":
            small.save(output, format="PNG", optimize=True)
            return output.getvalue(), "png", width, height
        small.save(output, format="JPEG", quality=82, optimize=True)
        return output.getvalue(), "jpg", width, height
