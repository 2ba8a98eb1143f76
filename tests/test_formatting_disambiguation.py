"""Year suffixes and added names equal pandoc's own run when collisions are everywhere.

Phase two renders collision groups in separate pandoc runs (``PHASE_TWO_BATCH``); the reference
is one plain ``pandoc --citeproc`` over the whole file, as in ``test_formatting_oracle``.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from bibkit.formatting import citeproc
from bibkit.formatting import name_groups
from bibkit.formatting import pandoc_engine
from bibkit.formatting import pandoc_run
from bibkit.formatting import style_variants
from tests.test_formatting_oracle import compare

FAMILIES = ["Chen", "Wang", "Li", "Zhang", "Liu", "Smith", "Jeong", "Kim", "Park", "Garc{\\'\\i}a",
            "M{\\\"u}ller", "Nguyen", "Rossi", "Silva", "Cohen", "Ivanov", "Sato", "Khan", "Brown", "Lee"]
GIVEN = ["A.", "Anna", "B.", "Bo", "C. J.", "Dmitri", "Eun", "J.", "Jia", "M."]


def dense_authors(n: int, seed: int = 7) -> str:
    """``n`` articles by few family names in few years: most would-be citations collide."""
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        authors = " and ".join(f"{rnd.choice(FAMILIES)}, {rnd.choice(GIVEN)}" for _ in range(rnd.choice([1, 1, 2, 3, 4])))
        out.append(f"@article{{d{i:04d},\n  author = {{{authors}}},\n  title = {{Study number {i}}},\n"
                   f"  journal = {{Journal {i % 3}}},\n  year = {2000 + rnd.randrange(4)},\n  pages = {{{i}--{i + 9}}}\n}}\n")
    return "\n".join(out)


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("style", ["apa", "chicago-author-date"])
def test_dense_authors_match_pandoc_with_small_phase_two_runs(tmp_path: Path, monkeypatch, style: str, jobs: str) -> None:
    monkeypatch.setattr(name_groups, "PHASE_TWO_BATCH", 7)
    monkeypatch.setenv("BIBKIT_JOBS", jobs)
    runs = []
    real = citeproc.robust_citeproc
    monkeypatch.setattr(pandoc_engine, "robust_citeproc", lambda *a, **k: runs.append(k.get("cited")) or real(*a, **k))
    bib = tmp_path / "dense.bib"
    bib.write_text(dense_authors(160), encoding="utf-8")
    same, total, bad, _ = compare(bib, style)
    assert len([r for r in runs if r is not None]) > 5  # phase two really ran in several batches
    assert (same, bad) == (total, [])


@pytest.mark.parametrize("guess", ["right", "each alone", "halves", "all together"])
def test_guessed_groups_are_kept_only_where_phase_one_confirms_them(tmp_path: Path, monkeypatch, guess: str) -> None:
    """Phase two starts on guessed name groups while phase one runs; a group phase one finds is taken
    from a guessed run only when that run cited all of it, else rendered again. Whatever the guess,
    the output is pandoc's."""
    monkeypatch.setenv("BIBKIT_JOBS", "2")
    monkeypatch.setattr(name_groups, "PHASE_TWO_BATCH", 7)  # one guessed group a run
    wrong = {"each alone": lambda e: e.key, "halves": lambda e: e.key[-1] in "02468", "all together": lambda e: ""}
    if guess in wrong:
        monkeypatch.setattr(name_groups, "_guessed_name", wrong[guess])
    plans: list[list[list[str]]] = []
    real = name_groups.phase_two_runs
    monkeypatch.setattr(pandoc_engine, "phase_two_runs", lambda groups, order: plans.append(groups) or real(groups, order))
    bib = tmp_path / "dense.bib"
    bib.write_text(dense_authors(60), encoding="utf-8")
    same, total, bad, _ = compare(bib, "apa")
    assert (same, bad) == (total, []) and total == 60
    guessed, after = plans
    rendered_again = sum(map(len, after))
    # 45 of the 60 entries are in name groups where two citations collide
    expected = {"right": (len(guessed) > 5, 0), "each alone": (len(guessed) == 0, 45),
                "halves": (len(guessed) == 2, 45), "all together": (len(guessed) == 1, 0)}[guess]
    assert (True, rendered_again) == expected


