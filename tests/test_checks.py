"""The rules of `bibkit check`, one defect each."""

from __future__ import annotations

import pytest

from bibkit.checks import run_checks
from bibkit.checks.bibliography import isbn_valid, issn_valid
from bibkit.project import load_project


def found(project) -> list[tuple[str, str | None]]:
    return [(d.code, d.key) for d in run_checks(project)]


def test_defect_project_gets_one_located_diagnostic_per_defect(data, monkeypatch):
    monkeypatch.chdir(data / "defects")
    project = load_project()
    diags = run_checks(project)
    got = sorted((d.code, d.file, d.line) for d in diags)
    assert got == sorted([
        ("B003", "references.bib", 4),    # article without journal
        ("B002", "references.bib", 18),   # duplicate key
        ("B009", "references.bib", 29),   # bad year
        ("B012", "references.bib", 37),   # bad DOI
        ("B005", "references.bib", 43),   # undefined macro
        ("B008", "references.bib", 47),   # duplicate entry (same title, year, first author)
        ("B019", "references.bib", 56),   # unbalanced brace
        ("C005", "claims.yaml", 6),       # duplicate claim id
        ("C008", "claims.yaml", 11),      # unknown key
        ("C007", "claims.yaml", 16),      # unknown stance
        ("C004", "claims.yaml", 17),      # claim without id
    ])
    # the entry after the broken one is loaded and its claim resolves
    assert "after2006" in project.bibliography


@pytest.mark.parametrize("field, value, code", [
    ("year", "19999", "B009"),
    ("date", "2001-13-01", "B009"),
    ("month", "Smarch", "B010"),
    ("pages", "pp. 12--15", "B011"),
    ("pages", "1620--1619", "B011"),
    ("doi", "doi.org/10.1/x", "B012"),
    ("isbn", "978-0-306-40615-8", "B013"),
    ("issn", "0028-0837", "B014"),
    ("url", "www.example.org", "B015"),
    ("crossref", "missing", "B016"),
])
def test_malformed_field(project, field, value, code):
    project(bib=f"@misc{{m, title = {{T}}, {field} = {{{value}}}}}\n")
    assert found(load_project()) == [(code, "m")]


@pytest.mark.parametrize("field, value", [
    ("year", "1999"), ("year", "1999a"), ("year", "forthcoming"), ("date", "2001-12-24"),
    ("date", "1959/1961"), ("date", "2001-05/.."), ("month", "dec"), ("month", "12"), ("month", "Sept."),
    ("pages", "1619"), ("pages", "1619--1620"), ("pages", "e1002345"), ("pages", "xi--xv"), ("pages", "12, 14--16"),
    ("doi", "10.1136/bmj.319.7225.1619"), ("doi", "https://doi.org/10.1086/380584"),
    ("isbn", "978-0-306-40615-7"), ("isbn", "0-306-40615-2"), ("issn", "0028-0836"), ("issn", "2049-3630"),
    ("url", "https://www.bmj.com/content/319/7225/1619"), ("url", "\\url{http://example.org/a b}"[:-5] + "}"),
])
def test_well_formed_field(project, field, value):
    project(bib=f"@misc{{m, title = {{T}}, {field} = {{{value}}}}}\n")
    assert found(load_project()) == []


def test_required_fields_accept_biblatex_aliases(project):
    project(bib="@article{a, author = {A, B}, title = {T}, journaltitle = {J}, date = {2001}}\n"
                "@online{o, title = {Page}, author = {X}, year = 2020}\n"
                "@weird{w, title = {T}}\n")
    assert found(load_project()) == [("B003", "o"), ("B017", "w")]


def test_duplicate_entry_by_doi(project):
    project(bib="@misc{a, title = {One}, doi = {10.1000/ABC}}\n@misc{b, title = {Two}, doi = {https://doi.org/10.1000/abc}}\n")
    assert found(load_project()) == [("B008", "b")]


def test_claims_without_sources_are_info_and_anchor_drift_is_a_warning(project):
    project(
        bib="@misc{m, title = {T}}\n",
        claims="version: 1\ndocument: {path: article.md}\nclaims:\n  - id: a\n    text: x\n    anchor: thirty million\n",
        article__md="Some thirty-one million people.\n",
    )
    diags = run_checks(load_project())
    assert sorted((d.code, d.severity.value, d.line) for d in diags) == [("C010", "warning", 4), ("C011", "info", 4)]


