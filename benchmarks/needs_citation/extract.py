"""Rebuild the needs-citation training data from real papers, by distant supervision.

Each source in ``sources.tsv`` names a public repository, the commit read, its licence and the
paper's root files. A body sentence that carried a ``\\cite``-like command (or a pandoc ``[@key]``) is
labelled 1, with the citation removed and the sentence tidied; a sentence without one is labelled 0.
Sentences where the citation is part of the grammar are dropped (``\\citet``, ``\\textcite``,
``\\citeauthor``, "as shown in [4]", a sentence that starts with its citation). Math, captions,
footnotes, figures, tables, abstracts, acknowledgements and bibliographies are left out. The text is
read with bibkit's own LaTeX and Markdown readers, so a training sentence looks exactly like the
sentence ``bibkit scan`` later scores.

    python -m benchmarks.needs_citation.extract --mirrors /work/.mirror -o benchmarks/needs_citation/data/sentences.tsv

A mirror is a bare git directory ``<mirrors>/<owner>+<name>/repo`` (what the search tool's fetch
brings); files are read with ``git show <commit>:<path>``, so the commit in ``sources.tsv`` is what
is read, whatever the mirror's newest commit is.
"""

from __future__ import annotations

import argparse
import posixpath
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bibkit.bib.latex import tex_braces
from bibkit.manuscripts.cite_model import Context, section_part, sentence_contexts
from bibkit.manuscripts.latex import CITE_COMMANDS, parse_latex
from bibkit.manuscripts.markdown import parse_markdown

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "sources.tsv"
CITE = "QQCITEQQ"     # a parenthetical citation: removable
TCITE = "QQTCITEQQ"   # an author-in-text citation: part of the sentence, so the sentence is dropped

TEXTUAL = {"citet", "Citet", "textcite", "Textcite", "citeauthor", "Citeauthor", "citeyear", "citetitle",
           "fullcite", "citeyearpar"}
_CITE_CMD = re.compile(
    r"\\(?P<cmd>" + "|".join(sorted(CITE_COMMANDS, key=len, reverse=True)) + r")(?![A-Za-z])\*?"
    r"(?:\s*\[[^\[\]]*\]){0,2}\s*\{[^{}]*\}")
# Environments whose content is not body prose.
_SKIP_ENVS = ("figure", "table", "tabular", "tabularx", "longtable", "deluxetable", "sidewaystable", "wrapfigure",
              "thebibliography", "abstract", "acknowledgments", "acknowledgements", "acknowledgment",
              "algorithm", "algorithmic", "lstlisting", "verbatim", "minted", "tikzpicture", "center", "comment",
              "titlepage", "keywords", "equation", "align", "eqnarray", "gather", "multline", "displaymath",
              "appendices", "CJK")
# Commands whose (braced) argument is not body prose.
_SKIP_ARGS = ("footnote", "footnotetext", "caption", "thanks", "author", "affiliation", "altaffiliation",
              "email", "keywords", "software", "facilities", "acknowledgments", "title", "shorttitle",
              "shortauthors", "date", "institute", "address", "correspondingauthor", "received", "accepted",
              "published", "submitjournal", "tablecaption", "tablenotetext", "figcaption")
_PREPOSITIONS = {"in", "by", "of", "from", "see", "cf", "cf.", "and", "or", "to", "with", "following", "than",
                 "as", "on", "via", "using", "also", "e.g.", "e.g.,", "i.e.", "i.e.,", "at", "for", "like",
                 "per", "after", "the", "a", "an", "use", "uses", "used", "refs.", "ref.", "reference", "references",
                 "reviews", "review", "work", "paper", "study", "studies"}
