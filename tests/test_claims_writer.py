"""claims.yaml edits keep the user's file: only the decided link's lines change (checked with difflib)."""

from __future__ import annotations

import datetime
import difflib
import string

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bibkit.claims.writer import MISSING, ClaimsEditor, render_scalar
from bibkit.infra.errors import BibkitError

DAY = datetime.date(2026, 11, 28)


@pytest.fixture
def text(data) -> str:
    return (data / "review" / "claims.yaml").read_text(encoding="utf-8")


def changes(before: str, after: str) -> tuple[list[str], list[str]]:
    """(removed lines, added lines) by difflib, an independent line diff."""
    removed, added = [], []
    for line in difflib.ndiff(before.splitlines(), after.splitlines()):
        if line.startswith("- "):
            removed.append(line[2:])
        elif line.startswith("+ "):
            added.append(line[2:])
    return removed, added


def test_shorthand_link_becomes_a_mapping_only_when_decided(text):
    ed = ClaimsEditor(text)
    ed.update_link("harvest-inflated", "alpha2001", {"verified": True, "verified_by": "A. Reviewer",
                                                     "verified_on": DAY, "fingerprint": "0123456789abcdef0123"})
    after = ed.result()
    assert changes(text, after) == (
        ["    - alpha2001      # shorthand: becomes a mapping only when decided"],
        ["    - key: alpha2001      # shorthand: becomes a mapping only when decided",
         "      verified: true",
         "      verified_by: A. Reviewer",
         "      verified_on: 2026-11-28",
         "      fingerprint: 0123456789abcdef0123"],
    )


def test_block_mapping_changes_only_its_own_lines(text):
    ed = ClaimsEditor(text)
    ed.update_link("harvest-inflated", "alpha2001", {"verified": True, "verified_by": "Ó Gráda",
                                                     "verified_on": DAY}, index=1)
    after = ed.result()
    assert changes(text, after) == (
        ["      verified: no        # YAML 1.1 false"],
        ["      verified: true        # YAML 1.1 false",
         "      verified_by: Ó Gráda",
         "      verified_on: 2026-11-28"],
    )
    # the new keys go right under the mapping's last key, before the blank lines and the comment
    lines = after.splitlines()
    at = lines.index('      note: "keep this note"   # trailing comment')
    assert lines[at + 1:at + 4] == ["      verified_by: Ó Gráda", "      verified_on: 2026-11-28", ""]


def test_flow_mapping_stays_one_flow_line(text):
    ed = ClaimsEditor(text)
    ed.update_link("harvest-inflated", "beta1999", {"review": "rejected", "reason": "p. 7: nothing, #none"})
    assert changes(text, ed.result()) == (
        ['    - {key: beta1999, locator: "p. 7", stance: qualifies}   # flow mapping'],
        ['    - {key: beta1999, locator: "p. 7", stance: qualifies, review: rejected, '
         'reason: "p. 7: nothing, #none"}   # flow mapping'],
    )


def test_item_of_a_flow_list_becomes_a_flow_mapping(text):
    ed = ClaimsEditor(text)
    ed.update_link("grain-fell", "beta1999", {"verified": True})
    assert changes(text, ed.result()) == (
        ["    sources: [beta1999, {key: alpha2001, locator: p. 19}]"],
        ["    sources: [{key: beta1999, verified: true}, {key: alpha2001, locator: p. 19}]"],
    )


def test_removing_fields_deletes_only_their_lines(text):
    ed = ClaimsEditor(text)
    ed.update_link("harvest-inflated", "alpha2001", {"note": MISSING, "quote": MISSING}, index=1)
    assert changes(text, ed.result()) == (
        ['      quote: "reported yields were three times the real ones"',
         '      note: "keep this note"   # trailing comment'],
        [],
    )


def test_added_link_uses_the_lists_indentation(text):
    ed = ClaimsEditor(text)
    ed.add_link("harvest-inflated", {"key": "delta2004", "verified": True})
    ed.add_link("no-sources", {"key": "beta1999", "review": "rejected", "reason": "no"})
    ed.add_link("grain-fell", {"key": "delta2004"})
    after = ed.result()
    removed, added = changes(text, after)
    assert removed == ["    sources: [beta1999, {key: alpha2001, locator: p. 19}]"]
    assert added == [
        "    - key: delta2004", "      verified: true",
        "    sources: [beta1999, {key: alpha2001, locator: p. 19}, {key: delta2004}]",
        "  sources:", "    - key: beta1999", "      review: rejected", '      reason: "no"',
    ]
    assert yaml.safe_load(after)["claims"][2]["sources"] == [{"key": "beta1999", "review": "rejected",
                                                             "reason": "no"}]


def test_claim_text_in_a_block_scalar_is_replaced_in_place(text):
    ed = ClaimsEditor(text)
    ed.update_claim("harvest-inflated", {"text": "Harvest reports were inflated."})
    assert changes(text, ed.result()) == (
        ["  text: >-", "    Harvest reports were inflated", "    well beyond real output."],
        ["  text: Harvest reports were inflated."],
    )


def test_appended_and_removed_claims(text):
    ed = ClaimsEditor(text)
    ed.append_claims([{"id": "new-one", "text": "A new claim: with a colon."}])
    ed.remove_claim("grain-fell")
    after = ed.result()
    data = yaml.safe_load(after)
    assert [c["id"] for c in data["claims"]] == ["harvest-inflated", "no-sources", "new-one"]
    removed, added = changes(text, after)
    assert removed == ["-   id: grain-fell          # four-space item indent",
                       "    text: 'Grain output fell in 1959, it''s said.'",
                       "    sources: [beta1999, {key: alpha2001, locator: p. 19}]"]
    assert added == ["", "- id: new-one", "  text: 'A new claim: with a colon.'"]


