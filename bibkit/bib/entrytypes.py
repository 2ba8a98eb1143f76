"""Entry types: the BibTeX and BibLaTeX types bibkit knows, and the other exporters' spellings mapped onto them.

Mendeley writes its own document types (``@web_page``, ``@book_section``, ``@generic``...), other
tools ``@conference_paper`` or ``@journal_article``. They are mapped as Better BibTeX and JabRef
read them (through the Zotero item type: ``web_page`` is a webpage, so ``@online``), so that every
command reads such an entry as the type it means. A type nobody knows is read as ``@misc`` with a
warning: it is rendered and exported, never dropped.
"""

from __future__ import annotations

import dataclasses

from bibkit.model import Entry

#: BibTeX (btxdoc) and BibLaTeX (biblatex manual section 2.1) entry types.
KNOWN = frozenset({
    "article", "book", "booklet", "inbook", "incollection", "inproceedings", "conference", "manual",
    "mastersthesis", "phdthesis", "misc", "proceedings", "techreport", "unpublished",
    "mvbook", "bookinbook", "suppbook", "collection", "mvcollection", "suppcollection", "dataset", "online",
    "electronic", "www", "patent", "periodical", "suppperiodical", "mvproceedings", "reference", "mvreference",
    "inreference", "report", "software", "thesis", "set", "xdata", "artwork", "audio", "bibnote", "commentary",
    "image", "jurisdiction", "legislation", "legal", "letter", "movie", "music", "performance", "review",
    "standard", "video", "customa", "customb", "customc", "customd", "custome", "customf",
})

#: Other tools' type names (lower case, ``-``/``_``/spaces dropped) and the type they mean.
ALIASES: dict[str, str] = {
    # Mendeley document types (its API and BibTeX export), as Zotero / Better BibTeX map them
    "webpage": "online", "website": "online", "booksection": "incollection", "generic": "misc",
    "conferenceproceedings": "inproceedings", "conferencepaper": "inproceedings", "workingpaper": "report",
    "magazinearticle": "article", "newspaperarticle": "article", "journalarticle": "article",
    "journal": "article", "computerprogram": "software", "encyclopediaarticle": "inreference",
    "dictionaryentry": "inreference", "film": "movie", "televisionbroadcast": "video",
    "radiobroadcast": "audio", "podcast": "audio", "statute": "legislation", "bill": "legislation",
    "case": "jurisdiction", "hearing": "misc", "thesis": "thesis", "presentation": "misc", "talk": "misc",
    # JabRef and older BibTeX spellings
    "masterthesis": "mastersthesis", "phdthesis": "phdthesis", "electronic": "online",
    "blogpost": "online", "forumpost": "online", "preprint": "misc", "manuscript": "unpublished",
    "chapter": "inbook", "standard": "standard", "map": "misc", "email": "letter",
    "interview": "misc", "conversation": "misc", "document": "misc",
}


def canonical_type(name: str) -> str | None:
    """The known type ``name`` means (``web_page`` -> ``online``), or None for a type nobody knows."""
    low = (name or "").lower()
    if low in KNOWN:
        return low
    return ALIASES.get(low.replace("_", "").replace("-", "").replace(" ", ""))


def readable(entry: Entry) -> tuple[Entry, str | None]:
    """The entry with a type every engine reads, and a warning when its type was unknown (read as misc)."""
    known = canonical_type(entry.type)
    if known == entry.type:
        return entry, None
    if known is None:
        return (dataclasses.replace(entry, type="misc", _index=None),
                f"unknown entry type @{entry.type_raw or entry.type} for {entry.key}; read as @misc")
    return dataclasses.replace(entry, type=known, _index=None), None