def test_phase_one_without_bibliography_text_keeps_sort_and_citation() -> None:
    from bibkit.formatting import _style

    text = _style("apa").text
    trimmed = style_variants.without_bibliography_text(text)
    bibliography = re.search(r"<bibliography\b.*?</bibliography>", trimmed, re.S).group(0)
    assert re.search(r"<layout\b[^>]*><text value=\"-\"/></layout>", bibliography)
    assert re.search(r"<sort>.*</sort>", bibliography, re.S).group(0) in text
    citation = re.search(r"<citation\b.*?</citation>", text, re.S).group(0)
    assert citation in trimmed and len(trimmed) < len(text)
    assert style_variants.without_bibliography_text(text.replace("<bibliography", "<nobib")) is None
    odd = '<style><bibliography><layout suffix=">"><text variable="title"/></layout></bibliography></style>'
    assert style_variants.without_bibliography_text(odd) == \
        '<style><bibliography><layout suffix=">"><text value="-"/></layout></bibliography></style>'


def test_the_guess_reads_names_as_pandoc_cites_them() -> None:
    fields = ["author = {Garc{\\'\\i}a, Ana and Li, Bo}", "author = {{\\'E}mile {van der} Berg}",
              "author = {von Greaves, Jr., Percy L.}", "author = {{World Health Organization}}",
              "editor = {Ode, Jo}", "title = {{``}Quoted{''} title}"]
    entries = load_bibliography_text("".join(f"@book{{k{i},\n  {f}\n}}\n" for i, f in enumerate(fields)))
    assert [name_groups._guessed_name(e) for e in entries] == ["garcia", "berg", "greaves", "world", "ode", "quoted"]


def particle_namesakes(n: int, seed: int = 3) -> str:
    """``n`` articles led by one family name written with and without its particle, among others."""
    rnd = random.Random(seed)
    firsts = ["J{\\o}rgen {van der} Berg", "Marta {van der} Berg", "{van der} Berg, J{\\o}rgen", "{van der} Berg, Dirk",
              "Berg, Ola", "Vandenberg, Jo"]
    out = []
    for i in range(n):
        others = " and ".join(f"{rnd.choice(FAMILIES)}, {rnd.choice(GIVEN)}" for _ in range(rnd.choice([0, 1, 3])))
        authors = rnd.choice(firsts) + (" and " + others if others else "")
        out.append(f"@article{{p{i:03d},\n  author = {{{authors}}},\n  title = {{Paper {i}}},\n"
                   f"  journal = {{J}},\n  year = {2000 + rnd.randrange(3)}\n}}\n")
    return "\n".join(out)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_name_with_and_without_its_particle_is_one_group(tmp_path: Path, monkeypatch, jobs: str) -> None:
    """pandoc cites "Jørgen {van der} Berg" as "Berg" and "{van der} Berg, Jørgen" as "van der Berg", yet once
    given names are added they read alike and take year suffixes together: one group, whatever the runs."""
    monkeypatch.setenv("BIBKIT_JOBS", jobs)
    monkeypatch.setattr(name_groups, "PHASE_TWO_BATCH", 7)
    bib = tmp_path / "particles.bib"
    bib.write_text(particle_namesakes(80), encoding="utf-8")
    same, total, bad, _ = compare(bib, "apa")
    assert (same, bad) == (total, []) and total == 80


def _smiths(n: int = 30) -> str:
    """``n`` books by one J. Smith in one year: enough namesakes that guessed runs cover the list."""
    return "".join(f"@book{{s{i:02d}, author={{Smith, J.}}, title={{Book {i}}}, publisher={{P}}, year={{2000}}}}\n"
                   for i in range(n))


