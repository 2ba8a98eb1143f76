"""Crossref and @set: cycles never hang and are reported (B021); subsets keep what they inherit.

The reference for inheritance is pandoc's own reader on the whole file (``-f biblatex`` / ``-f bibtex``
``-t csljson``, which resolve crossrefs) and bibtexparser v2 for reading our BibTeX output back.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import bibtexparser
import pytest

from bibkit.bib.bibtex import parse_text
from bibkit.bib.crossref import Crossrefs, inherit
from bibkit.cli import cli
from bibkit.formatting import load_style
from bibkit.infra.diagnostics import Diagnostics
from bibkit.model import Bibliography

pypandoc = pytest.importorskip("pypandoc")

BIB = r"""@inbook{chap, author = {Ann Author}, title = {A Chapter}, crossref = {book}, pages = {3--9}}
@incollection{westfahl, author = {Gary Westfahl}, title = {Space Opera}, crossref = {james2003}, pages = {197--208}}
@book{book, author = {Bea Bookwriter}, title = {The Whole Book}, subtitle = {Its Subtitle}, crossref = {mv},
  publisher = {Pub}, year = {2001}, location = {Paris}}
@mvbook{mv, title = {Collected Works}, volumes = {3}}
@book{james2003, editor = {Edward James and Farah Mendlesohn}, title = {The {Cambridge} Companion to Science Fiction},
  publisher = {Cambridge University Press}, year = {2003}, address = {Cambridge}}
@article{art, author = {Dee Writer}, title = {A Paper}, crossref = {per}, pages = {1--2}}
@periodical{per, title = {Journal of Things}, year = {2005}, volume = {7}}
"""

CYCLES = r"""@misc{selfref, title = {Self}, crossref = {selfref}, year = {2000}}
@misc{a, title = {A}, crossref = {b}}
@misc{b, title = {B}, year = {2001},
  crossref = {a}}
