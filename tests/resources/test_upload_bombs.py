"""Files built to exhaust the server or to run in a reader: image bombs refused from their
header (quickly, without decoding), decodes bounded, and PDFs with active content refused
however the PDF spells or hides it (name escapes, compressed object streams)."""

from __future__ import annotations

import io
import struct
import threading
import time
import zlib

import pikepdf
import pytest
from PIL import Image

from core import uploads
from core.errors import Invalid, RateLimited
from core.uploads import check_upload

from .files import PDF, pdf_upload, png_bytes, upload


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(side: int = 13000) -> bytes:
    """A 1-bit black PNG of side x side pixels: a few KB on disk, 169 megapixels decoded."""
    row = b"\0" * (1 + (side + 7) // 8)  # filter byte + packed bits
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", data)
        + _png_chunk(b"IEND", b"")
    )


def gif_bomb(frames: int = 60, side: int = 2500) -> bytes:
    """An animated GIF of ``frames`` frames of side x side: each frame's data is a minimal
    LZW stream, so the file is tiny but a decoder would fill frames x side^2 pixels."""
    out = [b"GIF89a", struct.pack("<HHBBB", side, side, 0x80, 0, 0), b"\0\0\0\xff\xff\xff"]
    out.append(b"!\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00")  # loop for ever
    for _ in range(frames):
        out.append(b"!\xf9\x04\x00\x0a\x00\x00\x00")  # 0.1 s per frame
        out.append(b"," + struct.pack("<HHHHB", 0, 0, side, side, 0))
        out.append(b"\x02\x02\x44\x01\x00")  # min code size 2: clear, 0, end
    out.append(b";")
    return b"".join(out)


def test_a_13000_pixel_square_png_is_refused_from_its_header_at_once():
    bomb = png_bomb()
    assert len(bomb) < 1024 * 1024
    began = time.monotonic()
    with pytest.raises(Invalid, match=r"too large \(13000x13000\)"):
        check_upload(upload("map.png", bomb, "image/png"))
    assert time.monotonic() - began < 0.5


def test_a_gif_of_60_large_frames_is_refused_from_its_headers_at_once():
    bomb = gif_bomb()
    assert len(bomb) < 10_000
    began = time.monotonic()
    with pytest.raises(Invalid, match="2500x2500, 60 frames"):
        check_upload(upload("loop.gif", bomb, "image/gif"))
    assert time.monotonic() - began < 0.5


def test_too_many_frames_are_refused_even_when_small(settings):
    settings.KRING_IMAGE_MAX_FRAMES = 10
    with pytest.raises(Invalid, match="11 frames"):
        check_upload(upload("loop.gif", gif_bomb(frames=11, side=8), "image/gif"))


def test_the_pixel_budget_is_a_setting(settings):
    settings.KRING_IMAGE_MAX_PIXELS = 10_000
    with pytest.raises(Invalid, match="too large"):
        check_upload(upload("chart.png", png_bytes((101, 100)), "image/png"))
    assert check_upload(upload("chart.png", png_bytes((100, 100)), "image/png"))


def test_a_small_animation_keeps_its_frames():
    frames = [Image.new("RGB", (16, 16), colour) for colour in ("red", "green", "blue")]
    original = io.BytesIO()
    frames[0].save(original, format="GIF", save_all=True, append_images=frames[1:], duration=80)
    checked = check_upload(upload("loop.gif", original.getvalue(), "image/gif"))
    cleaned = Image.open(io.BytesIO(checked.content))
    assert cleaned.n_frames == 3 and cleaned.info["duration"] == 80


def test_decodes_wait_for_a_free_slot_and_give_up_in_time(settings):
    # given every decode slot taken (one slot, held by another upload)
    settings.KRING_UPLOAD_DECODES = 1
    settings.KRING_IMAGE_DECODE_SECONDS = 0.3
    held, release = threading.Event(), threading.Event()

    def other_upload() -> None:
        with uploads._decode_slot():
            held.set()
            release.wait(5)

    thread = threading.Thread(target=other_upload)
    thread.start()
    held.wait(5)
    try:
        # when another image comes, then it is told to retry, not queued without end
        with pytest.raises(RateLimited):
            check_upload(upload("chart.png", png_bytes(), "image/png"))
    finally:
        release.set()
        thread.join()
    # and once the slot is free it goes through
    assert check_upload(upload("chart.png", png_bytes(), "image/png"))


# --- PDFs -----------------------------------------------------------------------------------


def pdf_with(catalog_extra: bytes = b"", extra_objects: bytes = b"") -> bytes:
    return PDF.replace(b"/Type /Catalog", b"/Type /Catalog " + catalog_extra).replace(
        b"trailer", extra_objects + b"trailer"
    )


def saved_with_object_streams(build) -> bytes:
    """A PDF written by qpdf with its objects packed into compressed object streams: the
    words never appear in the file's bytes."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    build(pdf)
    out = io.BytesIO()
    pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate, compress_streams=True)
    return out.getvalue()


def _open_action_js(pdf: pikepdf.Pdf) -> None:
    pdf.Root.OpenAction = pikepdf.Dictionary(
        S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)")
    )


def _attachment(pdf: pikepdf.Pdf) -> None:
    pdf.attachments["run.exe"] = pikepdf.AttachedFileSpec(pdf, b"MZ payload")


ACTIVE_PDFS = {
    "open-action-js": pdf_with(b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>"),
    "name-escapes": pdf_with(b"/OpenAction << /S /J#61vaScript /J#53 (app.alert(1)) >>"),
    "launch-escaped": pdf_with(b"/OpenAction << /S /L#61unch /F (cmd.exe) >>"),
    "launch-indirect": pdf_with(
        b"/OpenAction 4 0 R", b"4 0 obj << /S /Launch /F (calc) >> endobj\n"
    ),
    "additional-actions": pdf_with(b"/AA << /WC << /S /GoTo /D [3 0 R /Fit] >> >>"),
    "names-javascript": pdf_with(
        b"/Names << /JavaScript << /Names [(a) << /S /JavaScript /JS (x) >>] >> >>"
    ),
    "embedded-files": pdf_with(
        b"/Names << /EmbeddedFiles 4 0 R >>", b"4 0 obj << /Names [] >> endobj\n"
    ),
    "xfa": pdf_with(b"/AcroForm << /Fields [] /XFA (x) >>"),
    "js-in-object-stream": saved_with_object_streams(_open_action_js),
    "attachment-in-object-stream": saved_with_object_streams(_attachment),
}


@pytest.mark.parametrize("content", ACTIVE_PDFS.values(), ids=ACTIVE_PDFS.keys())
def test_pdfs_with_active_content_are_refused(content):
    with pytest.raises(Invalid, match="active content"):
        check_upload(pdf_upload(content=content))


def test_object_streams_really_hide_the_words():
    content = ACTIVE_PDFS["js-in-object-stream"]
    assert b"JavaScript" not in content and b"/JS" not in content


def test_an_ordinary_pdf_with_links_and_a_go_to_open_action_is_accepted():
    content = pdf_with(b"/OpenAction [3 0 R /Fit] /URI << /Base (https://kring.example.eu/) >>")
    checked = check_upload(pdf_upload(content=content))
    assert checked.content == content  # PDFs are stored as they came


def test_a_file_that_is_not_really_a_pdf_is_refused():
    with pytest.raises(Invalid, match="could not be read"):
        check_upload(pdf_upload(content=b"%PDF-1.4\n" + b"\0garbage" * 50))