def test_checksums():
    assert isbn_valid("9780306406157") and not isbn_valid("9780306406158")
    assert isbn_valid("080442957X") and not isbn_valid("0804429570")
    assert issn_valid("0317-8471") and not issn_valid("0317-8470")


def test_configured_manuscript_is_checked(project):
    project(bib="@misc{m, title = {T}}\n", bibkit__toml='manuscript = "paper.md"\n',
            paper__md="As shown before [@m, p. 3], this holds.\n\nGhosts cite nothing real [@ghost2020].\n")
    got = [(d.code, d.file, d.line) for d in run_checks(load_project())]
    assert got == [("M001", "paper.md", 3)]


# -- the shortcuts of the bibliography rules, each against the general rule it stands for ----------------------

from hypothesis import given, settings, strategies as st  # noqa: E402

from bibkit import checks  # noqa: E402
from bibkit.checks import bibliography


def general_pages(value: str) -> tuple | None:
    """B011 as the general rule words it (the check's own shortcut must agree)."""
    import re

    for chunk in re.split(r"\s*[,;]\s*", value.strip()):
        chunk = chunk.rstrip("+").strip()
        if re.match(r"^(?:pp?\.|pages?)\s", chunk, re.I):
            return "p."
        bits = re.split(r"\s*(?:--|-|–|—)\s*", chunk)
        if len(bits) > 2 or not all(re.match(r"^[A-Za-z]{0,3}\d+[A-Za-z]?$|^[ivxlcdmIVXLCDM]+$", b) for b in bits):
            return "form"
        if len(bits) == 2 and bits[0].isdigit() and bits[1].isdigit():
            if int(bits[1]) < int(bits[0]) and len(bits[1]) >= len(bits[0]):
                return "backwards"
    return None


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet="0123456789-– ,pxi", max_size=12))
def test_page_shortcut_agrees_with_the_general_rule(value):
    got = bibliography._check_pages(value)
    want = general_pages(value)
    assert (got is None) == (want is None)
    if got is not None:
        assert ("ends before it starts" in got[2]) == (want == "backwards")


@settings(max_examples=3000, deadline=None)
@given(st.sampled_from(["http://", "https://", "ftp://", "HTTPS://", "http:/", "https://[", "", "doi:", "10.",
                        "https://doi.org/10.", "\\url{https://"]),
       st.text(alphabet="ab.-:/?#[]@%1 0\t\né}", max_size=14))
def test_url_and_doi_shortcuts_agree_with_the_general_rules(prefix, rest):
    import re
    from urllib.parse import urlsplit

    value = prefix + rest
    url = re.sub(r"^\\url\{(.*)\}$", r"\1", value.strip())
    try:
        parts = urlsplit(url)
        url_ok = parts.scheme in ("http", "https", "ftp") and bool(parts.netloc) and " " not in url
    except ValueError:
        url_ok = None  # urlsplit refuses it: the shortcut must not have accepted it
    if bibliography._PLAIN_URL.fullmatch(value):
        assert url_ok is True
    doi = re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", value.strip(), flags=re.I)
    assert (bibliography._check_doi(value) is None) == bool(re.match(r"^10\.\d{4,9}/\S+$", doi))


@settings(max_examples=400, deadline=None)
@given(type_=st.sampled_from(["article", "misc", "book", "Article", "webpage", "weird_type", "ar-ticle"]),
       key=st.text(alphabet="ab1.:/+-_;?!'()*@=[]&`~é|", min_size=1, max_size=8),
       values=st.lists(st.text(alphabet='ab {}\\"%@#,', max_size=10), min_size=1, max_size=3),
       month=st.sampled_from(["", "  month = jan,\n", "  month = odd,\n", "  month = bad # {x},\n"]))
def test_csl_shortcut_never_passes_an_entry_the_csl_engine_refuses(type_, key, values, month):
    """csl_surely_readable may send any entry to entry_to_biblatex; it may never spare one that would fail."""
    from bibkit.bib.lexer import MONTH_MACROS
    from bibkit.bib.bibtex import parse_text
    from bibkit.infra.diagnostics import Diagnostics
    from bibkit.bib.entrytypes import readable
    from bibkit.formatting.biblatex_input import entry_to_biblatex

    macros = {**MONTH_MACROS, "odd": "un{balanced", "bad": "back\\{slash}"}
    body = "".join(f"  f{i} = {{{v}}},\n" if i % 2 == 0 else f'  f{i} = "{v}",\n' for i, v in enumerate(values))
    text = "@string{odd = {un{balanced}}\n" if "odd" in month else ""
    text += f"@{type_}{{{key},\n{body}{month}}}\n"
    for entry in parse_text(text, "t.bib", Diagnostics(), dict(macros)).entries:
        if entry.broken:
            continue
        for macro_fields in (True, False) if "odd" not in month and "bad" not in month else (True,):
            if bibliography.csl_surely_readable(entry, macros, macro_fields):
                entry_to_biblatex(readable(entry)[0], macros)  # must not raise