@misc{fine, title = {Fine}, year = {1999}}
"""


def pandoc_items(path: Path, reader: str) -> dict[str, dict]:
    out = subprocess.run([pypandoc.get_pandoc_path(), "-f", reader, "-t", "csljson", str(path)],
                         capture_output=True, text=True, check=True, timeout=60)
    return {item["id"]: item for item in json.loads(out.stdout)}


def bibkit(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """The real CLI in a subprocess, so a hang is a failed test and not a stuck run."""
    env = dict(os.environ, BIBKIT_NO_CACHE="1")
    return subprocess.run([sys.executable, "-m", "bibkit", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=90, env=env)


@pytest.fixture
def cyclic(tmp_path: Path) -> Path:
    (tmp_path / "references.bib").write_text(CYCLES, encoding="utf-8")
    (tmp_path / "claims.yaml").write_text(
        "version: 1\nclaims:\n  - {id: c, text: T., sources: [a, selfref, fine]}\n", encoding="utf-8")
    return tmp_path


def test_check_reports_each_cycle_at_the_ignored_crossref(runner, project):
    project(bib=CYCLES)
    result = runner.invoke(cli, ["check", "--select", "B021"])
    assert result.stdout.splitlines() == [
        "references.bib:1:32: warning B021 selfref: crossref cycle selfref -> selfref; the crossref of selfref is ignored",
        "references.bib:4:3: warning B021 b: crossref cycle b -> a -> b; the crossref of b is ignored",
        "4 entries, 0 claims: 0 errors, 2 warnings, 0 info",
    ]
    assert result.exit_code == 0
    assert runner.invoke(cli, ["check", "--fail-on", "warning"]).exit_code == 1


@pytest.mark.parametrize("args", [
    ["export", "--to", "csl-json"], ["export", "--to", "csl-yaml"], ["export", "--to", "ris"],
    ["export", "--to", "bibtex", "--cited-only"], ["reading-list"], ["reading-list", "--cited-only"],
    ["reading-list", "--style", "plain"], ["claim-map", "--style", "apa"],
])
def test_cycles_never_hang_and_every_command_warns(cyclic, args):
    result = bibkit(*args, cwd=cyclic)
    assert result.returncode == 0, result.stderr
    assert "warning B021 b: crossref cycle b -> a -> b" in result.stderr or args[0] == "claim-map"
    if args[:3] == ["export", "--to", "csl-json"]:
        items = {i["id"]: i for i in json.loads(result.stdout)}
        assert set(items) == {"selfref", "a", "b", "fine"}
        assert items["a"]["issued"] == {"date-parts": [[2001]]}  # a still inherits from b; b's link is the one cut


def test_a_cited_subset_inherits_like_pandoc_reading_the_whole_file(tmp_path, runner, project):
    root = project(bib=BIB)
    whole_biblatex = pandoc_items(root / "references.bib", "biblatex")
    whole_bibtex = pandoc_items(root / "references.bib", "bibtex")
    for key in ("chap", "art"):
        result = runner.invoke(cli, ["export", "--to", "csl-json", "--keys", key])
        assert result.exit_code == 0, result.stderr
        assert json.loads(result.stdout) == [whole_biblatex[key]]
    # book -> incollection: no renaming rule, the same under both readers
    result = runner.invoke(cli, ["export", "--to", "csl-json", "--keys", "westfahl"])
    (item,) = json.loads(result.stdout)
    assert item["editor"] == whole_bibtex["westfahl"]["editor"] == whole_biblatex["westfahl"]["editor"]
    assert item["issued"] == whole_bibtex["westfahl"]["issued"] == {"date-parts": [[2003]]}
    assert item["publisher"] == "Cambridge University Press"


def test_reading_list_of_a_subset_matches_pandoc_citeproc_on_the_whole_file(project, runner, tmp_path):
    root = project(bib=BIB, claims="version: 1\nclaims:\n  - {id: c, text: T., sources: [westfahl]}\n")
    ours = runner.invoke(cli, ["reading-list", "--cited-only", "--no-annotations"]).stdout
    md = tmp_path / "doc.md"
    md.write_text("---\nnocite: '@westfahl'\n---\n", encoding="utf-8")
    style = load_style("apa").path
    theirs = subprocess.run([pypandoc.get_pandoc_path(), str(md), "--citeproc", "--bibliography",
                             str(root / "references.bib"), "--csl", str(style), "-t", "plain"],
                            capture_output=True, text=True, check=True, timeout=60).stdout
    assert "n.d." not in ours
    assert " ".join(theirs.split()) in " ".join(ours.split())
    assert "Cambridge University Press" in theirs


def test_bibtex_export_of_a_subset_includes_the_parents_after_their_children(project, runner):
    project(bib=BIB)
    result = runner.invoke(cli, ["export", "--to", "bibtex", "--keys", "chap,westfahl"])
    assert result.exit_code == 0, result.stderr
    library = bibtexparser.parse_string(result.stdout)
    keys = [e.key for e in library.entries]
    assert keys == ["chap", "westfahl", "book", "mv", "james2003"]
    for e in library.entries:  # no dangling crossref
        if "crossref" in e.fields_dict:
            target = e.fields_dict["crossref"].value
            assert target in keys and keys.index(target) > keys.index(e.key)
    # bibkit's own check of the output agrees: no B016
    Path("out.bib").write_text(result.stdout, encoding="utf-8")
    check = runner.invoke(cli, ["check", "--bib", "out.bib", "--select", "B016"])
    assert "B016" not in check.stdout


def test_resolve_crossrefs_writes_inherited_fields_into_the_child(project, runner):
    project(bib=BIB)
    result = runner.invoke(cli, ["export", "--to", "biblatex", "--keys", "chap", "--resolve-crossrefs"])
    (entry,) = bibtexparser.parse_string(result.stdout).entries
    fields = {f.key: f.value for f in entry.fields}
    assert "crossref" not in fields
    # biber's rules: book title -> booktitle, book author -> bookauthor, mvbook title -> maintitle
    assert fields["booktitle"] == "The Whole Book" and fields["booksubtitle"] == "Its Subtitle"
    assert fields["bookauthor"] == "Bea Bookwriter" and fields["author"] == "Ann Author"
    assert fields["maintitle"] == "Collected Works" and fields["title"] == "A Chapter"
    assert fields["publisher"] == "Pub" and fields["location"] == "Paris" and fields["date"] == "2001"
    # BibTeX's rule: same names only
    result = runner.invoke(cli, ["export", "--to", "bibtex", "--keys", "chap", "--resolve-crossrefs"])
    (entry,) = bibtexparser.parse_string(result.stdout).entries
    fields = {f.key: f.value for f in entry.fields}
    assert "booktitle" not in fields and fields["title"] == "A Chapter" and fields["year"] == "2001"
    assert fields["address"] == "Paris"


def test_ris_export_of_a_child_carries_the_parents_fields(project, runner):
    project(bib=BIB)
    out = runner.invoke(cli, ["export", "--to", "ris", "--keys", "art,chap"]).stdout
    chap, art = out.strip().split("\n\n")
    assert "T2  - Journal of Things" in art and "PY  - 2005" in art and "VL  - 7" in art
    assert "T2  - The Whole Book" in chap and "PB  - Pub" in chap


def test_inherit_is_case_insensitive_and_keeps_own_fields():
    entries = parse_text("@misc{c, title = {Own}, crossref = {P}}\n@misc{p, title = {Parent}, year = 1}\n",
                         "t.bib", Diagnostics()).entries
    bib = Bibliography(entries={e.key: e for e in entries})
    resolved = inherit(bib.entries["c"], Crossrefs(bib), biblatex=False)
    assert [(f.name, f.value) for f in resolved.fields] == [("title", "Own"), ("year", "1")]


SETS = r"""@set{myset, entryset = {m1,m2}}
@article{m1, author = {M One}, title = {First}, journal = {J}, year = {2010}}
@article{m2, author = {M Two}, title = {Second}, journal = {J}, year = {2011}}
"""


@pytest.mark.parametrize("to", ["csl-json", "bibtex", "ris"])
def test_a_set_exports_as_its_members(project, runner, to):
    project(bib=SETS)
    result = runner.invoke(cli, ["export", "--to", to, "--keys", "myset"])
    assert result.exit_code == 0, result.stderr
    assert "m1" in result.stdout and "m2" in result.stdout and "myset" not in result.stdout
    whole = runner.invoke(cli, ["export", "--to", to]).stdout
    assert "myset" not in whole and whole.count("m1") == result.stdout.count("m1")


def test_a_set_in_a_reading_list_renders_its_members(project, runner):
    project(bib=SETS)
    out = runner.invoke(cli, ["reading-list", "--keys", "myset"]).stdout
    assert "One, M. (2010). First. J." in out and "Two, M. (2011). Second. J." in out
