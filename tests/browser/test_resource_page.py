"""Teaching materials in a real browser: sharing through the upload form, the material page
with its live thread, and the general room telling everyone."""

from __future__ import annotations

import json

import pytest

from resources.models import Resource
from tests.conftest import make_member
from tests.factories import CommunityFactory
from tests.resources.files import PDF

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_share_then_discuss_a_version_live(browser, daphne_server, tmp_path):
    community = CommunityFactory(name="Materials browser community")
    general = community.rooms.get(name="general")
    make_member(community, display_name="Sara Sharer", email="sara@browser.test")
    make_member(community, display_name="Jan Reader", email="jan@browser.test")
    sara = sign_in(browser, daphne_server, "sara@browser.test")
    jan = sign_in(browser, daphne_server, "jan@browser.test")
    jan.goto(f"{daphne_server.url}/c/{community.slug}/rooms/{general.pk}/")
    jan.wait_for_selector("#status[data-state=connected]")

    worksheet = tmp_path / "kretslopp.pdf"
    worksheet.write_bytes(PDF)
    sara.goto(f"{daphne_server.url}/c/{community.slug}/resources/share/")
    sara.fill("input[name=title]", "The water cycle")
    sara.select_option("select[name=resource_type]", "lesson plan")
    sara.fill("input[name=subjects]", "science, geography")
    sara.fill("input[name=age_min]", "9")
    sara.fill("input[name=age_max]", "12")
    sara.fill("input[name=language]", "sv")
    sara.select_option("select[name=licence]", "CC-BY-SA-4.0")
    sara.set_input_files("input[name=file]", str(worksheet))
    sara.click("form.material-form button[type=submit]")
    sara.wait_for_selector("h1:has-text('The water cycle')")
    resource = Resource.objects.get()

    # Jan, in #general, sees the share live and follows the link.
    line = jan.locator("#messages .resource-event", has_text="The water cycle")
    line.wait_for(timeout=5000)
    assert line.inner_text() == "Sara Sharer shared “The water cycle”"
    line.locator("a").click()
    jan.wait_for_url(f"{daphne_server.url}/resources/{resource.pk}/")
    jan.wait_for_selector("#status[data-state=connected]")
    lrmi = json.loads(jan.locator("script[type='application/ld+json']").text_content())
    assert (lrmi["name"], lrmi["typicalAgeRange"], lrmi["inLanguage"]) == (
        "The water cycle", "9-12", "sv",
    )  # fmt: skip
    assert "CC-BY-SA-4.0" in jan.locator("#attribution").inner_text()

    sara.wait_for_selector("#status[data-state=connected]")
    jan.select_option("#comment-version", "1")
    jan.fill("#body", "Tried it with group 6, the diagram helps a lot")
    jan.keyboard.press("Enter")
    comment = sara.locator("#messages .message", has_text="Tried it with group 6")
    comment.wait_for(timeout=5000)
    assert comment.locator(".version-chip").inner_text() == "about version 1"
    assert comment.locator("strong.author").inner_text() == "Jan Reader"

    # "Used it in class" counts, for everyone who loads the page.
    jan.click("button[data-reaction=used_in_class]")
    jan.wait_for_selector("button[data-reaction=used_in_class][aria-pressed=true]")
    sara.reload()
    assert sara.locator("button[data-reaction=used_in_class] .count").inner_text() == "1"

    # Sara withdraws it: Jan's open page shows the thread closed at once, the reload says why.
    sara.click("details.withdraw summary")
    sara.fill("#withdraw-form textarea[name=reason]", "A newer edition is coming")
    sara.click("#withdraw-form button[type=submit]")
    sara.wait_for_selector("#withdrawn")
    jan.wait_for_selector("#room-state:has-text('Locked')", timeout=5000)
    jan.reload()
    assert "A newer edition is coming" in jan.locator("#withdrawn").inner_text()
    assert jan.locator("script[type='application/ld+json']").count() == 0