def test_crlf_and_bom_are_kept():
    text = "\ufeffversion: 1\r\nclaims:\r\n  - id: a\r\n    text: T\r\n    sources:\r\n      - key: k\r\n"
    ed = ClaimsEditor(text)
    ed.update_link("a", "k", {"verified": True, "verified_by": "X"})
    assert ed.result() == ("\ufeffversion: 1\r\nclaims:\r\n  - id: a\r\n    text: T\r\n    sources:\r\n"
                           "      - key: k\r\n        verified: true\r\n        verified_by: X\r\n")


def test_unknown_claim_or_link_is_an_error(text):
    ed = ClaimsEditor(text)
    with pytest.raises(BibkitError, match="no claim with id nope"):
        ed.update_link("nope", "alpha2001", {"verified": True})
    with pytest.raises(BibkitError, match="claim grain-fell has no link to delta2004"):
        ed.update_link("grain-fell", "delta2004", {"verified": True})


def test_an_edit_that_would_not_read_back_is_refused(text, monkeypatch):
    ed = ClaimsEditor(text)
    monkeypatch.setattr("bibkit.claims.writer.render_scalar", lambda value, flow=True: "[oops")
    ed.update_link("harvest-inflated", "alpha2001", {"note": "x"}, index=1)
    with pytest.raises(BibkitError, match="nothing written"):
        ed.result()


def test_file_without_trailing_newline():
    text = "version: 1\nclaims:\n  - id: a\n    text: T\n    sources:\n      - k"
    ed = ClaimsEditor(text)
    ed.update_link("a", "k", {"verified": True})
    assert ed.result() == "version: 1\nclaims:\n  - id: a\n    text: T\n    sources:\n      - key: k\n        verified: true"


HOSTILE = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40) | st.sampled_from(
    ["yes", "no", "null", "~", "1.0", "0x1F", "2026-11-28", "- a", "a: b", "a #b", "[x]", "{x}", "'q'", '"q"',
     "p. 12, 13", " lead", "trail ", "a\nb", "tab\there", "\u2028", "@x", "`x", "%x", "!x", "&x", "*x", "? x",
     "Ó Gráda", "NaN", ".inf", "=1+1"])


@settings(max_examples=300, deadline=None)
@given(HOSTILE)
def test_rendered_scalars_read_back_exactly_in_block_and_flow(value):
    rendered = render_scalar(value)
    assert yaml.safe_load(f"k: {rendered}\n") == {"k": value}
    assert yaml.safe_load(f"[{{k: {rendered}}}, x]") == [{"k": value}, "x"]
    block = render_scalar(value, flow=False)
    # in a block mapping, with the comment that may follow a replaced value
    assert yaml.safe_load(f"k: {block}   # kept comment\nj: 1\n") == {"k": value, "j": 1}


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=string.ascii_letters + string.digits + " .,:#'\"-", max_size=30))
def test_any_reason_round_trips_through_the_file(text_value):
    base = "version: 1\nclaims:\n- id: a\n  text: T\n  sources:\n  - key: k\n"
    ed = ClaimsEditor(base)
    ed.update_link("a", "k", {"review": "rejected", "reason": text_value})
    assert yaml.safe_load(ed.result())["claims"][0]["sources"][0]["reason"] == text_value


def _link_spans(text: str) -> dict[tuple[str, int], tuple[int, int]]:
    """(claim id, link number) -> 1-based first and last line of that link, from PyYAML's own marks."""
    root = yaml.compose(text)
    claims = dict((k.value, v) for k, v in root.value)["claims"]
    out = {}
    for claim in claims.value:
        fields = dict((k.value, v) for k, v in claim.value)
        if "sources" not in fields:
            continue
        for i, link in enumerate(fields["sources"].value):
            end = link.end_mark
            last = end.line + 1 if end.column else end.line  # a mark at column 0 ends the line above
            out[(fields["id"].value, i)] = (link.start_mark.line + 1, max(last, link.start_mark.line + 1))
    return out


def test_every_link_of_the_bundled_example_changes_only_its_own_lines(root):
    """On a file we did not lay out for the writer: each decision touches only the decided link's lines."""
    text = (root / "claims.yaml").read_text(encoding="utf-8")
    spans = _link_spans(text)
    data = yaml.safe_load(text)
    keys = {(c["id"], i): (s if isinstance(s, str) else s["key"])
            for c in data["claims"] for i, s in enumerate(c.get("sources") or [])}
    assert len(spans) >= 30
    for (cid, i), (first, last) in spans.items():
        key = keys[(cid, i)]
        index = sum(1 for j in range(i) if keys[(cid, j)] == key)
        ed = ClaimsEditor(text)
        ed.update_link(cid, key, {"review": "rejected", "reason": "checked: not there", "verified": False,
                                  "verified_by": "T", "verified_on": DAY}, index=index)
        after = ed.result()
        matcher = difflib.SequenceMatcher(None, text.splitlines(), after.splitlines(), autojunk=False)
        for tag, i1, i2, _j1, _j2 in matcher.get_opcodes():
            if tag == "equal":
                continue
            # removed or replaced lines lie inside the link; insertions sit right after one of its lines
            assert first - 1 <= i1 and i2 <= last + (tag == "insert"), (cid, key, tag, i1, i2, first, last)
        link = yaml.safe_load(after)["claims"][[c["id"] for c in data["claims"]].index(cid)]["sources"][i]
        assert link["review"] == "rejected" and link["verified_on"] == DAY


