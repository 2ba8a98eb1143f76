"""Manuscript reading is linear in the input: no regex on user text backtracks catastrophically.

The linear scanners must find exactly what the plain regexes (kept here as the reference) find on
ordinary text; the slow-marked tests feed the inputs that took 30 s, 17 s and 9 s before.
"""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bibkit.manuscripts.base import brace_pairs
from bibkit.manuscripts.latex import _matching_brace, _math_spans, parse_latex
from bibkit.manuscripts.markdown import _email_spans, _html_spans, parse_markdown
from bibkit.manuscripts.needs_citation import classify

# The regexes as they were written before (quadratic or worse on hostile input, right on small input).
REF_EMAIL = re.compile(r"<?[\w.+-]+@[\w-]+(?:\.[\w-]+)+>?")
REF_HTML = re.compile(r"<!--.*?-->|</?[A-Za-z][^<>]*>", re.DOTALL)
REF_MATH = re.compile(r"\$\$.*?\$\$|\\\[.*?\\\]|(?<!\\)\$(?:\\.|[^$\\])+\$|\\begin\{(equation|align|gather|multline|eqnarray)"
                      r"\*?\}.*?\\end\{\1\*?\}", re.DOTALL)

PIECES = ["a", "b.", " ", "\n", "-", "+", "_", "@", "<", ">", "x@y.org", "<a>", "<b c='d'>", "<!--", "-->", "$", "$$",
          "\\[", "\\]", "\\", "\\\\", "\\begin{equation}", "\\end{equation}", "\\begin{align*}", "\\end{align}",
          "\\end{align*}", "{", "}", "\\section{", "1990", "."]
texts = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)


@settings(max_examples=400, deadline=None)
@given(texts)
def test_email_spans_equal_the_plain_regex(text: str) -> None:
    assert list(_email_spans(text)) == [m.span() for m in REF_EMAIL.finditer(text)]


@settings(max_examples=400, deadline=None)
@given(texts)
def test_html_spans_equal_the_plain_regex(text: str) -> None:
    assert _html_spans(text) == [m.span() for m in REF_HTML.finditer(text)]


@settings(max_examples=400, deadline=None)
@given(texts)
def test_math_spans_equal_the_plain_regex(text: str) -> None:
    assert _math_spans(text) == [m.span() for m in REF_MATH.finditer(text)]


@settings(max_examples=400, deadline=None)
@given(texts)
def test_brace_pairs_equal_the_brace_walk(text: str) -> None:
    pairs = brace_pairs(text)
    for at, end in pairs.items():
        assert end == _matching_brace(text, at)


def test_spans_on_known_cases() -> None:
    assert _html_spans("a <!-- c --> <b>x</b> <!-- open") == [(2, 12), (13, 16), (17, 21)]
    assert _math_spans(r"$$x$$ \[y\] $z$ \begin{align*}w\end{align*} \[open") == [(0, 5), (6, 11), (12, 15), (16, 43)]
    assert list(_email_spans("mail x@y.org or <a.b@c.de>, aaaa@")) == [(5, 12), (16, 26)]


# (what, reader, text): sizes as in the issue, or bigger.
HOSTILE = [
    ("100 KB single word", parse_markdown, "a" * 100_000),
    ("100 KB of underscores", parse_markdown, "_" * 100_000),
    ("120 KB of <!--", parse_markdown, "<!--" * 30_000),
    ("60 KB of \\[ in Markdown", parse_markdown, "\\[" * 30_000),
    ("60 KB of \\[ in LaTeX", parse_latex, "\\[" * 30_000),
    ("\\begin{equation} never closed", parse_latex, "\\begin{equation}" * 8_000),
    ("\\section{ never closed", parse_latex, "\\section{" * 12_000),
    ("$$ never closed", parse_latex, "$$ a " * 20_000),
    ("www. run", parse_markdown, "www." * 25_000),
    ("1. list markers", parse_latex, "1. " * 33_000),
    ("<http: autolinks never closed", parse_markdown, "<http://a" * 11_000),
    ("code spans never closed", parse_markdown, "``a`" * 25_000),
    ("25,000 code spans", parse_markdown, "`a` " * 25_000),
    ("\\item[ never closed", parse_latex, "\\item[" * 40_000),
    ("\\label[ never closed", parse_latex, "\\label[" * 34_000),
    ("\\section[ never closed", parse_latex, "\\section[" * 24_000),
]


@pytest.mark.slow
@pytest.mark.parametrize("what,reader,text", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_manuscripts_read_in_bounded_time(what, reader, text) -> None:
    start = time.perf_counter()
    reader(text)
    elapsed = time.perf_counter() - start
    assert elapsed < 10, f"{what}: {elapsed:.1f} s (quadratic?)"


@pytest.mark.slow
@pytest.mark.parametrize("text", ["in 19" * 20_000, "<a " * 33_000, "a " * 50_000, "caused " * 14_000])
def test_needs_citation_on_one_huge_sentence_is_bounded(text: str) -> None:
    start = time.perf_counter()
    classify(text)
    assert time.perf_counter() - start < 10


spans_st = st.lists(st.tuples(st.integers(0, 60), st.integers(1, 20)).map(lambda t: (t[0], t[0] + t[1])), max_size=25)


@settings(max_examples=400, deadline=None)
@given(spans_st, st.integers(0, 80), st.integers(0, 30))
def test_overlapping_spans_by_bisection_equal_the_plain_filter(spans, start: int, length: int) -> None:
    from bibkit.manuscripts.base import _overlapping, _running_max_ends

    spans = sorted(spans)
    end = start + length
    assert _overlapping(spans, _running_max_ends(spans), start, end) == [
        (s, e) for s, e in spans if not (e <= start or s >= end)]


def test_anchors_are_rendered_once_each_not_once_per_sentence(monkeypatch) -> None:
    """Matching claims' anchors to a manuscript's sentences renders each text once: 500 anchors against
    2,000 sentences were a million renderings (two minutes) before the anchor forms were kept."""
    from bibkit.manuscripts import markdown
    from bibkit.manuscripts.scan import claims_from_manuscript
    from bibkit.model import Claim, ClaimSet

    text = "\n\n".join(f"Sentence {i} says *something* [@k{i % 50}, p. {i}] and @k{i % 7} agrees." for i in range(2000))
    manuscript = parse_markdown(text, "x.md")
    calls = []
    real = markdown.rendered
    monkeypatch.setattr(markdown, "rendered", lambda s: calls.append(s) or real(s))
    markdown._anchor_forms.cache_clear()
    claims = [Claim(id=f"c{i}", text="t", anchor=f"Sentence {i * 4} says *something*") for i in range(500)]
    merged = claims_from_manuscript([manuscript], ClaimSet(claims=claims))
    assert len(merged.claims) == 2000  # each anchored sentence is its claims-file claim, not a second one
    assert len(calls) <= 2 * 2 * len(manuscript.sentences) + len(claims)  # sentences twice (raw and shown)
