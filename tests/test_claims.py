"""Loading claims.yaml: safe YAML, located errors, shorthand links, BibTeX-side links."""

from __future__ import annotations

import textwrap

import pytest

from bibkit.claims.loader import parse_claims, split_claim_ids
from bibkit.infra.diagnostics import Diagnostics


def load(text: str):
    diags = Diagnostics()
    claims = parse_claims(textwrap.dedent(text), "claims.yaml", diags)
    return claims, [(d.code, d.line) for d in diags]


def test_full_claim_and_shorthand_links():
    claims, diags = load("""\
        version: 1
        document: {title: T, path: article.md}
        claims:
          - id: death-toll
            text: About 30 million died.
            section: Overview
            anchor: 30 million
            tags: [mortality]
            sources:
              - key: smil1999
                locator: p. 1619
                stance: supports
                quote: "about 30 million"
                verified: true
              - peng1987
        """)
    assert diags == []
    assert claims.document.path == "article.md"
    (claim,) = claims.claims
    assert claim.tags == ["mortality"] and claim.line == 4
    first, second = claim.links
    assert (first.key, first.locator, first.verified, first.line) == ("smil1999", "p. 1619", True, 10)
    assert (second.key, second.stance, second.verified) == ("peng1987", "supports", False)


def test_each_defect_is_located_and_good_claims_survive():
    claims, diags = load("""\
        version: 1
        claims:
          - id: ok
            text: Fine.
          - id: ok
            text: Duplicate id.
          - text: No id.
          - id: "bad id!"
            text: Bad characters.
          - id: stance
            text: Odd stance.
            sources:
              - {key: a, stance: agrees}
          - id: typo
            txet: A typo in a key must not vanish silently.
          - id: wrong
            text: [not, text]
            sources: notalist
        """)
    assert [c.id for c in claims.claims] == ["ok", "stance", "typo", "wrong"]
    assert ("C005", 5) in diags
    assert ("C004", 7) in diags
    assert ("C006", 8) in diags
    assert ("C007", 13) in diags
    assert ("C009", 15) in diags
    assert ("C003", 17) in diags and ("C003", 18) in diags


def test_wrong_version_and_missing_version():
    assert load("version: 2\nclaims: []\n")[1] == [("C002", 1)]
    assert load("claims: []\n")[1] == [("C002", 1)]


def test_yaml_syntax_error_is_located():
    _, diags = load("version: 1\nclaims:\n  - id: a\n    text: [unclosed\n")
    assert diags and diags[0][0] == "C001" and diags[0][1] >= 4


def test_python_tags_are_refused_and_nothing_is_constructed(tmp_path):
    marker = tmp_path / "pwned"
    claims, diags = load(f"""\
        version: 1
        claims:
          - id: x
            text: !!python/object/apply:os.system ["touch {marker}"]
        """)
    assert diags[0][0] == "C001"
    assert not marker.exists()
    assert claims.claims == []


def test_empty_file():
    assert load("")[1] == [("C002", 1)]


def test_split_claim_ids():
    assert split_claim_ids("a, b;c ,, ") == ["a", "b", "c"]


def test_review_fields_are_part_of_format_1():
    claims, diags = load("""\
        version: 1
        claims:
          - id: a
            text: T
            sources:
              - key: k
                verified: true
                verified_by: A. Reviewer
                verified_on: 2026-11-28
                fingerprint: 0123456789ABCDEF0123
              - key: j
                review: rejected
                reason: "no: p. 3 is about rice"
                verified_on: '2026-02-03'
        """)
    assert diags == []
    k, j = claims.claims[0].links
    assert (k.verified, k.verified_by, k.verified_on, k.fingerprint, k.review) == (
        True, "A. Reviewer", "2026-11-28", "0123456789abcdef0123", None)
    assert (j.verified, j.review, j.reason, j.verified_on) == (False, "rejected", "no: p. 3 is about rice", "2026-02-03")


def test_review_fields_with_wrong_values_are_located_errors():
    claims, diags = load("""\
        version: 1
        claims:
          - id: a
            text: T
            sources:
              - key: k
                verified: true
                review: rejected
                verified_on: 2026-02-30
                fingerprint: 12
                verified_by: [x]
              - key: j
                review: yes
        """)
    assert sorted(diags) == [("C003", 8), ("C003", 9), ("C003", 10), ("C003", 11), ("C003", 13)]
    k, j = claims.claims[0].links
    assert (k.verified, k.review, k.verified_on, k.verified_by) == (False, "rejected", None, None)
    assert j.review is None


def test_review_value_is_exactly_rejected():
    """'Rejected' or 'REJECTED' is not what bibkit review writes: an error, and the link is not read as rejected."""
    claims, diags = load("""\
        version: 1
        claims:
          - id: a
            text: T
            sources:
              - key: k
                review: Rejected
                reason: wrong book
              - key: j
                review: rejected
                reason: wrong book
        """)
    assert diags == [("C003", 7)]
    k, j = claims.claims[0].links
    assert (k.review, j.review) == (None, "rejected")



