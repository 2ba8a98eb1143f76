"""Reading manuscripts: pandoc and LaTeX citations with lines, columns and locators; sentences."""

from __future__ import annotations

import pytest

from bibkit.infra.errors import BibkitError
from bibkit.manuscripts import parse_manuscript, read_manuscript
from bibkit.manuscripts.base import split_locator


def cites(m):
    return [(c.key, c.line, c.locator) for c in m.citations]


def test_markdown_citation_forms(data):
    m = read_manuscript(str(data / "scan" / "cites.md"))
    assert cites(m) == [
        ("alpha2001", 9, None),
        ("alpha2001", 9, "p. 33"),
        ("beta2002", 10, None),
        ("gamma2003", 10, "pp. 4-5"),
        ("beta2002", 10, None),
        ("gamma2003", 11, None),
        ("alpha2001", 11, "p. 12"),
        ("key:with.punct", 12, None),
        ("beta2002", 12, "chap. 2"),
        ("ghost2020", 19, None),
    ]
    modes = {(c.key, c.line): c.mode for c in m.citations}
    assert modes[("beta2002", 10)] in ("normal", "suppress-author")
    assert [c.mode for c in m.citations if c.line == 10] == ["normal", "normal", "suppress-author"]
    assert [c.prefix for c in m.citations if c.line == 10] == ["see", None, None]
    assert m.citations[0].column == 16  # the '@' of [@alpha2001]


def test_markdown_ignores_front_matter_code_urls_and_email(data):
    m = read_manuscript(str(data / "scan" / "cites.md"))
    keys = {c.key for c in m.citations}
    assert not keys & {"frontmatter", "incodeblock", "incodespan", "nokey", "example"}
    assert m.title == "Citations: a test"


def test_markdown_key_punctuation_at_the_end_is_not_part_of_the_key():
    m = parse_manuscript("As @smil1999. argued, and @kung2003: showed.\n")
    assert [c.key for c in m.citations] == ["smil1999", "kung2003"]


def test_markdown_link_is_not_a_citation():
    m = parse_manuscript("See [@home](https://example.org) and [text][@ref].\n")
    assert [c.key for c in m.citations if c.mode == "normal"] == []


def test_latex_commands_optional_arguments_and_locators(data):
    m = read_manuscript(str(data / "scan" / "cites.tex"))
    got = [(c.key, c.line, c.locator, c.command) for c in m.citations]
    assert got == [
        ("alpha2001", 6, None, "cite"),
        ("beta2002", 6, "p. 33", "citep"),
        ("gamma2003", 6, None, "citet"),
        ("alpha2001", 7, None, "parencite"),
        ("beta2002", 7, "pp. 12-14", "parencite"),
        ("gamma2003", 7, None, "textcite"),
        ("alpha2001", 8, None, "autocite*"),
        ("beta2002", 8, "chap. 4", "footcite"),
        ("gamma2003", 10, None, "citeauthor"),
        ("alpha2001", 10, None, "citeyear"),
        ("gamma2003", 10, None, "cite"),
        ("delta2004", 14, None, "nocite"),
        ("ghost2020", 15, None, "cite"),
    ]
    assert m.citations[3].prefix == "see"
    assert m.citations[0].column == 13


def test_latex_ignores_comments_and_verbatim(data):
    m = read_manuscript(str(data / "scan" / "cites.tex"))
    assert not {"commented2000", "inverbatim"} & {c.key for c in m.citations}


def test_latex_nocite_star_cites_everything():
    m = parse_manuscript("\\nocite{*}\nText.\n", kind="latex")
    assert m.nocite_all and m.citations == []


def test_latex_escaped_percent_is_text_not_a_comment():
    m = parse_manuscript("Half of it, 50\\% \\cite{a}, rest.\n", kind="latex")
    assert [c.key for c in m.citations] == ["a"]
    assert "50 %" in m.sentences[0].text


@pytest.mark.parametrize("note, expected", [
    (", p. 33", ("p. 33", None)),
    (", pp. 4-5", ("pp. 4-5", None)),
    ("33", ("p. 33", None)),
    ("12--14", ("pp. 12-14", None)),
    ("p.~33", ("p. 33", None)),
    ("chap. 2", ("chap. 2", None)),
    (", and elsewhere", (None, "and elsewhere")),
    ("", (None, None)),
])
def test_split_locator(note, expected):
    assert split_locator(note) == expected