LAYOUTS = st.fixed_dictionaries({
    "indent": st.sampled_from([2, 3, 4]),
    "flow": st.sampled_from([False, None]),
    "comments": st.booleans(),
    "blank": st.booleans(),
})
LINKS = st.lists(st.one_of(st.sampled_from(["a1", "b2", "c3"]),
                           st.fixed_dictionaries({"key": st.sampled_from(["a1", "b2", "c3"])},
                                                 optional={"locator": st.sampled_from(["p. 3", "pp. 4--5", "chap. 2"]),
                                                           "quote": st.text(min_size=1, max_size=20),
                                                           "verified": st.booleans(),
                                                           "note": st.text(max_size=15)})),
                 min_size=1, max_size=3)


@settings(max_examples=150, deadline=None)
@given(LAYOUTS, st.lists(LINKS, min_size=1, max_size=3), st.data())
def test_generated_layouts_decide_exactly_one_link(layout, claim_links, data):
    claims = [{"id": f"c{n}", "text": f"Claim {n}.", "sources": links} for n, links in enumerate(claim_links)]
    body = yaml.safe_dump({"version": 1, "claims": claims}, sort_keys=False, allow_unicode=True,
                          indent=layout["indent"], default_flow_style=layout["flow"], width=60)
    if layout["comments"]:
        body = "\n".join(line + ("  # note" if line.rstrip().endswith(("a1", "b2", "c3")) else "")
                         for line in body.splitlines()) + "\n"
    if layout["blank"]:
        body = body.replace("\n- id:", "\n\n- id:")
    original = yaml.safe_load(body)
    n = data.draw(st.integers(0, len(claims) - 1))
    i = data.draw(st.integers(0, len(claim_links[n]) - 1))
    item = claim_links[n][i]
    key = item if isinstance(item, str) else item["key"]
    index = sum(1 for x in claim_links[n][:i] if (x if isinstance(x, str) else x["key"]) == key)
    ed = ClaimsEditor(body)
    ed.update_link(f"c{n}", key, {"verified": True, "verified_by": "R, the reviewer", "fingerprint": "ab" * 10,
                                  "note": MISSING}, index=index)
    after = yaml.safe_load(ed.result())
    expected = original
    link = expected["claims"][n]["sources"][i]
    link = expected["claims"][n]["sources"][i] = {"key": link} if isinstance(link, str) else link
    link.pop("note", None)
    link.update({"verified": True, "verified_by": "R, the reviewer", "fingerprint": "ab" * 10})
    assert after == expected


def test_link_added_to_an_empty_flow_list():
    text = "version: 1\nclaims:\n  - id: a\n    text: T\n    sources: []   # none yet\n"
    ed = ClaimsEditor(text)
    ed.add_link("a", {"key": "k", "verified": True})
    assert ed.result() == "version: 1\nclaims:\n  - id: a\n    text: T\n    sources: [{key: k, verified: true}]   # none yet\n"


@pytest.mark.parametrize("before, removed, added", [
    # bibkit init's file: the placeholder title replaced, the commented-out path becomes the path
    ("version: 1\ndocument:\n  title: My article\n  # path: article.md   # note\n# other\nclaims: []\n",
     ["  title: My article", "  # path: article.md   # note"], ['  title: "Essay: one"', "  path: text/essay.md"]),
    ("version: 1\nclaims: []\n", [], ["document:", '  title: "Essay: one"', "  path: text/essay.md"]),
    ("version: 1\ndocument: {title: Old}\nclaims: []\n",
     ["document: {title: Old}"], ["document: {title: \"Essay: one\", path: text/essay.md}"]),
])
def test_update_document_sets_title_and_path_in_any_layout(before, removed, added):
    editor = ClaimsEditor(before)
    editor.update_document({"title": "Essay: one", "path": "text/essay.md"})
    after = editor.result()
    assert yaml.safe_load(after)["document"] == {"title": "Essay: one", "path": "text/essay.md"}
    assert changes(before, after) == (removed, added)


# (value, flow form, block form), written out by hand: plain where YAML reads the text back as the
# same string in that context, else a JSON (double-quoted) string with YAML's non-printables escaped.
SCALARS = [
    ("p. 3", "p. 3", "p. 3"), ("p. 3 (fig. 2)", "p. 3 (fig. 2)", "p. 3 (fig. 2)"), ("O'Brien", "O'Brien", "O'Brien"),
    ("a+b", "a+b", "a+b"), ("a/b", "a/b", "a/b"), ("x_y", "x_y", "x_y"), ("ok.", "ok.", "ok."),
    ("Ó Gráda", "Ó Gráda", "Ó Gráda"), ("NaN", "NaN", "NaN"),
    ("yes", '"yes"', '"yes"'), ("null", '"null"', '"null"'), ("12", '"12"', '"12"'),
    ("2024-01-05", '"2024-01-05"', '"2024-01-05"'), ("a: b", '"a: b"', '"a: b"'), ("[x]", '"[x]"', '"[x]"'),
    ("#tag", '"#tag"', '"#tag"'), ("a #b", '"a #b"', '"a #b"'), (" lead", '" lead"', '" lead"'),
    ("trail ", '"trail "', '"trail "'), ("a  b", '"a  b"', '"a  b"'), ("", '""', '""'),
    ("a\nb", '"a\\nb"', '"a\\nb"'), ("tab\there", '"tab\\there"', '"tab\\there"'), ('"q"', '"\\"q\\""', '"\\"q\\""'),
    # safe in a block mapping, not between { } or [ ]
    ("a, b", '"a, b"', "a, b"), ("x [y]", '"x [y]"', "x [y]"), ("-x", '"-x"', "-x"), ("_x", '"_x"', "_x"),
    ("a:b", '"a:b"', "a:b"), ("x?", '"x?"', "x?"),
    # what JSON leaves raw and YAML refuses or reads as a line break
    ("\u2028", '"\\u2028"', '"\\u2028"'), ("\u2029", '"\\u2029"', '"\\u2029"'), ("\x85", '"\\u0085"', '"\\u0085"'),
    ("a\x7fb", '"a\\u007fb"', '"a\\u007fb"'), ("\ud800", '"\\ud800"', '"\\ud800"'),
    (True, "true", "true"), (False, "false", "false"), (3, "3", "3"), (2.5, "2.5", "2.5"),
    (datetime.date(2024, 1, 5), "2024-01-05", "2024-01-05"),
    # non-ASCII stays readable when quoted (JSON's default would write \u00d3)
    ("Ó: x", '"Ó: x"', '"Ó: x"'), ("Łódź, 1959", '"Łódź, 1959"', "Łódź, 1959"),
]


