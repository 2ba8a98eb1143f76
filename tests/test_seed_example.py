"""The bundled example (the seed article's bibliography and claims) stays honest and complete."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bibkit.checks import run_checks
from bibkit.project import load_project

SEED_ARTICLE = Path(__file__).resolve().parent.parent.parent / "shared" / "seed" / "great-leap-forward-article.txt"


@pytest.fixture
def seed(root, monkeypatch):
    monkeypatch.chdir(root)
    return load_project()


def test_eight_annotated_sources_with_corrections(seed):
    entries = seed.bibliography.entries
    assert len(entries) == 8
    for entry in entries.values():
        assert entry.get("annote") and entry.get("keywords"), entry.key
    assert entries["smil1999"].get("author") == "Smil, Vaclav"
    assert entries["smil1999"].get("journal") == "BMJ"
    assert entries["kung2003"].get("year") == "2003" and entries["kung2003"].get("volume") == "52"
    assert entries["ograda2011"].get("author").startswith("Ó Gráda, Cormac")
    for key in ("smil1999", "kung2003", "ograda2011"):
        assert "Corrected" in entries[key].get("note"), key


def test_names_parse_as_family_and_given(seed):
    from pybtex.database import Person

    kung = Person(seed.bibliography.entries["kung2003"].get("author").split(" and ")[0])
    assert kung.last_names == ["Kung"] and kung.first_names == ["James"] and kung.middle_names == ["Kai-sing"]
    ograda = Person(seed.bibliography.entries["ograda2011"].get("author"))
    assert " ".join(ograda.prelast_names + ograda.last_names) == "Ó Gráda"


def test_claims_cover_the_article_and_show_real_gaps(seed):
    claims = seed.claims.claims
    assert len(claims) == 45  # the README's "45 of the article's claims"
    links = [link for c in claims for link in c.links]
    # A link is verified only with the record of who checked it, when, and against which copy.
    for c in claims:
        for link in c.links:
            if link.verified:
                assert link.verified_by and link.verified_on and link.fingerprint and link.quote, (c.id, link.key)
                assert link.note and "copy" in link.note, (c.id, link.key)
    from bibkit.claims.decisions import review_state

    states = {(c.id, link.key): review_state(c.text, link).state for c in claims for link in c.links}
    assert {k for k, s in states.items() if s == "verified"} == {("led-by-mao", "smil1999"),
                                                                ("death-toll-about-30-million", "smil1999")}
    assert "stale" not in states.values()
    assert sum(1 for c in claims if not c.links) == 23, "claims no listed source covers stay unsourced"
    assert any(link.stance in ("qualifies", "contradicts") for link in links)
    toll = next(c for c in claims if "45" in c.text)
    assert not any(link.stance == "supports" for link in toll.links), "the 45 million figure's book is not listed"


def test_example_checks_clean(seed):
    diags = run_checks(seed)
    assert [d for d in diags if d.severity.value != "info"] == []


def _shingles(text: str, n: int = 6) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


@pytest.mark.skipif(not SEED_ARTICLE.exists(), reason=f"seed article not found at {SEED_ARTICLE}")
def test_no_sentence_of_the_article_is_copied(root):
    article = _shingles(SEED_ARTICLE.read_text(encoding="utf-8"))
    claims = yaml.safe_load((root / "claims.yaml").read_text(encoding="utf-8"))
    texts = [c["text"] for c in claims["claims"]] + [c["note"] for c in claims["claims"] if c.get("note")]
    bib = (root / "references.bib").read_text(encoding="utf-8")
    texts += re.findall(r"annote\s*=\s*\{(.*?)\},?\n", bib, re.S)
    example = root / "examples" / "great-leap-forward"
    for md in sorted(example.glob("*.md")):  # the prose, without front matter and headings (titles)
        body = re.sub(r"\A---\n.*?\n---\n", "", md.read_text(encoding="utf-8"), flags=re.S)
        texts += [para for para in body.split("\n\n") if not para.startswith("#")]
    texts += [c["text"] for c in yaml.safe_load((example / "claims.yaml").read_text(encoding="utf-8"))["claims"]]
    titles = _shingles(" ".join(re.findall(r"title\s*=\s*\{(.*?)\},?\n", bib)))
    ours = set().union(*(_shingles(t) for t in texts))
    copied = (ours & article) - titles
    assert not copied, f"six-word runs shared with the seed article: {sorted(copied)[:5]}"
