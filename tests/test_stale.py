"""Stale decisions: a verification stops counting when the claim text, quote, locator, stance or key changes."""

from __future__ import annotations

import csv
import io
import json
from html.parser import HTMLParser

import pytest

from bibkit.claims.decisions import PARTS, changed_parts, fingerprint
from bibkit.cli import cli

BIB = """\
@article{alpha2001, author = {Alpha, Ann}, title = {Counting Harvests}, journal = {J}, year = {2001}}
@article{beta1999, author = {Beta, Ben}, title = {Famines}, journal = {J}, year = {1999}}
"""
TEXT = "Harvest reports were inflated."
QUOTE = "yields were three times the real ones"
FP = fingerprint(TEXT, "alpha2001", "p. 12", QUOTE, "supports")

CLAIMS = f"""\
version: 1
claims:
  - id: harvest
    text: {TEXT}
    sources:
      - key: alpha2001
        locator: p. 12
        quote: {QUOTE}
        verified: true
        verified_by: A. Reviewer
        verified_on: 2026-11-28
        fingerprint: {FP}
  - id: other
    text: Another claim.
    sources:
      - key: beta1999
        verified: true
"""


def test_fingerprint_is_stable_and_documented():
    # The serialisation is documented in bibkit/claims/decisions.py; this pins it so a change is deliberate.
    import hashlib

    def group(part, value):
        return hashlib.sha256(f"bibkit-fingerprint-1\0{part}\0{value}".encode()).hexdigest()[:4]

    expected = "".join(group(p, v) for p, v in zip(PARTS, [TEXT, "alpha2001", "p. 12", QUOTE, "supports"]))
    assert FP == expected and len(FP) == 20
    # white space and Unicode normal form do not count as changes; an absent stance is "supports"
    assert fingerprint("Harvest  reports\nwere inflated. ", "alpha2001", "p. 12", QUOTE, None) == FP
    assert fingerprint("Cafe\u0301", "k", None, None, None) == fingerprint("Café", "k", None, None, None)


@pytest.mark.parametrize("old, new, what", [
    (f"text: {TEXT}", "text: Harvest reports were hugely inflated.", ["claim text"]),
    (f"quote: {QUOTE}", "quote: yields were twice the real ones", ["quote"]),
    ("locator: p. 12", "locator: p. 13", ["locator"]),
    ("locator: p. 12\n", "locator: p. 12\n        stance: qualifies\n", ["stance"]),
    ("        locator: p. 12\n", "", ["locator"]),
])
def test_rewording_makes_the_verification_stale(project, runner, old, new, what):
    project(bib=BIB, claims=CLAIMS.replace(old, new, 1))
    out = json.loads(runner.invoke(cli, ["claim-map", "--format", "json"]).stdout)
    claim, link = out["claims"][0], out["claims"][0]["links"][0]
    assert (link["verified"], link["stale"], link["review_state"], link["changed"]) == (False, True, "stale", what)
    assert claim["verified"] is False
    assert out["summary"]["verified"] == 1  # only 'other', verified by hand
    check = json.loads(runner.invoke(cli, ["check", "--format", "json"]).stdout)
    stale = [d for d in check["diagnostics"] if d["code"] == "C020"]
    assert len(stale) == 1 and stale[0]["severity"] == "warning" and stale[0]["line"] == 6
    changed = what[0]
    assert (f"verified link to alpha2001 in claim harvest is stale: {changed} changed since it was verified "
            "by A. Reviewer on 2026-11-28") in stale[0]["message"]


def test_fresh_verification_counts_and_hand_marked_one_counts_with_an_info(project, runner):
    project(bib=BIB, claims=CLAIMS)
    out = json.loads(runner.invoke(cli, ["claim-map", "--format", "json"]).stdout)
    assert out["summary"]["verified"] == 2
    assert [lk["stale"] for c in out["claims"] for lk in c["links"]] == [False, False]
    check = json.loads(runner.invoke(cli, ["check", "--format", "json"]).stdout)
    codes = [(d["code"], d["severity"], d["line"]) for d in check["diagnostics"]]
    assert codes == [("C021", "info", 16)]


def test_changed_parts_names_each_changed_part():
    now = fingerprint("b", "k2", "p. 1", "q", "supports")
    assert changed_parts(fingerprint("a", "k", "p. 1", "q", "supports"), now) == ["claim text", "key"]
    assert changed_parts("not-a-fingerprint", now) == list(PARTS)
    # a fingerprint with a digit too many or too few is malformed, whatever its first 20 digits say
    assert changed_parts(now + "0", now) == list(PARTS)
    assert changed_parts(now[:-1], now) == list(PARTS)


