"""The claim-map analysis: statuses, numbers, reverse index and orphans (docs/formats.md, "Claim statuses
and the numbers")."""

from __future__ import annotations

import time

import pytest

from bibkit.claims.claimmap import Numbers, analyse, clamp_percent, display_percent, gate
from bibkit.infra.diagnostics import Diagnostics
from bibkit.model import Bibliography, Claim, Link
from bibkit.project import load_project

EXPECTED_STATUS = {
    "c-verified": "supported", "c-unverified": "supported", "c-shorthand": "supported", "c-bibside": "supported",
    "c-qualifies": "partial", "c-mentions": "partial", "c-contested": "contested", "c-unsourced": "unsourced",
    "c-broken": "broken",
}


@pytest.fixture
def project(data):
    folder = data / "claimmap"
    return load_project([str(folder / "references.bib")], str(folder / "claims.yaml"))


def test_statuses_follow_design(project):
    cmap = analyse(project.bibliography, project.claims.claims)
    assert {r.id: r.status for r in cmap.claims} == EXPECTED_STATUS


def test_numbers_match_the_design_example(project):
    n = analyse(project.bibliography, project.claims.claims).numbers
    assert n.to_dict() == {
        "claims": 9, "with_sources": 7, "backed": 5, "verified": 2, "coverage": 55.56, "verified_coverage": 22.22,
        "by_status": {"broken": 1, "unsourced": 1, "contested": 1, "retracted": 0, "supported": 4, "partial": 2},
    }


def test_by_status_is_a_dict_worst_first(project):
    """The API documents ``numbers.by_status`` as a dict (as the JSON has it), every status present, worst first."""
    n = analyse(project.bibliography, project.claims.claims).numbers
    assert type(n.by_status) is dict
    assert list(n.by_status.items()) == [("broken", 1), ("unsourced", 1), ("contested", 1), ("retracted", 0),
                                         ("supported", 4), ("partial", 2)]
    assert list(Numbers().by_status.items()) == [(s, 0) for s in ("broken", "unsourced", "contested", "retracted",
                                                                  "supported", "partial")]
    assert Numbers(by_status={"partial": 2}).by_status == {"broken": 0, "unsourced": 0, "contested": 0,
                                                           "retracted": 0, "supported": 0, "partial": 2}
    with pytest.raises(ValueError, match="unknown status 'fine'"):
        Numbers(by_status={"fine": 1})


def test_unreadable_claim_is_left_out_with_a_located_diagnostic(project):
    assert len(project.claims.claims) == 9
    [diag] = [d for d in project.diagnostics if d.code == "C004"]
    assert diag.file.endswith("claims.yaml") and diag.line == 75


def test_reverse_index_and_orphans(project):
    cmap = analyse(project.bibliography, project.claims.claims)
    assert cmap.orphans == ["delta2004"]
    assert [(u.claim_id, u.stance, u.verified) for u in cmap.sources["alpha2001"]] == [
        ("c-verified", "supports", True), ("c-shorthand", "supports", False), ("c-contested", "supports", True)]
    assert [u.claim_id for u in cmap.sources["gamma2003"]] == ["c-bibside", "c-mentions"]
    assert cmap.unresolved_keys() == ["ghost2020"]


def test_bib_side_link_is_supports_unverified(project):
    cmap = analyse(project.bibliography, project.claims.claims)
    [bibside] = [r for r in cmap.claims if r.id == "c-bibside"]
    [link] = bibside.links
    assert (link.link.key, link.link.stance, link.link.verified, link.link.origin) == ("gamma2003", "supports", False, "bib")


def _bib(*keys: str) -> Bibliography:
    from bibkit.bib.bibtex import parse_text

    text = "\n".join(f"@misc{{{k}, title={{T}}, year={{2000}}}}" for k in keys)
    bibfile = parse_text(text, "x.bib", Diagnostics())
    return Bibliography([bibfile], {e.key: e for e in bibfile.entries})


def test_first_matching_status_wins():
    bib = _bib("a", "b")
    claims = [
        Claim("broken-and-contested", links=[Link("a", "contradicts"), Link("ghost")]),
        Claim("contested-and-supported", links=[Link("a", "supports"), Link("b", "contradicts")]),
        Claim("supported-and-qualified", links=[Link("a", "qualifies"), Link("b", "supports")]),
        Claim("only-mentions", links=[Link("a", "mentions"), Link("b", "qualifies")]),
        Claim("none"),
    ]
    cmap = analyse(bib, claims)
    assert [r.status for r in cmap.claims] == ["broken", "contested", "supported", "partial", "unsourced"]
    # A broken claim with a resolving supports link still counts as backed (the numbers are per link).
    mixed = analyse(bib, [Claim("x", links=[Link("a"), Link("ghost")])]).numbers
    assert (mixed.backed, mixed.with_sources, mixed.status_count("broken")) == (1, 1, 1)


