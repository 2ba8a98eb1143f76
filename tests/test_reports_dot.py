"""The Graphviz claim graph."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from claimmap_helpers import CLAIM_IDS, report

from bibkit.reports.dot import quote


def test_every_claim_is_a_node_and_edges_follow_stance():
    out = report("dot")
    for cid in CLAIM_IDS:
        assert f'"claim:{cid}" [' in out
    assert '"claim:c-contested" -> "source:beta2002" [color="#c62828", penwidth=2' in out
    assert '"claim:c-broken" -> "source:ghost2020"' in out and "not in the bibliography" in out


def test_quote_escapes():
    assert quote('a "b" \\ c\nd') == '"a \\"b\\" \\\\ c\\nd"'


@pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz 'dot' not installed")
def test_renders_with_graphviz():
    result = subprocess.run(["dot", "-Tsvg"], input=report("dot"), capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "<svg" in result.stdout and "[unsourced]" in result.stdout
    assert "<script>" not in result.stdout  # the hostile title is escaped by Graphviz too
