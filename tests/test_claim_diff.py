"""``bibkit claim-map --diff REF`` (bibkit/review/diff.py) and ``--format markdown --summary``.

Every test builds a real git repository in a temporary folder: a base commit on ``main``, then a
pull request made of commits on a branch and/or edits in the working tree, as CI sees one.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from bibkit.cli import cli

GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}

BIB = """\
@book{smil1999, author = {Smil, Vaclav}, title = {China's Great Famine}, publisher = {BMJ}, year = {1999}}
@book{peng1987, author = {Peng, Xizhe}, title = {Demographic Consequences}, publisher = {PDR}, year = {1987}}
"""
CLAIMS = """\
version: 1
claims:
  - id: toll
    text: About 30 million excess deaths.
    sources:
      - key: smil1999
        locator: p. 1619
  - id: old-unsourced
    text: A claim nobody has sourced yet.
  - id: births
    text: Births fell sharply.
    sources: [peng1987]
"""


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV}).stdout.strip()


def commit_base(root: Path) -> None:
    """Make ``root`` a git repository whose first commit (branch main) is the project of BIB and CLAIMS."""
    (root / "references.bib").write_text(BIB, encoding="utf-8")
    (root / "claims.yaml").write_text(CLAIMS, encoding="utf-8")
    (root / "bibkit.toml").write_text('bib = "references.bib"\n', encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")


@pytest.fixture
def repo(tmp_path, monkeypatch) -> Path:
    """A project whose base commit (branch main) has three claims, one of them unsourced; cwd is its root."""
    root = tmp_path / "paper"
    root.mkdir()
    commit_base(root)
    git(root, "checkout", "-q", "-b", "pr")
    monkeypatch.chdir(root)
    return root


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def diff_json(runner, *args: str) -> tuple[int, dict]:
    result = runner.invoke(cli, ["claim-map", "--diff", "main", "--format", "json", *args])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def test_links_from_the_bibliography_are_read_on_both_sides(repo, runner):
    """A claim sourced only by an entry's ``claims`` field, unchanged since the base: no change, on either side."""
    edit(repo / "references.bib", "year = {1987}}", "year = {1987}, claims = {old-unsourced}}")
    git(repo, "commit", "-qam", "source the claim from the bibliography")
    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "-q", "--ff-only", "pr")
    git(repo, "checkout", "-q", "-b", "pr2")
    edit(repo / "claims.yaml", "Births fell sharply.", "Births fell very sharply.")
    git(repo, "commit", "-qam", "reword births")
    code, doc = diff_json(runner)
    assert doc["diff"]["changes"] == [{"id": "births", "change": "changed", "was": "supported"}]


def test_a_pr_that_adds_an_unsourced_claim_fails_the_gate(repo, runner):
    edit(repo / "claims.yaml", "  - id: births", "  - id: new-claim\n    text: Grain output fell by a quarter.\n  - id: births")
    git(repo, "commit", "-qam", "add a claim")
    result = runner.invoke(cli, ["claim-map", "--diff", "main", "--fail-under", "100"])
    assert result.exit_code == 1
    assert "Coverage failure: backed total of the claims changed since main of 0.0" in result.stderr
    code, doc = diff_json(runner, "--fail-under", "100")
    assert code == 1
    assert doc["diff"] == {"base": "main", "changes": [{"id": "new-claim", "change": "added", "was": None}],
                           "removed": []}
    assert [c["id"] for c in doc["claims"]] == ["new-claim"]
    assert doc["claims"][0]["status"] == "unsourced"
    assert doc["summary"]["claims"] == 1 and doc["summary"]["coverage"] == 0.0
    assert doc["gate"]["passed"] is False
    assert doc["summary"]["total_claims"] == 4 and doc["filters"]["changed since"] == ["main"]


def test_a_pr_that_only_touches_other_claims_passes(repo, runner):
    # The old unsourced claim is still there (the whole project is at 66.7%), but this PR did not touch it.
    edit(repo / "claims.yaml", "locator: p. 1619", "locator: p. 1620\n        quote: excess deaths")
    edit(repo / "claims.yaml", "text: Births fell sharply.", "text: Births fell very sharply.")
    git(repo, "commit", "-qam", "fix two claims")
    whole = runner.invoke(cli, ["claim-map", "--fail-under", "100"])
    assert whole.exit_code == 1  # the full map would fail
    code, doc = diff_json(runner, "--fail-under", "100")
    assert code == 0
    assert doc["diff"]["changes"] == [{"id": "toll", "change": "changed", "was": "supported"},
                                      {"id": "births", "change": "changed", "was": "supported"}]
    assert doc["summary"]["claims"] == 2 and doc["summary"]["coverage"] == 100.0


def test_uncommitted_edits_count_and_a_source_added_is_a_change(repo, runner):
    edit(repo / "claims.yaml", "    text: A claim nobody has sourced yet.\n",
         "    text: A claim nobody has sourced yet.\n    sources: [smil1999]\n")
    code, doc = diff_json(runner, "--fail-under", "100")
    assert code == 0
    assert doc["diff"]["changes"] == [{"id": "old-unsourced", "change": "changed", "was": "unsourced"}]
    assert doc["claims"][0]["status"] == "supported"


def test_removing_a_source_from_the_bibliography_is_a_status_change(repo, runner):
    (repo / "references.bib").write_text(BIB.splitlines()[0] + "\n", encoding="utf-8")  # peng1987 gone
    code, doc = diff_json(runner, "--fail-under", "100")
    assert code == 1
    assert doc["diff"]["changes"] == [{"id": "births", "change": "status", "was": "supported"}]
    assert doc["claims"][0]["status"] == "broken"


def test_reflowing_reordering_and_moving_are_not_changes(repo, runner):
    text = (repo / "claims.yaml").read_text(encoding="utf-8")
    blocks = text.split("  - id: ")
    head, claims = blocks[0], blocks[1:]
    reordered = head + "  - id: " + "  - id: ".join([claims[2], claims[0], claims[1]])
    reordered = reordered.replace("text: Births fell sharply.", "text: >-\n      Births fell\n      sharply.")
    reordered = reordered.replace("sources: [peng1987]", "sources:\n      - peng1987")
    (repo / "claims.yaml").write_text(reordered, encoding="utf-8")
    code, doc = diff_json(runner, "--fail-under", "100")
    assert code == 0  # no changed claims: nothing to gate, as diff-cover passes a diff without lines
    assert doc["diff"]["changes"] == [] and doc["claims"] == []


def test_a_removed_claim_is_listed_but_not_gated(repo, runner):
    text = (repo / "claims.yaml").read_text(encoding="utf-8")
    start = text.index("  - id: old-unsourced")
    (repo / "claims.yaml").write_text(text[:start] + text[text.index("  - id: births"):], encoding="utf-8")
    code, doc = diff_json(runner, "--fail-under", "100")
    assert code == 0
    assert doc["diff"]["removed"] == ["old-unsourced"] and doc["diff"]["changes"] == []
    text_out = runner.invoke(cli, ["claim-map", "--diff", "main"]).stdout
    assert "removed" in text_out and "old-unsourced" in text_out


def test_a_claims_file_new_since_ref_makes_every_claim_added(tmp_path, monkeypatch, runner):
    root = tmp_path / "p"
    root.mkdir()
    (root / "references.bib").write_text(BIB, encoding="utf-8")
    (root / "bibkit.toml").write_text("", encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    (root / "claims.yaml").write_text(CLAIMS, encoding="utf-8")
    monkeypatch.chdir(root)
    code, doc = diff_json(runner)
    assert [c["change"] for c in doc["diff"]["changes"]] == ["added"] * 3
    assert doc["summary"]["backed"] == 2


def test_claims_from_the_manuscript_at_ref(repo, runner):
    article = repo / "article.md"
    article.write_text("# Famine\n\nExcess deaths reached 30 million [@smil1999, p. 1619].\n", encoding="utf-8")
    git(repo, "add", "article.md")
    git(repo, "commit", "-qm", "article")
    git(repo, "branch", "-f", "main")  # the article is part of the base
    with article.open("a", encoding="utf-8") as fh:
        fh.write("\nGrain output fell by 15 percent in 1959.\n")  # a statistic without a citation
    code, doc = diff_json(runner, "--manuscript", "article.md", "--fail-under", "100")
    assert code == 1
    (change,) = doc["diff"]["changes"]
    assert change["change"] == "added"
    (claim,) = doc["claims"]
    assert claim["text"] == "Grain output fell by 15 percent in 1959." and claim["status"] == "unsourced"


def test_subdirectory_and_paths_outside_the_repository(repo, runner, tmp_path, monkeypatch):
    outside = tmp_path / "shared.bib"
    outside.write_text(BIB, encoding="utf-8")
    (repo / "bibkit.toml").write_text(f'bib = {json.dumps(str(outside))}\nallow_outside = [{json.dumps(str(outside))}]\n',
                                      encoding="utf-8")
    (repo / "sub").mkdir()
    monkeypatch.chdir(repo / "sub")
    code, doc = diff_json(runner)
    # The bibliography outside the repository stands for itself at the base: no status changed.
    assert doc["diff"]["changes"] == []


@pytest.mark.parametrize("ref,message", [("nosuchbranch", "not a commit in this repository"),
                                         ("--output=x", "not a commit in this repository"),
                                         ("main..pr", "not a commit in this repository")])  # a range is no commit
def test_bad_revisions_are_one_line_errors(repo, runner, ref, message):
    result = runner.invoke(cli, ["claim-map", f"--diff={ref}"])
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.output
    assert not (repo / "x").exists()


def test_outside_a_git_repository(project, runner):
    project(bib=BIB, claims=CLAIMS)
    result = runner.invoke(cli, ["claim-map", "--diff", "main"])
    assert result.exit_code == 2
    assert "is not in a git repository" in result.stderr


def test_summary_needs_markdown(repo, runner):
    result = runner.invoke(cli, ["claim-map", "--summary"])
    assert result.exit_code == 2 and "--format markdown" in result.stderr


# -- the pull-request comment ------------------------------------------------------------------

def gfm_tables(markdown: str) -> list[list[list[str]]]:
    """The tables of a GitHub-flavoured Markdown document as pandoc reads them: rows of plain cell texts."""
    pypandoc = pytest.importorskip("pypandoc")
    out = subprocess.run([pypandoc.get_pandoc_path(), "-f", "gfm", "-t", "json"], input=markdown.encode("utf-8"),
                         capture_output=True, check=True, timeout=120)
    doc = json.loads(out.stdout)

    def text(node) -> str:
        if isinstance(node, list):
            return "".join(text(n) for n in node)
        if isinstance(node, dict):
            t = node.get("t")
            if t == "Str":
                return node["c"]
            if t == "Code":
                return node["c"][1]
            if t in ("Space", "SoftBreak"):
                return " "
            return text(node.get("c", []))
        return ""

    tables = []
    for block in doc["blocks"]:
        if block["t"] == "Table":
            _attr, _caption, _specs, head, bodies, _foot = block["c"]
            rows = []
            for body in bodies:
                for row in body[3]:
                    rows.append([text(cell[4]) for cell in row[1]])
            tables.append(rows)
    return tables


def test_summary_with_diff_is_a_valid_table_with_hostile_text(repo, runner):
    hostile = "Costs | rose by 50% <b>not bold</b> *not em* `code` [link](x) & more"
    edit(repo / "claims.yaml", "  - id: births", f"  - id: hostile_1.x\n    text: {json.dumps(hostile)}\n  - id: births")
    result = runner.invoke(cli, ["claim-map", "--diff", "main", "--format", "markdown", "--summary",
                                 "--fail-under", "100"])
    assert result.exit_code == 1
    md = result.stdout
    assert "1 claim changed since `main` (1 added)." in md
    assert "❌ Gate failed" in md
    tables = gfm_tables(md)
    changed = tables[-1]
    assert changed == [["hostile_1.x", "added", "⚠️ unsourced", hostile, "none"]]


def test_summary_without_diff_lists_the_claims_that_need_a_look(root, runner, monkeypatch):
    import yaml

    monkeypatch.chdir(root)
    result = runner.invoke(cli, ["claim-map", "--format", "markdown", "--summary"])
    assert result.exit_code == 0
    rows = gfm_tables(result.stdout)[-1]
    data = yaml.safe_load((root / "claims.yaml").read_text(encoding="utf-8"))
    no_sources = [c["id"] for c in data["claims"] if not c.get("sources")]
    # Unsourced first (file order), then the one contested claim (hand-checked: Ó Gráda contradicts it).
    assert [r[0] for r in rows] == no_sources + ["death-toll-45-million"]
    assert "Orphan" not in result.stdout.split("<sub>")[0]


@pytest.mark.slow
def test_summary_stays_under_the_comment_limit_on_a_5000_entry_bibliography(tmp_path, monkeypatch, runner):
    root = tmp_path / "big"
    root.mkdir()
    entries = "".join(f"@book{{k{i}, author = {{Author{i}, A.}}, title = {{A rather long title number {i} "
                      f"about famine and statistics}}, publisher = {{P}}, year = {{{1900 + i % 120}}}}}\n"
                      for i in range(5000))
    (root / "references.bib").write_text(entries, encoding="utf-8")
    long_text = "A claim whose text goes on and on about grain, steel, rain and numbers, " * 4
    claims = ["version: 1", "claims:"]
    for i in range(5000):
        claims.append(f"  - id: c{i}\n    text: {json.dumps(long_text + str(i))}")
        if i % 2:
            claims.append(f"    sources: [k{i}, k{i + 1}]")
    (root / "claims.yaml").write_text("\n".join(claims) + "\n", encoding="utf-8")
    (root / "bibkit.toml").write_text("", encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    # A PR that rewrites every claim's text: 5,000 changed claims.
    (root / "claims.yaml").write_text("\n".join(claims).replace("and on", "and on and on") + "\n", encoding="utf-8")
    monkeypatch.chdir(root)
    for args in ([], ["--diff", "main"]):
        result = runner.invoke(cli, ["claim-map", "--format", "markdown", "--summary", *args])
        assert result.exit_code == 0, result.output
        md = result.stdout
        assert len(md) < 65_000
        assert "more not shown here" in md
        rows = gfm_tables(md)[-1]
        assert 50 < len(rows) < 5000  # as many as fit, every one a whole row
        assert all(len(r) == (5 if args else 4) for r in rows)
        assert "k4999" not in md  # no source index, no orphan list


def test_summary_with_an_enormous_title_still_fits(repo, runner):
    result = runner.invoke(cli, ["claim-map", "--format", "markdown", "--summary", "--title", "T" * 100_000])
    assert result.exit_code == 0 and len(result.stdout) < 65_000
    assert gfm_tables(result.stdout)[-1][0][0] == "old-unsourced"


def hand_fingerprint(text: str, key: str, locator: str = "", quote: str = "", stance: str = "supports") -> str:
    """The documented recipe, worked out here (not by bibkit): 4 hex digits of SHA-256 per part."""
    import hashlib

    parts = zip(("claim text", "key", "locator", "quote", "stance"), (text, key, locator, quote, stance))
    return "".join(hashlib.sha256(f"bibkit-fingerprint-1\0{p}\0{' '.join(v.split())}".encode()).hexdigest()[:4]
                   for p, v in parts)


def test_summary_marks_a_stale_verification_as_stale_not_verified(repo, runner):
    fp = hand_fingerprint("About 30 million excess deaths.", "smil1999", "p. 1619")
    edit(repo / "claims.yaml", "        locator: p. 1619\n",
         f"        locator: p. 1619\n        verified: true\n        fingerprint: {fp}\n")
    git(repo, "commit", "-qam", "verified")
    fresh = runner.invoke(cli, ["claim-map", "--diff", "main", "--format", "markdown", "--summary"])
    assert "Smil (1999, p. 1619) ✓" in fresh.stdout, fresh.stdout
    edit(repo / "claims.yaml", "About 30 million excess deaths.", "About 45 million excess deaths.")
    result = runner.invoke(cli, ["claim-map", "--diff", "main", "--format", "markdown", "--summary"])
    rows = {row[0]: row for row in gfm_tables(result.stdout)[-1]}
    assert rows["toll"][-1] == "Smil (1999, p. 1619) ⚠ stale (claim text changed)"
    assert "**0.0%** verified (0)" in result.stdout


def test_a_note_or_tag_edit_is_a_change_and_an_unchanged_status_shows_no_was(repo, runner):
    edit(repo / "claims.yaml", "    text: Births fell sharply.\n",
         "    text: Births fell sharply.\n    note: see the 1982 census too\n")
    code, doc = diff_json(runner)
    assert doc["diff"]["changes"] == [{"id": "births", "change": "changed", "was": "supported"}]
    md = runner.invoke(cli, ["claim-map", "--diff", "main", "--format", "markdown", "--summary"]).stdout
    (row,) = [r for r in gfm_tables(md)[-1] if r[0] == "births"]
    assert row[:3] == ["births", "changed", "✅ supported"]  # the status did not change: no "(was supported)"
    edit(repo / "claims.yaml", "sources: [peng1987]", "sources: []")
    md = runner.invoke(cli, ["claim-map", "--diff", "main", "--format", "markdown", "--summary"]).stdout
    (row,) = [r for r in gfm_tables(md)[-1] if r[0] == "births"]
    assert row[2] == "⚠️ unsourced (was supported)"


def test_the_full_markdown_report_ends_with_the_changed_and_removed_claims(repo, runner):
    text = (repo / "claims.yaml").read_text(encoding="utf-8")
    start = text.index("  - id: old-unsourced")
    text = text[:start] + text[text.index("  - id: births"):]  # old-unsourced removed
    text = text.replace("  - id: births", "  - id: new-one\n    text: Grain output fell.\n  - id: births")
    (repo / "claims.yaml").write_text(text.replace("sources: [peng1987]", "sources: []"), encoding="utf-8")
    md = runner.invoke(cli, ["claim-map", "--diff", "main", "--format", "markdown"]).stdout
    assert "### Changed since `main` (2)" in md
    assert gfm_tables(md)[-1] == [["new-one", "added", "⚠️ unsourced"],
                                  ["births", "changed", "⚠️ unsourced (was supported)"]]
    assert md.rstrip().endswith("Removed: `old-unsourced`")


def test_summary_sources_cell_names_stances_missing_keys_and_the_rest(repo, runner):
    many = ", ".join(["peng1987"] * 8)
    edit(repo / "claims.yaml", "sources: [peng1987]",
         f"sources: [{{key: smil1999, stance: contradicts}}, ghost2020, {many}, peng1987]")
    md = runner.invoke(cli, ["claim-map", "--diff", "main", "--format", "markdown", "--summary"]).stdout
    (row,) = [r for r in gfm_tables(md)[-1] if r[0] == "births"]
    # eight shown (MAX_SOURCES), then how many more; unverified links carry no mark
    assert row[-1] == ("contradicts: Smil (1999); ghost2020 (not in the bibliography); "
                       + "; ".join(["Peng (1987)"] * 6) + "; and 3 more")


GOLDEN_SUMMARY = """\
## Claim map

2 claims changed since `main` (1 added, 1 changed).

**0.0%** of the changed claims backed by a source (0 of 2); **0.0%** verified (0).

❌ Gate failed: backed coverage 0.0% against fail-under 50%.

| broken | unsourced | contested | supported | partial |
|---:|---:|---:|---:|---:|
| 0 | 2 | 0 | 0 | 0 |

### Changed claims

| Claim | Change | Status | Text | Sources |
|---|---|---|---|---|
| `new-claim` | added | ⚠️ unsourced | Grain output fell by a quarter in 1960, the records say. | none |
| `births` | changed | ⚠️ unsourced (was supported) | Births fell sharply. | none |

<sub>bibkit claim-map; 1 orphan source not listed (the full report lists them).</sub>
"""
GOLDEN_TEXT_TAIL = """\
CHANGED SINCE main  2 claims (1 added, 1 changed, 0 status only), 0 removed
  added    unsourced  new-claim
  changed  unsourced  births (was supported)
"""


def test_the_pr_comment_and_the_text_tail_read_exactly_as_written_here(repo, runner):
    # Read line by line against the repository's claims: 2 of 4 claims changed, both now unsourced
    # (births lost its only source), so 0 of 2 backed; peng1987 is then cited by no claim: one orphan.
    edit(repo / "claims.yaml", "  - id: births",
         "  - id: new-claim\n    text: Grain output fell by a quarter in 1960, the records say.\n  - id: births")
    edit(repo / "claims.yaml", "sources: [peng1987]", "sources: []")
    result = runner.invoke(cli, ["claim-map", "--diff", "main", "--format", "markdown", "--summary",
                                 "--fail-under", "50"])
    assert (result.exit_code, result.stdout) == (1, GOLDEN_SUMMARY)
    text = runner.invoke(cli, ["claim-map", "--diff", "main"]).stdout
    assert text.endswith("\n\n" + GOLDEN_TEXT_TAIL)
    assert "Filtered (changed since=main): 2 of 4 claims; the numbers are over these claims." in text


def test_a_held_verified_gate_a_status_only_change_and_a_removal_read_exactly_as_written_here(repo, runner):
    # old-unsourced removed; peng1987 gone from the bibliography, so births' status alone changed (broken)
    text = (repo / "claims.yaml").read_text(encoding="utf-8")
    start = text.index("  - id: old-unsourced")
    (repo / "claims.yaml").write_text(text[:start] + text[text.index("  - id: births"):], encoding="utf-8")
    (repo / "references.bib").write_text(BIB.splitlines()[0] + "\n", encoding="utf-8")
    result = runner.invoke(cli, ["claim-map", "--diff", "main", "--format", "markdown", "--summary",
                                 "--fail-under", "0", "--metric", "verified"])
    assert result.exit_code == 0
    assert result.stdout == """\
## Claim map

1 claim changed since `main` (1 with a new status); 1 removed.

**0.0%** of the changed claims backed by a source (0 of 1); **0.0%** verified (0).

✅ Gate held: verified coverage 0.0% against fail-under 0%.

| broken | unsourced | contested | supported | partial |
|---:|---:|---:|---:|---:|
| 1 | 0 | 0 | 0 | 0 |

### Changed claims

| Claim | Change | Status | Text | Sources |
|---|---|---|---|---|
| `births` | status only | ❌ broken (was supported) | Births fell sharply. | **peng1987** (not in the bibliography) |

<sub>bibkit claim-map; 0 orphan sources not listed (the full report lists them).</sub>
"""
    assert runner.invoke(cli, ["claim-map", "--diff", "main"]).stdout.endswith("""
CHANGED SINCE main  1 claim (0 added, 0 changed, 1 status only), 1 removed
  status   broken     births (was supported)
  removed             old-unsourced
""")
    assert runner.invoke(cli, ["claim-map", "--diff", "main", "--format", "markdown"]).stdout.endswith("""
### Changed since `main` (1)

| Claim | Change | Status |
|---|---|---|
| `births` | status | ❌ broken (was supported) |

Removed: `old-unsourced`
""")


def test_the_plain_summary_and_an_empty_diff_read_exactly_as_written_here(repo, runner):
    # backed 2 of 3 (66.7%) but verified 0: the verified gate fails where the backed one would pass
    result = runner.invoke(cli, ["claim-map", "--format", "markdown", "--summary", "--fail-under", "50",
                                 "--metric", "verified"])
    assert result.exit_code == 1
    assert result.stdout == """\
## Claim map

**66.7%** of the claims backed by a source (2 of 3); **0.0%** verified (0).

❌ Gate failed: verified coverage 0.0% against fail-under 50%.

| broken | unsourced | contested | supported | partial |
|---:|---:|---:|---:|---:|
| 0 | 1 | 0 | 2 | 0 |

### Claims that need a look

| Claim | Status | Text | Sources |
|---|---|---|---|
| `old-unsourced` | ⚠️ unsourced | A claim nobody has sourced yet. | none |

<sub>bibkit claim-map; 0 orphan sources not listed (the full report lists them).</sub>
"""
    # nothing changed since main: no claims, and an empty set counts as covered, as coverage.py counts it
    result = runner.invoke(cli, ["claim-map", "--diff", "main", "--format", "markdown", "--summary"])
    assert result.exit_code == 0
    assert result.stdout == """\
## Claim map

0 claims changed since `main`.

**100.0%** of the changed claims backed by a source (0 of 0); **100.0%** verified (0).

| broken | unsourced | contested | supported | partial |
|---:|---:|---:|---:|---:|
| 0 | 0 | 0 | 0 | 0 |

No claim changed.

<sub>bibkit claim-map; 0 orphan sources not listed (the full report lists them).</sub>
"""


def test_code_spans_only_for_plain_words():
    from bibkit.reports.summary import _code

    assert _code("main") == "`main`" and _code("XYZ") == "`XYZ`"
    assert _code("origin/main") == "`origin/main`"
    assert _code("a b") == "a b" and _code("a`b") == "a\\`b" and _code("a|b") == "a\\|b" and _code("") == ""


def test_two_removed_claims_are_listed_with_commas(repo, runner):
    text = (repo / "claims.yaml").read_text(encoding="utf-8")
    (repo / "claims.yaml").write_text(text[:text.index("  - id: old-unsourced")], encoding="utf-8")
    md = runner.invoke(cli, ["claim-map", "--diff", "main", "--format", "markdown"]).stdout
    assert md.endswith("\n\n### Changed since `main` (0)\n\n| Claim | Change | Status |\n|---|---|---|\n\n"
                       "Removed: `old-unsourced`, `births`\n")


def test_the_text_tail_lists_the_changed_claims_the_filters_keep(repo, runner):
    edit(repo / "claims.yaml", "About 30 million excess deaths.", "About 30 million excess deaths, or more.")
    edit(repo / "claims.yaml", "sources: [peng1987]", "sources: []")
    text = runner.invoke(cli, ["claim-map", "--diff", "main", "--status", "unsourced"]).stdout
    # toll changed too (first in the file) but is supported: filtered out, and births still listed after it
    assert text.endswith("\nCHANGED SINCE main  2 claims (0 added, 2 changed, 0 status only), 0 removed\n"
                         "  changed  unsourced  births (was supported)\n")


# -- diff_claims as a pure function: what counts as a change ----------------------------------

from bibkit.bib.bibtex import parse_text  # noqa: E402
from bibkit.claims.loader import parse_claims  # noqa: E402
from bibkit.infra.diagnostics import Diagnostics  # noqa: E402
from bibkit.model import Bibliography, Entry  # noqa: E402
from bibkit.review.diff import ClaimChange, ClaimDiff, diff_claims  # noqa: E402


def bib_of(text: str) -> Bibliography:
    bib_file = parse_text(text, "references.bib", Diagnostics())
    return Bibliography([bib_file], {b.key: b for b in bib_file.blocks if isinstance(b, Entry)})


def claims_of(text: str) -> list:
    diags = Diagnostics()
    claims = parse_claims("version: 1\nclaims:\n" + text, "claims.yaml", diags).claims
    return claims


BASE_CLAIM = """\
  - id: c
    text: |
      Grain output fell
      by a quarter.
    section: Output
    anchor: fell by a quarter
    tags: [grain, output]
    note: from the provincial records
    sources:
      - key: smil1999
        locator: p. 1619
        quote: fell by a quarter
        note: table 2
      - key: peng1987
        stance: qualifies
"""


@pytest.mark.parametrize("old, new", [
    ("Grain output fell\n      by a quarter.", "Grain output\n      fell by a quarter."),  # re-wrapped in a | block
    ("Grain output fell\n      by a quarter.", "Grain  output fell  by\n      a quarter."),
    ("tags: [grain, output]", "tags:\n      - grain\n      - output"),
    ("tags: [grain, output]", 'tags: ["grain", " output "]'),  # white space around a tag in a list
    ("quote: fell by a quarter", "quote: fell  by a\n          quarter"),
    ("      - key: peng1987\n        stance: qualifies\n", "      - {key: peng1987, stance: qualifies}\n"),
])
def test_white_space_and_layout_are_not_changes(old, new):
    before = claims_of(BASE_CLAIM)
    after_text = BASE_CLAIM.replace(old, new)
    assert after_text != BASE_CLAIM
    after = claims_of(after_text)
    assert diff_claims("main", before, bib_of(BIB), after, bib_of(BIB)) == ClaimDiff("main", [], [])


def test_the_lookup_judges_both_sides_so_it_alone_is_no_change():
    """A retraction the last lookup found applies to the base revision too: the same claim is no change,
    and an edited one was already judged with the flag ("was" is the flagged status, not "supported")."""
    before = claims_of(BASE_CLAIM)
    flags = {"smil1999": "retracted", "peng1987": "retracted"}
    assert diff_claims("main", before, bib_of(BIB), claims_of(BASE_CLAIM), bib_of(BIB), flags).changes == []
    after = claims_of(BASE_CLAIM.replace("by a quarter.", "by a third."))
    (change,) = diff_claims("main", before, bib_of(BIB), after, bib_of(BIB), flags).changes
    assert (change.id, change.kind, change.before) == ("c", "changed", "retracted")


def test_the_changed_claims_map_applies_the_lookup_flags():
    """A changed claim whose only source the last lookup found retracted is "retracted" in the changed map, and
    backs nothing: the gate sees the same status as the full map."""
    from bibkit.review.diff import changed_map

    claims = claims_of("  - id: c\n    text: Grain output fell.\n    sources: [smil1999]\n")
    diff = ClaimDiff("main", [ClaimChange("c", "changed", "supported")])
    part = changed_map(bib_of(BIB), claims, diff, source_flags={"smil1999": "retracted"})
    assert [r.status for r in part.claims] == ["retracted"]
    assert changed_map(bib_of(BIB), claims, diff).claims[0].status == "supported"


def test_links_in_another_order_are_not_a_change():
    before = claims_of(BASE_CLAIM)
    head, links = BASE_CLAIM.split("    sources:\n")
    first, second = links.split("      - key: peng1987\n")
    after = claims_of(head + "    sources:\n      - key: peng1987\n" + second + first)
    assert [lk.key for lk in after[0].links] == ["peng1987", "smil1999"]
    assert diff_claims("main", before, bib_of(BIB), after, bib_of(BIB)).changes == []


@pytest.mark.parametrize("old, new", [
    ("by a quarter.", "by a third."),  # text
    ("by a quarter.", "by a Quarter."),  # case matters in text
    ("section: Output", "section: Yields"),
    ("anchor: fell by a quarter", "anchor: fell by a third"),
    ("tags: [grain, output]", "tags: [grain]"),
    ("tags: [grain, output]", "tags: [output, grain]"),  # tag order is the author's
    ("note: from the provincial records", "note: from the county records"),
    ("locator: p. 1619", "locator: p. 1620"),
    ("quote: fell by a quarter", "quote: fell by a third"),
    ("note: table 2", "note: table 3"),  # a link's note
    ("stance: qualifies", "stance: contradicts"),
    ("key: peng1987", "key: smil1999"),
    ("        note: table 2\n", "        note: table 2\n        verified: true\n"),
    ("        note: table 2\n", "        note: table 2\n        review: rejected\n        reason: wrong page\n"),
    # each review field alone: a pull request that only re-stamps a decision still changes what it says
    ("        note: table 2\n", "        note: table 2\n        fingerprint: 0123456789abcdef0123\n"),
    ("        note: table 2\n", "        note: table 2\n        verified_by: A. Reviewer\n"),
    ("        note: table 2\n", "        note: table 2\n        verified_on: 2026-11-28\n"),
    ("        note: table 2\n", "        note: table 2\n        forced: quote not-found\n"),
    ("      - key: peng1987\n        stance: qualifies\n", ""),  # a source dropped
])
def test_each_field_of_a_claim_or_link_is_a_change(old, new):
    before = claims_of(BASE_CLAIM)
    after_text = BASE_CLAIM.replace(old, new, 1)
    assert after_text != BASE_CLAIM
    after = claims_of(after_text)
    # both links resolve, in both versions: supported before and after, so "was" is the old status
    got = diff_claims("main", before, bib_of(BIB), after, bib_of(BIB))
    assert got.changes == [ClaimChange("c", "changed", "supported")] and got.removed == []


def test_added_status_only_and_removed_claims_in_the_working_trees_order():
    before = claims_of("  - id: gone\n    text: Old.\n" + BASE_CLAIM
                       + "  - id: same\n    text: Same.\n    sources: [peng1987]\n"
                       + "  - id: kept\n    text: Kept.\n    sources: [smil1999]\n"
                       + "  - id: gone-too\n    text: Old too.\n")
    after = claims_of("  - id: new\n    text: New.\n"
                      + BASE_CLAIM.replace("by a quarter.", "by a fifth.")
                      + "  - id: same\n    text: Same.\n    sources: [peng1987]\n"
                      + "  - id: kept\n    text: Kept.\n    sources: [smil1999]\n")
    smil_only = bib_of(BIB.splitlines()[0] + "\n")  # peng1987 left the bibliography
    got = diff_claims("origin/main", before, bib_of(BIB), after, smil_only)
    assert got == ClaimDiff("origin/main", [ClaimChange("new", "added", None), ClaimChange("c", "changed", "supported"),
                                            ClaimChange("same", "status", "supported")], ["gone", "gone-too"])
    assert got.to_dict() == {"base": "origin/main",
                             "changes": [{"id": "new", "change": "added", "was": None},
                                         {"id": "c", "change": "changed", "was": "supported"},
                                         {"id": "same", "change": "status", "was": "supported"}],
                             "removed": ["gone", "gone-too"]}
    assert got.ids() == {"new", "c", "same"}
    assert (got.count("added"), got.count("changed"), got.count("status"), got.count("removed")) == (1, 1, 1, 0)


def test_was_is_the_status_at_the_base_revision_with_its_own_bibliography():
    before = claims_of("  - id: x\n    text: X.\n    sources: [ghost2020]\n")
    after = claims_of("  - id: x\n    text: X.\n    sources: [ghost2020]\n")
    with_ghost = bib_of(BIB + "@book{ghost2020, author = {G, G}, title = {T}, publisher = {P}, year = {2020}}\n")
    # the key was broken at the base and resolves now: a status change, was broken
    assert diff_claims("main", before, bib_of(BIB), after, with_ghost).changes == [ClaimChange("x", "status", "broken")]
    # resolved at the base, broken now
    assert diff_claims("main", before, with_ghost, after, bib_of(BIB)).changes == [ClaimChange("x", "status", "supported")]
    # a moved claim (other line) with the same bibliography is no change
    moved = claims_of("  - id: other\n    text: O.\n  - id: x\n    text: X.\n    sources: [ghost2020]\n")
    assert diff_claims("main", before, bib_of(BIB), moved, bib_of(BIB)).changes == [ClaimChange("other", "added")]


# -- the pull-request comment's cutting rules, with small budgets ------------------------------
#
# The rules: a cell's text is folded to single spaces and, when longer than the width (160), cut
# to the last whole word within the width, trailing ",;:" dropped, then "…" (a single word longer
# than the width is cut at the width). The table keeps its header and as many whole rows, in order,
# as fit: a row is kept while the whole comment (every line and its newline, the footer included)
# stays within limit - 200 characters; the rest become one line "…and N more not shown here: HINT"
# after a blank line. The 200 characters are the room for that line.

from bibkit.claims.claimmap import analyse  # noqa: E402
from bibkit.reports.base import ReportOptions  # noqa: E402
from bibkit.reports.summary import LIMIT, _cut, _table, markdown_summary  # noqa: E402
from bibkit.review.diff import changed_map  # noqa: E402

FOUR = """\
  - id: a1
    text: First unsourced.
  - id: fine
    text: Backed.
    sources: [smil1999]
  - id: b
    text: Broken   key,
      over two lines.
    sources: [ghost2020]
  - id: a2
    text: Second unsourced.
"""
HEAD = """\
## Claim map

**25.0%** of the claims backed by a source (1 of 4); **0.0%** verified (0).

| broken | unsourced | contested | supported | partial |
|---:|---:|---:|---:|---:|
| 1 | 2 | 0 | 1 | 0 |

### Claims that need a look

| Claim | Status | Text | Sources |
|---|---|---|---|
"""
ROWS = ["| `b` | ❌ broken | Broken key, over two lines. | **ghost2020** (not in the bibliography) |\n",
        "| `a1` | ⚠️ unsourced | First unsourced. | none |\n",
        "| `a2` | ⚠️ unsourced | Second unsourced. | none |\n"]
FOOT = "\n<sub>bibkit claim-map; 1 orphan source not listed (the full report lists them).</sub>\n"
NEED_HINT = "run `bibkit claim-map --status broken --status unsourced --status contested` for all of them."


def summary_of(claims_text: str, diff: ClaimDiff | None = None, limit: int = LIMIT, **options) -> str:
    claims, bib = claims_of(claims_text), bib_of(BIB)
    claim_map = changed_map(bib, claims, diff) if diff is not None else analyse(bib, claims)
    return markdown_summary(claim_map, ReportOptions(cache=False, **options), diff, limit)


def test_cut_folds_white_space_and_cuts_at_the_last_whole_word():
    assert _cut("one  two\n three") == "one two three"
    assert _cut("abc de", 6) == "abc de"  # exactly the width: whole
    assert _cut("abc def", 6) == "abc…"
    assert _cut("one two three", 9) == "one two…"  # "one two t": the last whole word within the width
    assert _cut("one; two three", 6) == "one…"  # "one; t" -> "one;" -> the semicolon dropped
    assert _cut("one two,: three", 9) == "one two…"  # a word ending right at the width is whole
    assert _cut("one two three", 7) == "one two…"
    assert _cut("one two three", 6) == "one…"
    assert _cut("abcdefgh", 4) == "abcd…"  # one long word: cut at the width
    assert _cut("MAX two", 4) == "MAX…"  # only the punctuation ,;: is dropped, never a letter
    assert _cut("a" * 160) == "a" * 160  # the default width is 160
    assert _cut("a " * 80 + "b") == ("a " * 80)[:159] + "…"


def test_table_keeps_whole_rows_while_they_fit_and_counts_the_rest():
    header = ["h1", "h2"]  # 6 characters with their newlines
    rows = ["r1", "r22", "r333"]  # 3, 4 and 5
    assert _table(rows, header, 18, "hint") == ["h1", "h2", "r1", "r22", "r333"]  # 6 + 12 = 18: exactly fits
    assert _table(rows, header, 17, "hint") == ["h1", "h2", "r1", "r22", "", "…and 1 more not shown here: hint"]
    assert _table(rows, header, 13, "hint") == ["h1", "h2", "r1", "r22", "", "…and 1 more not shown here: hint"]
    assert _table(rows, header, 12, "x") == ["h1", "h2", "r1", "", "…and 2 more not shown here: x"]
    assert _table(rows, header, 8, "x") == ["h1", "h2", "", "…and 3 more not shown here: x"]
    assert _table([], header, 0, "x") == ["h1", "h2"]


def test_the_comment_keeps_the_rows_that_fit_within_the_limit_less_200():
    whole = HEAD + "".join(ROWS) + FOOT
    assert summary_of(FOUR) == whole
    assert summary_of(FOUR, limit=len(whole) + 200) == whole  # exactly at the limit: every row
    two = HEAD + "".join(ROWS[:2]) + FOOT
    cut_two = HEAD + "".join(ROWS[:2]) + "\n…and 1 more not shown here: " + NEED_HINT + "\n" + FOOT
    assert summary_of(FOUR, limit=len(whole) + 199) == cut_two
    assert summary_of(FOUR, limit=len(two) + 200) == cut_two
    cut_one = HEAD + ROWS[0] + "\n…and 2 more not shown here: " + NEED_HINT + "\n" + FOOT
    assert summary_of(FOUR, limit=len(two) + 199) == cut_one
    cut_none = HEAD + "\n…and 3 more not shown here: " + NEED_HINT + "\n" + FOOT
    assert summary_of(FOUR, limit=len(HEAD + FOOT) + 200) == cut_none
    assert len(cut_none) <= len(HEAD + FOOT) + 200


def test_the_changed_claims_table_is_cut_the_same_way_with_its_own_hint():
    diff = ClaimDiff("main", [ClaimChange("a2", "added"), ClaimChange("b", "changed", "supported"),
                              ClaimChange("a1", "status", "unsourced")], ["old"])
    head = """\
## Claim map

3 claims changed since `main` (1 added, 1 changed, 1 with a new status); 1 removed.

**0.0%** of the changed claims backed by a source (0 of 3); **0.0%** verified (0).

| broken | unsourced | contested | supported | partial |
|---:|---:|---:|---:|---:|
| 1 | 2 | 0 | 0 | 0 |

### Changed claims

| Claim | Change | Status | Text | Sources |
|---|---|---|---|---|
"""
    rows = ["| `a2` | added | ⚠️ unsourced | Second unsourced. | none |\n",  # in the diff's order
            "| `b` | changed | ❌ broken (was supported) | Broken key, over two lines. | "
            "**ghost2020** (not in the bibliography) |\n",
            "| `a1` | status only | ⚠️ unsourced | First unsourced. | none |\n"]
    whole = head + "".join(rows) + FOOT
    assert summary_of(FOUR, diff) == whole
    hint = "run `bibkit claim-map --diff` with the same revision for all of them."
    assert summary_of(FOUR, diff, limit=len(whole) + 199) == (head + "".join(rows[:2]) + "\n…and 1 more not shown here: "
                                                              + hint + "\n" + FOOT)


def test_a_diff_whose_changes_the_filters_all_leave_out_and_the_default_title():
    diff = ClaimDiff("v1.0", [ClaimChange("fine", "changed", "supported")], [])
    claims, bib = claims_of(FOUR), bib_of(BIB)
    claim_map = changed_map(bib, claims, diff, statuses=["unsourced"])
    assert markdown_summary(claim_map, ReportOptions(cache=False), diff) == """\
## Claim map

1 claim changed since `v1.0` (1 changed).

**100.0%** of the changed claims backed by a source (0 of 0); **100.0%** verified (0).

| broken | unsourced | contested | supported | partial |
|---:|---:|---:|---:|---:|
| 0 | 0 | 0 | 0 | 0 |

No changed claim matches the filters.
""" + FOOT


def test_a_long_title_and_a_long_text_are_cut_at_a_word():
    def words(n: int) -> str:
        return " ".join(f"w{i:03d}" for i in range(n))  # n words of 4 characters: 5n - 1 characters

    # "xx" + 40 words is 201 characters: the title keeps 39 words (200 is the width), the text 31 (160)
    out = summary_of("  - id: long\n    text: xx" + words(60) + "\n", title="xx" + words(60))
    assert out.startswith("## xx" + words(39) + "…\n\n")
    assert ("| `long` | ⚠️ unsourced | xx" + words(31) + "… | none |\n") in out
    # "x" + 40 words is exactly 200 characters: whole words up to the width stay
    out = summary_of("  - id: long\n    text: x" + words(60) + "\n", title="x" + words(60))
    assert out.startswith("## x" + words(40) + "…\n\n")
    assert ("| `long` | ⚠️ unsourced | x" + words(32) + "… | none |\n") in out


# -- the pull-request summary and the change sections, cell by cell ----------------------------

def test_summary_rows_marks_icons_and_escapes():
    from bibkit.claims.claimmap import analyse
    from bibkit.claims.decisions import fingerprint
    from bibkit.model import Claim, Link
    from bibkit.reports.base import ReportOptions
    from bibkit.reports.summary import markdown_summary

    bib = bib_of(BIB)
    stale = Link("smil1999", verified=True, fingerprint=fingerprint("Old.", "smil1999", None, None, None))
    claims = [
        Claim("r", "Retracted only.", links=[Link("smil1999")]),
        Claim("b", "A" + " " * 170 + "b", links=[Link("a*b")]),
        Claim("many", "Nine links.", links=[Link("peng1987", "mentions")] + [Link("peng1987")] * 7
              + [Link("peng1987", "contradicts", review="rejected")]),
        Claim("st", "New.", links=[stale, Link("peng1987", "contradicts")]),
    ]
    cmap = analyse(bib, claims, source_flags={"smil1999": "retracted"})
    text = markdown_summary(cmap, ReportOptions(title="*T*"))
    lines = text.splitlines()
    assert lines[0] == r"## \*T\*"
    rows = {line.split(" | ")[0]: line for line in lines if line.startswith("| `")}
    assert set(rows) == {"| `r`", "| `b`", "| `st`"}  # broken, retracted and contested need a look; not supported
    assert rows["| `r`"].startswith("| `r` | ⛔ retracted | Retracted only. | ")
    assert rows["| `b`"] == r"| `b` | ❌ broken | A b | **a\*b** (not in the bibliography) |"
    assert " ⚠ stale (claim text changed)" in rows["| `st`"] and "contradicts: " in rows["| `st`"]
    many = analyse(bib, claims[2:3])
    diff = ClaimDiff("main", [ClaimChange("many", "changed", "partial")])
    summary = markdown_summary(many, ReportOptions(), diff)
    (row,) = [line for line in summary.splitlines() if line.startswith("| `many`")]
    cell = row.split(" | ")[2]
    assert cell == "✅ supported (was partial)"
    assert row.count("mentions: ") == 1 and row.endswith("; and 1 more |")
    partial = analyse(bib, [Claim("p", "P.", links=[Link("peng1987", "qualifies")])])
    summary = markdown_summary(partial, ReportOptions(), ClaimDiff("main", [ClaimChange("p", "changed", "partial")]))
    assert "| `p` | changed | ◐ partial | P. | " in summary
    rejected = analyse(bib, [Claim("x", "X.", links=[Link("peng1987", review="rejected"), Link("smil1999")])])
    summary = markdown_summary(rejected, ReportOptions(), ClaimDiff("main", [ClaimChange("x", "changed", "supported")]))
    assert " ✗ rejected" in summary and "(was" not in summary


def test_change_sections_say_was_only_when_the_status_changed():
    from bibkit.claims.claimmap import analyse
    from bibkit.model import Claim, Link
    from bibkit.reports.summary import changes_markdown, changes_text

    cmap = analyse(bib_of(BIB), [Claim("a", "A.", links=[Link("smil1999")]), Claim("b", "B.")])
    diff = ClaimDiff("main", [ClaimChange("a", "changed", "supported"), ClaimChange("b", "status", "supported")],
                     ["gone"])
    assert changes_text(cmap, diff) == (
        "\nCHANGED SINCE main  2 claims (0 added, 1 changed, 1 status only), 1 removed\n"
        "  changed  supported  a\n"
        "  status   unsourced  b (was supported)\n"
        "  removed             gone\n")
    assert changes_markdown(cmap, diff) == (
        "\n### Changed since `main` (2)\n\n| Claim | Change | Status |\n|---|---|---|\n"
        "| `a` | changed | ✅ supported |\n| `b` | status | ⚠️ unsourced (was supported) |\n\nRemoved: `gone`\n")


def test_change_kinds_and_where_a_link_is_written_is_no_change():
    from bibkit.model import Claim, Link
    from bibkit.review.diff import CHANGE_KINDS

    assert CHANGE_KINDS == ("added", "changed", "status")
    before = [Claim("x", "X.", links=[Link("smil1999", origin="bib")])]
    after = [Claim("x", "X.", links=[Link("smil1999", origin="claims")])]
    assert diff_claims("main", before, bib_of(BIB), after, bib_of(BIB)).changes == []


def test_summary_marks_a_stale_rejection_as_stale_not_rejected():
    from bibkit.claims.claimmap import analyse
    from bibkit.model import Claim, Link
    from bibkit.reports.base import ReportOptions
    from bibkit.reports.summary import markdown_summary

    old = hand_fingerprint("Old text.", "smil1999")  # rejected when the claim read "Old text."
    rejected = Link("smil1999", review="rejected", reason="wrong page", fingerprint=old)
    claims = [Claim("sr", "New text.", links=[rejected, Link("peng1987", "contradicts")])]
    text = markdown_summary(analyse(bib_of(BIB), claims), ReportOptions())
    (row,) = [line for line in text.splitlines() if line.startswith("| `sr`")]
    assert "Smil (1999) ⚠ stale (claim text changed)" in row, row
    assert "✗ rejected" not in row


def test_a_summary_with_nothing_to_look_at_says_so_in_one_line():
    from bibkit.claims.claimmap import analyse
    from bibkit.model import Claim, Link
    from bibkit.reports.base import ReportOptions
    from bibkit.reports.summary import markdown_summary

    claims = [Claim("ok", "A sourced claim.", links=[Link("smil1999")])]
    lines = markdown_summary(analyse(bib_of(BIB), claims), ReportOptions()).splitlines()
    assert "Every claim has a source, and none is contested." in lines
    assert "### Claims that need a look" not in lines


def test_a_base_that_names_a_file_or_tree_is_not_a_commit(tmp_path):
    import subprocess as sp

    from bibkit.infra.errors import BibkitError
    from bibkit.review.diff import resolve_base

    sp.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "claims.yaml").write_text("version: 1\nclaims: []\n", encoding="utf-8")
    sp.run(["git", "-C", str(tmp_path), "add", "."], check=True)
    sp.run(["git", "-C", str(tmp_path), "-c", "user.name=T", "-c", "user.email=t@x", "commit", "-qm", "c"], check=True)
    for ref in ("HEAD:claims.yaml", "HEAD^{tree}"):  # git rev-parse --verify accepts both; neither is a commit
        with pytest.raises(BibkitError, match="not a commit in this repository"):
            resolve_base(ref, str(tmp_path))


# -- stop 34's mutation run: how the base revision is read (diff.py's git side) ---------------------

def tree_files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if ".git" not in p.relative_to(root).parts}


def test_files_in_subfolders_and_a_bibliography_new_since_the_base(repo, runner):
    """The claims file and the bibliography live in subfolders (read at the base as `main:bib/x.bib`), and the
    pull request adds a second bibliography listed first: the base still has the other one, so nothing but the
    edited claim changes, and no copy of the base's files is left in the project."""
    (repo / "bib").mkdir()
    (repo / "data").mkdir()
    git(repo, "mv", "references.bib", "bib/references.bib")
    git(repo, "mv", "claims.yaml", "data/claims.yaml")
    (repo / "bibkit.toml").write_text('bib = "bib/references.bib"\nclaims = "data/claims.yaml"\n', encoding="utf-8")
    git(repo, "commit", "-qam", "files in folders")
    git(repo, "branch", "-f", "main")  # the base has the folders
    (repo / "bib" / "extra.bib").write_text("@book{extra2020, author = {X, Y}, title = {Extra}, publisher = {P}, "
                                            "year = {2020}}\n", encoding="utf-8")
    (repo / "bibkit.toml").write_text('bib = ["bib/extra.bib", "bib/references.bib"]\nclaims = "data/claims.yaml"\n',
                                      encoding="utf-8")
    before = tree_files(repo)
    code, doc = diff_json(runner)
    assert doc["diff"] == {"base": "main", "changes": [], "removed": []}
    edit(repo / "data" / "claims.yaml", "Births fell sharply.", "Births fell steeply.")
    code, doc = diff_json(runner)
    assert doc["diff"]["changes"] == [{"id": "births", "change": "changed", "was": "supported"}]
    assert tree_files(repo) == before


def test_a_claims_file_that_was_a_folder_at_the_base_is_a_one_line_error(tmp_path, monkeypatch, runner):
    """`git cat-file -e` finds a tree there, `git cat-file blob` refuses it: bibkit says so with git's own last line."""
    root = tmp_path / "p"
    (root / "claims.yaml").mkdir(parents=True)
    (root / "claims.yaml" / "README").write_text("claims go here\n", encoding="utf-8")
    (root / "references.bib").write_text(BIB, encoding="utf-8")
    (root / "bibkit.toml").write_text("", encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    git(root, "rm", "-rq", "claims.yaml")
    (root / "claims.yaml").write_text(CLAIMS, encoding="utf-8")
    monkeypatch.chdir(root)
    said = subprocess.run(["git", "cat-file", "blob", "main:claims.yaml"], cwd=root, capture_output=True, text=True)
    assert said.returncode != 0 and said.stderr.strip()
    result = runner.invoke(cli, ["claim-map", "--diff", "main"])
    assert result.exit_code == 2
    assert result.stderr == (f"bibkit: error: --diff main: cannot read claims.yaml at main: "
                             f"{said.stderr.strip().splitlines()[-1]}\n")


def test_a_base_revision_that_was_not_utf8_is_read_with_replacement_characters(repo, runner):
    """The pull request fixes a Latin-1 claims file and manuscript: the base is read with U+FFFD for the bad
    byte (no traceback), so the claim whose text held it is changed and the manuscript's sentence is new."""
    (repo / "claims.yaml").write_bytes(CLAIMS.replace("Births fell sharply.", "Births fell sharply in Anhu\xed.")
                                       .encode("latin-1"))
    (repo / "article.md").write_bytes("# Famine\n\nGrain output in Anhu\xed fell by 15 percent in 1959.\n"
                                      .encode("latin-1"))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "latin-1 files")
    git(repo, "branch", "-f", "main")
    (repo / "claims.yaml").write_text(CLAIMS.replace("Births fell sharply.", "Births fell sharply in Anhu\xed."),
                                      encoding="utf-8")
    (repo / "article.md").write_text("# Famine\n\nGrain output in Anhu\xed fell by 15 percent in 1959.\n",
                                     encoding="utf-8")
    code, doc = diff_json(runner, "--manuscript", "article.md")
    assert [(c["change"], c["was"]) for c in doc["diff"]["changes"]] == [("changed", "supported"), ("added", None)]
    assert doc["diff"]["changes"][0]["id"] == "births"
    assert [c["text"] for c in doc["claims"]] == ["Births fell sharply in Anhu\xed.",
                                                 "Grain output in Anhu\xed fell by 15 percent in 1959."]


def test_without_git_the_diff_is_a_one_line_error(repo, runner, monkeypatch, tmp_path):
    empty = tmp_path / "no-git-here"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    result = runner.invoke(cli, ["claim-map", "--diff", "main"])
    assert result.exit_code == 2
    assert result.stderr == "bibkit: error: --diff needs git, and no git command was found\n"


def test_the_base_is_found_from_the_working_folder_by_default(repo, monkeypatch):
    from bibkit.review.diff import read_at, resolve_base

    (repo / "sub").mkdir()
    monkeypatch.chdir(repo / "sub")
    edit(repo / "claims.yaml", "Births fell sharply.", "Births fell steeply.")  # the working tree differs
    top = resolve_base("main")
    assert top == os.path.realpath(repo)
    assert read_at("main", str(repo / "claims.yaml"), top) == CLAIMS.encode("utf-8")
    assert read_at("main", "../claims.yaml", top) == CLAIMS.encode("utf-8")
    assert read_at("main", "../nothing.yaml", top) is None


def test_the_changed_claims_map_carries_the_lookups_notices():
    from bibkit.review.diff import changed_map

    claims = claims_of("  - id: c\n    text: Grain output fell.\n    sources: [smil1999]\n"
                       "  - id: d\n    text: Births fell.\n    sources: [peng1987]\n")
    notice = ("retraction", "2021-03-04", "10.1000/notice.1")
    diff = ClaimDiff("main", [ClaimChange("c", "changed", "supported")])
    part = changed_map(bib_of(BIB), claims, diff, source_notices={"smil1999": [notice]})
    assert [(r.id, [lr.notices for lr in r.links]) for r in part.claims] == [("c", [(notice,)])]
    assert (part.total_claims, part.orphans, part.filters["changed since"]) == (2, [], ["main"])


def test_two_links_to_one_key_with_and_without_a_locator_compare_in_any_order():
    """Links are compared as a sorted set; two links to the same key, one without a locator (None) and one with,
    must still sort (None and a string never compare in Python) and match in either order."""
    one = "  - id: c\n    text: C.\n    sources:\n      - key: smil1999\n      - key: smil1999\n        locator: p. 2\n"
    other = "  - id: c\n    text: C.\n    sources:\n      - key: smil1999\n        locator: p. 2\n      - key: smil1999\n"
    assert diff_claims("main", claims_of(one), bib_of(BIB), claims_of(other), bib_of(BIB)).changes == []
    third = other.replace("p. 2", "p. 3")
    assert diff_claims("main", claims_of(one), bib_of(BIB), claims_of(third), bib_of(BIB)).changes == [
        ClaimChange("c", "changed", "supported")]


@pytest.mark.skipif(os.name != "posix", reason="a folder name that is not UTF-8 needs a POSIX file system")
def test_a_repository_in_a_folder_whose_name_is_not_utf8(tmp_path, monkeypatch, runner):
    """git prints the top folder's bytes as they are; read back with surrogateescape they name the same folder."""
    root = Path(os.fsdecode(os.fsencode(str(tmp_path)) + b"/Anhu\xed"))
    root.mkdir()
    commit_base(root)
    monkeypatch.chdir(root)
    edit(root / "claims.yaml", "Births fell sharply.", "Births fell steeply.")
    code, doc = diff_json(runner)
    assert doc["diff"]["changes"] == [{"id": "births", "change": "changed", "was": "supported"}]


def test_a_broken_base_revision_is_read_quietly(repo, runner):
    """At the base the claims file was invalid YAML and the bibliography had an unclosed entry and a ``claims``
    field naming no claim: its problems are not this run's to report, and its claims count as none, so every
    claim is added."""
    (repo / "claims.yaml").write_text(CLAIMS + "  - id: [broken\n", encoding="utf-8")
    (repo / "references.bib").write_text(BIB.replace("year = {1987}}", "year = {1987}, claims = {no-such-claim}}")
                                         + "@book{open2000, title = {Never closed},\n", encoding="utf-8")
    git(repo, "commit", "-qam", "broken files")
    git(repo, "branch", "-f", "main")
    (repo / "claims.yaml").write_text(CLAIMS, encoding="utf-8")
    (repo / "references.bib").write_text(BIB, encoding="utf-8")
    result = runner.invoke(cli, ["claim-map", "--diff", "main", "--format", "json"])
    assert result.exit_code == 0 and result.stderr == ""
    assert json.loads(result.stdout)["diff"]["changes"] == [
        {"id": "toll", "change": "added", "was": None}, {"id": "old-unsourced", "change": "added", "was": None},
        {"id": "births", "change": "added", "was": None}]


def test_the_base_is_read_in_the_repository_given_whatever_the_working_folder(repo, monkeypatch, tmp_path):
    """Every git command runs in the folder it is given (the repository's), not in the process's working folder,
    here a folder outside any repository."""
    from bibkit.review.diff import load_base, read_at, resolve_base

    edit(repo / "claims.yaml", "Births fell sharply.", "Births fell steeply.")
    edit(repo / "references.bib", "{Peng, Xizhe}", "{Peng, X.}")
    outside = tmp_path / "outside"
    outside.mkdir()
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    monkeypatch.chdir(outside)
    assert resolve_base("main", str(repo)) == os.path.realpath(repo)
    assert read_at("main", str(repo / "claims.yaml"), str(repo)) == CLAIMS.encode("utf-8")
    bibliography, claims = load_base("main", [str(repo / "references.bib")], str(repo / "claims.yaml"), [],
                                     cwd=str(repo))
    assert [c.text for c in claims] == ["About 30 million excess deaths.", "A claim nobody has sourced yet.",
                                        "Births fell sharply."]
    assert bibliography.entries["peng1987"].values["author"] == "Peng, Xizhe"


def test_an_unchanged_manuscript_adds_no_claim(repo, runner):
    """Claims read from a manuscript at the base are the same claims as now when the text is the same."""
    (repo / "article.md").write_text("# Famine\n\nGrain output fell by 15 percent in 1959.\n\n"
                                     "Excess deaths reached 30 million [@smil1999, p. 1619].\n", encoding="utf-8")
    git(repo, "add", "article.md")
    git(repo, "commit", "-qm", "article")
    git(repo, "branch", "-f", "main")
    edit(repo / "claims.yaml", "Births fell sharply.", "Births fell steeply.")
    code, doc = diff_json(runner, "--manuscript", "article.md")
    assert doc["diff"]["changes"] == [{"id": "births", "change": "changed", "was": "supported"}]


def test_the_changed_claims_map_applies_tag_and_source_filters():
    from bibkit.review.diff import changed_map

    claims = claims_of("  - id: c\n    text: Grain.\n    tags: [grain]\n    sources: [smil1999]\n"
                       "  - id: d\n    text: Births.\n    sources: [peng1987]\n")
    diff = ClaimDiff("main", [ClaimChange("c", "changed", "supported"), ClaimChange("d", "added")])
    assert [r.id for r in changed_map(bib_of(BIB), claims, diff).claims] == ["c", "d"]
    assert [r.id for r in changed_map(bib_of(BIB), claims, diff, tags=["grain"]).claims] == ["c"]
    assert [r.id for r in changed_map(bib_of(BIB), claims, diff, sources=["peng1987"]).claims] == ["d"]


# --- Stop 35: survivors left at stop 34 ---


def test_gits_refusal_naming_a_file_whose_name_is_not_utf8_is_read_with_a_replacement_character(
        tmp_path, monkeypatch, runner):
    """The claims file is ``Anhu\\xed.yaml`` (Latin-1 bytes), a folder at the base: git's last line names it with
    the raw byte, and bibkit repeats that line with U+FFFD for the byte: a one-line error, no traceback."""
    name = os.fsdecode(b"Anhu\xed.yaml")
    root = tmp_path / "p"
    (root / name).mkdir(parents=True)
    (root / name / "README").write_text("claims go here\n", encoding="utf-8")
    (root / "references.bib").write_text(BIB, encoding="utf-8")
    (root / "bibkit.toml").write_text("", encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    git(root, "rm", "-rq", name)
    (root / name).write_text(CLAIMS, encoding="utf-8")
    monkeypatch.chdir(root)
    said = subprocess.run(["git", "cat-file", "blob", os.fsencode("main:" + name)], cwd=root, capture_output=True)
    assert said.returncode != 0 and said.stderr.endswith(b"main:Anhu\xed.yaml: bad file\n")
    result = runner.invoke(cli, ["claim-map", "--claims", name, "--diff", "main"])
    assert result.exit_code == 2
    assert result.stderr.endswith(": fatal: git cat-file main:Anhu\ufffd.yaml: bad file\n")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


@pytest.mark.parametrize("name, text", [
    # Markdown: an author-in-text citation reads "Smil (1999)" in the claim's text, through the bibliography
    ("article.md", "# Famine\n\n@smil1999 [p. 1619] counts 30 million excess deaths.\n"),
    # LaTeX: read as LaTeX at the base too (as Markdown, \textcite would be no citation at all)
    ("article.tex", "\\section{Famine}\n\n\\textcite[p.~1619]{smil1999} counts 30 million excess deaths.\n"),
])
def test_an_unchanged_manuscript_with_an_author_in_text_citation_adds_no_claim(repo, runner, name, text):
    """The base's manuscript is read as its own kind and with the base's bibliography: unchanged, its claim
    (text "Smil (1999) counts 30 million excess deaths.") is the same as now, so only the edited claim shows."""
    (repo / name).write_text(text, encoding="utf-8")
    git(repo, "add", name)
    git(repo, "commit", "-qm", "article")
    git(repo, "branch", "-f", "main")
    edit(repo / "claims.yaml", "Births fell sharply.", "Births fell steeply.")
    result = runner.invoke(cli, ["claim-map", "--manuscript", name, "--format", "json"])
    texts = [c["text"] for c in json.loads(result.stdout)["claims"] if c["id"] not in ("toll", "old-unsourced", "births")]
    assert texts == ["Smil (1999) counts 30 million excess deaths."]
    code, doc = diff_json(runner, "--manuscript", name)
    assert doc["diff"]["changes"] == [{"id": "births", "change": "changed", "was": "supported"}]


def test_a_git_that_never_answers_is_a_one_line_error(repo, runner, monkeypatch):
    """A git that hangs (a lock, a credential prompt on a network file system) ends in git's timeout: the diff
    is a one-line error naming it, exit 2, not a traceback. The timeout expires at once here, not after 120 s;
    without a timeout the call would never return, which fails the test."""
    from bibkit.review import diff as mod

    def run(cmd, *args, **kwargs):
        assert cmd[0] == "git"
        assert kwargs.get("timeout") is not None, f"{cmd} would wait for ever on a git that hangs"
        raise subprocess.TimeoutExpired(cmd, kwargs["timeout"])

    monkeypatch.setattr(mod.subprocess, "run", run)
    result = runner.invoke(cli, ["claim-map", "--diff", "main"])
    assert result.exit_code == 2
    assert result.stderr == "bibkit: error: --diff: git rev-parse did not answer within 120 seconds\n"