def test_sentences_keep_abbreviations_and_initials_together():
    text = ("Kung et al. found this, e.g. in Anhui, i.e. the worst hit. Dr. Smith met J. R. Smith on p. 4 "
            "of the report. Compare cf. the tables vs. the text. It ended.\n")
    m = parse_manuscript(text)
    assert [s.text for s in m.sentences] == [
        "Kung et al. found this, e.g. in Anhui, i.e. the worst hit.",
        "Dr. Smith met J. R. Smith on p. 4 of the report.",
        "Compare cf. the tables vs. the text.",
        "It ended.",
    ]


@pytest.mark.parametrize("apostrophe", ["'", "\u2019"])
def test_a_detached_possessive_s_ends_a_sentence_whatever_the_apostrophe(apostrophe):
    # pandoc writes the straight apostrophe of "the 's." curly in Word and HTML: both must split alike
    # (a straight one was stripped as an opening quote, leaving "s", read as an initial).
    text = f"It was measured with Student {apostrophe}s. Thus, the test holds. Then J. R. Smith left.\n"
    m = parse_manuscript(text)
    assert [s.text for s in m.sentences] == [
        f"It was measured with Student {apostrophe}s.",
        "Thus, the test holds.",
        "Then J. R. Smith left.",
    ]


def test_sentences_have_lines_headings_and_citations():
    text = "# Title\n\nFirst line\ncontinues here [@a]. Second\none? Third.\n\n- item one.\n"
    m = parse_manuscript(text)
    got = [(s.line, s.heading, s.question, s.text, [c.key for c in s.citations]) for s in m.sentences]
    assert got == [
        (1, True, False, "Title", []),
        (3, False, False, "First line continues here.", ["a"]),
        (4, False, True, "Second one?", []),
        (5, False, False, "Third.", []),
        (7, False, False, "item one.", []),
    ]
    assert m.sentences[1].section == "Title"


def test_citation_after_the_full_stop_belongs_to_the_sentence_before():
    m = parse_manuscript("It rose by 40 percent. [@a] Then it fell.\n")
    assert [[c.key for c in s.citations] for s in m.sentences] == [["a"], []]


def test_anchor_is_exact_text_without_citation_markup():
    text = "In 1958 the party\nlaunched the Leap [@smil1999, p. 3] with great fanfare.\n"
    m = parse_manuscript(text)
    anchor = m.sentences[0].anchor
    assert anchor == "In 1958 the party launched the Leap"
    assert anchor in " ".join(text.split())


def test_setext_headings_and_indented_code():
    m = parse_manuscript("Title\n=====\n\nText here.\n\n    code [@nope]\n")
    assert [(s.heading, s.text) for s in m.sentences] == [(True, "Title"), (False, "Text here.")]
    assert m.citations == []


def test_crlf_line_endings_keep_line_numbers():
    m = parse_manuscript("One.\r\nTwo [@a].\r\n")
    assert m.citations[0].line == 2


def test_unreadable_files_are_user_errors(tmp_path):
    with pytest.raises(BibkitError, match="no such file"):
        read_manuscript(str(tmp_path / "nope.md"))
    bad = tmp_path / "bad.md"
    bad.write_bytes(b"fine\n\xff bad\n")
    with pytest.raises(BibkitError, match=r"bad\.md:2: not valid UTF-8"):
        read_manuscript(str(bad))


def test_rendered_form_of_anchors():
    """What `check` and the pandoc filter compare anchors in (issue 27, item 3): as pandoc's output reads."""
    from bibkit.manuscripts.markdown import anchor_found, rendered

    assert rendered("@smil1999 puts it at *about 30 million*, a figure [@peng1987, p. 4].") == (
        "puts it at about 30 million, a figure.")
    assert rendered('As @a [p. 3] shows -- see [the _BMJ_](http://x.org/(1)) -- "late" `x` ~~y~~ __z__.') == (
        'As shows - see the BMJ - "late" x y z.')
    assert rendered("Write to me@example.org about snake_case and a\\*b.") == (
        "Write to me@example.org about snake_case and ab.")
    assert rendered("\u201cIt\u2019s\u201d \u2014 fine\u2026 [^1]") == "\"It's\" - fine..."
    assert anchor_found("@smil1999 puts it at *about 30 million*", "@smil1999 puts it at *about 30 million*, more")
    assert anchor_found("puts it at about 30 million", "@smil1999 puts it at *about 30 million*, more")
    assert not anchor_found("puts it at about 31 million", "@smil1999 puts it at *about 30 million*, more")
    # an anchor that renders to nothing (a citation, bare markup) is found only as written, never everywhere
    assert not anchor_found("[@jones2001]", "Water boils at 100 degrees [@smith2000].")
    assert not anchor_found("**", "Water boils at 100 degrees.")
    assert anchor_found("[@smith2000]", "Water boils at 100 degrees [@smith2000].")


