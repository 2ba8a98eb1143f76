"""HTML full texts through the standard library's HTML parser: the visible text, block by block.

Scripts, styles, templates and the document head are left out; block elements (paragraphs,
headings, list items, table cells, ``<br>``) end a line, so words of adjacent blocks never run
together. Character references are decoded by the parser. One page: web pages have no printed pages.
"""

from __future__ import annotations

from html.parser import HTMLParser

from bibkit.evidence.fulltext.base import Extracted, Unreadable
from bibkit.evidence.fulltext.text import decode

KIND = "html"
VERSION = 1

_SKIP = {"script", "style", "template", "head", "noscript", "svg", "math"}
_BLOCK = {
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption", "figure", "footer",
    "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table",
    "td", "th", "tr", "ul", "title", "caption",
}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs) -> None:
        if tag in _SKIP:
            self.skip += 1
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_startendtag(self, tag, attrs) -> None:
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data) -> None:
        if not self.skip:
            self.parts.append(data)


def html_text(markup: str) -> str:
    """The visible text of an HTML document, one block per line."""
    parser = _Text()
    parser.feed(markup)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).split("\n"))
    return "\n".join(line for line in lines if line)


def extract(data: bytes, path: str) -> Extracted:
    """The page's visible text as one page."""
    text = html_text(decode(data))
    if not text.strip():
        raise Unreadable("no visible text in the HTML")
    return Extracted([text])
