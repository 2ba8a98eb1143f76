"""Read HTML articles: the main text, hyperlinks and footnote references as citations, exact source lines.

Parsing uses the standard library's ``html.parser`` with a small tree builder that applies HTML's
implied end tags (``<p>`` closed by a block, ``<li>`` by the next ``<li>``, table cells and rows).
It was chosen over lxml and html5lib because it reports the line and column of every piece of
text, so citations and flagged sentences point at the exact place in the file, as they do for
Markdown; it never fails on broken markup and adds no dependency. (The tests check its text
against lxml's parser.)

Main text: ``<main>``, else the ``<article>`` elements, else ``<body>``; never ``nav``, ``header``,
``footer``, ``aside``, scripts, styles, forms or hidden elements; code is not prose. Citations:
links whose URL or DOI matches an entry (and any ``doi.org`` link), superscript links to an item of a
reference list (the item's text is matched to an entry), ``<cite>`` titles that name an entry, and
``<blockquote cite=...>`` / ``<q cite=...>``, and pandoc's ``<span class="citation" data-cites="a b">``
(its ``csl-bib-body`` reference list is not prose).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from bibkit.infra.files import read_bytes
from bibkit.manuscripts.build import CiteItem, Mark, Paragraph, pandoc_text_marks
from bibkit.manuscripts.works import CitedWork, doi_in_text, doi_of_url

VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
SKIP = frozenset("nav header footer aside script style noscript template form button select textarea svg math "
                 "iframe object canvas dialog pre code kbd samp head title".split())
BLOCK = frozenset("address article blockquote body caption dd details div dl dt fieldset figcaption figure h1 h2 h3 "
                  "h4 h5 h6 hgroup li main ol p section summary table tbody td tfoot th thead tr ul hr".split())
CLOSES_P = frozenset("address article aside blockquote details div dl fieldset figcaption figure footer form h1 h2 h3 "
                     "h4 h5 h6 header hgroup hr main menu nav ol p pre section table ul".split())
HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
_SECTIONS = frozenset("table tbody thead tfoot".split())
TABLE_CONTEXT = {**dict.fromkeys(("caption", "colgroup", "tbody", "thead", "tfoot"), frozenset({"table"})),
                 "tr": _SECTIONS, "td": _SECTIONS | {"tr"}, "th": _SECTIONS | {"tr"}}
TABLE_PARTS = frozenset(TABLE_CONTEXT)
SKIP_ROLES = frozenset("navigation banner contentinfo complementary search".split())
MAX_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 200  # elements nested deeper than this are read as siblings (no recursion without bound)


@dataclass(eq=False)
class Node:
    """An element of the parsed page, with where its start tag stands."""

    tag: str
    attrs: dict[str, str]
    line: int
    column: int
    parent: "Node | None" = None
    children: list = field(default_factory=list)  # Node or Text


@dataclass
class Text:
    """A piece of text and where it starts in the file."""

    data: str
    line: int
    column: int


class _TreeBuilder(HTMLParser):
    """html.parser events to a tree, with HTML's common implied end tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {}, 1, 1)
        self.stack: list[Node] = [self.root]

    def _open(self, names: set[str] | frozenset[str], boundary: set[str]) -> int:
        for i in range(len(self.stack) - 1, 0, -1):
            tag = self.stack[i].tag
            if tag in names:
                return i
            if tag in boundary:
                return -1
        return -1

    def _close_to(self, index: int) -> None:
        if index > 0:
            del self.stack[index:]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "html" and len(self.stack) > 1:
            return  # a stray <html> inside the page is ignored, as browsers do
        if tag in CLOSES_P:
            self._close_to(self._open({"p"}, {"button", "table", "td", "th", "html"}))
        if tag in HEADINGS:
            self._close_to(self._open(HEADINGS, {"body", "html"}))
        if tag == "li":
            self._close_to(self._open({"li"}, {"ul", "ol", "menu"}))
        elif tag in ("dd", "dt"):
            self._close_to(self._open({"dd", "dt"}, {"dl"}))
        elif tag in TABLE_PARTS:
            # a cell, row or section ends what is open inside the table part it belongs in (HTML's "clear the
            # stack back to a table context"); a table part outside any table is ignored, as browsers do
            context = self._open(TABLE_CONTEXT[tag], set())
            if context < 0:
                return
            self._close_to(context + 1)
        line, col = self.getpos()
        node = Node(tag, {k: (v or "") for k, v in attrs}, line, col + 1, self.stack[-1])
        self.stack[-1].children.append(node)
        if tag not in VOID and len(self.stack) < MAX_DEPTH:
            self.stack.append(node)  # deeper elements are kept flat: nesting stays bounded

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        depth = len(self.stack)
        self.handle_starttag(tag, attrs)
        if len(self.stack) > depth:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag == "br":
            self.handle_starttag("br", [])
            return
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        line, col = self.getpos()
        self.stack[-1].children.append(Text(data, line, col + 1))


