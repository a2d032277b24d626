"""The file check: what is accepted, what is refused and why, and what is changed on the way
in (re-encoded images without EXIF)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from core.errors import Invalid, TooLarge
from core.uploads import check_upload

from .files import (
    PDF,
    PDF_WITH_JAVASCRIPT,
    SVG_WITH_SCRIPT,
    jpeg_with_exif,
    pdf_upload,
    png_bytes,
    upload,
)


def test_a_pdf_is_accepted_as_it_is():
    checked = check_upload(pdf_upload())
    assert (checked.extension, checked.content_type, checked.content) == (
        "pdf",
        "application/pdf",
        PDF,
    )
    assert checked.size == len(PDF) and len(checked.sha256) == 64


def test_stored_names_are_generated_never_the_users():
    checked = check_upload(pdf_upload(name="../../etc/passwd<script>.pdf"))
    name = checked.storage_name(community_id=7)
    assert name.startswith("resources/7/") and name.endswith(".pdf")
    assert "passwd" not in name and "script" not in name and ".." not in name
    assert checked.storage_name(7) != name


def test_oversized_files_are_refused(settings):
    settings.KRING_UPLOAD_MAX_BYTES = 100
    with pytest.raises(TooLarge, match="at most"):
        check_upload(pdf_upload(content=PDF + b" " * 200))


@pytest.mark.parametrize(
    ("name", "content", "declared", "reason"),
    [
        ("lesson.pdf", png_bytes(), "application/pdf", "its content is a .png file"),
        ("photo.png", PDF, "image/png", "its content is a .pdf file"),
        ("photo.png", b"just text, not a picture", "image/png", "not a recognisable file"),
        ("photo.png", png_bytes(), "text/html", "cannot be of type 'text/html'"),
        ("setup.exe", b"MZ\x90\x00", "application/octet-stream", "'.exe' files are not accepted"),
        ("drawing.svg", SVG_WITH_SCRIPT, "image/svg+xml", "'.svg' files are not accepted"),
        ("drawing.png", SVG_WITH_SCRIPT, "image/png", "not a recognisable file"),
        ("README", b"hello", "text/plain", "needs an extension"),
        ("empty.txt", b"", "text/plain", "empty"),
        ("notes.txt", b"caf\xe9 latin-1", "text/plain", "not UTF-8"),
        ("page.txt", b"<html><script>alert(1)</script></html>", "text/plain", "web page code"),
    ],
)
def test_refused_files(name, content, declared, reason):
    with pytest.raises(Invalid, match=reason):
        check_upload(upload(name, content, declared))


def test_a_png_with_html_after_its_header_is_refused():
    polyglot = png_bytes() + b"<html><body><script>fetch('/api/me')</script></body></html>"
    with pytest.raises(Invalid, match="web page code"):
        check_upload(upload("diagram.png", polyglot, "image/png"))


def test_a_pdf_with_javascript_is_refused():
    with pytest.raises(Invalid, match="JavaScript"):
        check_upload(pdf_upload(content=PDF_WITH_JAVASCRIPT))


def test_images_are_reencoded_without_exif():
    original = jpeg_with_exif()
    assert Image.open(io.BytesIO(original)).getexif()  # the fixture really has EXIF
    checked = check_upload(upload("class-photo.JPG", original, "image/jpeg"))
    assert checked.extension == "jpg"
    cleaned = Image.open(io.BytesIO(checked.content))
    assert cleaned.format == "JPEG" and cleaned.size == (8, 8)
    assert not cleaned.getexif() and b"PhoneMaker" not in checked.content


def test_bytes_hidden_after_an_image_are_dropped():
    # Harmless-looking trailing data (no markup): still not kept, as re-encoding rewrites it.
    checked = check_upload(upload("chart.png", png_bytes() + b"SECRET-TRAILER", "image/png"))
    assert b"SECRET-TRAILER" not in checked.content
    assert Image.open(io.BytesIO(checked.content)).size == (4, 4)


def test_a_broken_image_is_refused():
    truncated = png_bytes((64, 64))[:60]
    with pytest.raises(Invalid, match="could not be read"):
        check_upload(upload("chart.png", truncated, "image/png"))


def test_allowed_types_are_a_setting(settings):
    settings.KRING_UPLOAD_TYPES = {"txt": ["text/plain"]}
    assert check_upload(upload("notes.txt", b"Les 1: breuken", "text/plain")).extension == "txt"
    with pytest.raises(Invalid, match="Allowed: txt"):
        check_upload(pdf_upload())
