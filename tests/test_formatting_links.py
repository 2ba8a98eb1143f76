"""Reading lists link only http, https and ftp URLs, whatever a bibliography's url, doi or \\url says.

Judged by independent readers: lxml's HTML parser for the HTML reading list, and pandoc's
CommonMark and Markdown readers (turned into HTML, then parsed by lxml) for the Markdown one.
"""

from __future__ import annotations

import subprocess
from urllib.parse import urlsplit

import lxml.html
import pytest

from bibkit.cli import cli
from bibkit.formatting.pandoc_run import pandoc_path
from bibkit.formatting.safe_links import is_safe_url, url_scheme

HOSTILE_URLS = [
    "javascript:alert(1)",
    " JaVaScRiPt:alert(2)",
    "\x01\x02javascript:alert(3)",
    "java\tscript:alert(4)",
    "java\nscript:alert(5)",
    "data:text/html,<script>alert(6)</script>",
    "DATA:text/html;base64,PHNjcmlwdD5hbGVydCg3KTwvc2NyaXB0Pg==",
    "vbscript:msgbox(8)",
    "file:///etc/passwd",
    'https://x.org/" onmouseover="alert(10)',
    "https://x.org/a) [x](javascript:alert(11)",
    "https://x.org/a> <a href=javascript:alert(12)>",
]
SAFE = ["https://example.org/a?b=1&c=2", "http://example.org/", "ftp://ftp.example.org/pub/", "HTTPS://EXAMPLE.ORG/"]


@pytest.mark.parametrize("url,scheme", [("javascript:x", "javascript"), (" \x00JAVA\tSCRIPT:x", "javascript"),
                                        ("https://a", "https"), ("//a.org/x", None), ("a.org", None),
                                        ("\u200bjavascript:x", None), ("doi:10.1/x", "doi")])
def test_url_scheme_reads_like_a_browser(url, scheme) -> None:
    assert url_scheme(url) == scheme


def test_only_http_https_ftp_are_safe() -> None:
    assert [u for u in SAFE if not is_safe_url(u)] == []
    assert [u for u in HOSTILE_URLS[:9] if is_safe_url(u)] == []
    # what citeproc makes of a url field without a scheme it knows: a "port" that is not a number
    assert [u for u in ("https://javascript:alert(1)", "http://data:text/html,x", "https://a.org:80x/")
            if is_safe_url(u)] == []
    assert is_safe_url("https://a.org:8080/x") and is_safe_url("https://[::1]:443/")


def _bib() -> str:
    def esc(u: str) -> str:
        return u.replace("\\", "\\\\")
    entries = [f"@misc{{evil{i}, author = {{Evil, Eve}}, title = {{Evil {i}}}, year = {{{2000 + i}}}, url = {{{esc(u)}}}}}"
               for i, u in enumerate(HOSTILE_URLS)]
    entries.append("@misc{evilhow, author = {Evil, Eve}, title = {Evil how}, year = {1999}, "
                   "howpublished = {\\url{javascript:alert(13)}}}")
    entries.append("@misc{evildoi, author = {Evil, Eve}, title = {Evil doi}, year = {1998}, doi = {javascript:alert(14)}}")
    entries += [f"@misc{{good{i}, author = {{Good, Gus}}, title = {{Good {i}}}, year = {{{2100 + i}}}, url = {{{u}}}}}"
                for i, u in enumerate(SAFE)]
    entries.append("@article{gooddoi, author = {Good, Gus}, title = {Good doi}, journal = {J}, year = {2200}, "
                   "doi = {10.1000/xyz(1)}}")
    return "\n".join(entries) + "\n"


def _hrefs(html_text: str) -> list[str]:
    doc = lxml.html.document_fromstring(html_text)
    hrefs = [a.get("href") for a in doc.iter("a")]
    # No attribute but href on links, and no event handler anywhere.
    for el in doc.iter():
        for name in el.attrib:
            assert not name.lower().startswith("on"), (el.tag, name)
    return hrefs


def _assert_only_safe(hrefs: list[str]) -> None:
    assert hrefs, "the good entries must still be linked"
    for href in hrefs:
        assert url_scheme(href) in {"http", "https", "ftp"}, href
        # citeproc makes url = {javascript:alert(1)} into https://javascript:alert(1): not linked either
        assert "javascript" not in urlsplit(href).netloc.lower(), href


STYLES = ["apa", "chicago-author-date", "plain", "unsrt"]


@pytest.mark.parametrize("style", STYLES)
def test_html_reading_list_links_only_safe_urls(project, runner, style) -> None:
    project(bib=_bib())
    result = runner.invoke(cli, ["reading-list", "--no-cache", "--style", style, "--format", "html"])
    assert result.exit_code == 0, result.stderr
    hrefs = _hrefs(result.stdout)
    _assert_only_safe(hrefs)
    assert any(h.startswith("https://example.org/a?b=1") for h in hrefs)
    # the hostile targets are still visible as text
    text = lxml.html.document_fromstring(result.stdout).text_content()
    assert "alert(1)" in text and "alert(13)" in text


def _markdown_to_html(text: str, reader: str) -> str:
    proc = subprocess.run([pandoc_path(), "-f", reader, "-t", "html"], input=text.encode(), capture_output=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    return "<html><body>" + proc.stdout.decode() + "</body></html>"


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("reader", ["commonmark", "markdown"])
def test_markdown_reading_list_links_only_safe_urls(project, runner, style, reader) -> None:
    project(bib=_bib())
    result = runner.invoke(cli, ["reading-list", "--no-cache", "--style", style, "--format", "markdown"])
    assert result.exit_code == 0, result.stderr
    hrefs = _hrefs(_markdown_to_html(result.stdout, reader))
    _assert_only_safe(hrefs)


def test_html_reading_list_has_the_claim_maps_content_security_policy(project, runner, root) -> None:
    project(bib=_bib())
    result = runner.invoke(cli, ["reading-list", "--no-cache", "--style", "plain", "--format", "html"])
    doc = lxml.html.document_fromstring(result.stdout)
    (meta,) = [m for m in doc.iter("meta") if (m.get("http-equiv") or "").lower() == "content-security-policy"]
    policy = {d.split()[0]: d.split()[1:] for d in meta.get("content").split(";") if d.strip()}
    assert policy["default-src"] == ["'none'"]
    assert "script-src" not in policy  # nothing may run: default-src 'none' covers scripts
    assert doc.head.index(meta) < doc.head.index(doc.find(".//style"))
    # The same directives as the claim map's, apart from the claim map's own script hash.
    claim_map = (root / "templates" / "claim-map.html").read_text(encoding="utf-8")
    for directive in ("default-src 'none'", "style-src 'unsafe-inline'", "img-src data:"):
        assert directive in claim_map and directive in meta.get("content")
    assert not doc.findall(".//script")
