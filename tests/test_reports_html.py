"""The HTML claim map, without a browser: content present, user text escaped, self-contained."""

from __future__ import annotations

import re

from claimmap_helpers import CLAIM_IDS, report


def test_every_claim_row_and_source_present_without_js():
    out = report("html")
    for cid in CLAIM_IDS:
        assert f'<tr class="claim" id="claim-{cid}"' in out
    assert 'id="source-alpha2001"' in out and 'id="source-delta2004"' in out
    assert "55.6" in out and "22.2" in out
    assert "<svg class=\"matrix\"" in out
    assert out.count('class="cell ') == 9  # one square per link; the legend swatches are <i> elements
    assert "Links to c-bibside through its claims field only." in out


def test_hostile_text_is_inert():
    out = report("html")
    assert "<script>alert" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert "&lt;script&gt;alert(&#34;claim&#34;)&lt;/script&gt;" in out
    assert "&lt;b&gt;markup&lt;/b&gt; &amp; an ampersand" in out
    assert out.count("<script>") == 1


def test_self_contained_with_csp():
    out = report("html")
    assert not re.search(r'(src|href)="(https?:)?//', out)
    assert "<link rel=\"stylesheet\"" not in out
    assert "script-src 'sha256-" in out and "default-src 'none'" in out
