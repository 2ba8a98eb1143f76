"""The lookup cache read back once per entry (issue 26): the language server after an edit, and ``check`` on its
heels, judge again only the entries whose lookup fingerprint changed; a new ``bibkit lookup`` (any write to the
cache file) makes every entry judged again. Against recorded answers served on 127.0.0.1 (tests/lookup_fixtures.py)."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import pytest

from bibkit import lsp
from bibkit.checks import run_checks
from bibkit.cli import cli
from bibkit.evidence.lookup import cached
from bibkit.evidence.lookup.store import Store
from bibkit.infra.cache import cache_dir
from lookup_fixtures import BIB, MAILTO, crossref_records, registries

PLAIN = "".join(f"@misc{{plain{i}, title = {{Plain entry {i}}}, year = {{2001}}}}\n" for i in range(30))


@pytest.fixture
def looked_up(monkeypatch, tmp_path, project, runner):
    """A project whose recorded entries (after 30 plain ones) were looked up; the server stays up."""
    monkeypatch.setenv("BIBKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("BIBKIT_MAILTO", MAILTO)
    monkeypatch.setattr(cached, "MEMO", cached.Memo())
    with registries() as fake:
        monkeypatch.setenv("BIBKIT_CROSSREF_URL", fake.url + "/crossref")
        monkeypatch.setenv("BIBKIT_OPENALEX_URL", fake.url + "/openalex")
        root = project(bib=PLAIN + BIB, **{"bibkit.toml": ""})
        result = runner.invoke(cli, ["lookup", "--fail-on", "never"])
        assert result.exit_code == 0, result.stderr
        yield root


def view(state: lsp.State) -> tuple:
    """What the editor shows of the lookup: findings by key (with their lines) and the claim map's flags."""
    return ({k: [(d.line, d.code, d.message) for d in v] for k, v in state.lookup.items()},
            dict(state.claim_map.source_flags))


def fresh(config, buffers) -> lsp.State:
    """The state read with an empty memo (as a new process would)."""
    saved = cached.MEMO
    cached.MEMO = cached.Memo()
    try:
        return lsp.load_state(config, buffers)
    finally:
        cached.MEMO = saved


def test_an_edit_judges_again_only_what_it_changed(looked_up):
    bib = str(looked_up / "references.bib")
    config = lsp.config_for(bib)
    text = Path(bib).read_text(encoding="utf-8")
    state = lsp.load_state(config, {bib: text})
    first = cached.MEMO.judged
    assert first == 38 and "snail2011" in state.lookup  # every entry (the lookup answered each), once
    # an edit above them that adds two lines: nothing judged again, every finding moved down
    text = text.replace("{Plain entry 3}", "{Plain entry 3,\n\n}")
    state = lsp.load_state(config, {bib: text}, state)
    assert cached.MEMO.judged == first
    assert view(state) == view(fresh(config, {bib: text}))
    assert state.lookup["snail2011"][0].line == fresh(config, {bib: text}).lookup["snail2011"][0].line
    # check's registry rule, on the same project, reads the memo too
    codes = [d.code for d in run_checks(state.project) if d.key == "snail2011"]
    assert "L001" in codes and cached.MEMO.judged == first
    # an edit of a field a lookup reads: that entry alone is judged again (and drops out: not looked up as it is)
    text = text.replace("year = {1990}", "year = {1991}")
    state = lsp.load_state(config, {bib: text}, state)
    assert cached.MEMO.judged == first
    assert "lieber1997" not in state.lookup
    assert view(state) == view(fresh(config, {bib: text}))
    # back as it was: its fingerprint is known again, and it is judged again (one entry)
    text = text.replace("year = {1991}", "year = {1990}")
    state = lsp.load_state(config, {bib: text}, state)
    assert cached.MEMO.judged == first + 1
    assert view(state) == view(fresh(config, {bib: text}))


def test_a_new_lookup_answer_is_shown_after_the_next_edit(looked_up):
    bib = str(looked_up / "references.bib")
    config = lsp.config_for(bib)
    text = Path(bib).read_text(encoding="utf-8")
    state = lsp.load_state(config, {bib: text})
    assert "sadasivan2012" not in state.lookup  # confirmed, with a correction notice only (L007 is not shown here)
    # the registry now says the work is retracted, and a lookup stores that answer
    record = copy.deepcopy(crossref_records()["10.1371/journal.pone.0033693"])
    record["updated-by"] = [{"DOI": "10.5555/new.retraction", "type": "retraction", "label": "Retraction",
                             "source": "publisher", "updated": {"date-parts": [[2024, 1, 2]]}}]
    store = Store(str(Path(cache_dir()) / "lookup.sqlite"))
    url = os.environ["BIBKIT_CROSSREF_URL"]
    store.put(url, "/works/10.1371/journal.pone.0033693", "ok", json.dumps({"message": record}))
    store.close()
    state = lsp.load_state(config, {bib: text + "\n"}, state)
    assert [d.code for d in state.lookup["sadasivan2012"]] == ["L001"]
    assert view(state) == view(fresh(config, {bib: text + "\n"}))
