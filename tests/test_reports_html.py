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


def test_matrix_marks_rejected_links_and_keeps_long_ids_whole_at_the_start(tmp_path):
    import lxml.html
    from claimmap_helpers import LONG_ID, rejected_map

    from bibkit.reports import ReportOptions, render

    root = lxml.html.fromstring(render("html", rejected_map(tmp_path), ReportOptions()).encode("utf-8"))
    cells = {c.xpath("string(title)").split(" ← ")[0] + " " + c.xpath("string(title)").split(" ← ")[1].split(":")[0]:
             c for c in root.xpath('//svg//rect[contains(concat(" ", @class, " "), " cell ")]')}
    rejected = cells[f"{LONG_ID} Alpha (2001, p. 3)"]
    assert rejected.get("class").split() == ["cell", "st-supports", "rejected"] and rejected.get("fill") is None
    assert rejected.getparent().xpath('path[@class="reject-x"]')  # crossed out
    unverified = cells["supported-one Beta (2002)"]
    assert unverified.get("class").split() == ["cell", "st-supports"] and unverified.get("fill") == "url(#hatch-supports)"
    assert cells["supported-one Alpha (2001)"].get("class").split() == ["cell", "st-supports", "verified"]
    legend = [" ".join(li.text_content().split()) for li in root.xpath('//ul[contains(@class, "legend")]/li')]
    assert "rejected by a reviewer" in legend
    assert root.xpath('//ul[contains(@class, "legend")]//i[contains(@class, "rejected")]')
    labels = {a.get("href"): (a.xpath("string(title)"), a.xpath("string(text)"))
              for a in root.xpath("//svg//a[starts-with(@href, '#claim-')]")}
    assert labels == {f"#claim-{LONG_ID}": (LONG_ID, LONG_ID[:47] + "…"),
                      "#claim-supported-one": ("supported-one", "supported-one")}
