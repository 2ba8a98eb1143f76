"""LaTeX manuscripts (``\\cite``, ``\\parencite``, ``\\textcite``... with their optional notes), read into citations and sentences.

Like the Markdown reader it masks what is not prose (math, verbatim, comments, commands' arguments) in
a copy of the same length, so offsets keep their lines and columns.
"""

from __future__ import annotations

import re

from bibkit.bib.latex import tex_braces
from bibkit.manuscripts.base import (Citation, Manuscript, blank_out, brace_pairs, clean_display, delimited_spans,
                                     sentences_of, split_locator)
from bibkit.model import SourceText


LATEX_SUFFIXES = (".tex", ".ltx", ".latex")
CITE_COMMANDS = (
    "cite", "Cite", "citep", "Citep", "citet", "Citet", "citealp", "citealt", "parencite", "Parencite",
    "textcite", "Textcite", "autocite", "Autocite", "footcite", "footcitetext", "smartcite", "supercite",
    "citeauthor", "Citeauthor", "citeyear", "citeyearpar", "citetitle", "fullcite", "nocite",
)
_CITE = re.compile(
    r"\\(?P<cmd>" + "|".join(sorted(CITE_COMMANDS, key=len, reverse=True)) + r")(?![A-Za-z])(?P<star>\*?)"
    r"(?:\s*\[(?P<o1>[^\[\]]*)\])?(?:\s*\[(?P<o2>[^\[\]]*)\])?\s*\{(?P<keys>[^{}]*)\}")


IN_TEXT_COMMANDS = {"textcite", "Textcite", "citet", "Citet", "citeauthor", "Citeauthor"}
_VERBATIM = re.compile(r"\\begin\{(verbatim\*?|Verbatim|lstlisting|minted|comment|alltt)\}.*?(?:\\end\{\1\}|\Z)",
                       re.DOTALL)


_VERB = re.compile(r"\\verb\*?(?P<d>[^\sA-Za-z*])(?:(?!(?P=d)).)*(?P=d)")


# Display math ($$...$$, \[...\], math environments) and inline $...$; see _math_spans.
_MATH_OPEN = re.compile(r"\$\$|\\\[|(?<!\\)\$|\\begin\{(?P<env>equation|align|gather|multline|eqnarray)\*?\}")
_INLINE_MATH = re.compile(r"\$(?:\\.|[^$\\])+\$", re.DOTALL)


# An optional argument ``[...]`` is at most OPT_ARG_MAX characters: unbounded, every unclosed ``\item[``
# would read to the next ``]`` of the file, and a file of them takes quadratic time.
OPT_ARG_MAX = 300
_OPT = r"\[[^\]]{0,%d}\]" % OPT_ARG_MAX
_HEADING_CMD = re.compile(r"\\(?:part|chapter|section|subsection|subsubsection|paragraph|title)\*?\s*(?:" + _OPT
                          + r")?\s*\{")


_ITEM = re.compile(r"\\item\b(?:\s*" + _OPT + r")?")
_ARG_COMMANDS = re.compile(r"\\(?:label|ref|eqref|pageref|autoref|cref|Cref|url|includegraphics|input|include|"
                           r"bibliography|bibliographystyle|addbibresource|begin|end|usepackage|documentclass|"
                           r"hypersetup|vspace|hspace|setlength|newcommand|renewcommand)\*?(?:\s*" + _OPT + r")*"
                           r"(?:\s*\{[^{}]*\})+")


def _math_spans(text: str) -> list[tuple[int, int]]:
    """Math to leave out of prose, left to right, in linear time.

    ``$$...$$``, ``\\[...\\]`` and ``\\begin{equation}...\\end{equation}`` (align, gather, multline,
    eqnarray, starred too) run to their closer; ``$...$`` is inline math on a stretch without ``$``.
    An opener without a closer is not math (the text after it is still read).
    """
    def closer(m: re.Match) -> str | re.Pattern | None:
        tok = m.group(0)
        if tok == "$$":
            return "$$"
        if tok == "\\[":
            return "\\]"
        if m.group("env"):
            return re.compile(r"\\end\{" + m.group("env") + r"\*?\}")
        return None

    def inline(m: re.Match) -> re.Match | None:
        return _INLINE_MATH.match(text, m.start())

    return delimited_spans(text, _MATH_OPEN, closer, inline)


def _matching_brace(text: str, open_at: int) -> int:
    """Offset just past the brace that closes the one at ``open_at`` (or the end of the text)."""
    for at, depth in tex_braces(text, open_at):
        if depth == 0:
            return at + 1
    return len(text)


