"""Keys ``bibkit import`` makes: suffixes that never run out."""

from __future__ import annotations

import bibtexparser

from bibkit.cli import cli
from bibkit.interchange.importer import make_key
from bibkit.bib.bibtex import parse_text
from bibkit.infra.diagnostics import Diagnostics


def _ris(n: int) -> str:
    return "".join(f"TY  - RPRT\nAU  - World Health Organization\nPY  - 2020\nTI  - Annual report part {i}\nER  - \n\n"
                   for i in range(n))


def test_eight_hundred_records_sharing_a_base_key_all_get_keys(project, runner):
    root = project(**{"many.ris": _ris(800)})
    result = runner.invoke(cli, ["import", "many.ris", "--into", "references.bib"])
    assert result.exit_code == 0, result.output + (result.stderr or "")
    library = bibtexparser.parse_string((root / "references.bib").read_text(encoding="utf-8"))
    keys = [e.key for e in library.entries]
    assert len(keys) == 800 and len({k.lower() for k in keys}) == 800
    titles = [e.fields_dict["title"].value for e in library.entries]
    assert titles == [f"Annual report part {i}" for i in range(800)]
    base = "organization2020annual"
    assert [keys[i] for i in (0, 1, 26, 27, 28, 702, 703, 799)] == [
        base, base + "a", base + "z", base + "aa", base + "ab", base + "zz", base + "aaa", base + "ads"]


def test_suffixes_go_past_two_letters_and_skip_taken_keys():
    entry = parse_text("@book{x, author = {Smil, V.}, title = {China}, year = {1999}}", "<t>", Diagnostics()).entries[0]
    base = "smil1999china"
    taken = {base} | {base + a for a in "abcdefghijklmnopqrstuvwxyz"}
    taken |= {base + a + b for a in "abcdefghijklmnopqrstuvwxyz" for b in "abcdefghijklmnopqrstuvwxyz"}
    assert make_key(entry, "{author}{year}{title}", taken) == base + "aaa"
    tried: dict[str, int] = {}
    assert make_key(entry, "{author}{year}{title}", taken, tried) == base + "aaa"
    taken.add(base + "aaa")
    assert make_key(entry, "{author}{year}{title}", taken, tried) == base + "aab"


ZOTERO = """[
 {"id": "http://zotero.org/users/123456/items/ABCD2345", "type": "article-journal", "title": "Rain in spring",
  "author": [{"family": "Smith", "given": "Jane"}], "issued": {"date-parts": [[2020]]}, "container-title": "J"},
 {"id": "12345/XYZ", "type": "book", "title": "A book of things", "author": [{"family": "Lee", "given": "Kim"}],
  "issued": {"date-parts": [[2019]]}, "publisher": "P"},
 {"id": "ITEM-2", "type": "book", "title": "Mendeley's own", "author": [{"family": "Gal", "given": "Ann"}],
  "issued": {"date-parts": [[2009]]}, "publisher": "P"},
 {"id": "knuth1984", "type": "book", "title": "Literate Programming", "author": [{"family": "Knuth", "given": "D"}],
  "issued": {"date-parts": [[1984]]}, "publisher": "CSLI"},
 {"id": "ITEM-1", "citation-key": "bee2001better", "type": "book", "title": "Better", "publisher": "P",
  "author": [{"family": "Bee", "given": "B"}], "issued": {"date-parts": [[2001]]}}
]"""


def _entries(root) -> dict[str, dict[str, str]]:
    library = bibtexparser.parse_string((root / "references.bib").read_text(encoding="utf-8"))
    assert not library.failed_blocks
    return {e.key: {f.key: f.value for f in e.fields} for e in library.entries}


def _said(result) -> str:
    return result.stderr + result.stdout