# -- decoding ----------------------------------------------------------------

_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_DECL = re.compile(rb"""^<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)["']""")
_WINDOWS_1252 = {"latin1", "latin-1", "iso-8859-1", "iso8859-1", "iso_8859-1", "l1", "ascii", "us-ascii",
                 "cp1252", "windows-1252", "x-cp1252", "cp819", "ibm819"}


def _c1(exc: UnicodeDecodeError) -> tuple[str, int]:
    # The five bytes cp1252 leaves undefined map to the C1 controls of the same value (WHATWG).
    return "".join(chr(b) for b in exc.object[exc.start:exc.end]), exc.end


codecs.register_error("bibkit-c1", _c1)


def decode_html(data: bytes, path: str) -> tuple[str, str, str | None]:
    """The page's text, the encoding used and a warning; BOM, then ``<meta charset>``, then UTF-8, else windows-1252."""
    for bom, enc in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            return data[len(bom):].decode(enc, errors="replace"), enc, None
    head = data[:4096]
    m = _META.search(head) or _XML_DECL.search(head)
    declared = m.group(1).decode("ascii", "replace").lower() if m else None
    if declared in _WINDOWS_1252:
        return data.decode("cp1252", errors="bibkit-c1"), "windows-1252", None
    if declared and declared not in ("utf-8", "utf8"):
        try:
            codecs.lookup(declared)
            if declared.startswith("utf-16"):
                raise LookupError  # a meta tag cannot really declare UTF-16 (the bytes would not be ASCII)
            return data.decode(declared, errors="replace"), declared, None
        except LookupError:
            declared = None
    try:
        return data.decode("utf-8"), "utf-8", None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        if declared:
            return (data.decode("utf-8", errors="replace"), "utf-8",
                    f"declared UTF-8 but byte 0x{data[exc.start]:02x} at line {line} is not; replaced")
        return data.decode("cp1252", errors="bibkit-c1"), "windows-1252", None


# -- reading -----------------------------------------------------------------

_FOOTNOTE_TEXT = re.compile(r"^\s*[\[(]?\s*[\w*†‡§]{1,4}\s*[\])]?\s*$")
_BACKLINK = re.compile(r"^\s*(?:[↩↑^]|\^|back|return)\W*\s*$", re.I)