@pytest.mark.parametrize("value, flow, block", SCALARS)
def test_render_scalar_exactly(value, flow, block):
    assert render_scalar(value) == flow
    assert render_scalar(value, flow=False) == block
    if value != "\ud800":  # a lone surrogate cannot be encoded, but the escape is what YAML reads back
        assert yaml.safe_load(f"[{{k: {flow}}}]") == [{"k": value}]
        assert yaml.safe_load(f"k: {block}\n") == {"k": value}


def test_flow_mapping_value_replaced_in_place_and_quoted_when_needed():
    text = ("version: 1\nclaims:\n  - id: a\n    text: T\n    sources:\n"
            "      - {key: k, locator: p. 7, quote: \"was: x\", note: n}   # kept\n")
    ed = ClaimsEditor(text)
    ed.update_link("a", "k", {"locator": "p. 8, 9", "quote": "plain now", "note": MISSING, "reason": "yes"})
    assert ed.result() == text.replace('{key: k, locator: p. 7, quote: "was: x", note: n}',
                                       '{key: k, locator: "p. 8, 9", quote: plain now, reason: "yes"}')
    ed = ClaimsEditor(text)  # a field removed before another is set: the others keep their places
    ed.update_link("a", "k", {"locator": MISSING, "note": "m", "quote": "q"})
    assert ed.result() == text.replace('{key: k, locator: p. 7, quote: "was: x", note: n}', '{key: k, quote: q, note: m}')
    ed = ClaimsEditor(text)
    ed.update_link("a", "k", {"verified": True, "verified_on": DAY, "locator": "p. 7"})
    assert ed.result() == text.replace('note: n}', 'note: n, verified: true, verified_on: 2026-11-28}')


def test_block_value_replaced_keeps_its_comment_and_quotes_when_needed():
    text = ("version: 1\nclaims:\n  - id: a\n    text: T\n    sources:\n"
            "      - key: k\n        locator: p. 7   # page\n        reason: \"old: one\"\n")
    ed = ClaimsEditor(text)
    ed.update_link("a", "k", {"locator": "a #b", "reason": "new, plain"})
    assert ed.result() == text.replace('locator: p. 7   # page', 'locator: "a #b"   # page').replace(
        'reason: "old: one"', "reason: new, plain")


SMALL = """\
version: 1
claims:
  - id: c
    text: T.
    sources:
      - key: k
        locator: p. 1
      - {key: j}
"""


def test_block_values_are_plain_when_yaml_reads_them_back_exactly():
    ed = ClaimsEditor(SMALL)
    ed.update_link("c", "k", {"reason": "x, y [z]", "note": "a: b"})
    assert ed.result().splitlines()[7:9] == ["        reason: x, y [z]", '        note: "a: b"']
    ed = ClaimsEditor(SMALL)
    ed.update_link("c", "j", {"reason": "x, y"})
    assert ed.result().splitlines()[7] == '      - {key: j, reason: "x, y"}'


def test_a_byte_order_mark_inside_a_value_is_escaped():
    assert render_scalar("a\ufeffb") == '"a\\ufeffb"'
    assert render_scalar("a\u2029b\u2028c\x85") == '"a\\u2029b\\u2028c\\u0085"'


def test_the_only_key_cannot_be_removed_and_a_link_is_edited_once_per_write():
    ed = ClaimsEditor(SMALL.replace("        locator: p. 1\n", ""))
    with pytest.raises(BibkitError, match="cannot remove the only key of a mapping"):
        ed.update_link("c", "k", {"key": MISSING})
    ed = ClaimsEditor(SMALL)
    ed.update_link("c", "k", {"note": "n"})
    with pytest.raises(BibkitError, match="cannot edit the same link twice in one write"):
        ed.update_link("c", "k", {"reason": "r"})


def test_keys_added_after_a_block_scalar_go_right_under_it():
    # a link whose last value is a literal block: its text ends at a line start, which must stay put
    text = ("version: 1\n"
            "claims:\n"
            "  - id: c1\n"
            "    text: A claim.\n"
            "    sources:\n"
            "      - key: a\n"
            "        quote: |\n"
            "          first line\n"
            "          second line\n"
            "      - key: b\n"
            "  - id: c2\n"
            "    text: Another.\n")
    ed = ClaimsEditor(text)
    ed.update_link("c1", "a", {"verified": True, "verified_on": DAY})
    after = ed.result()
    assert after == text.replace("          second line\n",
                                 "          second line\n        verified: true\n        verified_on: 2026-11-28\n")
    links = yaml.safe_load(after)["claims"][0]["sources"]
    assert links == [{"key": "a", "quote": "first line\nsecond line\n", "verified": True, "verified_on": DAY},
                     {"key": "b"}]