_LEAD = r"(?:(?:e\.g\.|i\.e\.|see(?:\s+also)?|cf\.?|for\s+(?:a\s+)?(?:review|reviews|example)|and)[,;:]?\s*)"
_TRAIL = r"(?:[,;]?\s*(?:and\s+references\s+therein|for\s+(?:a\s+)?reviews?|among\s+others|etc\.?))"
_GROUP = re.compile(r"[(\[]\s*" + _LEAD + r"*" + CITE + r"(?:\s*[,;]?\s*(?:and\s+)?" + _LEAD + r"*" + CITE + r")*"
                    + _TRAIL + r"?\s*[)\]]")
_WORD = re.compile(r"[A-Za-z][\w'’-]*")


@dataclass(frozen=True, slots=True)
class Source:
    """One row of sources.tsv."""

    repo: str
    commit: str
    licence: str
    field: str
    kind: str
    roots: tuple[str, ...]


def read_sources(path: Path = SOURCES) -> list[Source]:
    """The rows of sources.tsv (``#`` lines are comments)."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        repo, commit, licence, field, kind, roots = line.split("\t")
        out.append(Source(repo, commit, licence, field, kind, tuple(r for r in roots.split(";") if r)))
    return out


def git_show(mirror: Path, commit: str, path: str) -> str | None:
    """A file's text at a commit of a bare mirror, or None when it is not there."""
    run = subprocess.run(["git", "-C", str(mirror), "show", f"{commit}:{path}"], capture_output=True)
    if run.returncode != 0:
        return None
    return run.stdout.decode("utf-8", errors="replace")


def strip_comments(tex: str) -> str:
    """LaTeX without ``%`` comments (an escaped ``\\%`` is text)."""
    return re.sub(r"(?<!\\)%.*", "", tex)


def expand_inputs(tex: str, read, here: str, depth: int = 0) -> str:
    """``\\input{x}`` and ``\\include{x}`` replaced by the file's text (``read(path)`` or '')."""
    def one(m: re.Match) -> str:
        name = m.group(1).strip()
        if depth > 6:
            return ""
        for cand in (name, name + ".tex"):
            for base in (here, ""):
                p = posixpath.normpath(posixpath.join(base, cand))
                text = read(p)
                if text is not None:
                    return "\n\n" + expand_inputs(strip_comments(text), read, posixpath.dirname(p), depth + 1) + "\n\n"
        return ""
    return re.sub(r"\\(?:input|include|subfile)\s*\{([^{}]+)\}", one, tex)


def _drop_braced(tex: str, start: int) -> int:
    """Offset past the braced group that opens at or after ``start`` (skipping ``[...]`` options)."""
    i = start
    while i < len(tex) and tex[i] in " \t\n*":
        i += 1
    while i < len(tex) and tex[i] == "[":
        close = tex.find("]", i)
        if close < 0:
            return start
        i = close + 1
        while i < len(tex) and tex[i] in " \t\n":
            i += 1
    if i >= len(tex) or tex[i] != "{":
        return start
    return next((at + 1 for at, depth in tex_braces(tex, i) if depth == 0), len(tex))


def latex_body(tex: str) -> str:
    """The document's body prose with citations turned into markers and non-prose parts removed."""
    start = tex.find("\\begin{document}")
    if start >= 0:
        tex = "\\begin{document}" + tex[start + len("\\begin{document}"):]
    end = tex.find("\\end{document}")
    if end >= 0:
        tex = tex[:end] + "\\end{document}"
    # Bibliography and acknowledgements at the end; \appendix keeps going (appendices are prose).
    tex = re.split(r"\\bibliography\s*\{|\\printbibliography|\\begin\{thebibliography\}", tex)[0] + "\n\\end{document}"
    tex = re.sub(r"\\(?:section|chapter)\*?\s*\{\s*Acknowledge?ments?\s*\}.*?(?=\\(?:section|chapter)\b|\\end\{document\})",
                 "\n\n", tex, flags=re.S | re.I)
    tex = re.sub(r"\\acknowledgments\b.*?(?=\\(?:section|chapter)\b|\\end\{document\})", "\n\n", tex, flags=re.S)
    for env in _SKIP_ENVS:
        tex = re.sub(r"\\begin\{" + env + r"\*?\}.*?\\end\{" + env + r"\*?\}", "\n\n", tex, flags=re.S)
    out, i = [], 0
    skip = re.compile(r"\\(?:" + "|".join(_SKIP_ARGS) + r")(?![A-Za-z])")
    for m in skip.finditer(tex):
        if m.start() < i:
            continue
        stop = _drop_braced(tex, m.end())
        out.append(tex[i:m.start()])
        out.append(" ")
        i = stop if stop > m.end() else m.end()
    out.append(tex[i:])
    tex = "".join(out)
    tex = re.sub(r"\\maketitle|\\tableofcontents|\\listof\w+", " ", tex)

    def mark(m: re.Match) -> str:
        cmd = m.group("cmd")
        if cmd == "nocite":
            return " "
        return f" {TCITE} " if cmd in TEXTUAL else f" {CITE} "
    return _CITE_CMD.sub(mark, tex)