class _Walker:
    """Walks the main content into paragraphs, recording marks and positions."""

    def __init__(self, ids: dict[str, Node]) -> None:
        self.ids = ids
        self.paragraphs: list[Paragraph] = []
        self.current: Paragraph | None = None
        self.title: str | None = None
        self.pending_quote: CiteItem | None = None  # a blockquote's cite=: given to its first text

    def flush(self) -> None:
        if self.current is not None and self.current.text.strip():
            self.paragraphs.append(self.current)
        self.current = None

    def para(self, heading: bool = False) -> Paragraph:
        if self.current is None:
            self.current = Paragraph("", heading=heading)
        return self.current

    def emit(self, text: Text) -> None:
        para = self.para()
        if self.pending_quote is not None and text.data.strip():
            para.marks.append(Mark(len(para.text), len(para.text), [self.pending_quote], hide=False, optional=True))
            self.pending_quote = None
        para.positions.append((len(para.text), text.line, text.column, text.data))
        para.text += text.data

    def walk(self, node: Node, heading: bool = False) -> None:
        for child in node.children:
            if isinstance(child, Text):
                if heading and self.current is None:
                    self.para(True)
                self.emit(child)
                continue
            if _skipped(child):
                continue
            tag = child.tag
            if tag == "br":  # a line break inside a paragraph, as in Markdown and Word: a space
                self.emit(Text(" ", child.line, child.column))
                continue
            if tag in BLOCK:
                self.flush()
                if tag == "hr":
                    continue
                if tag in ("ol", "ul") and getattr(child, "_reference_list", False):
                    continue
                quote_mark = self._cite_attr(child) if tag == "blockquote" else None
                is_heading = tag in HEADINGS
                if is_heading:
                    self.para(True)
                if quote_mark is not None:
                    self.pending_quote = quote_mark
                self.walk(child, heading=is_heading)
                if is_heading and self.title is None and tag == "h1" and self.current is not None:
                    self.title = " ".join(self.current.text.split()) or None
                self.flush()
                continue
            start_para = self.para(heading)
            start = len(start_para.text)
            made = len(start_para.marks)  # marks made inside this element are the ones after these
            self.walk(child, heading)
            para = self.para(heading)
            if para is not start_para:
                continue
            end = len(para.text)
            if tag == "a":
                self._link(child, para, start, end)
            elif tag == "sup":
                notes = [m for m in para.marks if m.hide and m.start >= start and getattr(m, "_footnote", False)]
                if notes:
                    notes[0].start, notes[0].end = start, end
            elif tag == "cite":
                text = "".join(_texts(child)).strip()
                if text:
                    para.marks.append(Mark(start, end, [CiteItem(CitedWork("cite", text=text))], hide=False,
                                           optional=True))
            elif tag == "q":
                item = self._cite_attr(child)
                if item is not None:
                    para.marks.append(Mark(start, end, [item], hide=False, optional=True))
            elif _pandoc_cites(child):
                del para.marks[made:]  # the span's own marks replace every mark made inside it
                para.marks.extend(_pandoc_span_marks(para.text, start, end, _pandoc_cites(child)))
        if node.tag == "blockquote":
            self.pending_quote = None

    def _cite_attr(self, node: Node) -> CiteItem | None:
        url = node.attrs.get("cite", "").strip()
        if not url:
            return None
        return CiteItem(CitedWork("blockquote", doi=doi_of_url(url), url=url))

    def _link(self, node: Node, para: Paragraph, start: int, end: int) -> None:
        href = node.attrs.get("href", "").strip()
        if href.startswith("#"):
            target = self.ids.get(href[1:])
            item = _list_item(target) if target is not None else None
            text = para.text[start:end]
            if item is not None and (_in_sup(node) or _FOOTNOTE_TEXT.match(text)):
                cited = _pandoc_note_items(item)
                mark = Mark(start, end, cited or [CiteItem(_reference_work(item))], hide=True, optional=not cited)
                mark._footnote = True  # type: ignore[attr-defined]
                para.marks.append(mark)
            return
        if re.match(r"^(?:https?:)?//|^doi:", href, re.I):
            doi = doi_of_url(href)  # a doi: URI too
            # A superscript number linking straight to a source is a note mark: not part of the sentence.
            marker = _in_sup(node) and bool(_FOOTNOTE_TEXT.match(para.text[start:end]))
            mark = Mark(start, end, [CiteItem(CitedWork("hyperlink", doi=doi, url=href))], hide=marker, optional=True)
            mark._footnote = marker  # type: ignore[attr-defined]
            para.marks.append(mark)


def _pandoc_cites(node: Node) -> list[str]:
    """The keys of pandoc's ``<span class="citation" data-cites="a b">`` (space-separated), else none."""
    if node.tag != "span" or "citation" not in node.attrs.get("class", "").split():
        return []
    return node.attrs.get("data-cites", "").split()


def _pandoc_span_marks(text: str, start: int, end: int, keys: list[str]) -> list[Mark]:
    """A pandoc citation span's marks: its text read as pandoc citations when they name exactly its keys
    (no ``--citeproc``: the locators are there), else one mark over the rendered text citing each key."""
    marks = pandoc_text_marks(text[:end], start)
    if [m.items[0].work.citekey for m in marks] == keys:
        return marks
    items = [CiteItem(CitedWork("pandoc", citekey=key)) for key in keys]
    return [Mark(start, end, items)]


def _pandoc_note_items(item: Node) -> list[CiteItem]:
    """What a pandoc footnote cites: the items of every citation span in it, in order."""
    out: list[CiteItem] = []
    stack = [item]
    while stack:
        node = stack.pop()
        if _pandoc_cites(node):
            text = "".join(_texts(node))
            out.extend(i for m in _pandoc_span_marks(text, 0, len(text), _pandoc_cites(node)) for i in m.items)
            continue
        stack.extend(reversed([c for c in node.children if isinstance(c, Node) and not _skipped(c)]))
    return out


def _texts(node: Node):
    for child in node.children:
        if isinstance(child, Text):
            yield child.data
        elif not _skipped(child):
            yield from _texts(child)


def _skipped(node: Node) -> bool:
    if node.tag in SKIP:  # html.parser reports no tag that starts with "!" (those are declarations)
        return True
    attrs = node.attrs
    if "hidden" in attrs or attrs.get("aria-hidden", "").lower() == "true":
        return True
    if "csl-bib-body" in attrs.get("class", "").split():  # the reference list pandoc's citeproc writes
        return True
    return attrs.get("role", "").lower() in SKIP_ROLES