def test_stale_shows_in_every_report(project, runner):
    project(bib=BIB, claims=CLAIMS.replace("locator: p. 12", "locator: p. 13"))

    def run(fmt):
        result = runner.invoke(cli, ["claim-map", "--format", fmt])
        assert result.exit_code == 0, result.stderr
        return result.stdout

    label = "stale: verified by A. Reviewer on 2026-11-28, locator changed since"
    assert label in run("text")
    assert label.replace(".", ".") in run("markdown") and "⚠️" in run("markdown")
    rows = list(csv.DictReader(io.StringIO(run("csv"))))
    assert [(r["key"], r["verified"], r["review_state"]) for r in rows] == [("alpha2001", "false", "stale"),
                                                                     ("beta1999", "true", "verified")]
    assert 'label="supports (stale), p. 13"' in run("dot")

    class Marks(HTMLParser):
        def __init__(self):
            super().__init__()
            self.stack, self.found = [], []

        def handle_starttag(self, tag, attrs):
            self.stack.append(dict(attrs).get("class", ""))

        def handle_endtag(self, tag):
            if self.stack:
                self.stack.pop()

        def handle_data(self, data):
            if self.stack and self.stack[-1] in ("stale-mark", "review-note"):
                self.found.append((self.stack[-1], data))

    parser = Marks()
    parser.feed(run("html"))
    assert ("stale-mark", "stale") in parser.found
    assert ("review-note", label.replace("stale: ", "")) in parser.found


def test_rejected_link_backs_nothing_until_its_rejection_goes_stale(project, runner):
    fp = fingerprint("Another claim.", "beta1999", None, None, "supports")
    claims = CLAIMS.replace("        verified: true\n", f"        review: rejected\n        reason: not there\n"
                            f"        fingerprint: {fp}\n", 2).replace(
        f"        review: rejected\n        reason: not there\n        fingerprint: {fp}\n        verified_by",
        "        verified: true\n        verified_by", 1)
    project(bib=BIB, claims=claims)
    out = json.loads(runner.invoke(cli, ["claim-map", "--format", "json"]).stdout)
    other = out["claims"][1]
    assert other["status"] == "unsourced" and other["links"][0]["review_state"] == "rejected"
    assert out["summary"]["backed"] == 1 and out["summary"]["with_sources"] == 1
    project(bib=BIB, claims=claims.replace("Another claim.", "Another claim, reworded."))
    out = json.loads(runner.invoke(cli, ["claim-map", "--format", "json"]).stdout)
    assert out["claims"][1]["status"] == "supported" and out["claims"][1]["links"][0]["stale"] is True


@pytest.mark.parametrize("field, value, message", [
    ("verified_on", "28.11.2026", "'verified_on' in claim harvest must be a date written YYYY-MM-DD"),
    ("fingerprint", "abc", "'fingerprint' in claim harvest is not one bibkit review wrote"),
    # one hex digit too many: the recipe's 20 digits and nothing after them
    ("fingerprint", FP + "0", "'fingerprint' in claim harvest is not one bibkit review wrote"),
    ("review", "accepted", "'review' in claim harvest must be 'rejected'"),
    ("verified_by", "[a, b]", "'verified_by' must be text"),
])
def test_bad_review_fields_are_located_errors(project, runner, field, value, message):
    line = {"verified_on": "verified_on: 2026-11-28", "fingerprint": f"fingerprint: {FP}",
            "review": "verified_by: A. Reviewer", "verified_by": "verified_by: A. Reviewer"}[field]
    project(bib=BIB, claims=CLAIMS.replace(line, f"{field}: {value}" if field != "review"
                                           else f"{line}\n        review: {value}"))
    check = json.loads(runner.invoke(cli, ["check", "--format", "json"]).stdout)
    errors = [d for d in check["diagnostics"] if d["severity"] == "error"]
    assert len(errors) == 1 and errors[0]["code"] == "C003" and message in errors[0]["message"], errors
    assert not [d for d in check["diagnostics"] if d["code"] == "C009"]


def test_review_fields_survive_the_parse_cache(project, monkeypatch, tmp_path):
    from bibkit.project import load_project

    monkeypatch.setenv("BIBKIT_CACHE_DIR", str(tmp_path / "cache"))
    project(bib=BIB, claims=CLAIMS.replace("locator: p. 12", "locator: p. 13"))
    cold = load_project(use_cache=True).claims.claims[0].links[0]
    warm = load_project(use_cache=True).claims.claims[0].links[0]
    assert warm == cold
    assert (warm.verified_by, warm.verified_on, warm.fingerprint) == ("A. Reviewer", "2026-11-28", FP)
    assert list((tmp_path / "cache").rglob("*"))  # the second load was served from the cache