def test_r002_findings_do_not_depend_on_the_shortcut(tmp_path, monkeypatch):
    bib = tmp_path / "r.bib"
    bib.write_text("@string{odd = {x\\{y}}}\n"
                   "@misc{fine, title = {Plain {Braces} and \\'{e}}, month = jan}\n"
                   "@misc{escaped, title = {An \\{ escaped\\} brace}}\n"
                   "@misc{oddmacro, publisher = odd}\n"
                   "@misc{quoted, title = \"a } b { c\"}\n"
                   "@misc{key;with?marks, title = {T}}\n"
                   "@web_page{typed, title = {Web}, url = {https://example.org}}\n", encoding="utf-8")
    project = load_project([str(bib)], None, no_claims=True)
    fast = [(d.key, d.message) for d in bibliography.check_csl_readable(project)]
    monkeypatch.setattr(bibliography, "csl_surely_readable", lambda *a: False)
    assert fast == [(d.key, d.message) for d in bibliography.check_csl_readable(project)]
    assert {k for k, _ in fast} >= {"oddmacro", "quoted"}


def test_duplicates_found_as_the_rule_says_with_authors_compared_only_on_shared_titles(tmp_path):
    """B008 against the rule written flat: DOI first, else title + year + first author, first entry wins."""
    import random

    from bibkit.bib.identity import first_author_family, normalise_doi, normalise_title

    rng = random.Random(4)
    authors = ["Smith, A.", "A. Smith", "Jones, B. and Smith, A.", 'M{\\"u}ller, C.']
    lines = []
    for i in range(400):
        fields = [f"title = {{{rng.choice(['Famine', 'The {F}amine', 'Growth', 'Growth!', 'Other'])}}}",
                  f"year = {rng.choice([1999, 2000])}",
                  f"author = {{{rng.choice(authors)}}}"]
        if rng.random() < 0.3:
            fields.append(f"doi = {{{rng.choice(['10.1/a', '10.1/A', 'https://doi.org/10.1/b', '10.1/c'])}}}")
        if rng.random() < 0.1:
            fields = fields[1:]  # no title
        rng.shuffle(fields)
        lines.append(f"@article{{k{i}, {', '.join(fields)}}}")
    bib = tmp_path / "d.bib"
    bib.write_text("\n".join(lines) + "\n", encoding="utf-8")
    project = load_project([str(bib)], None, no_claims=True)
    want, seen = [], {}
    for entry in project.bibliography:
        keys = []
        if entry.get("doi"):
            keys.append("d" + normalise_doi(entry.get("doi")))
        if entry.get("title"):
            keys.append("\0".join(("t" + normalise_title(entry.get("title")), (entry.get("year") or "")[:4],
                                   first_author_family(entry))))
        for k in keys:
            if k in seen:
                want.append((entry.key, seen[k].key, "DOI" if k[0] == "d" else "title"))
                break
            seen[k] = entry
    got = [(d.key, d.message.split()[2], "DOI" if d.message.endswith("same DOI") else "title")
           for d in bibliography.check_duplicate_entries(project)]
    assert got == want and len(want) > 100


def test_csl_shortcut_and_a_value_ending_in_a_backslash():
    # found by the property test above: f0 = {}#\, reads an undefined macro named "\" whose value is "\"
    from bibkit.bib.bibtex import parse_text
    from bibkit.bib.lexer import MONTH_MACROS
    from bibkit.formatting.biblatex_input import entry_to_biblatex
    from bibkit.infra.diagnostics import Diagnostics

    (entry,) = parse_text("@article{1,\n  f0 = {}#\\,\n}\n", "t.bib", Diagnostics(), dict(MONTH_MACROS)).entries
    assert not bibliography.csl_surely_readable(entry, dict(MONTH_MACROS), True)
    with pytest.raises(ValueError):
        entry_to_biblatex(entry, dict(MONTH_MACROS))
