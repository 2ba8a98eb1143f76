"""The reading list: select, filter, sort and group sources, render them in a style -> one context object.

The context (:class:`ReadingList`) is what the Jinja2 templates in ``templates/reading-list.*`` see;
its fields are documented in the README (section "reading-list").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Sequence

from bibkit.bib.citations import readable_citations
from bibkit.bib.latex import to_unicode
from bibkit.claims.claimmap import analyse_claim
from bibkit.formatting import FORMATS, RenderCache, format_bibliography, load_style
from bibkit.formatting.selection import select_entries, split_list
from bibkit.infra.errors import BibkitError
from bibkit.infra.progress import ProgressFn
from bibkit.model import Claim, Entry
from bibkit.project import Project

GROUP_BY = ("none", "tag", "type", "year", "claim")
SORTS = ("style", "author", "year", "title", "key")
TYPE_NAMES = {
    "article": "Journal articles", "book": "Books", "incollection": "Book chapters", "inbook": "Book chapters",
    "inproceedings": "Conference papers", "conference": "Conference papers", "phdthesis": "Theses",
    "mastersthesis": "Theses", "thesis": "Theses", "techreport": "Reports", "report": "Reports",
    "online": "Web pages", "misc": "Other", "unpublished": "Unpublished works", "manual": "Manuals",
    "proceedings": "Proceedings", "collection": "Edited books", "booklet": "Booklets",
}


@dataclass
class Item:
    """One source in the list: its rendered reference and what bibkit knows about it."""

    key: str
    reference: str  # rendered in the output format by the style (markup of that format)
    label: str | None
    entry: Entry
    annotation: str | None  # the entry's annote/annotation, LaTeX decoded to Unicode (not escaped)
    claims: list[Claim] = field(default_factory=list)  # claims whose links back this source (supports)
    tags: list[str] = field(default_factory=list)
    year: str | None = None
    type: str = ""
    doi: str | None = None
    url: str | None = None

    @property
    def claim_ids(self) -> list[str]:
        """Ids of the claims this source backs."""
        return [c.id for c in self.claims]


@dataclass
class Group:
    """A heading and its items; ``claim`` is set when grouping by claim."""

    title: str | None
    items: list[Item]
    claim: Claim | None = None
    status: str | None = None


@dataclass
class ReadingList:
    """The whole report's context."""

    title: str
    intro: str | None
    style: str
    format: str
    groups: list[Group]
    annotations: bool
    show_claims: bool
    group_by: str
    warnings: list[tuple[Entry, str]] = field(default_factory=list)

    @property
    def items(self) -> list[Item]:
        """Every item in order (an item may appear under several groups only with --group-by tag/claim)."""
        return [i for g in self.groups for i in g.items]

    @property
    def count(self) -> int:
        """Distinct sources listed."""
        return len({i.key for i in self.items})


def _year(entry: Entry) -> str | None:
    y = entry.get("year") or entry.get("date")
    if not y:
        return None
    m = re.search(r"-?\d{1,4}", y)
    return m.group(0) if m else to_unicode(y)


def _sort_key(kind: str, entry: Entry):
    name = entry.get("author") or entry.get("editor") or ""
    first = to_unicode(name.split(" and ")[0]).casefold()
    family = first.split(",")[0].strip() if "," in first else (first.split()[-1] if first.split() else "")
    title = to_unicode(entry.get("title") or "").casefold()
    year = _year(entry) or "9999"
    if kind == "author":
        return (family or title, year, title)
    if kind == "year":
        return (year, family, title)
    if kind == "title":
        return (re.sub(r"^(the|a|an) ", "", title), year)
    return (entry.key.casefold(),)


def _status_of(claims: Sequence[Claim], entries: dict[str, Entry]) -> dict[str, str]:
    return {c.id: analyse_claim(c, entries).status for c in claims}


