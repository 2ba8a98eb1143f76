"""Links in Markdown and LaTeX prose as citations: a URL or DOI that matches a bibliography entry cites it.

The Word and HTML readers treat hyperlinks this way as they read; for the text formats the links are
found afterwards in each sentence's source text (``[text](url)``, ``<url>``, bare URLs, ``\\url{}``,
``\\href{url}{}``, ``doi:10....``), so the same article cites the same sources in every format.
"""

from __future__ import annotations

import re

from bibkit.manuscripts.base import Manuscript
from bibkit.manuscripts.build import DocumentCitation
from bibkit.manuscripts.works import CitedWork, WorkIndex, doi_of_url, normalise_doi
from bibkit.model import Bibliography

_LINK = re.compile(r"(?:https?://|doi:\s?10\.)[^\s<>\"'()\[\]{}]*[^\s<>\"'()\[\]{}.,;:!?]")


def add_link_citations(manuscript: Manuscript, bibliography: Bibliography | None) -> None:
    """Add a citation for each link in a sentence whose URL or DOI matches an entry (any DOI link counts)."""
    if not manuscript.sentences:
        return
    index = WorkIndex.build(bibliography)
    text = manuscript.source.text
    added = []
    for sentence in manuscript.sentences:
        if sentence.heading:
            continue
        for m in _LINK.finditer(text, sentence.start, sentence.end):
            url = m.group(0)
            doi = doi_of_url(url) or (normalise_doi(url) if url.lower().startswith("doi:") else None)
            work = CitedWork("hyperlink", doi=doi, url=url)
            found = index.match(work)
            if found.key is None and not doi:
                continue
            key = found.key or index.provisional_key(work)
            offset = m.start()
            citation = DocumentCitation(key, manuscript.source.line_of(offset), manuscript.source.column_of(offset),
                                        offset, None, None, None, "normal", None, "hyperlink", found.by, work)
            sentence.citations.append(citation)
            added.append(citation)
    if added:
        manuscript.citations = sorted(manuscript.citations + added, key=lambda c: c.offset)
