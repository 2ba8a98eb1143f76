"""Every file of the real-world corpus (../shared/corpus/bibtex-tidy) read by bibkit and by bibtexparser v2,
compared entry by entry: keys, types, field names as written and exact raw values (see tests/bibtex_oracle.py).

Command for the numbers in the README: ``python -m pytest -q tests/test_corpus.py -k totals -s``.
"""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path

import pytest

from bibkit.bib.bibtex import load_bibliography
from bibkit.cli import cli
from bibkit.infra.diagnostics import Diagnostics

from conftest import CORPUS, corpus_files

pytest.importorskip("bibtexparser", minversion="2")

from bibtex_oracle import compare  # noqa: E402  (needs bibtexparser)

FILES = corpus_files()

#: Where bibkit and bibtexparser legitimately read a corpus file differently (reasons in bibtex_oracle.py).
KNOWN_DIFFERENCES: dict[str, dict[str, int]] = {
    # title = {\textbackslash\textbackslash\{\}: \\{}}: bibtexparser skips the escaped braces.
    "better-bibtex/Better_BibTeX.014.bib": {"escaped-delimiter": 1},
    # braced = {\\\\"\\\%\\}: bibtexparser does not count the '}' after a backslash and reads on.
    "php-bibtex-parser/tag-contents-slashes.bib": {"escaped-delimiter": 1},
    # author = "Simon {"}the {saint"} Templar": bibtexparser ends the value at {saint"}.
    "others/2.bib": {"quote-in-braces": 1},
    # @Book{steward03 and @Article{py03a inside @Comment{...}: comments for bibkit and biber (B020).
    "others/example1.bib": {"comment-block": 2},
}


def _id(path: Path) -> str:
    return str(path.relative_to(CORPUS))


def decoded(path: Path) -> str:
    """The file's text (UTF-8, else CP1252): both readers get the same string."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


@pytest.fixture(autouse=True)
def _quiet_bibtexparser():
    """bibtexparser logs every block it cannot read; the comparison reports what matters."""
    logging.disable(logging.WARNING)
    yield
    logging.disable(logging.NOTSET)


def test_corpus_is_there_or_skipped(corpus: list[Path]) -> None:
    assert len(corpus) > 100
    assert set(KNOWN_DIFFERENCES) <= {_id(p) for p in corpus}


@pytest.mark.parametrize("path", FILES, ids=[_id(p) for p in FILES])
def test_corpus_file_reads_as_bibtexparser_reads_it(path: Path) -> None:
    result = compare(decoded(path), _id(path))
    assert result.failures == []
    assert dict(result.differences) == KNOWN_DIFFERENCES.get(_id(path), {})


@pytest.mark.parametrize("path", FILES, ids=[_id(p) for p in FILES])
def test_corpus_file_check_runs(path: Path, runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    diags = Diagnostics()
    load_bibliography([str(path)], diags)
    for d in diags:
        assert d.line >= 1, str(d)
    monkeypatch.chdir(tmp_path)  # no claims.yaml or config around
    result = runner.invoke(cli, ["check", "--no-cache", "--bib", str(path), "--format", "json"])
    assert result.exit_code in (0, 1), result.output + str(result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_corpus_totals(corpus: list[Path]) -> None:
    """The whole corpus at once: the numbers the README quotes."""
    entries = fields = 0
    differences: Counter = Counter()
    for path in corpus:
        result = compare(decoded(path), _id(path))
        entries += result.entries
        fields += result.fields
        differences.update(result.differences)
        assert result.failures == []
    print(f"\n{len(corpus)} files, {entries} entries, {fields} fields compared; "
          f"listed differences: {dict(differences)}")
    assert entries > 10000 and fields > 100000
    assert sum(differences.values()) == sum(sum(d.values()) for d in KNOWN_DIFFERENCES.values())