def _in_sup(node: Node) -> bool:
    parent = node.parent
    for _ in range(3):
        if parent is None:
            return False
        if parent.tag == "sup":
            return True
        parent = parent.parent
    return False


def _list_item(node: Node) -> Node | None:
    cur: Node | None = node
    while cur is not None:
        if cur.tag == "li" and cur.parent is not None and cur.parent.tag in ("ol", "ul"):
            return cur
        cur = cur.parent
    return None


def _reference_work(item: Node) -> CitedWork:
    """The reference a list item gives: its text, its first DOI and first external link."""
    parts: list[str] = []
    urls: list[str] = []

    def collect(node: Node) -> None:
        for child in node.children:
            if isinstance(child, Text):
                parts.append(child.data)
            elif not _skipped(child):
                if child.tag == "a":
                    href = child.attrs.get("href", "")
                    label = "".join(_texts(child))
                    if href.startswith("#") and _BACKLINK.match(label):
                        continue
                    if re.match(r"^(?:https?:)?//|^doi:", href, re.I):
                        urls.append(href)
                collect(child)

    collect(item)
    text = " ".join(" ".join(parts).split())
    doi = next((d for d in (doi_of_url(u) for u in urls) if d), None) or doi_in_text(text)
    url = next((u for u in urls if not doi_of_url(u)), None)
    return CitedWork("reference-list", doi=doi, url=url, text=text)


def _main_nodes(root: Node) -> list[Node]:
    """``<main>``, else every ``<article>``, else every ``<body>`` (else the whole document)."""
    def find(node: Node, tag: str, out: list[Node]) -> list[Node]:
        for child in node.children:
            if isinstance(child, Node):
                if child.tag == tag and not _skipped(child):
                    out.append(child)
                elif not _skipped(child) or child.tag in ("header", "footer"):
                    find(child, tag, out)
        return out

    for tag in ("main", "article"):
        found = find(root, tag, [])
        if found:
            return found  # find never looks inside a match: none holds another
    return find(root, "body", []) or [root]  # a second <body> after </body> is body text too, as in HTML5


def _is_ancestor(a: Node, b: Node) -> bool:
    cur = b.parent
    while cur is not None:
        if cur is a:
            return True
        cur = cur.parent
    return False


def _mark_reference_lists(root: Node, ids: dict[str, Node]) -> None:
    """Flag the lists that footnote links point into, so their items are read as references, not prose."""
    stack = [root]
    while stack:
        node = stack.pop()
        for child in node.children:
            if isinstance(child, Node):
                stack.append(child)
                if child.tag == "a" and child.attrs.get("href", "").startswith("#"):
                    target = ids.get(child.attrs["href"][1:])
                    item = _list_item(target) if target is not None else None
                    if item is not None and item.parent is not None and not _is_ancestor(item, child):
                        item.parent._reference_list = True  # type: ignore[attr-defined]


def read_html(path: str) -> tuple[list[Paragraph], str | None, list[tuple[int, str]]]:
    """An HTML file's main-text paragraphs, its title and warnings (line, message)."""
    import os

    from bibkit.infra.errors import BibkitError

    if os.path.isfile(path) and os.path.getsize(path) > MAX_BYTES:
        raise BibkitError(f"{path}: larger than {MAX_BYTES // (1024 * 1024)} MiB; not read")
    data = read_bytes(path, "manuscript")
    warnings: list[tuple[int, str]] = []
    text, _encoding, problem = decode_html(data, path)
    if problem:
        warnings.append((int(re.search(r"line (\d+)", problem).group(1)), problem))
    paragraphs, title = parse_html(text)
    return paragraphs, title, warnings


def parse_html(text: str) -> tuple[list[Paragraph], str | None]:
    """Paragraphs and title of an HTML page given as text."""
    builder = _TreeBuilder()
    builder.feed(text)
    builder.close()
    root = builder.root
    ids: dict[str, Node] = {}
    stack = [root]
    title: str | None = None
    while stack:  # in document order: the first element with an id is its target, as in a browser
        node = stack.pop()
        if node.attrs.get("id"):
            ids.setdefault(node.attrs["id"], node)
        if node.attrs.get("name") and node.tag == "a":
            ids.setdefault(node.attrs["name"], node)
        if node.tag == "title" and title is None:
            title = " ".join("".join(c.data for c in node.children if isinstance(c, Text)).split()) or None
        stack.extend(reversed([c for c in node.children if isinstance(c, Node)]))
    _mark_reference_lists(root, ids)
    walker = _Walker(ids)
    for node in _main_nodes(root):
        walker.walk(node)
        walker.flush()
    return walker.paragraphs, walker.title or title