# Each read by pandoc 3 (`pandoc -f markdown -t json`) by hand: only @y is a citation in each.
@pytest.mark.parametrize("text", [
    "```\n@x\n`````\n@y\n",  # a longer closing fence closes
    "````\n@x\n```\n@z\n````\n@y\n",  # a shorter one does not
    "~~~~\n@x\n~~~\n@z\n~~~~~\n@y\n",
    "~~~\n@x\n```\n@z\n~~~\n@y\n",  # backticks do not close a tilde fence
    "```\n@x\n~~~\n@z\n```\n@y\n",
    "```\n@x\n``` python\n@z\n```\n@y\n",  # a line with an info string does not close
    "```\n@x\n```  \n@y\n",  # trailing spaces after a closing fence
    "   ```\n@x\n   ```\n@y\n",  # indented up to three spaces
])
def test_a_code_fence_closes_only_with_at_least_as_many_of_the_same_marks(text):
    m = parse_manuscript(text)
    assert [(c.key, c.line, c.column) for c in m.citations] == [("y", text.count("\n"), 1)]


def test_suppress_author_citations_point_at_the_at_sign_after_the_minus():
    m = parse_manuscript("x\nSee [see -@a; @b, p. 3; -@{c.d}].\nAnd [-@smil1999, p. 4].\n")
    assert [(c.key, c.line, c.column, c.offset, c.mode, c.locator, c.prefix) for c in m.citations] == [
        ("a", 2, 11, 12, "suppress-author", None, "see"),
        ("b", 2, 15, 16, "normal", "p. 3", None),
        ("c.d", 2, 26, 27, "suppress-author", None, None),
        ("smil1999", 3, 7, 42, "suppress-author", "p. 4", None),  # line 3 starts at 2 + 34
    ]


# A document with every kind of markup the reader must leave out. Citations checked by hand and
# against pandoc 3 (`pandoc -f markdown -t json`), which finds the same ones except in the bare URLs
# of line 25, which bibkit leaves out on purpose (README: URLs are not citations).
EVERYTHING = """\
---
title: "The Famine"
note: see @fm1
---
Intro by @a1 and [see @a2, p. 3; -@a3].

```` md
code @f1
```
code @f2
````

    indented @i1

Para line.
    not code @p1

- item @l1

    continued @l2

Code spans `tick @c1` and ``double `tick @c2` x`` and `unclosed @c3.
HTML <!-- comment @h1 --> and <span title="@h2">in @h3</span>.
A [link text @k1](http://x.org/@u1 "t @u5") and [def][ref].
Bare https://example.org/@u3 and www.example.org/@u4 and <mailto:me@example.org> end.
Mail me@example.org or <you@example.org> now.

[ref]: http://example.org/@u2
"""


def test_every_kind_of_markup_is_left_out_at_exact_places():
    m = parse_manuscript(EVERYTHING)
    assert m.title == "The Famine"  # from the front matter, quotes dropped
    assert [(c.key, c.line, c.column, c.mode, c.locator, c.prefix) for c in m.citations] == [
        ("a1", 5, 10, "in-text", None, None),
        ("a2", 5, 23, "normal", "p. 3", "see"),
        ("a3", 5, 35, "suppress-author", None, None),
        ("p1", 16, 14, "in-text", None, None),  # an indented line that continues a paragraph is not code
        ("l1", 18, 8, "in-text", None, None),
        ("l2", 20, 15, "in-text", None, None),  # nor one that continues a list item after a blank line
        ("c3", 22, 65, "in-text", None, None),  # an unclosed backtick is a backtick
        ("h3", 23, 52, "in-text", None, None),
        ("k1", 24, 14, "in-text", None, None),  # a link's text is prose, its target is not
    ]
    # nothing of the front matter, code, comments, tags, link targets, URLs or addresses leaks into prose
    assert [(s.text, s.line, s.column, s.heading) for s in m.sentences] == [
        ("Intro by @a1 and.", 5, 1, False),
        ("Para line. not code @p1", 15, 1, False),
        ("item @l1", 18, 3, False),
        ("continued @l2", 20, 5, False),
        ("Code spans and and `unclosed @c3.", 22, 1, False),
        ("HTML and in @h3.", 23, 1, False),
        ("A link text @k1 and def ref.", 24, 1, False),
        ("Bare and and end.", 25, 1, False),
        ("Mail or now.", 26, 1, False),
    ]