@pytest.mark.parametrize("line, expected", [
    ("        verified:   # to do\n", "        verified: true   # to do\n"),
    ("        verified:\n", "        verified: true\n"),
])
def test_an_empty_value_is_replaced_in_place(line, expected):
    # libyaml reads an empty plain value with the style '' where the pure-Python reader says None: both
    # must be written as a value after the colon (the third audit found every such edit refused)
    text = ("version: 1\nclaims:\n  - id: c2\n    text: Power networks spread.\n    sources:\n"
            "      - key: hughes1983\n" + line + "        note: checked\n")
    ed = ClaimsEditor(text)
    ed.update_link("c2", "hughes1983", {"verified": True})
    assert ed.result() == text.replace(line, expected)


# -- editing one claim's lines alone (edit_claim), judged by a whole-file edit and by spans read afresh --------------

def test_edits_of_one_claim_in_turn_keep_its_span_and_equal_a_whole_file_edit():
    from bibkit.claims.writer import claim_spans, edit_claim

    text = ("version: 1\nclaims:\n  - id: a\n    text: A.\n    sources: [k1]\n"
            "  - id: b\n    text: B.\n    sources:\n      - key: k2\n  - id: c\n    text: C.\n    sources: [k3]\n")
    steps = [("b", "k2", {"verified": True, "verified_by": "R"}),  # the claim grows by two lines...
             ("b", "k2", {"note": "second look"}),  # ...and is edited again in the same session
             ("c", "k3", {"verified": True}), ("a", "k1", {"review": "rejected", "reason": "wrong page"})]
    spans = claim_spans(text)
    whole = text
    for claim_id, key, updates in steps:
        edited = edit_claim(text, spans, claim_id, lambda e: e.update_link(claim_id, key, updates))
        assert edited is not None
        text = edited[0]
        editor = ClaimsEditor(whole)
        editor.update_link(claim_id, key, updates)
        whole = editor.result()
        assert text == whole
        assert spans == claim_spans(text)  # the edited claim's own end moved too, not just the claims after it
    assert yaml.safe_load(text)["claims"][1]["sources"] == [
        {"key": "k2", "verified": True, "verified_by": "R", "note": "second look"}]


# -- claim_spans / edit_claim: exact spans worked out from the text, BOM, CRLF, layouts refused -----------------------

def test_claim_spans_exact_over_bom_crlf_comments_and_a_dash_on_its_own_line():
    from bibkit.claims.writer import claim_spans

    body = ("version: 1\r\nclaims:\r\n  - id: a\r\n    text: |\r\n      A.\r\n\r\n  # note\r\n"
            "  - id: a\r\n    text: dup  # same id\r\n  -\r\n    id: c\r\n    text: C.  # end\r\n")
    spans = claim_spans("\ufeff" + body)  # offsets count from after the BOM
    a1, a2, c = body.index("  - id: a"), body.index("  - id: a\r\n    text: dup"), body.index("  -\r\n")
    assert spans.starts == [a1, a2, c]
    assert spans.ends == [body.index("\r\n  # note") + 2, c, len(body)]
    assert spans.lines == [3, 8, 10]
    assert spans.ids == {"a": 0, "c": 2}  # a repeated id names its first claim
    assert spans.aliases is False
    assert claim_spans("claims:\n  - id: a\n    text: T\n    tags: &t [x]\n  - id: b\n    text: U\n    tags: *t\n").aliases is True


@pytest.mark.parametrize("text", [
    "claims: [{id: a, text: T}]\n",  # the list in flow style
    "claims: []\n",  # an empty list in flow style: nothing to edit claim by claim
    "claims:\n  - {id: a, text: T}\n",  # a claim in flow style
    "claims:\n  - id: a\n    text: T\n  - just text\n",  # an item that is not a mapping
    "claims:\n  - id: [unclosed\n",  # not YAML
    "- id: a\n",  # not a mapping at the top
    "version: 1\n", "claims:\n", "claims: x\n",  # no claims list (bibkit init's file has none yet)
])
def test_claim_spans_refuses_layouts_it_cannot_edit_claim_by_claim(text):
    from bibkit.claims.writer import claim_spans

    assert claim_spans(text) is None


def test_edit_claim_keeps_bom_and_crlf_and_refuses_a_file_with_aliases():
    from bibkit.claims.writer import claim_spans, edit_claim

    text = "\ufeffversion: 1\r\nclaims:\r\n  - id: a\r\n    text: A.\r\n    sources: [k]\r\n  - id: b\r\n    text: B.\r\n"
    spans = claim_spans(text)
    got = edit_claim(text, spans, "a", lambda e: e.update_link("a", "k", {"verified": True}))
    assert got == ("\ufeffversion: 1\r\nclaims:\r\n  - id: a\r\n    text: A.\r\n    sources: [{key: k, verified: true}]\r\n"
                   "  - id: b\r\n    text: B.\r\n", 0)
    aliased = "claims:\n  - id: a\n    tags: &t [x]\n    sources: [k]\n  - id: b\n    tags: *t\n"
    assert edit_claim(aliased, claim_spans(aliased), "a", lambda e: e.update_link("a", "k", {"verified": True})) is None


# -- append_claims: the layouts bibkit init and users write ------------------------------------------------------------

