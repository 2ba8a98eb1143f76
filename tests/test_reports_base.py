"""The display context every report template reads: claim rows, link rows, source rows, the filter note."""

from __future__ import annotations

from claimmap_helpers import claim_map

from bibkit.reports import ReportOptions
from bibkit.reports.base import build_context, filter_note


def test_claim_rows_carry_status_and_link_details():
    ctx = build_context(claim_map(), ReportOptions())
    rows = {r.id: r for r in ctx.claims}
    assert [(r.id, r.status, r.verified, r.backed) for r in ctx.claims] == [
        ("c-verified", "supported", True, True), ("c-unverified", "supported", False, True),
        ("c-shorthand", "supported", False, True), ("c-bibside", "supported", False, True),
        ("c-qualifies", "partial", False, False), ("c-mentions", "partial", False, False),
        ("c-contested", "contested", True, True), ("c-unsourced", "unsourced", False, False),
        ("c-broken", "broken", False, False)]
    first = rows["c-verified"]
    assert (first.section, first.note, first.tags, first.line) == ("Background", "A note on the claim.",
                                                                   ["alpha", "checked"], 8)
    [link] = first.links
    assert (link.key, link.resolved, link.stance, link.verified, link.locator, link.quote, link.note, link.citation,
            link.origin) == ("alpha2001", True, "supports", True, "p. 3", "The quoted passage.",
                             "Checked against the printed page.", "Alpha and Aleph (2001, p. 3)", "claims")
    assert [(lk.key, lk.resolved, lk.citation) for lk in rows["c-broken"].links] == [("ghost2020", False, "ghost2020")]
    assert [(s, [r.id for r in rs]) for s, rs in ctx.groups] == [
        ("broken", ["c-broken"]), ("unsourced", ["c-unsourced"]), ("contested", ["c-contested"]),
        ("supported", ["c-verified", "c-unverified", "c-shorthand", "c-bibside"]),
        ("partial", ["c-qualifies", "c-mentions"])]


def test_source_rows_list_their_uses():
    ctx = build_context(claim_map(), ReportOptions(), full_sources=True)
    beta = next(s for s in ctx.sources if s.key == "beta2002")
    assert [(u.claim_id, u.stance, u.verified, u.locator) for u in beta.uses] == [
        ("c-unverified", "supports", False, None), ("c-qualifies", "qualifies", False, "chap. 2"),
        ("c-contested", "contradicts", False, "pp. 10-12")]
    assert [s.key for s in ctx.orphans] == ["delta2004"]


def test_filter_note_names_each_filter():
    ctx = build_context(claim_map(statuses=["partial", "broken"], tags=["beta"]), ReportOptions())
    assert filter_note(ctx) == ("Filtered (status=partial, broken; tag=beta): 1 of 9 claims; "
                                "the numbers are over these claims.")
    assert filter_note(build_context(claim_map(), ReportOptions())) == ""


def test_sources_sort_with_accents_folded_as_nfkd_without_combining_marks():
    import unicodedata

    from bibkit.reports.base import fold_accents

    for text in ["Ó Gráda (2009)", "plain (1999)", "Dvořák and Øster (2001)", "ﬁsh", "a\u0301b", "Ǆ", "Æ", ""]:
        want = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
        assert fold_accents(text) == want