def test_verified_needs_a_resolving_supports_link():
    bib = _bib("a")
    claims = [Claim("q", links=[Link("a", "qualifies", verified=True)]),
              Claim("g", links=[Link("ghost", verified=True)])]
    assert analyse(bib, claims).numbers.verified == 0


def test_a_rejected_link_backs_nothing_with_or_without_a_review_record():
    """A rejection holds whether bibkit review wrote it (with a fingerprint) or a person wrote it by hand."""
    from bibkit.claims.decisions import link_fingerprint

    bib = _bib("a", "b")
    recorded = Link("a", review="rejected", reason="wrong book", verified_by="R", verified_on="2026-12-01")
    recorded.fingerprint = link_fingerprint("R.", recorded)
    claims = [Claim("by-hand", "H.", links=[Link("a", review="rejected", reason="wrong book")]),
              Claim("recorded", "R.", links=[recorded]),
              Claim("one-of-two", "T.", links=[Link("a", review="rejected", reason="no"), Link("b")])]
    cmap = analyse(bib, claims)
    assert [(r.status, r.backed) for r in cmap.claims] == [("unsourced", False), ("unsourced", False),
                                                            ("supported", True)]
    assert [lr.review.state for r in cmap.claims for lr in r.links] == ["rejected", "rejected", "rejected",
                                                                        "unverified"]
    assert cmap.numbers.backed == 1


def test_filters_narrow_claims_and_numbers_but_not_orphans(project):
    cmap = analyse(project.bibliography, project.claims.claims, statuses=["supported"], tags=["alpha"])
    assert [r.id for r in cmap.claims] == ["c-verified", "c-shorthand"]
    assert (cmap.numbers.claims, cmap.numbers.backed, cmap.total_claims) == (2, 2, 9)
    assert cmap.orphans == ["delta2004"]
    assert cmap.sources["beta2002"] == []
    by_source = analyse(project.bibliography, project.claims.claims, sources=["ghost2020", "gamma2003"])
    assert [r.id for r in by_source.claims] == ["c-bibside", "c-mentions", "c-broken"]


@pytest.mark.parametrize("value, shown", [(0.0, "0.0"), (0.01, "0.1"), (99.99, "99.9"), (99.951, "99.9"),
                                          (100.0, "100.0"), (55.555, "55.6"), (37.77, "37.8")])
def test_percentages_never_round_to_0_or_100(value, shown):
    assert display_percent(value) == shown


def test_json_precision_keeps_the_rule():
    assert clamp_percent(99.999, 2) == 99.99
    assert clamp_percent(0.001, 2) == 0.01
    assert Numbers(3, 3, 2, 1).to_dict()["coverage"] == 66.67


@pytest.mark.parametrize("claims, backed, fail_under, holds", [
    (9, 5, 55.6, True),      # 55.555... is shown as 55.6, and the gate compares what is shown
    (9, 5, 55.56, True),     # unrounded 55.555 would fail this one
    (9, 5, 55.7, False),     # with precision 0 the figure would be 56 and pass
    (3, 2, 66.7, True),      # 66.666... shown 66.7: truncating would give 66.6 and fail
    (3, 2, 66.67, True),     # two decimals (66.67) would pass too, but 66.7 above would not
    (3, 1, 33.3, True),
    (3, 1, 33.4, False),     # rounding up would pass
    (3, 1, 33.31, False),    # shown 33.3; unrounded 33.33 would pass
    (8, 1, 12.5, True),      # exact
    (8, 1, 12.51, False),
    (10000, 9999, 99.9, True),
    (10000, 9999, 99.95, False),  # 99.99 is shown as 99.9, never 100.0
    (10000, 9999, 100, False),
    (10000, 10000, 100, True),
    (10000, 1, 0.1, True),   # 0.01 is shown as 0.1, never 0.0
    (10000, 0, 0, True),
    (10000, 0, 0.1, False),
])
def test_gate_compares_the_displayed_figure(claims, backed, fail_under, holds):
    shown = float(display_percent(100.0 * backed / claims))
    assert gate(Numbers(claims=claims, backed=backed), fail_under) is holds
    assert (shown >= fail_under) is holds  # the rule in one line: what the report shows, against PCT
    assert gate(Numbers(claims=claims, verified=backed), fail_under, "verified") is holds
    assert gate(Numbers(claims=claims, backed=claims, verified=backed), fail_under, "verified") is holds