def build(project: Project, style: str, fmt: str = "text", *, title: str = "Reading list", intro: str | None = None,
          keys: Sequence[str] = (), tags: Sequence[str] = (), cited_only: bool = False,
          claim_ids: Sequence[str] = (), statuses: Sequence[str] = (), sort: str = "style",
          group_by: str = "none", annotations: bool = True, show_claims: bool = False,
          cache: RenderCache | None = None,
          progress: ProgressFn | None = None, cited_keys: Sequence[str] | None = None) -> ReadingList:
    """Select, render and group the project's sources into a :class:`ReadingList`.

    ``cited_keys``: what the project's manuscripts cite, for ``cited_only`` (see
    :func:`~bibkit.formatting.selection.select_entries`). ``progress(done, total)`` follows the
    rendering (for a progress bar).
    """
    if fmt not in FORMATS:
        raise BibkitError(f"unknown format {fmt}")
    st = load_style(style)
    bib = project.bibliography
    claims = project.claims.claims if project.claims else []
    entries = bib.entries
    chosen = select_entries(project, keys, tags, cited_only, claim_ids, statuses, cited_keys)
    status = _status_of(claims, entries)
    backing: dict[str, list[Claim]] = {}
    linked: dict[str, list[Claim]] = {}
    for c in claims:
        for link in c.links:
            linked.setdefault(link.key, [])
            if c not in linked[link.key]:
                linked[link.key].append(c)
            if link.stance == "supports":
                backing.setdefault(link.key, [])
                if c not in backing[link.key]:
                    backing[link.key].append(c)

    formatted = format_bibliography(chosen, st, fmt, macros=bib.macros, cache=cache, bibliography=bib,
                                    progress=progress)
    by_key = {e.key: e for e in chosen}
    items = []
    for fe in formatted.entries:
        e = by_key[fe.key]
        note = e.get("annote") or e.get("annotation")
        doi = e.get("doi")
        items.append(Item(fe.key, fe.text, fe.label, e, to_unicode(note) if note else None,
                          backing.get(e.key, []), split_list(e.get("keywords")), _year(e), e.type.lower(),
                          doi, e.get("url")))
    if sort != "style":
        items.sort(key=lambda i: _sort_key(sort, i.entry))
    groups = _group(items, group_by, claims, status, linked)
    return ReadingList(title, intro, st.name, fmt, groups, annotations, show_claims, group_by, formatted.warnings)


def _group(items: list[Item], group_by: str, claims: Sequence[Claim], status: dict[str, str],
           linked: dict[str, list[Claim]]) -> list[Group]:
    if group_by == "none":
        return [Group(None, items)]
    if group_by == "claim":
        groups = []
        used: set[str] = set()
        for c in claims:
            keys = [link.key for link in c.links if link.stance == "supports"]
            mine = [i for i in items if i.key in keys]
            if mine:
                used.update(i.key for i in mine)
                # "Smil (1999) argues", not "@smil1999 argues"
                heading = readable_citations(c.text, {it.key: it.entry for it in items}) if c.text else c.id
                groups.append(Group(heading, mine, c, status.get(c.id)))  # claim text is plain, not LaTeX
        rest = [i for i in items if i.key not in used]
        if rest:
            groups.append(Group("Sources that back no claim", rest))
        return groups
    buckets: dict[str, list[Item]] = {}
    for i in items:
        if group_by == "tag":
            names = i.tags or ["Untagged"]
        elif group_by == "type":
            names = [TYPE_NAMES.get(i.type, i.type.capitalize() or "Other")]
        else:
            names = [i.year or "No year"]
        for n in names:
            buckets.setdefault(n, []).append(i)
    if group_by == "year":
        order = sorted(buckets, key=lambda y: (not y.lstrip("-").isdigit(), int(y) if y.lstrip("-").isdigit() else 0))
    else:
        order = sorted(buckets, key=lambda t: (t in ("Untagged", "Other"), t.casefold()))
    return [Group(n, buckets[n]) for n in order]


# --- rendering ---------------------------------------------------------------------------------

TEMPLATES = {"text": "reading-list.txt", "markdown": "reading-list.md", "html": "reading-list.html",
             "latex": "reading-list.tex"}
_TEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
                "^": r"\textasciicircum{}", "_": r"\_", "~": r"\textasciitilde{}", "%": r"\%",
                "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}"}
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|!])")


def tex_escape(text: object) -> str:
    """Escape user text for LaTeX (every special character)."""
    return "".join(_TEX_SPECIAL.get(c, c) for c in str(text))


def md_escape(text: object) -> str:
    """Escape user text for Markdown (inline)."""
    return _MD_SPECIAL.sub(r"\\\1", str(text)).replace("\n", " ")


def wrap(text: object, width: int = 78, indent: str = "") -> str:
    """Word-wrap plain text, every line indented."""
    import textwrap

    return textwrap.fill(" ".join(str(text).split()), width=width, initial_indent=indent,
                         subsequent_indent=indent, break_long_words=False, break_on_hyphens=False)


def render(rl: ReadingList, template_dir: str | None = None) -> str:
    """Render the context with the format's template (``template_dir`` overrides file by file)."""
    from bibkit.infra.templating import environment

    env = environment(template_dir, html=rl.format == "html")
    env.filters.update(tex=tex_escape, md=md_escape, wrap=wrap)
    try:
        template = env.get_template(TEMPLATES[rl.format])
        return template.render(rl=rl)
    except Exception as exc:  # a user's template: report where it broke
        import jinja2

        if isinstance(exc, jinja2.TemplateSyntaxError):
            raise BibkitError(f"{exc.filename or exc.name}:{exc.lineno}: template error: {exc.message}") from None
        if isinstance(exc, (jinja2.UndefinedError, jinja2.TemplateNotFound)):
            raise BibkitError(f"{TEMPLATES[rl.format]}: template error: {exc}") from None
        raise
