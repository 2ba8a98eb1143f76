"""CSL-JSON / CSL-YAML export compared field by field with pandoc ``-f bibtex -t csljson``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from bibkit.bib.bibtex import load_bibliography
from bibkit.bib.latex import compose_json
from bibkit.infra.diagnostics import Diagnostics
from bibkit.infra.errors import BibkitError
from bibkit.interchange.export import export_entries

pypandoc = pytest.importorskip("pypandoc")
from bounded_pandoc import run_bounded_pandoc  # noqa: E402  (needs pypandoc)

# Entries with BibLaTeX-only fields are left out: "-f bibtex" is the wrong reader for them.
BIBLATEX_ONLY = {"date", "journaltitle", "location", "institution"}

# Measured (pytest -m slow -s): 113 files, 601 entries, 3112 fields, 11 differ (99.6% identical). The
# sample stops after 600 entries, so the files it reaches move when a file is accepted or refused.
CORPUS_NUMBERS = (113, 601, 3112, 11)
# bibkit refuses to export this file as a whole, with a one-line error naming the entry pandoc's
# biblatex reader cannot take: a key with a byte pandoc does not accept (encoding1: "test¦"). @xdata
# files (full-dot, related, tool, xdata) were refused too until xdata parents were exported as context.
# Listed so that a new refusal (or a fix) shows here; it used to be hidden by `except Exception: continue`.
REFUSED_BY_BIBKIT = ["encoding1.bib"]
# The differences are pandoc's "-f bibtex" reader, not ours (bibkit.formatting.csl reads with "-f biblatex"):
# - a quoted value with inner quotes ("Sample "quote" title") keeps a stray '"' at the end;
# - an undefined macro (journal = ieee_j_proc) becomes the text "Ieee_j_proc" where BibTeX
#   reads an empty string;
# - crossref inheritance: "-f bibtex" does not inherit location/booktitle/bookauthor from the
#   parent entry (westfahl:space, inbook-crossref) and expands the parent's title differently;
# - ``ids`` aliases are written as "other-ids" only by the bibtex reader.


def pandoc_csl(path: Path) -> dict[str, dict] | None:
    """pandoc's CSL-JSON for a .bib file, by id; None when pandoc refuses the file (it stops at its first error)
    or never ends on it (:mod:`bounded_pandoc`)."""
    proc = run_bounded_pandoc(["-f", "bibtex", "-t", "csljson", str(path)], capture_output=True, text=True)
    if proc is None or proc.returncode != 0:
        return None
    return {item["id"]: item for item in json.loads(proc.stdout)}


def compare(ours: list[dict], theirs: dict[str, dict]) -> tuple[int, list[str]]:
    """Number of fields compared and the differing ones."""
    total, diffs = 0, []
    for item in ours:
        ref = theirs.get(item["id"])
        if ref is None:
            continue
        ref = compose_json(ref)  # bibkit composes "Krejčı́" (dotless i + accent) to "Krejčí" on purpose
        for name in set(item) | set(ref):
            total += 1
            if item.get(name) != ref.get(name):
                diffs.append(f"{item['id']}.{name}: {item.get(name)!r} != {ref.get(name)!r}")
    return total, diffs


def test_seed_matches_pandoc_field_by_field(root):
    bib = load_bibliography([str(root / "references.bib")], Diagnostics())
    ours = json.loads(export_entries(list(bib), "csl-json", bib))
    total, diffs = compare(ours, pandoc_csl(root / "references.bib"))
    assert total == 100  # the README: "the seed's 100 fields all identical"
    assert diffs == []


def test_csl_yaml_is_the_same_data(root):
    bib = load_bibliography([str(root / "references.bib")], Diagnostics())
    as_json = json.loads(export_entries(list(bib), "csl-json", bib))
    text = export_entries(list(bib), "csl-yaml", bib)
    assert text.startswith("---\nreferences:\n") and text.endswith("...\n")
    assert yaml.safe_load(text.split("...\n")[0])["references"] == as_json


@pytest.mark.slow
def test_corpus_matches_pandoc(corpus, tmp_path):
    """Every readable corpus file up to ~600 entries: bibkit must export each one (no exception is excused);
    files pandoc's bibtex reader refuses are counted, not compared."""
    total, diffs, files, entries_seen, refused = 0, [], 0, 0, []
    refused_by_bibkit: dict[str, str] = {}
    for path in corpus:
        if path.stat().st_size > 100_000 or entries_seen > 600:  # a few hundred entries is the brief
            continue
        bib = load_bibliography([str(path)], Diagnostics())
        entries = [e for e in bib if not e.broken and not (BIBLATEX_ONLY & set(e.values))]
        try:
            ours = json.loads(export_entries(entries, "csl-json", bib)) if entries else []
        except BibkitError as exc:  # a one-line user error is allowed, but only for the files listed below
            refused_by_bibkit[path.name] = str(exc)
            continue
        entries_seen += len(entries)
        theirs = pandoc_csl(path)
        if theirs is None:
            refused.append(path.name)
            continue
        t, d = compare(ours, theirs)
        total, diffs, files = total + t, diffs + d, files + 1
    print(f"{files} files, {entries_seen} entries, {total} fields, {len(diffs)} differ; pandoc refused {refused}; "
          f"bibkit refused {refused_by_bibkit}")
    for d in diffs:
        print("  ", d[:300])
    # The README's numbers, exactly: a change in either direction must be looked at and the README updated.
    assert (files, entries_seen, total, len(diffs)) == CORPUS_NUMBERS, diffs
    assert sorted(refused_by_bibkit) == REFUSED_BY_BIBKIT, refused_by_bibkit