@pytest.mark.parametrize("text, keys, title", [
    ("# Xenon heading\n\nText @a.\n", ["a"], "Xenon heading"),  # no front matter: the first heading
    ("---\ntitle: 'Xenon Famine'\n---\n# Other\n", [], "Xenon Famine"),  # quotes go, the letters stay
    ("---\ntitle: T\n...\n@a\n", ["a"], "T"),  # "..." closes front matter too
    ("---\n---\n@a\n\n---\n\n@b\n", ["a", "b"], None),  # empty front matter; a later --- is a rule
    ("Text @a.\n\n---\n\nMore @b.\n\n...\n", ["a", "b"], None),  # no front matter: --- and ... are text
    ("---\ntitle: T\n---\n```\n@code\n```\n@a\n", ["a"], "T"),  # a fence right after the front matter
    ("---\nabstract: |\n  ```\n---\n@a\n", ["a"], None),  # a fence inside front matter opens nothing
    ("    @code\n\nText @a\n", ["a"], None),  # an indented first line is code
])
def test_front_matter_and_the_first_lines(text, keys, title):
    # the citations as pandoc 3 finds them in each (checked by hand with `pandoc -f markdown -t json`)
    m = parse_manuscript(text)
    assert [c.key for c in m.citations] == keys
    assert m.title == title


@pytest.mark.parametrize("text, keys", [
    ("\tcode @x\n\nText @a\n", ["a"]),  # a tab indents code as four spaces do
    ("    code @x\n    more @y\n\nText @a\n", ["a"]),  # an indented block goes on while lines are indented
    ("Text @a\n\n    code @x\n\n```\n@f\n```\n@b\n", ["a", "b"]),  # a fence after an indented block
    ("`@c` and @a\n", ["a"]),  # a code span at the very start
    ("`x @c` and `y @d` and @a\n", ["a"]),  # two spans of the same length
    # an unclosed `` run; a later ` span still closes. As CommonMark reads it (`pandoc -f commonmark`);
    # pandoc's own markdown reader takes the second backtick as an opener and cites @c instead.
    ("``open @a and `span @c` end\n", ["a"]),
])
def test_indented_code_and_code_spans(text, keys):
    # the others checked with pandoc 3 (`pandoc -f markdown -t json`): the same citations
    assert [c.key for c in parse_manuscript(text).citations] == keys


# -- each block rule, marker and mask of the Markdown reader (issue 24) ---------------------------------------
# The citations of each text were read by pandoc 3.9 (`pandoc -f markdown -t json`, its Cite elements) by hand.

