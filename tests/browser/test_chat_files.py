"""Files in the conversation, as a teacher uses them on a phone: she attaches a photo of a
worksheet and a PDF from the composer, sends them with a line of text, sees the picture's
thumbnail in her message, and a colleague in the same room sees both arrive live and opens
the picture."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from core import ratelimit
from tests.conftest import make_member
from tests.factories import CommunityFactory

from .conftest import PHONE, live_in_room, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def _photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (40, 120, 200)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_a_teacher_sends_a_photo_and_a_pdf_and_a_colleague_sees_them_live(
    browser, daphne_server, settings
):
    settings.KRING_RATE_LIMITS = ratelimit.unlimited()
    community = CommunityFactory(name="Gent: leren met beelden")
    room = community.rooms.get(name="general")
    lotte = make_member(community, display_name="Lotte Peeters", email="lotte@gent.test")
    jonas = make_member(community, display_name="Jonas Claes", email="jonas@gent.test")
    url = f"{daphne_server.url}/c/{community.slug}/rooms/{room.pk}/"

    colleague = sign_in(browser, daphne_server, jonas.user.email)
    colleague.goto(url)
    live_in_room(colleague)

    page = sign_in(browser, daphne_server, lotte.user.email, viewport=PHONE)
    page.goto(url)
    live_in_room(page)
    attach = page.locator(".attach-button")
    assert attach.is_visible() and attach.get_attribute("aria-label")
    # A drawn icon, not an emoji that needs an emoji font.
    assert attach.locator("svg[aria-hidden=true] path").count() == 1
    assert attach.inner_text().strip() == ""
    with page.expect_file_chooser() as chooser:
        attach.click()
    chooser.value.set_files(
        [
            {"name": "werkblad.jpg", "mimeType": "image/jpeg", "buffer": _photo()},
            {"name": "planning.pdf", "mimeType": "application/pdf", "buffer": PDF},
        ]
    )
    page.locator(".attach-list li", has_text="werkblad.jpg").wait_for()
    page.fill("#body", "Het werkblad van vandaag")
    page.click("#send")

    mine = page.locator("#messages .message", has_text="Het werkblad van vandaag")
    mine.locator(".attachment-image img").wait_for()
    assert mine.locator(".attachment-file a", has_text="planning.pdf").count() == 1
    assert page.locator(".attach-list").is_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    theirs = colleague.locator("#messages .message", has_text="Het werkblad van vandaag")
    image = theirs.locator(".attachment-image img")
    image.wait_for()
    assert image.get_attribute("alt") == "werkblad.jpg"
    colleague.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )
    href = theirs.locator(".attachment-image a").get_attribute("href")
    opened = colleague.request.get(daphne_server.url + href if href.startswith("/") else href)
    assert opened.status == 200 and opened.headers["content-type"] == "image/jpeg"
    assert page.problems == [] and colleague.problems == []


def test_two_teachers_in_a_direct_conversation_react_share_a_photo_and_find_it_again(
    browser, daphne_server, settings
):
    """Issue 17's walk: a DM started from the Messages page, a photo in it, a reaction that
    the other sees live, and search finding the message and jumping back into it."""
    settings.KRING_RATE_LIMITS = ratelimit.unlimited()
    community = CommunityFactory(name="Tallinn: digipädevus")
    mari = make_member(community, display_name="Mari Tamm", email="mari@tallinn.test")
    kadri = make_member(community, display_name="Kadri Kask", email="kadri@tallinn.test")

    page = sign_in(browser, daphne_server, mari.user.email, viewport=PHONE)
    page.goto(f"{daphne_server.url}/messages/?q=Kadri")
    page.check(f"input[name=user][value='{kadri.user.pk}']")
    page.click("button:has-text('Start the conversation')")
    page.wait_for_url("**/messages/*/")
    conversation_url = page.url
    live_in_room(page)

    other = sign_in(browser, daphne_server, kadri.user.email)
    other.goto(conversation_url)
    live_in_room(other)

    with page.expect_file_chooser() as chooser:
        page.click(".attach-button")
    chooser.value.set_files(
        [{"name": "klassiruum.jpg", "mimeType": "image/jpeg", "buffer": _photo()}]
    )
    page.fill("#body", "Vaata, kuidas laudu ümber paigutasime")
    page.click("#send")

    theirs = other.locator("#messages .message", has_text="kuidas laudu")
    theirs.locator(".attachment-image img").wait_for()
    theirs.locator(".reaction-add").click()
    theirs.locator(".reaction-palette button").first.click()
    mine = page.locator("#messages .message", has_text="kuidas laudu")
    chip = mine.locator(".reaction-chip")
    chip.wait_for()
    assert chip.locator(".count").inner_text() == "1"
    assert "Kadri Kask" in chip.locator(".visually-hidden").inner_text()

    other.goto(f"{daphne_server.url}/search/?q=laudu")
    hit = other.locator(".search-hit", has_text="laudu")
    hit.wait_for()
    hit.locator("a").click()
    other.locator("#messages .message", has_text="kuidas laudu").wait_for()
    assert page.problems == [] and other.problems == []