def load_full(text: str):
    diags = Diagnostics()
    claims = parse_claims(textwrap.dedent(text), "claims.yaml", diags)
    return claims, [(d.code, d.severity.value, d.line) for d in diags]


def test_every_field_a_link_may_have_is_known_and_read():
    claims, diags = load_full("""\
        version: 1
        claims:
          - id: a.1
            text: T
            section: Overview
            anchor: 30 million
            note: claim note
            tags: "x, , y,"
            sources:
              - key: k
                locator: p. 3
                stance: contradicts
                quote: the quote
                verified: true
                note: link note
                verified_by: A. Reviewer
                verified_on: 2026-11-28
                fingerprint: 0123456789abcdef0123
                reason: r
                forced: "quote not found (V003)"
              - 1234
        """)
    assert diags == []
    (claim,) = claims.claims
    assert (claim.id, claim.section, claim.anchor, claim.note, claim.tags) == (
        "a.1", "Overview", "30 million", "claim note", ["x", "y"])
    k, num = claim.links
    assert (k.key, k.locator, k.stance, k.quote, k.verified, k.note, k.verified_by, k.verified_on,
            k.fingerprint, k.reason, k.forced, k.review) == (
        "k", "p. 3", "contradicts", "the quote", True, "link note", "A. Reviewer", "2026-11-28",
        "0123456789abcdef0123", "r", "quote not found (V003)", None)
    assert (num.key, num.stance, num.verified) == ("1234", "supports", False)


def test_empty_review_fields_are_absent_not_errors():
    claims, diags = load_full("""\
        version: 1
        claims:
          - id: a
            text: T
            sources:
              - key: k
                verified_on:
                review:
                fingerprint:
        """)
    assert diags == []
    (k,) = claims.claims[0].links
    assert (k.verified_on, k.review, k.fingerprint) == (None, None, None)


@pytest.mark.parametrize("value, stored", [
    ("2026-11-28 10:30:00", "2026-11-28"),  # a YAML timestamp: its date
    ("'2026-11-28'", "2026-11-28"),
    ("'20261128'", None),  # ISO basic format: not YYYY-MM-DD
    ("'2026-11-2'", None),
    ("2026-02-30", None),
    ("'28.11.2026'", None),
    ("2026", None),
])
def test_verified_on_must_be_written_yyyy_mm_dd(value, stored):
    claims, diags = load_full(f"""\
        version: 1
        claims:
          - id: a
            text: T
            sources:
              - key: k
                verified_on: {value}
        """)
    assert claims.claims[0].links[0].verified_on == stored
    assert diags == ([] if stored else [("C003", "error", 7)])


@pytest.mark.parametrize("value", [
    "0123456789abcdef012",  # one digit short
    "0123456789abcdef01234",  # one digit long
    "ghijklmnopqrstuvwxyz",  # 20 characters, not hex
    "0123456789abcdef012g",
    "' 0123456789abcdef0123'",  # white space is not trimmed
    "12345678901234567890",  # a YAML integer of 20 digits, not text
    "12",
    "[0123456789abcdef0123]",
])
def test_a_malformed_fingerprint_is_an_error_and_the_decision_reads_stale(value):
    from bibkit.claims.decisions import review_state

    claims, diags = load_full(f"""\
        version: 1
        claims:
          - id: a
            text: T
            sources:
              - key: k
                verified: true
                fingerprint: {value}
        """)
    assert diags == [("C003", "error", 8)]
    link = claims.claims[0].links[0]
    assert link.fingerprint  # kept, so the decision is stale rather than read as marked by hand
    state = review_state("T", link)
    assert (state.state, state.verified, state.by_hand) == ("stale", False, False)
    diags2 = Diagnostics()
    parse_claims(textwrap.dedent(f"""\
        version: 1
        claims:
          - id: a
            text: T
            sources:
              - key: k
                verified: true
                fingerprint: {value}
        """), "claims.yaml", diags2)
    assert [d.message for d in diags2] == [
        "'fingerprint' in claim a is not one bibkit review wrote (20 hex digits); the decision is read as stale"]


@pytest.mark.parametrize("value", ["verified", "Rejected", "REJECTED", "rejected ", "true", "accepted"])
def test_review_accepts_only_rejected(value):
    claims, diags = load_full(f"""\
        version: 1
        claims:
          - id: a
            text: T
            sources:
              - key: k
                review: "{value}"
        """)
    assert diags == [("C003", "error", 7)]
    assert claims.claims[0].links[0].review is None


def test_verified_and_rejected_without_fingerprint_is_an_error_read_as_rejected():
    claims, diags = load_full("""\
        version: 1
        claims:
          - id: a
            text: T
            sources:
              - key: k
                verified: true
                review: rejected
        """)
    assert diags == [("C003", "error", 8)]
    link = claims.claims[0].links[0]
    assert (link.verified, link.review) == (False, "rejected")


