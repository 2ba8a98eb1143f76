"""The Graphviz claim graph."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from claimmap_helpers import CLAIM_IDS, report

from bibkit.reports.dot import _label, quote


def test_every_claim_is_a_node_and_edges_follow_stance():
    out = report("dot")
    for cid in CLAIM_IDS:
        assert f'"claim:{cid}" [' in out
    assert '"claim:c-contested" -> "source:beta2002" [color="#c62828", penwidth=2' in out
    assert '"claim:c-broken" -> "source:ghost2020"' in out and "not in the bibliography" in out


def test_quote_escapes():
    assert quote('a "b" \\ c\nd') == '"a \\"b\\" \\\\ c\\nd"'
    # every kind of line break becomes one DOT line break; no raw CR or LF inside the string
    assert quote("a\r\nb\rc\nd") == '"a\\nb\\nc\\nd"'


def test_labels_wrap_at_34_characters():
    words = "a claim text long enough to be wrapped over more than one line"
    assert _label("c-1", words) == ('"c-1\\na claim text long enough to be\\nwrapped over more than one line"')
    assert _label("", "x") == '"\\nx"'  # an empty line stays an empty line
    assert _label("aaaa bbbb cccc dddd eeee ffff gggg") == '"aaaa bbbb cccc dddd eeee ffff gggg"'  # 34: fits
    assert _label("aaaa bbbb cccc dddd eeee ffff ggggg") == '"aaaa bbbb cccc dddd eeee ffff\\nggggg"'  # 35


@pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz 'dot' not installed")
def test_renders_with_graphviz():
    result = subprocess.run(["dot", "-Tsvg"], input=report("dot"), capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "<svg" in result.stdout and "[unsourced]" in result.stdout
    assert "<script>" not in result.stdout  # the hostile title is escaped by Graphviz too