#: Lists where the two phases once differed from one pandoc run (found by an adversarial review),
#: each with the style that showed it.
SHARP_EDGES = {
    # the entries rendered apart from phase one must take their @xdata parent along
    "xdata": ("apa", "@xdata{jdata, journaltitle={Shared Journal}}\n" + _smiths() + "".join(
        f"@article{{u{i}, author={{Uniq{i}, J.}}, title={{Paper {i}}}, xdata={{jdata}}, year={{2000}}}}\n" for i in range(2))),
    # a numbering style counts the whole list, never a part of it
    "numbered": ("gost-r-7-0-5-2008", _smiths() + "".join(
        f"@book{{u{i}, author={{Uniq{i}, J.}}, title={{Paper {i}}}, publisher={{P}}, year={{2000}}}}\n" for i in range(3))),
    # "{John Smith}" is cited "John Smith" and still collides with "Smith, John" once given names are added
    "literal name": ("chicago-author-date", "@book{s1, author={Smith, John}, title={One}, year={2000}, publisher={P}}\n"
                     "@book{s2, author={Smith, Jane}, title={Two}, year={2010}, publisher={P}}\n"
                     "@book{s3, author={{John Smith}}, title={Three}, year={2000}, publisher={P}}\n"),
    "lower-case name": ("chicago-author-date", "@book{h1, author={hooks, bell}, title={One}, year={2000}, publisher={P}}\n"
                        "@book{h2, author={hooks, Bob}, title={Two}, year={2010}, publisher={P}}\n"
                        "@book{h3, author={{bell hooks}}, title={Three}, year={2000}, publisher={P}}\n"),
    # all-names rules decide given names over second authors too
    "all names": ("harvard-leeds-beckett-university",
                  "@book{s1, author={Smith, J. and Li, B.}, title={One}, year={2003}, publisher={P}}\n"
                  "@book{s2, author={Smith, J. and Li, J.}, title={Two}, year={2003}, publisher={P}}\n"
                  "@book{l1, author={Li, Bo}, title={Three}, year={2010}, publisher={P}}\n"
                  "@book{l2, author={Li, Jun}, title={Four}, year={2011}, publisher={P}}\n"),
    # anonymous works cite their year only: "2001-" and "2001" collide
    "year only": ("anabases", "@book{a1, title={Annual report}, date={2001/}, publisher={Press}}\n"
                  "@book{a2, title={On things}, year={2001}, publisher={Press}}\n"
                  "@book{a3, title={The study}, year={2001}, publisher={Press}}\n"),
    # the bibliography prints given names as the citations expand them: "Li, Bo." not "Li, B."
    "given names": ("apa-tr", "@book{y1, author={Li, Bo}, title={Three}, year={2010}, publisher={P}}\n"
                    "@book{y2, author={Li, Bin}, title={Four}, year={2011}, publisher={P}}\n"),
}


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("case", sorted(SHARP_EDGES))
def test_sharp_edges_match_pandoc(tmp_path: Path, monkeypatch, case: str, jobs: str) -> None:
    monkeypatch.setenv("BIBKIT_JOBS", jobs)
    monkeypatch.setattr(name_groups, "PHASE_TWO_BATCH", 7)
    style, text = SHARP_EDGES[case]
    bib = tmp_path / "edge.bib"
    bib.write_text(text, encoding="utf-8")
    same, total, bad, _ = compare(bib, style)
    assert (same, bad) == (total, []) and total >= 2


def test_a_locale_joining_word_missing_from_the_list_only_joins_groups() -> None:
    """Turkish "ve" is not among the known joining words: the citation is keyed by both names, so
    d'Alembert's entries stay one group (with Diderot's)."""
    entries = [type("E", (), {"key": k})() for k in ("x1", "x2", "y1", "z1")]
    cites = ["(d’Alembert ve Diderot, 2003)", "(d’Alembert ve Diderot, 2003)", "(d’Alembert, 2010)", "(Diderot, 2003)"]
    assert name_groups.colliding_groups(entries, cites) == [["x1", "x2", "y1", "z1"]]