def markdown_body(md: str) -> str:
    """Manubot/pandoc Markdown prose with citations turned into markers; figures, tables, comments left out."""
    md = re.sub(r"<!--.*?-->", " ", md, flags=re.S)
    lines = []
    for line in md.splitlines():
        s = line.lstrip()
        if s.startswith(("![", "|", "Table:", ":", "#|", "{##")) or re.match(r"^-{3,}\s*$|^\+[-=+]+\+$", s):
            lines.append("")
            continue
        lines.append(line)
    md = "\n".join(lines)
    md = re.sub(r"\{#(?:fig|tbl|eq):[^}]*\}", " ", md)
    md = re.sub(r"\[[^\[\]]*?@[^\[\]]+\]", f" {CITE} ", md)
    md = re.sub(r"(?<![\w@.])@(?:doi|pmid|pmcid|arxiv|url|isbn|wikidata|tag)?:?[\w./:-]*\w", f" {TCITE} ", md)
    md = re.sub(r"\^\[[^\]]*\]", " ", md)  # inline footnotes
    return md


def label_sentence(text: str) -> tuple[int, str] | None:
    """(label, tidied text) of a sentence with citation markers, or None when it is to be dropped."""
    if TCITE in text:
        return None
    n = text.count(CITE)
    text = re.sub(r"\s+", " ", text).strip()
    if n:
        text = _GROUP.sub(" ", text)
        while CITE in text:
            at = text.index(CITE)
            before = text[:at].rstrip()
            words = before.split()
            prev = words[-1].lower().strip("([") if words else ""
            if not words or prev in _PREPOSITIONS or before.endswith(("(", "[")) and prev in ("", "("):
                return None
            text = before + " " + text[at + len(CITE):].lstrip()
            text = re.sub(r"(?:^|\s)" + CITE + r"(?=\s*[,;]?\s*" + CITE + ")", " ", text)
        text = re.sub(r"\(\s*[,;]?\s*\)|\[\s*[,;]?\s*\]", " ", text)
        text = re.sub(r"\b(?:e\.g\.|i\.e\.|see|cf\.)\s*,?\s*(?=[.;,)])", " ", text)
    text = re.sub(r"\s+([.,;:!?)\]])", r"\1", text)
    text = re.sub(r"([(\[])\s+", r"\1", text)
    text = re.sub(r",\s*(?=[.;,])", "", text)
    text = re.sub(r"\s{2,}", " ", text).strip()
    words = _WORD.findall(text)
    if not 4 <= len(words) <= 120 or not re.search(r"[.!?]['\"”’)]*$", text):
        return None
    if re.search(r"QQ|\\|[{}]", text):
        return None
    return (1 if n else 0), text


def with_parts(sentences):
    """Each sentence with the part of the paper it is in (``section_part`` of the headings above it)."""
    part = ""
    for s in sentences:
        if s.heading:
            part = section_part(s.text, part)
        yield s, part


