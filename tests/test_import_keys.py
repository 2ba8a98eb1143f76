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
