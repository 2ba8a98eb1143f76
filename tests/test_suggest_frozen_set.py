"""The passage-suggestion benchmark's claims are frozen: their bytes are pinned here.

claims.yaml (tuning and held-out halves), claims-v2.yaml (held-out v2) and claims-v3.yaml (held-out v3) were written before the ranker ran
on them; a change to any of them, or to the PDFs they point at (sources.yaml), must be a deliberate new part of
the set, not an edit that fits the ranker. The digests are sha256 of the files as committed.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import yaml

SET = Path(__file__).resolve().parent.parent / "benchmarks" / "suggest"

FROZEN = {
    "claims.yaml": "e71fe45a5132c9c38b83962434c455de97c0192b8e9f88b25f0592f85fb17e97",
    "claims-v2.yaml": "0d38ef29750b41f8b967fa0c601bb5638645647519046118dc3dd6f27b3cb25c",
    "claims-v3.yaml": "d2bae64cbfa273d1ffdd3af15c5807f26940b8c5c838d5766eb4df1e8b263962",
    "sources.yaml": "81aa1dfc447c14cdb0c5f7a746f0145d7e3ca72568b6e8ceb7099390d527f530",
}


@pytest.mark.parametrize("name", sorted(FROZEN))
def test_the_frozen_files_are_unchanged(name):
    assert hashlib.sha256((SET / name).read_bytes()).hexdigest() == FROZEN[name]


def test_every_claim_names_a_known_document_and_ids_are_unique_across_parts():
    docs = yaml.safe_load((SET / "sources.yaml").read_text(encoding="utf-8"))["docs"]
    ids = []
    for name in ("claims.yaml", "claims-v2.yaml", "claims-v3.yaml"):
        for c in yaml.safe_load((SET / name).read_text(encoding="utf-8"))["claims"]:
            assert c["doc"] in docs, c["id"]
            assert c["kind"] in ("paraphrase", "generalisation", "unsupported"), c["id"]
            if c["kind"] != "unsupported":
                assert c["page"] >= 1 and c["snippet"], c["id"]
            ids.append(c["id"])
    assert len(ids) == len(set(ids))


def test_held_out_v2_is_large_enough_to_judge_generalisations():
    claims = yaml.safe_load((SET / "claims-v2.yaml").read_text(encoding="utf-8"))["claims"]
    kinds = [c["kind"] for c in claims]
    assert kinds.count("generalisation") >= 30
    assert kinds.count("paraphrase") >= 10 and kinds.count("unsupported") >= 10


def test_held_out_v3_is_large_enough_and_every_snippet_is_unique_to_it():
    claims = yaml.safe_load((SET / "claims-v3.yaml").read_text(encoding="utf-8"))["claims"]
    kinds = [c["kind"] for c in claims]
    assert kinds.count("generalisation") >= 30
    assert kinds.count("paraphrase") >= 10 and kinds.count("unsupported") >= 10
    earlier = {c.get("snippet") for name in ("claims.yaml", "claims-v2.yaml")
               for c in yaml.safe_load((SET / name).read_text(encoding="utf-8"))["claims"]}
    assert not [c["id"] for c in claims if c.get("snippet") and c["snippet"] in earlier]
