"""Issue 14's small findings in the browser: the sign-in page's link to the public concern form,
the favicon, and the meeting form's date and time input, at 1366 and 360 px."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import assert_accessible, sign_in
from tests.cases.meeting_helpers import MeetingTeam, meeting_team
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Where to put screenshots, when asked (TANDEM_SCREENSHOTS=/some/dir); and, when asked, the
# stylesheet to show instead of ours (to see a page as it was before a change).
SHOTS = os.environ.get("TANDEM_SCREENSHOTS")
OLD_CSS = os.environ.get("TANDEM_OLD_CSS")


def csp_watch(page: Page) -> list[str]:
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    return violations


def no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def shot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"ui-fixes-{name}.png"), full_page=True)


def test_sign_in_links_the_public_concern_form_and_has_an_icon(page: Page, phone_page: Page, live_server, axe):
    for each in (page, phone_page):
        violations = csp_watch(each)
        each.goto(f"{live_server.url}/accounts/login/")
        href = each.locator('link[rel="icon"]').get_attribute("href")
        assert href and each.request.get(f"{live_server.url}{href}").ok
        assert each.request.get(f"{live_server.url}/favicon.ico").ok
        assert_accessible(axe, each)
        no_sideways_scroll(each)
        shot(each, f"sign-in-{each.viewport_size['width'] if each.viewport_size else 0}")
        each.get_by_role("link", name="tell us about your concern").click()
        expect(each).to_have_url(re.compile(r"/concern/$"))
        assert not violations


def _meeting_form(browser: Browser, base: str, team: MeetingTeam, size: tuple[int, int], axe, label: str) -> None:
    width, height = size
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(10_000)
    if OLD_CSS:
        page.route("**/css/tandem.css", lambda route: route.fulfill(path=OLD_CSS, content_type="text/css"))
    violations = csp_watch(page)
    sign_in(page, base, team.lead.email, TEST_PASSWORD)
    page.goto(f"{base}/cases/{team.case.pk}/meetings/schedule/")
    when = page.get_by_role("group", name="Starts at")
    starts = when.get_by_label("Date")
    expect(starts).to_be_visible()
    if not OLD_CSS:
        expect(page.get_by_text("The date as day/month/year and the time on the 24-hour clock").first).to_be_visible()
        where = page.get_by_label("Where").bounding_box()
        for part in (starts, when.get_by_label("Time")):
            box = part.bounding_box()
            assert box and where and box["height"] >= where["height"] - 1
            assert box["width"] >= 64  # room for 01/12/2026 and 14:30 in the house font
            assert box["x"] + box["width"] <= width
        assert_accessible(axe, page)
    no_sideways_scroll(page)
    shot(page, f"meeting-{label}-{width}")
    assert not violations
    context.close()


def test_the_meeting_start_time_is_a_proper_input(browser: Browser, live_server, axe):
    label = "before" if OLD_CSS else "after"
    team = meeting_team()
    for size in ((1366, 768), (360, 740)):
        _meeting_form(browser, live_server.url, team, size, axe, label)
