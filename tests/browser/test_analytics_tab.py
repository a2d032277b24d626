"""The Analytics tab as a facilitator uses it, on the demo data: from the dashboard to the
tab, the figures and charts (SVG with title and description, each with its table), setting
the target, nudging a dormant colleague — at desktop and phone width, under the strict CSP;
and the coordinator's programme view with its CSV."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command

from analytics.models import CommunityTarget, Nudge

from .conftest import PHONE, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_PASSWORD = "kring-demo-2026"
GELDERLAND = "gelderland-personalised-learning"


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_a_facilitator_reads_the_tab_sets_a_target_and_nudges(browser, daphne_server, viewport):
    call_command("seed_demo", verbosity=0)
    server = daphne_server
    page = sign_in(browser, server, "marieke@demo.kring.eu", viewport=viewport,
                   password=DEMO_PASSWORD)  # fmt: skip
    page.goto(f"{server.url}/c/{GELDERLAND}/facilitate/")
    page.get_by_role("link", name="Analytics", exact=True).click()
    page.wait_for_url(f"{server.url}/c/{GELDERLAND}/analytics/")
    assert page.get_by_role("heading", name="Active members").is_visible()
    charts = page.locator("svg.chart-svg[role=img]")
    assert charts.count() >= 4
    for n in range(charts.count()):
        chart = charts.nth(n)
        assert chart.locator("title").count() and chart.locator("desc").count()
    # The numbers behind a chart, as a table.
    conversation = page.locator("figure.chart").first
    conversation.get_by_text("Show as a table").click()
    rows = conversation.locator("table tbody tr")
    assert rows.count() == 12 and conversation.locator("table").is_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")

    # The target: 10 active members within 30 days.
    page.locator("details.target-form summary").click()
    page.get_by_label("Target: active members").fill("10")
    page.get_by_label("Active within").select_option("30")
    page.get_by_role("button", name="Save target").click()
    page.wait_for_selector(".flash")
    assert "The target is saved." in page.locator(".flash").inner_text()
    target = CommunityTarget.objects.get(community__slug=GELDERLAND)
    assert (target.active_members, target.window_days) == (10, 30)
    assert page.locator("#target-progress").is_visible()

    # A dormant colleague gets a friendly nudge, once.
    dormant = page.locator("ul.dormant li").filter(has_text="Eva de Groot")
    dormant.get_by_role("button", name="Nudge Eva de Groot").click()
    page.wait_for_selector(".flash")
    assert "Eva de Groot is sent a friendly note." in page.locator(".flash").inner_text()
    assert Nudge.objects.filter(user__email="eva@demo.kring.eu").count() == 1
    assert "nudged" in page.locator("ul.dormant li").filter(has_text="Eva de Groot").inner_text()
    screenshot(page, f"analytics-tab-{'phone' if viewport else 'desktop'}")
    assert page.problems == []


def test_the_coordinator_sees_the_programme_and_downloads_it(browser, daphne_server):
    call_command("seed_demo", verbosity=0)
    server = daphne_server
    page = sign_in(browser, server, "coordinator@demo.kring.eu", viewport=PHONE,
                   password=DEMO_PASSWORD)  # fmt: skip
    page.goto(f"{server.url}/coordinate/")
    page.get_by_role("link", name="Programme analytics").click()
    page.wait_for_url(f"{server.url}/coordinate/programme/")
    table = page.locator("#h-table + .table-scroll table")
    assert table.locator("tbody tr").count() >= 6
    assert "European learning circle" in table.inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert "(UTC days)" in text.splitlines()[0] and "as of (" in text.splitlines()[0]
    screenshot(page, "analytics-programme-phone")
    assert page.problems == []
