"""The HTML claim map in a real headless Chromium: filters, search, expanding a claim, no console errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from claimmap_helpers import LONG_ID, rejected_map, report

from bibkit.reports import ReportOptions, render
from conftest import ROOT, require_browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync"]
ARTIFACTS = ROOT / "test-artifacts"

pytestmark = pytest.mark.browser


@pytest.fixture
def page(tmp_path: Path):
    """A Chromium page on the test project's HTML claim map, collecting console errors."""
    yield from _open(tmp_path, report("html"))


@pytest.fixture
def rejected_page(tmp_path: Path):
    """A Chromium page on the claim map of claimmap_helpers.REJECTED_CLAIMS (a rejected link, a long id)."""
    yield from _open(tmp_path, render("html", rejected_map(tmp_path), ReportOptions(title="Rejections")))


def _open(tmp_path: Path, text: str):
    if not os.path.exists(CHROMIUM):
        if require_browser():
            pytest.fail(f"{CHROMIUM} is missing and BIBKIT_REQUIRE_BROWSER=1")
        pytest.skip(f"{CHROMIUM} not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    html = tmp_path / "claim-map.html"
    html.write_text(text, encoding="utf-8")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        pg = browser.new_page(viewport={"width": 1280, "height": 900})
        pg.set_default_timeout(10_000)
        errors: list[str] = []
        pg.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        pg.on("pageerror", lambda exc: errors.append(str(exc)))
        pg.on("dialog", lambda dialog: errors.append(f"dialog opened: {dialog.message}"))
        pg.goto(html.as_uri())
        pg.errors = errors
        yield pg
        browser.close()


def visible(page) -> list[str]:
    """Ids of the claim rows currently shown."""
    return page.eval_on_selector_all("tr.claim", "rows => rows.filter(r => !r.hidden).map(r => r.id.slice(6))")


def test_filters_search_and_expand(page):
    assert len(visible(page)) == 9
    assert page.inner_text("#filter-count") == "9 of 9 claims"

    page.click(".chip[data-status=partial]")
    assert visible(page) == ["c-qualifies", "c-mentions"]
    page.click(".chip[data-status=broken]")
    assert visible(page) == ["c-broken", "c-qualifies", "c-mentions"]
    page.click("#filter-reset")
    assert len(visible(page)) == 9

    page.select_option("#filter-tag", "alpha")
    assert visible(page) == ["c-contested", "c-verified", "c-shorthand"]
    page.select_option("#filter-source", "beta2002")
    assert visible(page) == ["c-contested"]
    page.click("#filter-reset")

    page.select_option("#filter-source", "gamma2003")
    assert visible(page) == ["c-bibside", "c-mentions"]
    page.click("#filter-reset")

    page.fill("#filter-search", "shorthand")
    assert visible(page) == ["c-shorthand"]
    page.fill("#filter-search", "no such words anywhere")
    assert visible(page) == []
    assert page.is_visible("tr.no-match")
    page.fill("#filter-search", "")
    assert len(visible(page)) == 9

    details = page.locator("#claim-c-verified details")
    assert not page.is_visible("#claim-c-verified blockquote")
    page.click("#claim-c-verified summary")
    assert details.get_attribute("open") is not None
    assert page.is_visible("#claim-c-verified blockquote")
    assert "The quoted passage." in page.inner_text("#claim-c-verified .links")
    assert "✓ verified" in page.inner_text("#claim-c-verified .links")

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "claim-map.png"), full_page=True)
    assert page.errors == []


def test_hostile_text_stays_text(page):
    assert "<script>alert(1)</script>" in page.inner_text("#source-beta2002 .citation")
    assert '<script>alert("claim")</script>' in page.inner_text("#claim-c-unverified .ctext")
    assert page.errors == []


def test_link_to_claim_opens_it(page):
    page.click(".chip[data-status=broken]")
    page.click('svg.matrix a[href="#claim-c-contested"]')
    assert page.is_visible("#claim-c-contested")
    assert page.locator("#claim-c-contested details").get_attribute("open") is not None


def test_following_the_same_link_again_shows_the_claim_again(page):
    """No "hashchange" fires when the hash is already the link's: the click itself must open the claim."""
    link = 'svg.matrix a[href="#claim-c-contested"]'
    page.click(link)
    page.click(".chip[data-status=broken]")
    assert not page.is_visible("#claim-c-contested")
    page.click(link)
    assert page.is_visible("#claim-c-contested")


def test_rejected_links_have_their_own_mark_and_long_ids_keep_their_start(rejected_page):
    page = rejected_page
    # Drawn, computed styles: the rejected square is white and crossed out; an unverified one is hatched.
    styles = page.eval_on_selector_all("svg.matrix rect.cell", """cells => cells.map(c => [
        c.querySelector('title').textContent.split(' ← ')[1].split(':')[0], getComputedStyle(c).fill,
        getComputedStyle(c).stroke])""")
    by_source = {name: (fill, stroke) for name, fill, stroke in styles}
    assert by_source["Alpha (2001, p. 3)"][0] == "rgb(255, 255, 255)"
    assert by_source["Beta (2002)"][0] == 'url("#hatch-supports")'
    assert by_source["Alpha (2001)"][0] == by_source["Alpha (2001)"][1]  # verified: solid in its stance colour
    assert by_source["Alpha (2001, p. 3)"][1] not in {by_source["Beta (2002)"][1], by_source["Alpha (2001)"][1]}
    cross = page.locator("svg.matrix path.reject-x")
    assert cross.count() == 1 and cross.is_visible()
    assert page.eval_on_selector("svg.matrix path.reject-x", "p => getComputedStyle(p).stroke") != "none"
    # The legend explains the mark, with a swatch unlike the hatched "not yet checked" one.
    legend = page.locator("ul.legend li", has_text="rejected by a reviewer")
    assert legend.is_visible()
    swatches = page.eval_on_selector_all(
        "ul.legend i.sw", "s => s.map(i => [i.className, getComputedStyle(i).backgroundImage])")
    rejected = [image for name, image in swatches if "rejected" in name]
    hatched = [image for name, image in swatches if name == "sw big st-supports"]
    assert rejected and hatched and rejected[0] != hatched[0] and rejected[0] != "none"
    # Every claim label lies inside the drawing: its start is never cut off.
    boxes = page.eval_on_selector_all("svg.matrix text.row-label", """labels => labels.map(t => {
        const svg = t.ownerSVGElement.getBoundingClientRect(), box = t.getBoundingClientRect();
        return [t.textContent, t.parentElement.querySelector('title').textContent, box.left - svg.left];
    })""")
    assert sorted(b[1] for b in boxes) == sorted([LONG_ID, "supported-one"])
    for text, full, left in boxes:
        assert left >= 0, (text, left)
        assert text == full or (text.endswith("…") and full.startswith(text[:-1]))
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#matrix").screenshot(path=str(ARTIFACTS / "claim-map-rejected.png"))
    assert page.errors == []