@pytest.mark.parametrize("before, after", [
    ("version: 1\nclaims:\n", "version: 1\nclaims:\n  - id: n\n    text: Ó Gráda\n"),  # what bibkit init writes
    ("version: 1\nclaims: []\n", "version: 1\nclaims:\n  - id: n\n    text: Ó Gráda\n"),
    ("version: 1\nclaims:\t[]\n", "version: 1\nclaims:\n  - id: n\n    text: Ó Gráda\n"),
    ("claims:\n  -   id: a\n      text: A.\n", "claims:\n  -   id: a\n      text: A.\n  -   id: n\n      text: Ó Gráda\n"),
])
def test_append_claims_in_the_lists_own_layout(before, after):
    ed = ClaimsEditor(before)
    ed.append_claims([{"id": "n", "text": "Ó Gráda"}])
    assert ed.result() == after


def test_append_claims_keeps_key_order_long_lines_blank_line_spacing_and_nothing_for_no_items():
    long = "word " * 30 + "end"
    text = "claims:\n- id: a\n  text: A.\n\n- id: b\n  text: B.\n"
    ed = ClaimsEditor(text)
    ed.append_claims([{"id": "n", "text": long, "anchor": "x"}, {"id": "m", "text": "M."}])
    assert ed.result() == text + f"\n- id: n\n  text: {long}\n  anchor: x\n\n- id: m\n  text: M.\n"
    for unchanged in ("claims: []\n", "claims: [{id: a}]\n"):
        ed = ClaimsEditor(unchanged)
        ed.append_claims([])
        assert ed.result() == unchanged
    with pytest.raises(BibkitError, match="flow style"):
        ClaimsEditor("claims: [{id: a}]\n").append_claims([{"id": "n"}])


# -- update_document: where a new document goes and which commented example it replaces ----------------------------------

@pytest.mark.parametrize("before, updates, after", [
    ("version: 1\nclaims: []\n", {"title": "T"}, "version: 1\ndocument:\n  title: T\nclaims: []\n"),
    ("  version: 1\n  claims: []\n", {"title": "T"}, "  version: 1\n  document:\n    title: T\n  claims: []\n"),
    ("document:\n  title: X\n  #path: a.md\nclaims: []\n", {"path": "b.md"},
     "document:\n  title: X\n  path: b.md\nclaims: []\n"),
    ("document:\n  title: X\n# path: a.md\nclaims: []\n", {"path": "b.md"},  # a comment at another indentation stays
     "document:\n  title: X\n  path: b.md\n# path: a.md\nclaims: []\n"),
    ("document:\n  title: X\n  # path: a.md\n  # path: c.md\nclaims: []\n", {"path": "b.md"},  # the first example only
     "document:\n  title: X\n  path: b.md\n  # path: c.md\nclaims: []\n"),
    ("document:\n  path: a.md\n  # path: old.md\nclaims: []\n", {"path": "b.md"},  # a key already there: set in place
     "document:\n  path: b.md\n  # path: old.md\nclaims: []\n"),
    ("document:\n  title: X\n  # path: a.md\nclaims: []\n", {"path": "b.md", "subtitle": "S"},
     "document:\n  title: X\n  subtitle: S\n  path: b.md\nclaims: []\n"),
])
def test_update_document_places_keys_exactly(before, updates, after):
    ed = ClaimsEditor(before)
    ed.update_document(updates)
    assert ed.result() == after


# -- add_link, update_claim and remove_claim in the layouts the tests above do not reach --------------------------------

def test_add_link_layouts_and_refusals():
    ed = ClaimsEditor("claims:\n  - id: a\n    sources: [k]\n")
    ed.add_link("a", {"key": "n", "locator": "p. 3, 4"})  # a comma must be quoted inside [...]
    assert ed.result() == 'claims:\n  - id: a\n    sources: [k, {key: n, locator: "p. 3, 4"}]\n'
    ed = ClaimsEditor("claims:\n  - id: a\n    sources:\n      -   key: k\n")
    ed.add_link("a", {"key": "n", "note": "N"})
    assert ed.result() == "claims:\n  - id: a\n    sources:\n      -   key: k\n      -   key: n\n          note: N\n"
    ed = ClaimsEditor("claims:\n  - id: a\n    sources:\n    note: N\n")
    ed.add_link("a", {"key": "n"})
    assert ed.result() == "claims:\n  - id: a\n    sources:\n      - key: n\n    note: N\n"
    with pytest.raises(BibkitError, match=r"claims.yaml:3: 'sources' of claim a is not a list"):
        ClaimsEditor("claims:\n  - id: a\n    sources: k\n").add_link("a", {"key": "n"})
    with pytest.raises(BibkitError, match=r"claims.yaml:2: cannot add a link to a claim in flow style"):
        ClaimsEditor("claims:\n  - {id: a, text: T}\n").add_link("a", {"key": "n"})


def test_update_claim_removes_a_field_and_a_flow_claim_is_not_removed():
    ed = ClaimsEditor("claims:\n  - id: a\n    anchor: x\n    text: T\n")
    ed.update_claim("a", {"anchor": MISSING, "section": "S"})
    assert ed.result() == "claims:\n  - id: a\n    text: T\n    section: S\n"
    with pytest.raises(BibkitError, match="cannot remove a claim written in flow style"):
        ClaimsEditor("claims:\n  - {id: a}\n  - id: b\n").remove_claim("a")


# -- pinned after the mutmut run at 51e7c26: exact messages and the layouts its survivors showed untested --------------

_READER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _yaml_error(text: str) -> str:
    """The YAML reader's own message for a text it refuses, on one line: the oracle for bibkit's wording of it."""
    try:
        yaml.load(text, Loader=_READER)
    except yaml.YAMLError as exc:
        return " ".join(str(exc).split())
    raise AssertionError("the text reads as YAML")