def test_name_groups_whose_citations_all_differ_skip_phase_two(tmp_path: Path, monkeypatch) -> None:
    """Many Li entries, one per year, plus one colliding pair of Chens: only the Chen group is rendered again."""
    runs: list = []
    real = citeproc.robust_citeproc
    monkeypatch.setattr(pandoc_engine, "robust_citeproc", lambda *a, **k: runs.append(k.get("cited")) or real(*a, **k))
    entries = [f"@article{{li{y},\n  author = {{Li, {g}}},\n  title = {{On {y}}},\n  journal = {{J}},\n  year = {y}\n}}\n"
               for y, g in zip(range(1990, 2010), GIVEN * 2)]
    entries += [f"@article{{chen{i},\n  author = {{Chen, Wei}},\n  title = {{Paper {i}}},\n  journal = {{J}},\n  year = 2001\n}}\n"
                for i in "ab"]
    bib = tmp_path / "few.bib"
    bib.write_text("\n".join(entries), encoding="utf-8")
    same, total, bad, _ = compare(bib, "apa")
    assert (same, bad) == (total, []) and total == 22
    assert [r for r in runs if r is not None] == [{"chena", "chenb"}]


def test_colliding_groups_take_whole_name_groups_with_a_repeated_citation() -> None:
    keys = ["a", "b", "c", "d", "e", "f", "g", "h", "i"]
    entries = [type("E", (), {"key": k})() for k in keys]
    cites = ["(Li, 2003)", "(Li, 2003)", "(Li, 2005)", "(Chen, 2001)", "(Chen, 2002)",
             "Swarve 2001", "Swarve 2001–", "(Ode, n.d.)", "(Ode, n.d.-a)"]
    assert name_groups.colliding_groups(entries, cites) == [["a", "b", "c"], ["f", "g"], ["h", "i"]]


@pytest.mark.parametrize("cite, key", [
    ("(Li, 2003)", "Li"), ("(van der Berg et al., 2001)", "Berg"), ("Berg et al. 2001", "Berg"),
    ("(d'Alembert & Diderot, 1751)", "d'Alembert"), ("(d'Alembert, 1751)", "d'Alembert"),
    ("(de la Cruz and Smith 1990)", "Cruz"), ("(“Untitled,” n.d.)", "Untitled"), ("(bell hooks, 1994)", "bell"),
    ("(王, 2003)", "王"), ("(A. Smith & E. Jones, 2001)", "A"), ("2001-", "2001"), ("", ""),
])
def test_collision_key_is_the_first_family_name_without_particle(cite: str, key: str) -> None:
    assert name_groups._collision_key(cite) == key


def test_an_open_date_range_takes_a_year_suffix_like_pandoc(tmp_path: Path) -> None:
    """Two entries from biblatex's own test files: pandoc gives "2001a" and "2001–b" although the
    undisambiguated citations differ ("Swarve 2001" and "Swarve 2001–")."""
    bib = tmp_path / "range.bib"
    bib.write_text("@BOOK{ed7,\n  AUTHOR = {Stephen Swarve},\n  DATE = {2001-01-03}\n}\n\n"
                   "@BOOK{ed8,\n  AUTHOR = {Stephen Swarve},\n  DATE = {2001-01-03/}\n}\n", encoding="utf-8")
    same, total, bad, _ = compare(bib, "chicago-author-date")
    assert (same, total, bad) == (2, 2, [])


def test_writer_runs_split_and_rejoin_in_order(root: Path, monkeypatch) -> None:
    monkeypatch.setattr(pandoc_engine, "FORMAT_MIN_RUN", 1)
    monkeypatch.setenv("BIBKIT_JOBS", "3")
    calls = []
    real = pandoc_engine._write
    monkeypatch.setattr(pandoc_engine, "_write", lambda items, fmt: calls.append(len(items)) or real(items, fmt))
    same, total, bad, _ = compare(root / "references.bib", "apa")
    assert calls == [3, 3, 2]
    assert (same, total, bad) == (8, 8, [])


def test_progress_reports_rise_to_the_end(tmp_path: Path) -> None:
    from bibkit.bib.bibtex import load_bibliography
    from bibkit.infra.diagnostics import Diagnostics
    from bibkit.formatting import format_bibliography

    bib = tmp_path / "dense.bib"
    bib.write_text(dense_authors(40), encoding="utf-8")
    b = load_bibliography([str(bib)], Diagnostics())
    seen: list[tuple[int, int]] = []
    format_bibliography(list(b), "apa", "text", macros=b.macros, progress=lambda d, t: seen.append((d, t)))
    assert seen and seen[-1][0] == seen[-1][1]
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def _first_family(author: str) -> str:
    """The first author's family name, roughly (enough to gather namesakes)."""
    first = re.split(r"\s+and\s+", author.strip(), maxsplit=1)[0]
    return (first.split(",")[0] if "," in first else first.split()[-1] if first.split() else "").strip("{} ").lower()


