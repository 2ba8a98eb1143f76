"""The style as each pandoc run needs it, and what a style's text says about it.

Without disambiguation (phase one), without bibliography text (a phase one that only orders and
cites), without ibid (citations rendered one at a time); note styles and citation formats; and the
given-name probe (:func:`bibliography_takes_given_names`), two small pandoc runs.
"""

from __future__ import annotations

import re
from functools import lru_cache

from bibkit.formatting.citeproc import cite_item, read_refs, run_citeproc
from bibkit.formatting.pandoc_run import PandocFailed


_DISAMBIG_ATTR = re.compile(r'\s(?:disambiguate-add-[a-z-]+|givenname-disambiguation-rule)="[^"]*"')


def without_disambiguation(style_text: str) -> str:
    m = re.search(r"<citation\b[^>]*>", style_text)
    if not m:
        return style_text
    tag = _DISAMBIG_ATTR.sub("", m.group(0))
    return style_text[: m.start()] + tag + style_text[m.end():]


#: Phase one renders the bibliography text only when the guessed phase-two runs render less than this share of the list.
TRIM_PHASE_ONE = 0.9


def without_bibliography_text(style_text: str) -> str | None:
    """The style with its bibliography layout reduced to one character (order and citations unchanged:
    the sort keys and the citation are elsewhere), or None when it has not exactly one such layout."""
    m = re.search(r"<bibliography\b.*?</bibliography>", style_text, re.S)
    if not m:
        return None
    layouts = list(re.finditer(r"(<layout\b(?:[^>\"']|\"[^\"]*\"|'[^']*')*>).*?</layout>", m.group(0), re.S))
    if len(layouts) != 1 or layouts[0].group(1).endswith("/>"):
        return None
    a, b = m.start() + layouts[0].start(), m.start() + layouts[0].end()
    return style_text[:a] + layouts[0].group(1) + '<text value="-"/></layout>' + style_text[b:]


_GIVEN_NAME_PROBE = ("@book{probe1,\n  author = {Li, Bo},\n  title = {One},\n  publisher = {P},\n  year = {2010}\n}\n"
                     "@book{probe2,\n  author = {Li, Bin},\n  title = {Two},\n  publisher = {P},\n  year = {2011}\n}\n")


@lru_cache(maxsize=16)
def bibliography_takes_given_names(style_text: str) -> bool:
    """Whether the style's bibliography prints names as its citations' given-name disambiguation
    expands them, measured on two namesakes ("Li, Bo" and "Li, Bin", no two citations alike).

    Styles with a list-wide rule (``givenname-disambiguation-rule`` other than ``by-cite``) expand a
    name wherever another name shares its family; pandoc prints the expansion in the bibliography
    too, visibly where the bibliography abbreviates given names ("Li, Bo." in apa-tr, where phase
    one gives "Li, B."). Then every group of namesakes is rendered again, not only colliding ones.
    """
    m = re.search(r"<citation\b[^>]*>", style_text)
    tag = m.group(0) if m else ""
    if 'disambiguate-add-givenname="true"' not in tag or re.search(r'givenname-disambiguation-rule="by-cite"', tag):
        return False
    rule = re.search(r'givenname-disambiguation-rule="([^"]*)"', tag)
    if rule is None:
        return False  # the default rule is by-cite
    if rule.group(1).endswith("with-initials") or "initialize-with" not in style_text:
        # names only gain initials, or the style never abbreviates given names: no run is needed (the
        # probe agrees on all 1,417 bundled styles with year suffixes; 150 of them answer yes)
        return False
    cites = [[cite_item("probe1")], [cite_item("probe2")]]
    try:
        real = read_refs(run_citeproc(_GIVEN_NAME_PROBE, style_text, cites))[1]
        plain = read_refs(run_citeproc(_GIVEN_NAME_PROBE, without_disambiguation(style_text), cites))[1]
    except PandocFailed:
        return True  # cannot tell: render every group of namesakes again
    return real != plain


def is_note_style(style_text: str) -> bool:
    """True for a CSL note style (``class="note"``: Chicago notes, OSCOLA...)."""
    m = re.search(r"<style\b[^>]*>", style_text)
    return bool(m and re.search(r'\bclass="note"', m.group(0)))


def citation_format(style_text: str) -> str:
    """The style's ``citation-format`` category: ``author-date``, ``numeric``, ``note``, ``label``, ``author``."""
    m = re.search(r'citation-format="([a-z-]+)"', style_text)
    return m.group(1) if m else ("note" if is_note_style(style_text) else "author-date")


_IBID = re.compile(r'(position="[^"]*?)\bibid(?:-with-locator)?\b')


def without_ibid(style_text: str) -> str:
    """The style with its ibid branches never taken: every citation in a claim map stands alone."""
    previous = None
    while previous != style_text:
        previous, style_text = style_text, _IBID.sub(r"\1first", style_text)
    return style_text