LINK_K = "claims:\n  - id: a\n    sources:\n      - key: k\n"


@pytest.mark.parametrize("text, edit, message", [
    ("claims: [x\n", None, "c/claims.yaml: cannot edit: the file is not valid YAML ({})".format(_yaml_error("claims: [x\n"))),
    ("- id: a\n", None, "c/claims.yaml: cannot edit: not a claims file (expected a mapping with 'claims')"),
    ("# nothing yet\n", None, "c/claims.yaml: cannot edit: not a claims file (expected a mapping with 'claims')"),
    ("version: 1\n", lambda e: e.update_link("a", "k", {"verified": True}), "c/claims.yaml: cannot edit: no 'claims' list"),
    ("claims: x\n", lambda e: e.append_claims([{"id": "n"}]), "c/claims.yaml: cannot edit: no 'claims' list"),
    ("version: 1\n", lambda e: e.append_claims([{"id": "n"}]), "c/claims.yaml: cannot edit: no 'claims' list"),
    ("claims:\n  - id: a\n    text: T\n", lambda e: e.update_link("a", "k", {"verified": True}),
     "c/claims.yaml: claim a has no link to k"),
    (LINK_K + "        quote: [one, two]\n", lambda e: e.update_link("a", "k", {"quote": "one"}),
     "c/claims.yaml:5: cannot set quote: it is not a single value"),
    (LINK_K + "        verified: false\n", lambda e: (e.remove_claim("a"), e.update_link("a", "k", {"verified": True})),
     "c/claims.yaml: cannot edit: two changes to the same place"),
    ("version: 1\ndocument:\n  - a\nclaims: []\n", lambda e: e.update_document({"title": "T"}),
     "c/claims.yaml:2: cannot set document fields: 'document' is not a mapping"),
    ("claims:\n  - id: a\n    sources:\n      k\n", lambda e: e.add_link("a", {"key": "n"}),  # the value on the next line
     "c/claims.yaml:3: 'sources' of claim a is not a list"),
])
def test_refusals_name_the_file_and_line_exactly(text, edit, message):
    with pytest.raises(BibkitError) as err:
        edit(ClaimsEditor(text, "c/claims.yaml")) if edit else ClaimsEditor(text, "c/claims.yaml")
    assert str(err.value) == message


def test_the_default_file_name_in_messages_and_edit_claim_passes_its_own():
    from bibkit.claims.writer import claim_spans, edit_claim

    with pytest.raises(BibkitError) as err:
        ClaimsEditor(SMALL).update_link("nope", "k", {"verified": True})
    assert str(err.value) == "claims.yaml: no claim with id nope"
    text = "claims:\n  - id: a\n    sources: [k]\n"
    for path, shown in ((("x/claims.yaml",), "x/claims.yaml"), ((), "claims.yaml")):
        with pytest.raises(BibkitError) as err:
            edit_claim(text, claim_spans(text), "a", lambda e: e.update_link("a", "zz", {"verified": True}), *path)
        assert str(err.value) == f"{shown}: claim a has no link to zz"


def test_read_back_refusals_word_exactly(monkeypatch):
    monkeypatch.setattr("bibkit.claims.writer.render_scalar", lambda value, flow=True: "other")
    ed = ClaimsEditor(SMALL)
    ed.update_link("c", "k", {"note": "x"})
    with pytest.raises(BibkitError) as err:
        ed.result()
    assert str(err.value) == "claims.yaml: edit would not read back as intended (unusual layout); nothing written"
    monkeypatch.setattr("bibkit.claims.writer.render_scalar", lambda value, flow=True: "[oops")
    ed = ClaimsEditor(SMALL)
    ed.update_link("c", "k", {"note": "x"})
    broken = SMALL.replace("        locator: p. 1\n", "        locator: p. 1\n        note: [oops\n")
    with pytest.raises(BibkitError) as err:
        ed.result()
    assert str(err.value) == f"claims.yaml: edit would break the file ({_yaml_error(broken)}); nothing written"