# A parenthetical citation written after the sentence's full stop ("... known. [@a]", "known.~\cite{a}"):
# bibkit's readers give it to the sentence before, so the marker moves in front of the full stop.
_AFTER_STOP = re.compile(r"([.!?])((?:[\s~]*" + CITE + r")+)(?=[\s~]|$)")


def _cited(sentence) -> bool:
    """Whether a sentence of marked text carried a citation in its paper (parenthetical or in-text)."""
    return CITE in sentence.text or TCITE in sentence.text


def labelled(sentences, paper: str) -> list[tuple[str, str, int, str, Context]]:
    """(paper, part, label, text, context) of the sentences that keep a label; the context is computed over
    every sentence of the paper, dropped ones included, as scan computes it over a manuscript."""
    rows = []
    contexts = sentence_contexts(sentences, _cited)
    for (s, part), ctx in zip(with_parts(sentences), contexts):
        if not s.heading and (got := label_sentence(s.text)):
            rows.append((paper, part, *got, ctx))
    return rows


def paper_sentences(source: Source, mirror: Path) -> list[tuple[str, str, int, str, Context]]:
    """(paper id, part, label, text, context) of one source's body sentences."""
    rows: list[tuple[str, str, int, str, Context]] = []
    cache: dict[str, str | None] = {}

    def read(path: str) -> str | None:
        if path not in cache:
            cache[path] = git_show(mirror, source.commit, path)
        return cache[path]

    if source.kind == "latex":
        for root in source.roots:
            text = read(root)
            if text is None:
                print(f"{source.repo}: {root} not found at {source.commit[:10]}", file=sys.stderr)
                continue
            body = latex_body(expand_inputs(strip_comments(text), read, posixpath.dirname(root)))
            rows += labelled(parse_latex(_AFTER_STOP.sub(r"\2\1", body), root).sentences, f"{source.repo}:{root}")
    else:
        pid = source.repo
        for root in source.roots:
            text = read(root)
            if text is None:
                print(f"{source.repo}: {root} not found at {source.commit[:10]}", file=sys.stderr)
                continue
            rows += labelled(parse_markdown(_AFTER_STOP.sub(r"\2\1", markdown_body(text)), root).sentences, pid)
    return rows


def mirror_of(mirrors: Path, repo: str) -> Path:
    """The bare git directory the search tool's fetch brings for ``owner/name``."""
    base = mirrors / repo.replace("/", "+") / "repo"
    return base / ".git" if (base / ".git").is_dir() else base


def extract(mirrors: Path, sources: list[Source]) -> list[tuple]:
    """(paper id, field, part, label, text, context) rows of every source, each distinct text once (first paper
    wins)."""
    seen: set[str] = set()
    out = []
    for src in sources:
        for pid, part, label, text, ctx in paper_sentences(src, mirror_of(mirrors, src.repo)):
            key = text.lower()
            if key in seen:
                continue
            seen.add(key)
            out.append((pid, src.field, part, label, text, ctx))
    return out


HEADER = "paper\tfield\tpart\tlabel\ttext\tprev\tnext\tindex\tothers\tsection"