def test_reference_manager_ids_become_pattern_keys_and_are_kept(project, runner):
    root = project(bib="", **{"zotero.json": ZOTERO})
    result = runner.invoke(cli, ["import", "zotero.json"])
    assert result.exit_code == 0, result.output
    entries = _entries(root)
    assert list(entries) == ["smith2020rain", "lee2019book", "gal2009mendeley", "knuth1984", "bee2001better"]
    assert entries["smith2020rain"]["importid"] == "http://zotero.org/users/123456/items/ABCD2345"
    assert entries["lee2019book"]["importid"] == "12345/XYZ"
    assert entries["gal2009mendeley"]["importid"] == "ITEM-2"
    assert "importid" not in entries["knuth1984"] and "importid" not in entries["bee2001better"]
    # importing the same file again adds nothing
    again = runner.invoke(cli, ["import", "zotero.json"])
    assert again.exit_code == 0 and "0 to add, 5 duplicates skipped" in again.stderr + again.stdout
    assert _entries(root) == entries
    # a record whose title changed in the reference manager is still found by its id ...
    (root / "retitled.json").write_text('[{"id": "http://zotero.org/users/123456/items/ABCD2345", "type": "book", '
                                        '"title": "Rain in spring, revised", "author": [{"family": "Smith"}], '
                                        '"issued": {"date-parts": [[2020]]}}]', encoding="utf-8")
    out = _said(runner.invoke(cli, ["import", "retitled.json", "--dry-run"]))
    assert "duplicate of smith2020rain (same importid http://zotero.org/users/123456/items/ABCD2345" in out
    # ... but Mendeley's ITEM-2 of another file is another work: the first author must agree too
    (root / "other.json").write_text('[{"id": "ITEM-2", "type": "book", "title": "Something else", '
                                     '"author": [{"family": "Other"}], "issued": {"date-parts": [[2009]]}}]',
                                     encoding="utf-8")
    assert "add   other2009something" in _said(runner.invoke(cli, ["import", "other.json", "--dry-run"]))
    # and no key import made is one that check warns about
    assert "B024" not in runner.invoke(cli, ["check"]).stdout


def test_ris_record_numbers_are_not_keys(project, runner):
    root = project(bib="", **{"endnote.ris": "TY  - BOOK\nID  - 17\nAU  - Smil, Vaclav\nPY  - 1999\n"
                                             "TI  - China's past\nPB  - P\nER  - \n"})
    assert runner.invoke(cli, ["import", "endnote.ris"]).exit_code == 0
    assert _entries(root) == {"smil1999china": {"author": "Smil, Vaclav", "title": "China's past", "year": "1999",
                                                "publisher": "P", "importid": "17"}}


# key -> can pandoc cite it as @key; can LaTeX cite it as \cite{key}
KEYS = {"smith2020": (True, True), "a:b.c": (True, True), "ab.": (False, True), "a--b": (False, True),
        "http://zotero.org/users/1/items/AB12CD34": (True, True), "a//": (False, True), "12345/XYZ": (True, True),
        "_x1": (True, True), "ITEM-2": (True, True), "müller2020": (True, True), "a~b": (True, False),
        "a%b": (True, False), "a#b": (True, False), "-ab": (False, True)}


def test_key_rules_agree_with_pandocs_reader():
    import json
    import subprocess

    pypandoc = __import__("pytest").importorskip("pypandoc")
    from bibkit.bib.keypattern import key_problem

    text = "\n\n".join(f"[@{key}]" for key in KEYS)
    ast = json.loads(subprocess.run([pypandoc.get_pandoc_path(), "-f", "markdown", "-t", "json"], input=text,
                                    capture_output=True, text=True, check=True, timeout=60).stdout)
    read = []
    for block in ast["blocks"]:
        cites = [c for c in block["c"] if c.get("t") == "Cite"]
        whole = len(block["c"]) == 1 and cites and cites[0]["c"][0][0]["citationId"]
        read.append(whole or None)
    for (key, (pandoc_ok, latex_ok)), got in zip(KEYS.items(), read):
        assert (got == key) is pandoc_ok, (key, got)
        problem = key_problem(key)
        assert (problem is None) is (pandoc_ok and latex_ok), (key, problem)
        if not latex_ok:
            assert problem.startswith("LaTeX cannot")


def test_check_warns_about_keys_that_cannot_be_cited(project, runner):
    project(bib="@book{a--b, title = {T}, year = {2000}}\n@book{ab., title = {U}, year = {2001}}\n"
                "@book{x~y, title = {W}, year = {2003}}\n"
                "@book{http://zotero.org/users/1/items/AB12CD34, title = {V}, year = {2002}}\n")
    result = runner.invoke(cli, ["check", "--select", "B024"])
    assert result.stdout.splitlines() == [
        "references.bib:1:7: warning B024 key 'a--b': pandoc cites it only written as @{a--b}",
        "references.bib:2:7: warning B024 key 'ab.': pandoc cites it only written as @{ab.}",
        "references.bib:3:7: warning B024 key 'x~y': LaTeX cannot \\cite it ('~')",
        "4 entries, 0 claims: 0 errors, 3 warnings, 0 info"]
