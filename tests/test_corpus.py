"""Every file of the real-world corpus (../shared/corpus/bibtex-tidy): no exception, ``check`` exits 0 or 1,
and bibkit keeps at least the entries bibtexparser v2 recovers, or says where and why it could not."""

from __future__ import annotations

from pathlib import Path

import pytest

from bibkit.bibtex import load_bibliography
from bibkit.cli import cli
from bibkit.diagnostics import Diagnostics

from conftest import CORPUS, corpus_files

bibtexparser = pytest.importorskip("bibtexparser", minversion="2")

FILES = corpus_files()


def _id(path: Path) -> str:
    return str(path.relative_to(CORPUS))


def bibtexparser_entries(path: Path) -> list:
    """The entries bibtexparser v2 recovers from the file (decoded as bibkit decodes it)."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    return bibtexparser.parse_string(text).entries


def test_corpus_is_there_or_skipped(corpus: list[Path]) -> None:
    assert len(corpus) > 100


@pytest.mark.parametrize("path", FILES, ids=[_id(p) for p in FILES])
def test_corpus_file(path: Path, runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    diags = Diagnostics()
    bib = load_bibliography([str(path)], diags)
    ours = list(bib.all_entries())
    for d in diags:
        assert d.line >= 1, str(d)
    keys = {e.key for e in ours}
    theirs = bibtexparser_entries(path)
    missing = [e for e in theirs if e.key not in keys]
    for entry in missing:
        first = entry.start_line + 1  # bibtexparser counts lines from 0
        last = first + entry.raw.count("\n")
        near = [d for d in diags if first - 1 <= d.line <= last + 1]
        assert near, f"{_id(path)}: entry {entry.key} (line {first}) read by bibtexparser is missing, with nothing said there"
    assert len(ours) >= len(theirs) - len(missing)

    monkeypatch.chdir(tmp_path)  # no claims.yaml or config around
    result = runner.invoke(cli, ["check", "--no-cache", "--bib", str(path), "--format", "json"])
    assert result.exit_code in (0, 1), result.output + str(result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit)