@pytest.mark.parametrize("text, want", [
    ("See [@a][b] more.", [("a", "in-text")]),  # a reference link's text: not a bracketed citation
    ("See [@a](http://x.org) more.", [("a", "in-text")]),
    ("See [@a] [b] more.", [("a", "normal")]),
    ("Two results stand out [@a]: the mill closed.", [("a", "normal")]),  # a colon after it changes nothing
    ("Mail x@a.org or me+list@a.org now.", []),
    ("Escaped \\@a here.", []),
    ("See [-@a] and [see @b, p. 3; @c].", [("a", "suppress-author"), ("b", "normal"), ("c", "normal")]),
    ("Braced @{a.b}: here.", [("a.b", "in-text")]),
    ("~~~\n@a\n~~~\n@b", [("b", "in-text")]),
    ("Text\n    ```\n@a", [("a", "in-text")]),  # four spaces: no fence (and no code after a paragraph line)
    ("Text\n\n ~~~\n@a\n ~~~\n@b", [("b", "in-text")]),
    ("    @a indented code\n\n@b", [("b", "in-text")]),
    ("\t@a tab code\n\n@b", [("b", "in-text")]),
    ("``@a`` and `@b` and @c", [("c", "in-text")]),
    ("#@a not a heading\n\n# @b heading", [("a", "in-text"), ("b", "in-text")]),
    ("####### @a seven\n\n@b", [("a", "in-text"), ("b", "in-text")]),
    ("+ item @a\n\n    @b in the item", [("a", "in-text"), ("b", "in-text")]),
    ("- item @a\n\n    @b in the item", [("a", "in-text"), ("b", "in-text")]),
    ("* item @a\n\n    @b in the item", [("a", "in-text"), ("b", "in-text")]),
    ("1) item @a\n\n    @b in the item", [("a", "in-text"), ("b", "in-text")]),
    ("10. item @a\n\n    @b in the item", [("a", "in-text"), ("b", "in-text")]),
    ("- item @a\ncontinued\n\n    @b in the item", [("a", "in-text"), ("b", "in-text")]),
    ("> quoted @a\n>> nested @b", [("a", "in-text"), ("b", "in-text")]),
    ("[x]: http://x.org/@a\n\n@b", [("b", "in-text")]),
    ("Text\n\n  [x]: http://x.org/@a\n\n@b", [("b", "in-text")]),
    ('---\ntitle: "T @a"\n...\n@b', [("b", "in-text")]),
    ("---\ntitle: 'T'\n---\n@b", [("b", "in-text")]),
    ("--- \ntitle: 'T'\n---\n@b", [("b", "in-text")]),  # trailing spaces after the opening dashes
    ("See @{https://x.org/a} here.", [("https://x.org/a", "in-text")]),  # a braced key may be a URL
    ("See @a [p. 3] and @b[p. 4] and @c [p. 5](x).", [("a", "in-text"), ("b", "in-text"), ("c", "in-text")]),
    ("See @a, @b; @c. @d! @e? (@f) @g:h @i.", [("a", "in-text"), ("b", "in-text"), ("c", "in-text"),
                                               ("d", "in-text"), ("e", "in-text"), ("f", "in-text"),
                                               ("g:h", "in-text"), ("i", "in-text")]),
])
def test_citations_as_pandoc_reads_them(text, want):
    assert [(c.key, c.mode) for c in parse_manuscript(text + "\n").citations] == want


@pytest.mark.parametrize("text", [
    "See <https://x.org/@a> here.", "See <http://x.org/@a> here.", "See <ftp://x.org/@a> here.",
    "See <mailto:me@a.org> here.", "See https://x.org/@a here.", "See http://x.org/@a here.",
    "See ftp://x.org/@a here.", "See www.x.org/@a here.", "See [x](http://x.org/@a) here.",
    "Mail <me@a.org> here.", "See <b title='@a'>bold</b> here.", "See <!-- @a --> here.",
])
def test_urls_addresses_and_html_are_never_citations(text):
    assert parse_manuscript(text + "\n").citations == []


@pytest.mark.parametrize("url, after", [("https://x.org/a", "."), ("https://x.org/a", ","), ("https://x.org/a", ";"),
                                        ("https://x.org/a", ":"), ("https://x.org/a", "!"), ("https://x.org/a", "?"),
                                        ("https://x.org/a", ")")])
def test_a_bare_url_ends_before_closing_punctuation(url, after):
    m = parse_manuscript(f"It is at {url}{after} We know [@k].\n")
    assert m.sentences[0].text.startswith(f"It is at{after}") and m.sentences[-1].text.endswith("We know.")


@pytest.mark.parametrize("text, want", [
    ("Title\n===\n\nBody text here.", [("Title", True), ("Body text here.", False)]),
    ("Title\n---\n\nBody text here.", [("Title", True), ("Body text here.", False)]),
    ("Title\n=== x\n\nBody text here.", [("Title === x", False), ("Body text here.", False)]),
    ("# Title #\n\nBody text here.", [("Title", True), ("Body text here.", False)]),
    ("###### Six\n\nBody text here.", [("Six", True), ("Body text here.", False)]),
    ("####### Seven\n\nBody text here.", [("####### Seven", False), ("Body text here.", False)]),
    ("One line.\n___\nTwo line.", [("One line.", False), ("Two line.", False)]),
    ("One line.\n\n* * *\nTwo line.", [("One line.", False), ("Two line.", False)]),
    ("One line.\n\n- - -\nTwo line.", [("One line.", False), ("Two line.", False)]),
    ("One line.\n\n#\nTwo line.", [("One line.", False), ("Two line.", False)]),  # an empty heading
    ("Title\n===  \n\nBody text here.", [("Title", True), ("Body text here.", False)]),
    ("One line.\n\n--\nTwo line.", [("One line.", False), ("-- Two line.", False)]),
    ("- First item\n- Second item", [("First item", False), ("Second item", False)]),
    ("+ First item\n+ Second item", [("First item", False), ("Second item", False)]),
    ("1) First item\n2) Second item", [("First item", False), ("Second item", False)]),
    ("> Quoted one.\n>> Nested two.", [("Quoted one.", False), ("Nested two.", False)]),
])
def test_blocks_headings_rules_lists_and_quotes(text, want):
    assert [(s.text, s.heading) for s in parse_manuscript(text + "\n").sentences] == want