def test_fingerprints_equal_values_worked_out_by_hand_from_the_documented_recipe():
    # printf 'bibkit-fingerprint-1\0<part>\0<value>' | sha256sum | cut -c1-4, for the five parts in order
    # (claim text, key, locator, quote, stance), run in a shell, not through bibkit:
    assert fingerprint("About 30 million excess deaths.", "smil1999", "p. 1619", None, None) == "534e4b7a656ed23d7c2e"
    # white space runs are one space, the ends trimmed; the claim text is NFC ("Cafe" + U+0301 is "Café")
    assert fingerprint("  About 30\n million  excess deaths. ", "smil1999", "p. 1619", "", "supports") == \
        "534e4b7a656ed23d7c2e"
    assert fingerprint("Cafe\u0301", "smil1999", "p. 1619", None, None)[:4] == "7670"


def test_what_changed_is_said_in_words():
    from bibkit.claims.decisions import ReviewState

    assert ReviewState("verified").describe_change() == ""
    assert ReviewState("stale", ("quote",)).describe_change() == "quote changed"
    assert ReviewState("stale", ("claim text", "quote")).describe_change() == "claim text and quote changed"
    assert ReviewState("stale", ("claim text", "locator", "stance")).describe_change() == \
        "claim text, locator and stance changed"


def test_a_stale_rejection_says_it_was_a_rejection():
    from bibkit.claims.decisions import review_state
    from bibkit.model import Link

    link = Link("k", review="rejected", reason="r", fingerprint=fingerprint("Old.", "k", None, None, None))
    state = review_state("New.", link)
    assert (state.state, state.was, state.changed) == ("stale", "rejected", ("claim text",))
    link = Link("k", verified=True, fingerprint=fingerprint("Old.", "k", None, None, None))
    assert review_state("New.", link).was == "verified"


def test_fingerprint_keeps_compatibility_characters_nfc_not_nfkc():
    # printf 'bibkit-fingerprint-1\0claim text\0\xef\xac\x81ne' | sha256sum | cut -c1-4 -> ef81 (the "fi" ligature
    # U+FB01 kept: NFC leaves it alone); NFKC would fold it to "fine", whose group is 5533
    assert fingerprint("\ufb01ne", "smil1999", "p. 1619", None, None) == "ef814b7a656ed23d7c2e"


def test_changed_parts_reads_only_well_formed_lower_case_fingerprints():
    current = "0000abcd000000000000"
    assert changed_parts("0000abce000000000000", current) == ["key"]
    # upper case, a non-hex digit, one digit short or long: malformed, so every part is named
    assert changed_parts("0000ABCD000000000000", current) == list(PARTS)
    assert changed_parts("0000abcd00000000000g", current) == list(PARTS)
    assert changed_parts("0000abcd00000000000", current) == list(PARTS)
    assert changed_parts("0000abcd0000000000000", current) == list(PARTS)
    assert changed_parts("", current) == list(PARTS)


def test_the_four_review_states():
    from bibkit.claims.decisions import STATES

    assert sorted(STATES) == ["rejected", "stale", "unverified", "verified"]


def test_a_rejection_wins_over_verified_true_and_a_fingerprint_prefix_is_stale():
    from bibkit.claims.decisions import review_state
    from bibkit.model import Link

    state = review_state("T.", Link("k", verified=True, review="rejected"))
    assert (state.state, state.by_hand, state.verified, state.rejected) == ("rejected", True, False, True)
    fresh = fingerprint("T.", "k", None, None, None)
    state = review_state("T.", Link("k", verified=True, review="rejected", fingerprint=fresh))
    assert (state.state, state.by_hand) == ("rejected", False)
    for stored in (fresh[:-1], fresh[:4], fresh + "0"):
        state = review_state("T.", Link("k", verified=True, fingerprint=stored))
        assert (state.state, state.verified, state.changed, state.was) == ("stale", False, PARTS, "verified")


def test_decided_by_says_whatever_of_who_and_when_is_recorded():
    from bibkit.claims.decisions import decided_by
    from bibkit.model import Link

    assert decided_by(Link("k")) == ""
    assert decided_by(Link("k", verified_by="A. Reviewer")) == "by A. Reviewer"
    assert decided_by(Link("k", verified_on="2026-11-28")) == "on 2026-11-28"
    assert decided_by(Link("k", verified_by="A. Reviewer", verified_on="2026-11-28")) == \
        "by A. Reviewer on 2026-11-28"
