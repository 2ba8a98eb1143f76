"""The terminal claim map."""

from __future__ import annotations

from claimmap_helpers import CLAIM_IDS, claim_map, report

from bibkit.reports import ReportOptions, render


def test_summary_and_every_claim():
    out = report("text")
    assert "backed            5    55.6%" in out
    assert "verified          2    22.2%" in out
    assert "broken 1   unsourced 1   contested 1   supported 4   partial 2" in out
    for cid in CLAIM_IDS:
        assert f"\n  {cid}" in out


def test_groups_worst_first_with_links():
    out = report("text")
    order = [out.index(h) for h in ("BROKEN", "UNSOURCED", "CONTESTED", "SUPPORTED", "PARTIAL", "SOURCES", "ORPHANS")]
    assert order == sorted(order)
    assert "supports     Alpha and Aleph (2001, p. 3)  ✓ verified" in out
    assert "supports     ghost2020  NOT IN THE BIBLIOGRAPHY" in out
    assert "supports     Ó Gráda (2003)  unverified  (from the bibliography)" in out
    assert "  delta2004  Delta (2004)" in out.split("ORPHANS")[1]


def test_colour_only_when_asked():
    plain = report("text")
    assert "\x1b[" not in plain
    coloured = render("text", claim_map(), ReportOptions(colour=True))
    assert "\x1b[" in coloured


def test_wraps_to_width():
    out = render("text", claim_map(), ReportOptions(width=50))
    assert max(len(line) for line in out.splitlines() if line.startswith("    A ")) <= 50


def test_filter_note():
    out = report("text", statuses=["broken"])
    assert "Filtered (status=broken): 1 of 9 claims; the numbers are over these claims." in out
    assert "c-verified" not in out.split("SOURCES")[0]


def test_claims_with_only_rejected_links_are_not_said_to_have_no_links(tmp_path):
    from claimmap_helpers import rejected_map

    out = render("text", rejected_map(tmp_path), ReportOptions())
    assert "\nUNSOURCED  2 claims: 1 with no links at all, 1 with only rejected links\n" in out
    markdown = render("markdown", rejected_map(tmp_path), ReportOptions())
    assert "\n_1 with no links at all, 1 with only rejected links._\n" in markdown
    assert "no links at all" in report("text").split("UNSOURCED")[1].splitlines()[0]  # no rejection: as before
