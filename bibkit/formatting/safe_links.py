"""Which links formatted references may carry: only ``http``, ``https`` and ``ftp`` (DOIs go through https://doi.org/).

A bibliography is untrusted input: ``url = {javascript:...}`` or ``data:text/html,...`` must not
become a clickable link in a reading list someone opens in a browser. Browsers ignore leading
spaces and control characters and any tab or newline inside a URL (``java\\tscript:``), and schemes
are case-insensitive, so the scheme is read the way a browser reads it. An unsafe link keeps its
text and loses its target; this is applied to both engines' output before any back end sees it,
and pybtex's HTML and Markdown back ends get their link targets escaped, which they do not do.
"""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import quote, urlsplit

SAFE_SCHEMES = frozenset({"http", "https", "ftp"})
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
_C0_AND_SPACE = "".join(chr(c) for c in range(0x21))
_TAB_NEWLINE = re.compile(r"[\t\n\r]")
_LEAVES = frozenset({"Str", "Space", "SoftBreak", "LineBreak"})  # inlines that hold no link


def url_scheme(url: str) -> str | None:
    """The scheme a browser would read from ``url`` (lower case), or None for a relative URL."""
    cleaned = _TAB_NEWLINE.sub("", url.strip(_C0_AND_SPACE))
    m = _SCHEME.match(cleaned)
    return m.group(1).lower() if m else None


def is_safe_url(url: str) -> bool:
    """True for absolute http, https and ftp URLs with a well-formed host; everything else is shown as text.

    citeproc turns ``url = {javascript:alert(1)}`` into ``https://javascript:alert(1)``: an http link
    whose "port" is not a number is such a rewrite, not an address, and is not linked either.
    """
    if url_scheme(url) not in SAFE_SCHEMES:
        return False
    try:
        urlsplit(_TAB_NEWLINE.sub("", url.strip(_C0_AND_SPACE))).port
    except ValueError:
        return False
    return True


def unlink_unsafe_pandoc(node: Any, fmt: str = "html") -> Any:
    """A pandoc JSON AST (or part of one) with every unsafe ``Link`` turned into a plain ``Span`` of its text.

    For Markdown, safe links get their target percent-encoded where Markdown would end it (pandoc's
    Markdown writer prints ``[t](https://x.org/a) [y](javascript:...)`` as given: a second live link).
    """
    if isinstance(node, list):
        return [unlink_unsafe_pandoc(n, fmt) for n in node]
    if isinstance(node, dict):
        kind = node.get("t")
        if kind in _LEAVES:
            return node
        if kind == "Link":
            attr, inlines, (url, title) = node["c"]
            if not is_safe_url(url):
                return {"t": "Span", "c": [["", [], []], unlink_unsafe_pandoc(inlines, fmt)]}
            target = markdown_url(url) if fmt == "markdown" else url
            return {"t": "Link", "c": [attr, unlink_unsafe_pandoc(inlines, fmt), [target, title]]}
        return {k: unlink_unsafe_pandoc(v, fmt) for k, v in node.items()}
    return node


def unlink_unsafe_richtext(text: Any) -> Any:
    """A pybtex rich text with every unsafe ``HRef`` replaced by its text."""
    from pybtex.richtext import BaseMultipartText, HRef, Text

    if isinstance(text, HRef) and not is_safe_url(text.url):
        return Text(*[unlink_unsafe_richtext(p) for p in text.parts])
    if isinstance(text, BaseMultipartText):
        return text._create_similar([unlink_unsafe_richtext(p) for p in text.parts])
    return text


def markdown_url(url: str) -> str:
    """A link target that cannot end a Markdown ``[text](url)`` early: spaces, brackets and quotes percent-encoded."""
    return quote(url, safe="!#$&'*+,/:;=?@-._~%")


def harden_pybtex_backend(backend: Any, fmt: str) -> Any:
    """Make a pybtex back end escape link targets (its HTML writes ``href="{url}"`` as given)."""
    original = backend.format_href
    if fmt == "html":
        backend.format_href = lambda url, text, external=False: original(html.escape(url, quote=True), text, external)
    elif fmt == "markdown":
        backend.format_href = lambda url, text, external=False: original(
            markdown_url(url), text, external) if not external else original(html.escape(url, quote=True), text, external)
    return backend