def parse_latex(text: str, path: str = "<text>") -> Manuscript:
    """Read LaTeX: the citation commands of natbib and biblatex, sentences of the document body."""
    source = SourceText(path, text)
    chars = list(text)
    # % comments (an escaped \% is text).
    for m in re.finditer(r"(?<!\\)(?:\\\\)*%.*$", text, re.MULTILINE):
        s = m.start() + m.group(0).index("%")
        blank_out(chars, s, m.end())
    masked = "".join(chars)
    for rx in (_VERBATIM, _VERB):
        for m in rx.finditer(masked):
            blank_out(chars, m.start(), m.end())
        masked = "".join(chars)
    manuscript = Manuscript(path, "latex", source)
    cite_spans: list[tuple[int, int]] = []
    for m in _CITE.finditer(masked):
        o1, o2 = m.group("o1"), m.group("o2")
        prenote, postnote = (o1, o2) if o2 is not None else (None, o1)
        locator, suffix = split_locator(postnote)
        keys_start = m.start("keys")
        found = list(re.finditer(r"[^,\s]+", m.group("keys")))
        for n, km in enumerate(found):
            key = km.group(0)
            off = keys_start + km.start()
            if key == "*" and m.group("cmd") == "nocite":
                manuscript.nocite_all = True
                continue
            last = n == len(found) - 1
            mode = {"nocite": "nocite", "textcite": "in-text", "Textcite": "in-text", "citet": "in-text",
                    "Citet": "in-text", "citeauthor": "in-text", "Citeauthor": "in-text",
                    "citeyear": "suppress-author", "citeyearpar": "suppress-author"}.get(m.group("cmd"), "normal")
            manuscript.citations.append(Citation(
                key, source.line_of(off), source.column_of(off), off,
                locator if last else None, (prenote or None) if n == 0 else None, suffix if last else None,
                mode, m.group("cmd") + m.group("star")))
        cite_spans.append((m.start(), m.end()))
    title_m = re.search(r"\\title\s*\{", masked)
    if title_m:
        end = _matching_brace(masked, title_m.end() - 1)
        manuscript.title = clean_display(re.sub(r"\\[A-Za-z]+|[{}]", " ", masked[title_m.end():end - 1])) or None
    prose_chars = list(masked)
    for s, e in cite_spans:
        blank_out(prose_chars, s, e)
        cmd = _CITE.match(masked, s)
        if cmd and cmd.group("cmd") in IN_TEXT_COMMANDS:
            # Author-in-text citations are part of the sentence: keep them as "@key", as in Markdown.
            shown = "@" + ", @".join(k.strip() for k in cmd.group("keys").split(",") if k.strip())
            shown = shown[: e - s]
            prose_chars[s:s + len(shown)] = list(shown)
    body_start = masked.find("\\begin{document}")
    if body_start >= 0:
        blank_out(prose_chars, 0, body_start + len("\\begin{document}"))
    body_end = masked.find("\\end{document}")
    if body_end >= 0:
        blank_out(prose_chars, body_end, len(prose_chars))
    prose = "".join(prose_chars)
    headings: list[tuple[int, int]] = []
    braces = brace_pairs(prose)
    for m in _HEADING_CMD.finditer(prose):
        end = braces.get(m.end() - 1) or _matching_brace(prose, m.end() - 1)
        blank_out(prose_chars, m.start(), m.end())
        blank_out(prose_chars, end - 1, end)
        headings.append((m.start(), end))
    prose = "".join(prose_chars)
    for s, e in _math_spans(prose):
        blank_out(prose_chars, s, e)
    prose = "".join(prose_chars)
    for m in _ARG_COMMANDS.finditer(prose):
        blank_out(prose_chars, m.start(), m.end())
    prose = "".join(prose_chars)
    item_starts = [m.start() for m in _ITEM.finditer(prose)]
    for m in _ITEM.finditer(prose):
        blank_out(prose_chars, m.start(), m.end())
    prose = "".join(prose_chars)
    # Quotes and escapes to plain characters of the same length; command names and braces to spaces.
    for pat, rep in (("``", ' "'), ("''", '" '), ("\\%", " %"), ("\\&", " &"), ("\\$", " $"), ("\\_", " _"),
                     ("---", " — "), ("\\\\", "  ")):
        prose = prose.replace(pat, rep)
    prose_chars = list(prose)
    for m in re.finditer(r"\\[A-Za-z]+\*?|\\.|[{}~]", prose):
        blank_out(prose_chars, m.start(), m.end())
    prose = "".join(prose_chars)
    # Blocks: paragraphs split at blank lines, headings and \item.
    cuts = sorted({s for s, _ in headings} | {e for _, e in headings} | set(item_starts))
    heading_starts = {s: e for s, e in headings}
    blocks: list[tuple[int, int, bool]] = []
    for pm in re.finditer(r"(?:[^\n]|\n(?![ \t]*\n))+", prose):
        s, e = pm.start(), pm.end()
        points = [s] + [c for c in cuts if s < c < e] + [e]
        for a, b in zip(points, points[1:]):
            if prose[a:b].strip():
                blocks.append((a, b, a in heading_starts and heading_starts[a] == b))
    manuscript.sentences = sentences_of(source, text, prose, blocks, manuscript.citations, cite_spans)
    return manuscript