def write_tsv(rows: list[tuple], path: Path) -> None:
    """The rows as a TSV file with a header (tabs and newlines in text are spaces); the context's fields last."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as f:
        f.write(HEADER + "\n")
        for pid, field, part, label, text, ctx in rows:
            clean = re.sub(r"[\t\n\r]", " ", text)
            section = re.sub(r"[\t\n\r]", " ", ctx.section)
            f.write(f"{pid}\t{field}\t{part}\t{label}\t{clean}\t{ctx.prev}\t{ctx.next}\t{ctx.index}\t{ctx.others}\t"
                    f"{section}\n")


def sources_md(sources: list[Source], rows: list[tuple[str, str, str, int, str]]) -> str:
    """SOURCES.md: every source with its commit, licence, field, papers and sentences."""
    per: dict[str, list[int]] = {}
    papers: dict[str, set[str]] = {}
    for pid, _field, _part, label, *_rest in rows:
        repo = pid.split(":")[0]
        per.setdefault(repo, []).append(label)
        papers.setdefault(repo, set()).add(pid)
    out = ["# Training data of the needs-citation model: sources", "",
           "Written by `python -m benchmarks.needs_citation.extract --write-sources` from `sources.tsv`. Each row is",
           "a public repository holding a real paper's source, read at the commit shown, under the licence",
           "shown (checked in the repository's LICENSE file at that commit). The sentences are not committed:",
           "`extract.py` rebuilds them from the repositories (`data/sentences.tsv`: paper, field, part of the",
           "paper, label, text, and where the sentence stands: neighbours' citations, place, section). Papers",
           "are English; a French habilitation and a Russian thesis were left out, and so were repositories",
           "with no licence, with a non-commercial or no-derivatives licence, or under the GPL, and manuscripts",
           "whose citations are not citation keys (written out by hand, or none).", "",
           "| repository | commit | licence | field | kind | papers | sentences | cited |",
           "|---|---|---|---|---|---:|---:|---:|"]
    for src in sources:
        labels = per.get(src.repo, [])
        out.append(f"| [{src.repo}](https://github.com/{src.repo}) | `{src.commit[:12]}` | {src.licence} | "
                   f"{src.field} | {src.kind} | {len(papers.get(src.repo, ()))} | {len(labels)} | {sum(labels)} |")
    fields = sorted({f.strip() for s in sources for f in s.field.split(",")})
    licences: dict[str, int] = {}
    for src in sources:
        licences[src.licence] = licences.get(src.licence, 0) + 1
    out += ["", f"**Total:** {len(sources)} repositories, {sum(len(p) for p in papers.values())} papers, "
            f"{len(rows)} sentences, {sum(r[3] for r in rows)} of them cited in their paper "
            f"({sum(1 for s in sources if s.kind == 'latex')} LaTeX, "
            f"{sum(1 for s in sources if s.kind == 'markdown')} pandoc Markdown / R Markdown). Licences: "
            + ", ".join(f"{k} {v}" for k, v in sorted(licences.items())) + ".", "",
            "Fields named: " + "; ".join(fields) + ".", "",
            "## Rebuilding the model", "",
            "With the repositories fetched as bare mirrors under `/work/.mirror/<owner>+<name>/repo`:", "",
            "```console", "$ python -m benchmarks.needs_citation.extract --write-sources",
            "$ pip install -e '.[train]'", "$ python -m benchmarks.needs_citation.train --seed 0", "```", "",
            "The model file records the SHA-256 of the sentences it was trained on (`training.data_sha256`);",
            "the same sentences and seed give the same file, byte for byte (`train.py` prints its SHA-256).",
            "The sentences are not in the repository (they are the papers' text), so no test can rebuild the",
            "shipped model; `tests/test_cite_model.py` checks that training is deterministic on its own data.", ""]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Command line: read the mirrors, write the sentences and print counts per source."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"))
    ap.add_argument("--sources", type=Path, default=SOURCES)
    ap.add_argument("-o", "--out", type=Path, default=HERE / "data" / "sentences.tsv")
    ap.add_argument("--write-sources", action="store_true", help="also write SOURCES.md")
    args = ap.parse_args(argv)
    sources = read_sources(args.sources)
    rows = extract(args.mirrors, sources)
    write_tsv(rows, args.out)
    if args.write_sources:
        (HERE / "SOURCES.md").write_text(sources_md(sources, rows), encoding="utf-8")
    papers: dict[str, list[int]] = {}
    for pid, _field, _part, label, *_rest in rows:
        papers.setdefault(pid, []).append(label)
    for pid, labels in papers.items():
        print(f"{pid}\t{len(labels)} sentences\t{sum(labels)} cited")
    print(f"{len(papers)} papers, {len(rows)} sentences, {sum(r[3] for r in rows)} cited -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
