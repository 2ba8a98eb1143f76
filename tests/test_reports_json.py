"""The JSON claim map (DESIGN.md section 6)."""

from __future__ import annotations

import json

from claimmap_helpers import CLAIM_IDS, report


def test_shape_and_numbers():
    doc = json.loads(report("json"))
    assert doc["format"] == 1
    s = doc["summary"]
    assert {k: s[k] for k in ("claims", "with_sources", "backed", "verified", "coverage", "verified_coverage",
                              "sources", "orphan_sources")} == {
        "claims": 9, "with_sources": 7, "backed": 5, "verified": 2, "coverage": 55.56,
        "verified_coverage": 22.22, "sources": 4, "orphan_sources": ["delta2004"]}
    assert s["by_status"] == {"supported": 4, "partial": 2, "contested": 1, "unsourced": 1, "broken": 1}
    assert [c["id"] for c in doc["claims"]] == CLAIM_IDS


def test_claims_links_and_sources():
    doc = json.loads(report("json"))
    first = doc["claims"][0]
    assert first["status"] == "supported" and first["verified"] is True and first["tags"] == ["alpha", "checked"]
    assert first["links"][0] == {**first["links"][0], "key": "alpha2001", "stance": "supports", "locator": "p. 3",
                                 "verified": True, "resolved": True, "citation": "Alpha and Aleph (2001, p. 3)"}
    broken = next(c for c in doc["claims"] if c["id"] == "c-broken")
    assert broken["links"][0]["resolved"] is False and broken["links"][0]["citation"] is None
    alpha = next(s for s in doc["sources"] if s["key"] == "alpha2001")
    assert alpha["citation"].startswith("Alpha, A., & Aleph, A. (2001). First Source on Everything.")
    assert alpha["claims"] == ["c-verified", "c-shorthand", "c-contested"]