@pytest.mark.parametrize("field, value", [
    ("verified", "1"), ("verified", "yes-ish"), ("verified", "'true'"), ("locator", "true"), ("quote", "[a]"),
    ("note", "{a: 1}"), ("verified_by", "false"), ("reason", "[x]"), ("forced", "{a: b}"), ("key", "''"),
])
def test_each_wrongly_typed_link_field_is_an_error(field, value):
    text = f"""\
        version: 1
        claims:
          - id: a
            text: T
            sources:
              - key: k
                {field}: {value}
        """
    if field == "key":
        text = text.replace("  - key: k\n                key:", "  - key:")
    claims, diags = load_full(text)
    line = 6 if field == "key" else 7
    assert diags == [("C003", "error", line)]
    if field == "key":
        assert claims.claims[0].links == []
    else:
        link = claims.claims[0].links[0]
        assert getattr(link, field) in (None, False)


def test_severities_and_codes_of_claim_level_problems():
    claims, diags = load_full("""\
        version: 1
        claims:
          - id: a
            sources:
              - {key: k, stance: agrees}
              - {key: j, colour: red}
              - true
          - id: ""
            text: no id
        """)
    assert diags == [("C003", "warning", 3), ("C007", "error", 5), ("C009", "warning", 6), ("C003", "error", 7),
                     ("C004", "error", 8)]
    (claim,) = claims.claims
    assert [(lk.key, lk.stance) for lk in claim.links] == [("k", "mentions"), ("j", "supports")]


@pytest.mark.parametrize("version", ["true", "'1'", "2", "1.5"])
def test_only_the_integer_1_is_format_version_1(version):
    claims, diags = load_full(f"version: {version}\nclaims: []\n")
    assert diags == [("C002", "error", 1)]


def test_nesting_limit_is_exactly_max_depth():
    from bibkit.claims.loader import MAX_DEPTH

    assert MAX_DEPTH == 64
    # the root mapping is depth 0, the value of 'x' depth 1: 63 nested lists reach depth 63, 64 reach depth 64
    ok, diags = load_full("version: 1\nclaims: []\nx: " + "[" * 63 + "]" * 63 + "\n")
    assert diags == [("C009", "warning", 3)]
    _, diags = load_full("version: 1\nclaims: []\nx: " + "[" * 64 + "]" * 64 + "\n")
    assert [c for c, _, _ in diags] == ["C001"]


def test_alias_expansion_limit_is_exact():
    # 'a' is a list of 999 scalars (1,000 nodes); each '*a' in 'b' expands it once more: 100 aliases expand to
    # exactly 100,000 values beyond those written (allowed), 101 to 101,000 (refused)
    items = ", ".join(["x"] * 999)
    _, diags = load_full(f"version: 1\nclaims: []\na: &a [{items}]\nb: [{', '.join(['*a'] * 100)}]\n")
    assert diags == [("C009", "warning", 3), ("C009", "warning", 4)]
    _, diags = load_full(f"version: 1\nclaims: []\na: &a [{items}]\nb: [{', '.join(['*a'] * 101)}]\n")
    assert [c for c, _, _ in diags] == ["C001"]


def test_a_byte_order_mark_is_not_part_of_the_first_key(tmp_path):
    from bibkit.claims.loader import load_claims

    path = tmp_path / "claims.yaml"
    path.write_bytes(b"\xef\xbb\xbfversion: 1\nclaims:\n  - id: a\n    text: T\n")
    diags = Diagnostics()
    claims = load_claims(str(path), diags)
    assert list(diags) == [] and [c.id for c in claims.claims] == ["a"]


def test_an_empty_claims_list_is_no_claims_and_no_error():
    # "claims:" with nothing after it is YAML null: a project that has no claims yet, not a wrong type
    claims, diags = load("""\
        version: 1
        claims:
        """)
    assert diags == [] and claims.claims == []


def test_empty_items_of_a_tags_list_are_left_out():
    # YAML reads "~" and an empty item as null: no tag, never the word "None"
    claims, diags = load("""\
        version: 1
        claims:
          - id: c1
            text: T.
            tags: [a, ~, b, null]
        """)
    assert diags == [] and claims.claims[0].tags == ["a", "b"]


def test_a_key_written_twice_in_a_claim_is_an_error_at_the_second():
    # PyYAML itself would keep the last 'text' silently; the format refuses the file at the repeated key
    claims, diags = load("""\
        version: 1
        claims:
          - id: c1
            text: First.
            text: Second.
        """)
    assert diags == [("C001", 5)] and claims.claims == []


def test_a_control_character_is_located_at_its_own_line_and_column():
    # BEL (U+0007) is not allowed in YAML; it is the 10th character of line 3: "  - id: a" then BEL
    diags = Diagnostics()
    parse_claims("version: 1\nclaims:\n  - id: a\x07b\n", "claims.yaml", diags)
    assert [(d.code, d.line, d.column) for d in diags] == [("C001", 3, 10)]


def test_a_missing_version_is_an_error():
    claims, diags = load_full("""\
        claims:
          - id: a
            text: T.
        """)
    assert diags == [("C002", "error", 1)]


def test_an_empty_sources_list_is_no_links_and_no_error():
    claims, diags = load("""\
        version: 1
        claims:
          - id: a
            text: T.
            sources:
        """)
    assert diags == [] and claims.claims[0].links == []