@pytest.mark.parametrize("text, title", [
    ('---\ntitle: "Quoted"\n---\nBody.', "Quoted"), ("---\ntitle: 'Single'\n...\nBody.", "Single"),
    ("---\ntitle:   Spaced   \n---\nBody.", "Spaced"), ("# Heading\n\nBody.", "Heading"),
    ("---\nauthor: x\n---\n# From the heading\n", "From the heading"), ("Body only.", None),
])
def test_the_title_from_front_matter_else_the_first_heading(text, title):
    assert parse_manuscript(text + "\n").title == title


@pytest.mark.parametrize("text", ["---\ntitle: T\n...\nBody text.", "--- \ntitle: T\n---\nBody text."])
def test_front_matter_to_its_closing_line_is_no_prose(text):
    m = parse_manuscript(text + "\n")
    assert (m.title, [s.text for s in m.sentences]) == ("T", ["Body text."])


@pytest.mark.parametrize("text, shown", [
    ("\u201cq\u201d \u201eq\u201d \u2018q\u2019", "\"q\" \"q\" 'q'"), ("a\u2013b\u2014c", "a-b-c"),
    ("a\u00a0b", "a b"), ("wait\u2026", "wait..."), ("a--b---c", "a-b-c"), ("one^[a note] two[^2].", "one two."),
    ("a <span>b</span> c", "a b c"), ("a \\[x\\] b", "a [x] b"), ("**bold** and `code` and ~~gone~~", "bold and code and gone"),
    ("_em_ and __strong__ but snake_case", "em and strong but snake_case"),
    ("( a ) b , c ; d : e ! f ? g .", "( a) b, c; d: e! f? g."), ("  spaced\t\nout  ", "spaced out"),
    ("As @a [p. 3] and [@b, p. 4] said.", "As and said."),
    ("Two stand out [@a]: the mill.", "Two stand out: the mill."),
])
def test_rendered_each_rule(text, shown):
    from bibkit.manuscripts.markdown import rendered

    assert rendered(text) == shown


def test_anchor_forms_written_and_rendered():
    from bibkit.manuscripts.markdown import anchor_found, text_forms

    assert text_forms("a  *b*\n c") == ("a *b* c", "a b c")
    assert anchor_found("a *b*", "x a  *b*\ny")  # as written, white space folded
    assert anchor_found("a b", "x a *b* y")  # rendered
    assert not anchor_found("a c", "x a *b* y")


def test_pandoc_citations_in_text_give_each_bracket_once():
    from bibkit.manuscripts.markdown import pandoc_citations_in_text

    text = "As [@a; @b] and @c [p. 3] said, see https://x.org/@d or me@e.org, and @f."
    got = [(c.key, c.mode, spans) for c, spans in pandoc_citations_in_text(text)]
    assert got == [("a", "normal", [(3, 11)]), ("b", "normal", []), ("c", "in-text", [(18, 25)]), ("f", "in-text", [])]


# -- where an author-in-text citation starts and where its [locator] is, judged by pandoc itself -------------

_PANDOC_MODES = {"AuthorInText": "in-text", "NormalCitation": "normal", "SuppressAuthor": "suppress-author"}


def _pandoc_json(text: str) -> dict:
    """The document pandoc's Markdown reader makes of ``text`` (``pandoc -f markdown -t json``)."""
    import json
    import subprocess

    pypandoc = pytest.importorskip("pypandoc")
    return json.loads(subprocess.run([pypandoc.get_pandoc_path(), "-f", "markdown", "-t", "json"], input=text,
                                     capture_output=True, text=True, check=True).stdout)


