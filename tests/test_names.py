"""BibTeX name splitting (bibkit/bib/names.py), checked against BibTeX's rules and pybtex."""

from __future__ import annotations

import warnings

import pytest
from hypothesis import given, settings, strategies as st

from bibkit.bib.names import Name, parse_name, parse_names, split_name_list


@pytest.mark.parametrize("raw, expected", [
    ("Smil, Vaclav", Name(family="Smil", given="Vaclav")),
    ("Vaclav Smil", Name(family="Smil", given="Vaclav")),
    ("Kung, James Kai-sing", Name(family="Kung", given="James Kai-sing")),
    ("{\\'O} Gr{\\'a}da, Cormac", Name(family="Ó Gráda", given="Cormac")),
    ("Ó Gráda, Cormac", Name(family="Ó Gráda", given="Cormac")),
    ("Ludwig van Beethoven", Name(family="Beethoven", given="Ludwig", particle="van")),
    ("van der Berg, Jan", Name(family="Berg", given="Jan", particle="van der")),
    ("Charles Louis Xavier Joseph de la Vall{\\'e}e Poussin",
     Name(family="Vallée Poussin", given="Charles Louis Xavier Joseph", particle="de la")),
    ("King, Jr, Martin Luther", Name(family="King", given="Martin Luther", suffix="Jr")),
    ("{World Health Organization}", Name(literal="World Health Organization")),
    ("others", Name(literal="others")),
    ("Moore, W.~J.", Name(family="Moore", given="W. J.")),
    ("{\\'E}mile Zola", Name(family="Zola", given="Émile")),
    ("Plato", Name(family="Plato")),
])
def test_parse_name(raw, expected):
    assert parse_name(raw) == expected


def test_split_name_list_respects_braces_and_case():
    assert split_name_list("A, B and {Barnes and Noble} AND C, D") == ["A, B", "{Barnes and Noble}", "C, D"]
    assert [n.full_family for n in parse_names("van der Berg, Jan and {Ó} Gráda, Cormac")] == ["van der Berg", "Ó Gráda"]


def test_agrees_with_pybtex_on_the_corpus(corpus):
    """Family, particle, given and suffix match pybtex's Person for (nearly) every corpus name."""
    from pybtex.database import Person

    from bibkit.bib.bibtex import read_bib_file
    from bibkit.infra.diagnostics import Diagnostics
    from bibkit.bib.latex import to_unicode

    same = total = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for path in corpus:
            for entry in read_bib_file(str(path), Diagnostics()).entries:
                for raw in split_name_list(entry.get("author") or ""):
                    ours = parse_name(raw)
                    if ours.literal:
                        continue
                    try:
                        p = Person(raw)
                    except Exception:  # noqa: BLE001 - pybtex gives up on some names; nothing to compare
                        continue
                    t = lambda parts: " ".join(to_unicode(" ".join(parts)).split())  # noqa: E731
                    theirs = (t(p.prelast_names), t(p.last_names), t(p.first_names + p.middle_names), t(p.lineage_names))
                    total += 1
                    same += (ours.particle, ours.family, " ".join(ours.given.split()), ours.suffix) == theirs
    assert total > 10000
    assert same / total >= 0.999, f"{total - same} of {total} names differ from pybtex"


def brace_aware_split(value: str) -> list[str]:
    """The name-list rule, character by character: ``and`` between white space, outside braces, splits."""
    out, depth, start, i = [], 0, 0, 0
    while i < len(value):
        c = value[i]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif depth == 0 and c.isspace():
            j = i
            while j < len(value) and value[j].isspace():
                j += 1
            if value[j:j + 3].lower() == "and" and j + 3 < len(value) and value[j + 3].isspace():
                k = j + 3
                while k < len(value) and value[k].isspace():
                    k += 1
                out.append(value[start:i])
                start = i = k
                continue
        i += 1
    out.append(value[start:])
    return [n.strip() for n in out if n.strip()]


@settings(max_examples=4000, deadline=None)
@given(st.lists(st.sampled_from(["a", "B", " and ", " AND ", "{", "}", " ", "\\'e", "x", "and", "\t", "\n"]),
                max_size=12))
def test_split_name_list_agrees_with_the_brace_aware_rule(tokens):
    value = "".join(tokens)
    assert split_name_list(value) == brace_aware_split(value)
