"""The Markdown claim map."""

from __future__ import annotations

from claimmap_helpers import CLAIM_IDS, report

from bibkit.reports.markdown import md_escape


def test_every_claim_and_summary():
    out = report("markdown")
    assert "| 9 | 7 | 5 (**55.6%**) | 2 (**22.2%**) |" in out
    for cid in CLAIM_IDS:
        assert f"**`{cid}`**" in out
    assert "### Broken (1)" in out and out.index("### Broken") < out.index("### Partial")
    assert "**ghost2020 is not in the bibliography**" in out
    assert "- Delta (2004) (delta2004)" in out


def test_hostile_text_is_escaped():
    out = report("markdown")
    assert "<script>" not in out
    assert r"\<script\>alert(\"claim\")\</script\>" in out or r"\<script\>alert(" in out
    assert md_escape("a|b *c* [d](e) & <f>") == r"a\|b \*c\* \[d\](e) &amp; \<f\>"


def test_md_escape_of_nothing_is_empty():
    from bibkit.reports.markdown import md_escape

    assert md_escape(None) == "" and md_escape("") == "" and md_escape("  a\n b ") == "a b"
