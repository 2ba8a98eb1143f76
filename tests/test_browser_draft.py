"""The pandoc filter's HTML reviewer's draft in a real headless Chromium: what a reviewer sees.

Renders tests/data/draft with pandoc (citeproc and the bibkit filter), opens it, checks the
computed styles of each status (highlighted, marked or quiet) and saves a full-page screenshot
to test-artifacts/draft.png for a person to look at.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from bibkit.cli import cli
from bibkit.filters import filter_path
from conftest import ROOT, require_browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync"]
ARTIFACTS = ROOT / "test-artifacts"
DATA = Path(__file__).resolve().parent / "data" / "draft"

pytestmark = pytest.mark.browser


@pytest.fixture
def page(tmp_path: Path, runner, monkeypatch):
    """A Chromium page on the rendered draft, collecting console errors."""
    if not os.path.exists(CHROMIUM):
        if require_browser():
            pytest.fail(f"{CHROMIUM} is missing and BIBKIT_REQUIRE_BROWSER=1")
        pytest.skip(f"{CHROMIUM} not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    pypandoc = pytest.importorskip("pypandoc")
    work = tmp_path / "draft"
    shutil.copytree(DATA, work)
    monkeypatch.chdir(work)
    assert runner.invoke(cli, ["claim-map", "--format", "json", "-o", "claim-map.json"]).exit_code == 0
    subprocess.run([pypandoc.get_pandoc_path(), "article.md", "-s", "-L", str(filter_path()), "--citeproc",
                    "--bibliography", "references.bib", "-M", "bibkit-draft=true", "-o", "draft.html"],
                   cwd=work, check=True, capture_output=True, timeout=120)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        pg = browser.new_page(viewport={"width": 1000, "height": 900})
        pg.set_default_timeout(10_000)
        errors: list[str] = []
        pg.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        pg.on("pageerror", lambda exc: errors.append(str(exc)))
        pg.on("dialog", lambda dialog: errors.append(f"dialog opened: {dialog.message}"))
        pg.goto((work / "draft.html").as_uri())
        pg.errors = errors
        yield pg
        browser.close()


def style_of(page, claim: str, prop: str) -> str:
    return page.eval_on_selector(f'span.bibkit-claim[data-claims="{claim}"]',
                                 f"el => getComputedStyle(el).getPropertyValue('{prop}')")


def test_statuses_look_different_and_supported_stays_quiet(page):
    transparent = "rgba(0, 0, 0, 0)"
    assert style_of(page, "yields-rose", "background-color") == "rgb(255, 241, 184)"  # unsourced: highlighted
    assert style_of(page, "ghost-link", "background-color") == "rgb(253, 226, 225)"  # broken: highlighted
    assert style_of(page, "toll-lower", "background-color") == transparent  # contested: marked, not filled
    assert "wavy" in style_of(page, "toll-lower", "text-decoration")
    assert style_of(page, "rainfall-fell", "background-color") == transparent  # supported: quiet
    assert style_of(page, "rainfall-fell", "text-decoration").startswith("none")
    # The status is also said in words (not colour alone), next to the sentence.
    marks = page.eval_on_selector_all("sup .bibkit-status", "els => els.map(e => e.textContent)")
    assert sorted(set(marks)) == ["broken", "contested", "partial", "unsourced"]
    colours = page.eval_on_selector_all("sup .bibkit-status", "els => els.map(e => getComputedStyle(e).color)")
    assert len(set(colours)) == 4  # each status its own colour
    # Hover: the sentence and each source carry their text in title (shown by the browser on hover).
    title = page.get_attribute('span.bibkit-claim[data-claims="rainfall-fell"]', "title")
    assert "rain fell by a third between the two surveys" in title and "p. 12" in title
    assert page.errors == []


def test_source_marks_jump_to_the_bibliography(page):
    page.click('a.bibkit-source[href="#ref-beta2002"]')
    assert page.evaluate("location.hash") == "#ref-beta2002"
    assert "A Lower Count" in page.inner_text("#ref-beta2002")


def test_screenshot(page):
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "draft.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000
