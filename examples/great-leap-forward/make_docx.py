"""Make article.docx: article.md as a Word document whose citations are Zotero fields.

Run from this folder (``python make_docx.py``); needs bibkit and python-docx. Each pandoc citation
of article.md becomes the field Zotero's Word plugin writes: ``ADDIN ZOTERO_ITEM CSL_CITATION {...}``
with the cited sources' CSL-JSON (from ``bibkit export --to csl-json``), locators, prefixes and
suppressed authors, the field code split over several runs as Word splits it, and a ``ZOTERO_BIBL``
field for the reference list. The items carry no Better BibTeX citekey, so ``bibkit scan`` has to
match them by DOI or by title, year and first author, as it must for most Word documents.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path
from xml.sax.saxutils import escape

import docx
from docx.oxml import parse_xml

HERE = Path(__file__).resolve().parent
W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
BRACKET = re.compile(r"\[([^\[\]]*@[^\[\]]*)\]")
IN_TEXT = re.compile(r"(?<![\w@\[-])@([\w:.#$%&+?<>~/-]*\w)")
ITEM = re.compile(r"^\s*(?P<prefix>.*?)\s*(?P<minus>-?)@(?P<key>[\w:.#$%&+?<>~/-]*\w)\s*,?\s*(?P<rest>.*?)\s*$")


def csl_items() -> dict[str, dict]:
    """The bibliography as CSL-JSON, by key, the way Zotero would embed it (no notes, tags or annotations)."""
    out = subprocess.run([sys.executable, "-m", "bibkit", "export", "--to", "csl-json", "--bib",
                          str(HERE / "../../references.bib")], check=True, capture_output=True, text=True).stdout
    items = {}
    for n, item in enumerate(json.loads(out), start=1):
        key = item["id"]
        data = {k: v for k, v in item.items() if k not in ("annote", "keyword", "note", "id")}
        data["id"] = 1000 + n  # Zotero's item ids are database numbers, not citekeys
        items[key] = data
    return items


def zotero_uri(key: str) -> str:
    """A stable, made-up Zotero item URI for a key."""
    return "http://zotero.org/users/local/bibkitEx/items/" + hashlib.sha1(key.encode()).hexdigest()[:8].upper()


def rendered(item: dict, suppress: bool) -> str:
    """Author-date text of one cited item: ``Kung & Lin, 2003`` (just ``2003`` with the author suppressed)."""
    names = [a.get("family", a.get("literal", "")) for a in item.get("author", [])]
    who = names[0] if len(names) == 1 else (" & ".join(names) if len(names) == 2 else f"{names[0]} et al.")
    year = str(item["issued"]["date-parts"][0][0])
    return year if suppress else f"{who}, {year}"


def citation_field(cites: list[dict], items: dict[str, dict], n: int) -> tuple[str, str]:
    """The field code and its rendered text for one citation (one or more cited items)."""
    parts, citation_items = [], []
    for c in cites:
        item = items[c["key"]]
        text = rendered(item, c["suppress"])
        entry: dict = {"id": item["id"], "uris": [zotero_uri(c["key"])], "itemData": item}
        if c["locator"]:
            entry["locator"] = c["locator"]
            entry["label"] = "page"
            text += f", p. {c['locator']}"
        if c["prefix"]:
            entry["prefix"] = c["prefix"]
            text = f"{c['prefix']} {text}"
        if c["suppress"]:
            entry["suppress-author"] = True
        citation_items.append(entry)
        parts.append(text)
    shown = "(" + "; ".join(parts) + ")"
    data = {"citationID": f"bibkit{n:02d}", "properties": {"formattedCitation": shown, "plainCitation": shown,
                                                            "noteIndex": 0},
            "citationItems": citation_items,
            "schema": "https://github.com/citation-style-language/schema/raw/master/csl-citation.json"}
    return " ADDIN ZOTERO_ITEM CSL_CITATION " + json.dumps(data, ensure_ascii=False, separators=(",", ":")) + " ", shown


def field_runs(code: str, shown: str) -> list[str]:
    """The runs of a complex field as Word writes them, the code split into pieces of at most 255 characters."""
    runs = [f'<w:r {W_NS}><w:fldChar w:fldCharType="begin"/></w:r>']
    for i in range(0, len(code), 255):
        runs.append(f'<w:r {W_NS}><w:instrText xml:space="preserve">{escape(code[i:i + 255])}</w:instrText></w:r>')
    runs.append(f'<w:r {W_NS}><w:fldChar w:fldCharType="separate"/></w:r>')
    runs.append(f'<w:r {W_NS}><w:t xml:space="preserve">{escape(shown)}</w:t></w:r>')
    runs.append(f'<w:r {W_NS}><w:fldChar w:fldCharType="end"/></w:r>')
    return runs


def parse_bracket(body: str) -> list[dict]:
    """``see also @kung2003, p. 51; -@peng1987`` -> cited items with prefix, locator, suppressed author."""
    cites = []
    for part in body.split(";"):
        m = ITEM.match(part)
        locator = re.sub(r"^(?:pp?\.)\s*", "", m.group("rest")) or None
        cites.append({"key": m.group("key"), "prefix": m.group("prefix") or None, "locator": locator,
                      "suppress": bool(m.group("minus"))})
    return cites


def add_text(paragraph, text: str, items: dict[str, dict], counter: list[int]) -> None:
    """Write Markdown prose into a Word paragraph, its citations as Zotero fields."""
    pos = 0
    tokens = sorted([(m.start(), m.end(), "bracket", m) for m in BRACKET.finditer(text)]
                    + [(m.start(), m.end(), "in-text", m) for m in IN_TEXT.finditer(text)
                       if not any(b.start() <= m.start() < b.end() for b in BRACKET.finditer(text))],
                    key=lambda t: t[0])
    for start, end, kind, m in tokens:
        before = text[pos:start]
        if kind == "bracket":
            before = before.rstrip(" ")
            cites = parse_bracket(m.group(1))
            if before:
                paragraph.add_run(before + " ")
        else:
            key = m.group(1)
            family = [a.get("family", "") for a in items[key].get("author", [])]
            paragraph.add_run(before + (family[0] if len(family) == 1 else " and ".join(family)) + " ")
            cites = [{"key": key, "prefix": None, "locator": None, "suppress": True}]
        counter[0] += 1
        code, shown = citation_field(cites, items, counter[0])
        for xml in field_runs(code, shown):
            paragraph._p.append(parse_xml(xml))
        pos = end
    rest = text[pos:]
    if rest:
        paragraph.add_run(rest)


def main() -> None:
    """Write article.docx next to this script."""
    items = csl_items()
    text = (HERE / "article.md").read_text(encoding="utf-8")
    text = re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.S)
    document = docx.Document()
    document.core_properties.title = "The Great Leap Forward"
    document.core_properties.author = "bibkit example"
    counter = [0]
    for block in re.split(r"\n\s*\n", text.strip()):
        block = " ".join(block.split())
        heading = re.match(r"^(#+)\s+(.*)$", block)
        if heading:
            document.add_heading(heading.group(2), level=len(heading.group(1)) - 1 or 0)
            continue
        block = re.sub(r"`([^`]*)`", r"\1", block)
        add_text(document.add_paragraph(), block, items, counter)
    document.add_heading("References", level=1)
    add_bibliography(document, items)
    document.save(str(HERE / "article.docx"))


def reference(item: dict) -> str:
    """A plain author-date reference line for the rendered bibliography."""
    names = ", ".join(f"{a.get('family', '')}, {a.get('given', '')[:1]}." for a in item.get("author", []))
    year = item["issued"]["date-parts"][0][0]
    return f"{names} ({year}). {item['title']}. {item.get('container-title', '')}, {item.get('volume', '')}, " \
           f"{item.get('page', '')}."


def add_bibliography(document, items: dict[str, dict]) -> None:
    """The ZOTERO_BIBL field: one paragraph a reference, the field running from the first to the last."""
    lines = sorted(reference(item) for item in items.values())
    code = ' ADDIN ZOTERO_BIBL {"uncited":[],"omitted":[],"custom":[]} CSL_BIBLIOGRAPHY '
    runs = field_runs(code, lines[0])
    first = document.add_paragraph()
    for xml in runs[:-1]:
        first._p.append(parse_xml(xml))
    for line in lines[1:]:
        document.add_paragraph(line)
    document.paragraphs[-1]._p.append(parse_xml(runs[-1]))


if __name__ == "__main__":
    main()