# (before, edit, after): each `after` written out by hand from the layout rules in the module's docstring.
EDITS = [
    # a key added to a claim right where a removed line of its last link ended
    (LINK_K + "        note: n\n  - id: b\n",
     lambda e: (e.update_claim("a", {"section": "S"}), e.update_link("a", "k", {"note": MISSING})),
     LINK_K + "    section: S\n  - id: b\n"),
    # a shorthand link's new lines are block values: a comma stays plain
    ("claims:\n  - id: a\n    sources:\n      - k   # c\n",
     lambda e: e.update_link("a", "k", {"reason": "wrong, see p. 3"}),
     "claims:\n  - id: a\n    sources:\n      - key: k   # c\n        reason: wrong, see p. 3\n"),
    # removing a field a shorthand link does not have leaves it a shorthand
    ("claims:\n  - id: a\n    sources:\n      - k   # c\n", lambda e: e.update_link("a", "k", {"note": MISSING}),
     "claims:\n  - id: a\n    sources:\n      - k   # c\n"),
    # the third link to k, after a link without a key
    ("claims:\n  - id: a\n    sources:\n      - {locator: p. 1}\n      - k\n      - key: k\n      - k\n",
     lambda e: e.update_link("a", "k", {"verified": True}, index=2),
     "claims:\n  - id: a\n    sources:\n      - {locator: p. 1}\n      - k\n      - key: k\n      - key: k\n"
     "        verified: true\n"),
    # removing a field the claim does not have changes nothing; removing the first of two keys
    ("claims:\n  - id: a\n    text: T\n", lambda e: e.update_claim("a", {"anchor": MISSING}), "claims:\n  - id: a\n    text: T\n"),
    ("claims:\n  - anchor: x\n    id: a\n", lambda e: e.update_claim("a", {"anchor": MISSING}), "claims:\n  - id: a\n"),
    # a new document: before 'claims' (after a first blank line), at the end without one, before a block list
    ("\nclaims: []\n", lambda e: e.update_document({"title": "Essays, collected"}),
     "\ndocument:\n  title: Essays, collected\nclaims: []\n"),
    ("version: 1\n", lambda e: e.update_document({"title": "T"}), "version: 1\ndocument:\n  title: T\n"),
    ("version: 1\nclaims:\n  - id: a\n", lambda e: e.update_document({"title": "T"}),
     "version: 1\ndocument:\n  title: T\nclaims:\n  - id: a\n"),
    # bibkit init's commented-out path stays when only the title is set; an example taken keeps a comma plain
    ("version: 1\ndocument:\n  title: My article\n  # path: article.md\nclaims:\n", lambda e: e.update_document({"title": "T"}),
     "version: 1\ndocument:\n  title: T\n  # path: article.md\nclaims:\n"),
    # two commented-out examples in a row, both taken
    ("document:\n  subtitle: S\n  # title: My article\n  # path: a.md\nclaims: []\n",
     lambda e: e.update_document({"title": "T", "path": "b.md"}),
     "document:\n  subtitle: S\n  title: T\n  path: b.md\nclaims: []\n"),
    ("document:\n  title: X\n  # path: a.md\nclaims: []\n", lambda e: e.update_document({"path": "drafts/essay, final.md"}),
     "document:\n  title: X\n  path: drafts/essay, final.md\nclaims: []\n"),
    # no newline at the end of the file, and lines added before its last line
    ("claims:\n  - id: a\n    sources:\n      - key: k\n  - id: b\n    text: B", lambda e: e.update_link("a", "k", {"verified": True}),
     "claims:\n  - id: a\n    sources:\n      - key: k\n        verified: true\n  - id: b\n    text: B"),
    # a flow link whose last value is a flow list, and a literal block value replaced
    ("claims:\n  - id: a\n    sources:\n      - {key: k, pages: [3, 4]}\n", lambda e: e.update_link("a", "k", {"verified": True}),
     "claims:\n  - id: a\n    sources:\n      - {key: k, pages: [3, 4], verified: true}\n"),
    (LINK_K + "        quote: |\n          old\n        note: n\n", lambda e: e.update_link("a", "k", {"quote": "new"}),
     LINK_K + "        quote: new\n        note: n\n"),
    # links added to a block list and to a claim with only an id: block values, a comma stays plain
    (LINK_K + "  - id: b\n", lambda e: (e.add_link("a", {"key": "n", "locator": "pp. 3, 4"}),
                                        e.add_link("b", {"key": "n", "locator": "pp. 3, 4"})),
     LINK_K + "      - key: n\n        locator: pp. 3, 4\n  - id: b\n    sources:\n      - key: n\n        locator: pp. 3, 4\n"),
    # an appended claim with a list of links is written in block style
    ("claims:\n  - id: a\n", lambda e: e.append_claims([{"id": "n", "sources": ["k1", {"key": "k2", "locator": "p. 3"}]}]),
     "claims:\n  - id: a\n  - id: n\n    sources:\n    - k1\n    - key: k2\n      locator: p. 3\n"),
    # a comment at column 0 between the blank line and the last claim: the list is still blank-line spaced
    ("claims:\n- id: a\n\n# b\n- id: b\n", lambda e: e.append_claims([{"id": "n"}]),
     "claims:\n- id: a\n\n# b\n- id: b\n\n- id: n\n"),
]


@pytest.mark.parametrize("before, edit, after", EDITS)
def test_edits_in_layouts_written_out_by_hand(before, edit, after):
    ed = ClaimsEditor(before)
    edit(ed)
    assert ed.result() == after


@pytest.mark.parametrize("text, starts, ends, lines, ids", [
    # a first blank line counts as a line
    ("\nclaims:\n  - id: a\n    text: T\n", [9], [31], [3], {"a": 0}),
    # no newline at the end: the last claim ends at the end of the text
    ("claims:\n  - id: a\n    text: T\n  - id: b\n    text: U", [8, 30], [30, 51], [2, 4], {"a": 0, "b": 1}),
    # claims without an id, or with a list for one, are not named
    ("claims:\n  - text: no id\n  - id: [x]\n  - id: b\n", [8, 24, 36], [24, 36, 46], [2, 3, 4], {"b": 2}),
])
def test_claim_spans_in_more_layouts(text, starts, ends, lines, ids):
    from bibkit.claims.writer import claim_spans

    spans = claim_spans(text)
    assert (spans.starts, spans.ends, spans.lines, spans.ids) == (starts, ends, lines, ids)
    assert ends[-1] == len(text)


def test_edit_claim_after_a_bom_writes_the_files_own_line_ends():
    # a one-line claim in a CRLF file with a BOM: its new lines end in CRLF like every other line
    from bibkit.claims.writer import claim_spans, edit_claim

    text = "\ufeffclaims:\r\n  - id: a\r\n  - id: b\r\n"
    got = edit_claim(text, claim_spans(text), "a", lambda e: e.add_link("a", {"key": "k"}))
    assert got == ("\ufeffclaims:\r\n  - id: a\r\n    sources:\r\n      - key: k\r\n  - id: b\r\n", 2)