def _pandoc_cites(text: str) -> list[tuple[str, str, str]]:
    """(key, mode, suffix text) of each Cite element pandoc's Markdown reader makes of ``text``."""
    doc = _pandoc_json(text)
    found: list[tuple[str, str, str]] = []

    def plain(inlines: list) -> str:
        return "".join(i["c"] if i["t"] == "Str" else " " if i["t"] in ("Space", "SoftBreak") else "" for i in inlines)

    def walk(node) -> None:
        if isinstance(node, dict):
            if node.get("t") == "Cite":
                found.extend((c["citationId"], _PANDOC_MODES[c["citationMode"]["t"]],
                              plain(c["citationSuffix"]).replace("\u00a0", " ")) for c in node["c"][0])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(doc["blocks"])
    return found


@pytest.mark.parametrize("text", [
    "See @a  [p. 3] here.",  # two spaces before the locator
    "See @a\t[p. 3] here.",
    "See @a \n [p. 3] here.",  # one line break, with spaces around it
    "See @a\n\n[p. 3] here.",  # a blank line: a new paragraph, no locator
    "See @a[p. 3] and @b [p. 4].",
    "x]@a y", "text]@a[p. 2]", "[x]@a", "[x] @a", "[see @a]@b",  # after a closing bracket
    "see @@a here", "x@@a y",  # the second "@" starts the citation
    "_@a", "x_@a", "x-@a", "x,@a", "x)@a", "x'@a", "see (@a) here",  # after punctuation
    "(@a) opens a numbered example.", "(@a)joined", "Text.\n(@a) goes on the paragraph.",  # pandoc's example lists
    "Text.\n\n  (@a) an example.", "(@a) one\n(@b) two, after @c", "(@a.b) is no example label",
    "-@a says so", "(-@a)",  # a minus before it: the author left out
    "x.@a", "..@a", "x1@a", "\u00e9@a", "Mail x@a.org now.", "Escaped \\@a here.",  # part of a word: none
])
def test_in_text_citations_start_and_take_locators_as_pandoc_reads_them(text):
    expected = [(key, mode, suffix) for key, mode, suffix in _pandoc_cites(text)]
    ours = [(c.key, c.mode, c.locator or "") for c in parse_manuscript(text + "\n").citations]
    assert ours == expected


@pytest.mark.parametrize("text", [
    "`code`` then @smith says` more.\n",      # a run of two backticks inside a one-backtick span does not close it
    "``a`b`` then @smith says.\n",             # one backtick inside a two-backtick span does not close it either
    "`a```b` @smith.\n",
])
def test_a_code_span_closes_only_at_a_run_of_exactly_its_length(text):
    expected = [(key, mode) for key, mode, _ in _pandoc_cites(text)]
    assert [(c.key, c.mode) for c in parse_manuscript(text, "markdown").citations] == expected


def _pandoc_headings(text: str) -> list[str]:
    """The text of each Header pandoc's Markdown reader makes of ``text``, as plain text."""
    doc = _pandoc_json(text)
    return ["".join(i["c"] if i["t"] == "Str" else " " for i in block["c"][2])
            for block in doc["blocks"] if block["t"] == "Header"]


@pytest.mark.parametrize("text", [
    "# Learning C#", "# C# and F#", "## Two##", "# Spaced #  ", "### Three ###", "# foo#bar here",
    "# Escaped \\#", "# Escaped \\##", "# A# b", "#### Kept # inside words", "# ##", "## #", "# #\tx #",
])
def test_atx_headings_lose_their_closing_hashes_as_pandoc_reads_them(text):
    # pandoc's Markdown drops a trailing run of "#" even with no space before it ("C#" -> "C"), unless escaped;
    # a heading of closing marks only is empty ("# ##"), and an empty heading makes no sentence
    ours = [s.text for s in parse_manuscript(text + "\n\nBody text.\n").sentences if s.heading]
    assert ours == [h for h in _pandoc_headings(text + "\n\nBody text.\n") if h]


# -- stop 34's mutmut survivors in the Markdown reader, each judged by pandoc's own reading ----------------------