def test_gate():
    n = Numbers(claims=10000, backed=9999)
    assert n.coverage == 99.99
    assert not gate(n, 100)
    assert gate(n, 99.9)
    assert not gate(Numbers(claims=9, backed=5), 80)
    assert gate(Numbers(claims=9, backed=5), 55.6)
    assert not gate(Numbers(claims=9, backed=5, verified=2), 25, "verified")
    assert gate(Numbers(), 100)  # no claims: nothing is unbacked


@pytest.mark.slow
def test_analysis_is_linear():
    """10k claims over a 100k-entry bibliography: a generous budget that only a quadratic analysis would miss."""

    entries = {f"k{i}": object() for i in range(100_000)}
    bib = Bibliography(entries=entries)  # type: ignore[arg-type]
    claims = [Claim(f"c{i}", links=[Link(f"k{i * 7 % 100_000}"), Link(f"k{i}", "qualifies", verified=True)])
              for i in range(10_000)]
    start = time.perf_counter()
    cmap = analyse(bib, claims)
    elapsed = time.perf_counter() - start
    assert cmap.numbers.claims == 10_000 and len(cmap.orphans) > 80_000
    assert elapsed < 10.0, elapsed


def test_precision_is_passed_through():
    assert clamp_percent(55.555) == 55.6  # one decimal by default
    assert display_percent(55.5555, 2) == "55.56" and display_percent(99.999, 2) == "99.99"
    five_of_nine = Numbers(claims=9, backed=5)  # 55.555...
    assert gate(five_of_nine, 55.56, precision=2) and not gate(five_of_nine, 55.6, precision=2)


def test_unknown_metric_is_named():
    with pytest.raises(ValueError, match="unknown metric 'lines'"):
        Numbers(claims=1).percent("lines")


def test_empty_project_is_fully_covered():
    n = Numbers()
    assert (n.coverage, n.verified_coverage) == (100.0, 100.0)
    assert n.to_dict()["coverage"] == 100.0


def test_source_index_lists_each_claim_once_with_its_locator():
    bib = Bibliography(entries={"a": object(), "b": object()})  # type: ignore[arg-type]
    claims = [Claim("c1", links=[Link("a", "supports", locator="p. 4"), Link("a", "qualifies"), Link("b")]),
              Claim("c2", links=[Link("a", "mentions", verified=True)])]
    cmap = analyse(bib, claims)
    assert [(u.claim_id, u.stance, u.verified, u.locator) for u in cmap.sources["a"]] == [
        ("c1", "supports", False, "p. 4"), ("c2", "mentions", True, None)]
    assert cmap.orphans == [] and cmap.used_sources() == ["a", "b"]


def test_filters_are_recorded_by_kind(project):
    cmap = analyse(project.bibliography, project.claims.claims, statuses=["broken"], tags=["gamma"],
                   sources=["ghost2020"])
    assert cmap.filters == {"status": ["broken"], "tag": ["gamma"], "source": ["ghost2020"]}
    assert analyse(project.bibliography, project.claims.claims).filters == {"status": [], "tag": [], "source": []}


def test_constant_lists_are_complete():
    from bibkit.claims.claimmap import METRICS, SOURCE_FLAGS, STATUSES

    assert STATUSES == ("broken", "unsourced", "contested", "retracted", "supported", "partial")
    assert SOURCE_FLAGS == ("retracted", "wrong-doi", "not-found")
    assert METRICS == ("backed", "verified")


def test_json_percentages_clamp_both_metrics_at_two_decimals():
    # 99,999 of 100,000 is 99.999 %: rounded it would read 100.0; 1 of 100,000 would read 0.0
    d = Numbers(100000, 100000, 99999, 1).to_dict()
    assert (d["coverage"], d["verified_coverage"]) == (99.99, 0.01)
    d = Numbers(100000, 100000, 1, 99999).to_dict()
    assert (d["coverage"], d["verified_coverage"]) == (0.01, 99.99)
    assert clamp_percent(99.9999, 3) == 99.999 and clamp_percent(0.1, 1) == 0.1 and clamp_percent(99.9, 1) == 99.9