def namesakes_sample(files: list[Path], limit: int = 400) -> str:
    """Real corpus entries whose first authors share a family name, the biggest such groups first."""
    from tests.test_formatting_oracle import sample_corpus

    text = sample_corpus(files, 100_000)
    entries = re.split(r"\n(?=@)", text)
    groups: dict[str, list[str]] = {}
    b = load_bibliography_text(text)
    for e, chunk in zip(b, entries):
        family = _first_family(e.get("author") or "")
        if family:
            groups.setdefault(family, []).append(chunk)
    out: list[str] = []
    for chunks in sorted(groups.values(), key=lambda c: (-len(c), c[0])):
        if len(chunks) < 3 or len(out) + len(chunks) > limit:
            continue
        out.extend(chunks)
    return "\n".join(out)


def load_bibliography_text(text: str):
    """The entries of a .bib text, in order."""
    import tempfile

    from bibkit.bib.bibtex import load_bibliography
    from bibkit.infra.diagnostics import Diagnostics

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "all.bib"
        path.write_text(text, encoding="utf-8")
        return list(load_bibliography([str(path)], Diagnostics()))


@pytest.mark.slow
@pytest.mark.parametrize("style", ["apa", "chicago-author-date"])
def test_corpus_namesakes_match_pandoc(corpus: list[Path], tmp_path: Path, style: str) -> None:
    """Year suffixes and added names on real namesakes (Wang, Li, Zhang, Chen...) equal one pandoc run over them."""
    bib = tmp_path / "namesakes.bib"
    bib.write_text(namesakes_sample(corpus), encoding="utf-8")
    same, total, bad, deviations = compare(bib, style)
    print(f"{style}: {same}/{total} identical, {deviations} deliberate publisher deviations")
    assert total > 300
    assert bad == []


def test_an_interrupted_parallel_render_ends_its_running_pandoc(tmp_path: Path, monkeypatch) -> None:
    """Ctrl-C in the main thread kills the pandoc a worker waits on, and the runs still queued start none:
    the interpreter, which waits for its worker threads on exit, is not held up by a pandoc."""
    import os
    import time

    pids = tmp_path / "pids"
    stand_in = tmp_path / "pandoc"
    stand_in.write_text(f"#!/bin/sh\necho $$ >> '{pids}'\nexec sleep 30\n", encoding="utf-8")
    stand_in.chmod(0o755)
    monkeypatch.setenv("BIBKIT_PANDOC", str(stand_in))
    monkeypatch.setenv("BIBKIT_JOBS", "2")

    def job(i: int) -> str:
        if i == 0:
            while not pids.exists():
                time.sleep(0.01)
            raise KeyboardInterrupt
        return pandoc_run.run_pandoc([], "")

    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        pandoc_run.run_parallel(job, list(range(6)))
    time.sleep(0.5)  # time for the queued runs to start a pandoc, if they could
    assert time.monotonic() - started < 10
    started_pids = pids.read_text(encoding="utf-8").split()
    assert 1 <= len(started_pids) <= 2  # the runs taken before the interrupt reached the main thread
    for pid in started_pids:
        with pytest.raises(ProcessLookupError):
            os.kill(int(pid), 0)


def test_an_interrupted_parallel_render_starts_no_further_runs(monkeypatch) -> None:
    """Ctrl-C (or a failed run) while runs are queued: the queued runs are cancelled, not worked through."""
    import threading
    import time

    monkeypatch.setenv("BIBKIT_JOBS", "2")
    started: list[int] = []
    lock = threading.Lock()

    def run(i: int) -> int:
        with lock:
            started.append(i)
        if i == 0:
            raise KeyboardInterrupt
        time.sleep(0.05)
        return i

    with pytest.raises(KeyboardInterrupt):
        pandoc_run.run_parallel(run, list(range(40)))
    time.sleep(0.3)
    assert len(started) < 10