@pytest.mark.parametrize("text", [
    "```\nx\n```\n    [@a] here.\n\nThen @b.\n",  # an indented line right after a closing fence: code
    "~~~\nx\n~~~\n    @a here.\n",
    "    code\n(@a) text here.\n\nThen @b.\n",  # "(@a)" right after indented code: an example list's marker
    "Para.\n\n    code @c\n(@a) text\n",
    "Text [@c; nokey] and [nokey; @a] and [@d; -@e pp. 3] end.\n",  # an item without a key: no bracket citation
    "See [@a; x] then [@b] and @c.\n",
    "@a wrote this -",  # a minus at the very end, and no final newline
    "Mail a@b.org c@d.org now.\n",  # an address right after the one before: no citation either
    "Para @a",
])
def test_citations_around_code_brackets_and_addresses_as_pandoc_reads_them(text):
    expected = [(key, mode) for key, mode, _ in _pandoc_cites(text)]
    assert [(c.key, c.mode) for c in parse_manuscript(text).citations] == expected


def _pandoc_all_headings(text: str) -> list[str]:
    """The text of every Header, at any depth (in block quotes too), that pandoc's Markdown reader makes of ``text``."""
    found: list[str] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            if node.get("t") == "Header":
                found.append("".join(i["c"] if i["t"] == "Str" else " " for i in node["c"][2]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(_pandoc_json(text)["blocks"])
    return found


@pytest.mark.parametrize("text", [
    "Para one\n# Head\nMore.\n",  # pandoc wants a blank line before a heading: this "#" line is paragraph text
    "Some longer text here.\n - - -\nMore text.\n",  # a rule-like line after a paragraph line (pandoc: a table)
    "Para @a",  # the last paragraph, with no final newline
    "> # Quoted head\n\nBody.\n",  # a heading inside a block quote
    "```\nx\n```\n# After a fence\n\nBody.\n",
])
def test_which_lines_are_headings_as_pandoc_reads_them(text):
    ours = [s.text for s in parse_manuscript(text).sentences if s.heading]
    assert ours == _pandoc_all_headings(text)


def test_paragraphs_split_at_a_rule_and_keep_every_word():
    # worked out by hand: a "---" rule after a blank line belongs to no paragraph; the next one starts at its text
    text = "Intro.\n\n---\nNext para.\n"
    assert [(s.text, s.paragraph) for s in parse_manuscript(text).sentences] == [("Intro.", 0), ("Next para.", 12)]
    # a "#" line inside a paragraph stays in its sentence, as pandoc's plain text has it: "Para one # Head More."
    assert [s.text for s in parse_manuscript("Para one\n# Head\nMore.\n").sentences] == ["Para one # Head More."]


@pytest.mark.parametrize("text, shown", [
    ("me@e.org says so.\n", ["says so."]),  # an address at the very start is masked like any other
    ("So me@e.org says so.\n", ["So says so."]),
    ("a@b.org c@d.org says so.\n", ["says so."]),  # the second right after the first, one space between
    ("x@y.org>z@w.org says so.\n", ["says so."]),  # the second starts right where the first ends
])
def test_an_address_is_left_out_of_the_prose_wherever_it_starts(text, shown):
    assert [s.text for s in parse_manuscript(text).sentences] == shown


def test_a_suffix_that_is_no_locator_is_kept_as_pandoc_reads_it():
    text = "See [@a, and elsewhere] and @b [and more].\n"
    ours = [(c.key, c.locator, c.suffix) for c in parse_manuscript(text).citations]
    assert ours == [("a", None, "and elsewhere"), ("b", None, "and more")]
    assert [(key, suffix.lstrip(", ")) for key, _, suffix in _pandoc_cites(text)] == [("a", "and elsewhere"),
                                                                                     ("b", "and more")]


@pytest.mark.parametrize("text, shown", [
    ("X marks the spot X", "X marks the spot X"),  # only spaces are trimmed, no other character
    ("\u2003wide\u2003", "\u2003wide\u2003"),  # Lua's %s is ASCII white space: an em space stays
])
def test_rendered_trims_ascii_spaces_only(text, shown):
    from bibkit.manuscripts.markdown import rendered

    assert rendered(text) == shown


def test_a_markdown_manuscript_names_its_kind_and_path():
    from bibkit.manuscripts.markdown import parse_markdown

    for m, path in ((parse_markdown("Text @a.\n"), "<text>"), (parse_markdown("Text @a.\n", "x.md"), "x.md")):
        assert (m.kind, m.path, m.source.path) == ("markdown", path, path)