def test_retracted_sources_rejections_and_unresolved_keys_in_every_count():
    from bibkit.claims.decisions import fingerprint

    bib = _bib("a", "b", "c", "d")
    stale_rejection = Link("b", review="rejected", fingerprint=fingerprint("Old.", "b", None, None, None))
    stale_verification = Link("b", verified=True, fingerprint=fingerprint("Old.", "b", None, None, None))
    claims = [
        Claim("one-retracted", "T.", links=[Link("a"), Link("r")]),
        Claim("only-retracted", "T.", links=[Link("r")]),
        Claim("retracted-and-good", "T.", links=[Link("r"), Link("a")]),
        Claim("rejected-only", "T.", links=[Link("b", review="rejected")]),
        Claim("rejected-ghost", "T.", links=[Link("ghost", review="rejected"), Link("a")]),
        Claim("stale", "New.", links=[stale_rejection, Link("a", locator="p. 1"), Link("a", locator="p. 2")]),
        Claim("stale-verified", "New.", links=[stale_verification]),
    ]
    claims[0].links[1] = Link("c")
    flags = {"c": "retracted", "ghost": "retracted", "nowhere": "not-found"}
    claims[1].links[0] = Link("c", verified=True)
    claims[2].links[0] = Link("c")
    cmap = analyse(bib, claims, source_flags=flags, source_notices={"ghost": [("retraction", None, None)]})
    rows = [(r.id, r.status, r.with_sources, r.backed, r.verified) for r in cmap.claims]
    assert rows == [
        ("one-retracted", "supported", True, True, False),
        ("only-retracted", "retracted", True, False, False),
        ("retracted-and-good", "supported", True, True, False),
        ("rejected-only", "unsourced", False, False, False),
        ("rejected-ghost", "broken", True, True, False),
        ("stale", "supported", True, True, False),
        ("stale-verified", "supported", True, True, False),
    ]
    assert cmap.unresolved_keys() == ["ghost"]
    ghost = cmap.claims[4].links[0]
    assert (ghost.flag, ghost.notices) == (None, ())
    stale = cmap.claims[5]
    assert (stale.links[0].stale, stale.links[0].review.rejected, stale.links[0].counts) == (True, False, True)
    assert stale.keys == ["b", "a"]
    assert cmap.source_flags == {"c": "retracted"}
    # the source index: each claim once per key; rejected and stale decisions as they hold now
    assert [(u.claim_id, u.verified, u.stale, u.rejected) for u in cmap.sources["b"]] == [
        ("rejected-only", False, False, True), ("stale", False, True, False), ("stale-verified", False, True, False)]
    assert [u.locator for u in cmap.sources["a"] if u.claim_id == "stale"] == ["p. 1"]
    assert cmap.orphans == ["d"] and cmap.used_sources() == ["a", "b", "c"]
    n = cmap.numbers
    assert (n.claims, n.with_sources, n.backed, n.verified) == (7, 6, 5, 0)
    assert cmap.shown_statuses() == list(STATUSES_ALL)
    assert [s for s, _ in cmap.by_status()] == ["broken", "unsourced", "retracted", "supported"]


STATUSES_ALL = ("broken", "unsourced", "contested", "retracted", "supported", "partial")


def test_retracted_status_is_shown_once_a_lookup_flagged_a_source_or_a_claim_has_it():
    from bibkit.claims.claimmap import ClaimMap

    bib = _bib("a")
    plain = analyse(bib, [Claim("x", links=[Link("a")])])
    assert "retracted" not in plain.shown_statuses() and not plain.filtered
    flagged = analyse(bib, [Claim("x", links=[Link("a")])], source_flags={"a": "wrong-doi"})
    assert flagged.shown_statuses() == list(STATUSES_ALL)
    counted = ClaimMap([], Numbers(1, 1, 0, 0, {"retracted": 1}), {}, {}, [])
    assert counted.shown_statuses() == list(STATUSES_ALL)


def test_each_filter_value_is_an_alternative():
    bib = _bib("a", "b")
    claims = [Claim("s", links=[Link("a")], tags=["x"]), Claim("p", links=[Link("b", "mentions")], tags=["y"]),
              Claim("u", tags=["x", "y"])]
    assert [r.id for r in analyse(bib, claims, statuses=["partial", "supported"]).claims] == ["s", "p"]
    assert [r.id for r in analyse(bib, claims, tags=["y", "x"]).claims] == ["s", "p", "u"]
    assert [r.id for r in analyse(bib, claims, sources=["b"]).claims] == ["p"]
    narrowed = analyse(bib, claims, tags=["y"])
    assert narrowed.filtered and narrowed.total_claims == 3 and narrowed.numbers.claims == 2


def test_a_source_linked_only_by_a_rejected_link_is_not_an_orphan():
    cmap = analyse(_bib("a", "b"), [Claim("x", links=[Link("b", review="rejected")])])
    assert cmap.orphans == ["a"]
