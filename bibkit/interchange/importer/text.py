"""Text from RIS and CSL (plain Unicode) made into BibTeX values that mean the same thing.

- Every TeX special is escaped, backslashes included: ``\\input{x}`` or ``\\write18`` in a Zotero
  title arrives as text, never as live TeX.
- A ``$...$`` math span whose commands are all harmless math (``$\\beta_{2}$``, ``$10^{-3}$``,
  ``$\\alpha\\to\\gamma$``) is kept as math, as Better BibTeX passes it through.
- Words with a capital after their first letter (``HCN``, ``Mg(II)``, ``iPhone``) are braced so
  that a style that changes case keeps them, as ``pandoc -f csljson -t biblatex`` protects them.
"""

from __future__ import annotations

import re

_SPECIALS = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%", "$": r"\$",
             "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
_SPECIAL_RE = re.compile(r"[\\{}&%$#_~^]")

#: Control sequences a math span may use and still be kept as math: symbols and formatting, nothing that reads
#: files, writes, defines or runs anything.
SAFE_MATH = frozenset("""
alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi pi varpi rho
varrho sigma varsigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi
Psi Omega pm mp times div cdot cdots ldots dots ast star circ bullet leq le geq ge neq ne approx sim simeq
cong equiv propto infty partial nabla sum prod int oint sqrt frac dfrac tfrac to rightarrow leftarrow
leftrightarrow Rightarrow Leftarrow Leftrightarrow uparrow downarrow mapsto prime degree ell hbar emptyset
in notin subset supset subseteq supseteq cup cap wedge vee neg forall exists mathrm mathbf mathit mathsf
mathtt mathcal mathbb text textrm textit textbf operatorname log ln exp sin cos tan lim max min sup inf
det dim mod bmod langle rangle left right big Big bigg Bigg quad qquad vec hat bar tilde dot ddot overline
underline mid parallel perp angle triangle odot oplus otimes lesssim gtrsim ll gg AA
""".split())

# pandoc's tex_math_dollars rule: no space inside either dollar, no digit right after the closing one ("$5 and $6").
_MATH_RE = re.compile(r"(?<!\\)\$(?=\S)([^$]+?)(?<=\S)(?<!\\)\$(?!\d)")
_COMMAND_RE = re.compile(r"\\([A-Za-z]+)|\\(.)")


def _safe_math(body: str) -> bool:
    """True when a math span uses only harmless commands and balanced braces."""
    depth = 0
    for c in body:
        depth += {"{": 1, "}": -1}.get(c, 0)
        if depth < 0:
            return False
    if depth:
        return False
    for m in _COMMAND_RE.finditer(body):
        if m.group(1) is not None and m.group(1) not in SAFE_MATH:
            return False
        if m.group(2) is not None and m.group(2) not in ",;:!{}|% _&#$":
            return False
    return True


def escape(text: str) -> str:
    """Plain text with every TeX special escaped (no case protection).

    BibTeX counts ``\\{`` as a brace too, so braces become ``\\{``/``\\}`` only when they pair up;
    otherwise ``\\textbraceleft{}``/``\\textbraceright{}``.
    """
    out = _SPECIAL_RE.sub(lambda m: _SPECIALS[m.group()], text)
    if not _pairs(text):
        out = out.replace(r"\{", r"\textbraceleft{}").replace(r"\}", r"\textbraceright{}")
    return out


def _pairs(text: str) -> bool:
    depth = 0
    for c in text:
        if c in "{}":
            depth += 1 if c == "{" else -1
            if depth < 0:
                return False
    return depth == 0


_WORD_RE = re.compile(r"\S+")
_EDGE = "\"'“”‘’«».,;:!?"


def _protect_word(word: str) -> str:
    """``HCN`` -> ``{HCN}``: a word with a capital after its first letter, trailing punctuation outside."""
    core = word.rstrip(_EDGE)
    tail = word[len(core):]
    lead = len(core) - len(core.lstrip(_EDGE))
    head, core = core[:lead], core[lead:]
    letters = [c for c in re.sub(r"\\[A-Za-z]+", "", core) if c.isalpha()]
    if len(letters) > 1 and any(c.isupper() for c in letters[1:]):
        return f"{head}{{{core}}}{tail}"
    return word


def protect_case(escaped: str) -> str:
    """Braces around words with inner capitals, in text already escaped (command names do not count)."""
    return _WORD_RE.sub(lambda m: _protect_word(m.group()), escaped)


def text_to_bibtex(value: str | None, protect: bool = False) -> str | None:
    """Plain Unicode text as a BibTeX value: specials escaped, harmless math kept, capitals protected if asked.

    White space is collapsed and trimmed; None for an empty value.
    """
    if value is None or not str(value).strip():
        return None
    return convert(str(value).strip(), protect)


def convert(value: str, protect: bool = False) -> str:
    """:func:`text_to_bibtex` for a piece of a longer text: runs of white space become one space, none trimmed."""
    value = re.sub(r"\s+", " ", value)
    out: list[str] = []
    pos = 0
    for m in _MATH_RE.finditer(value):
        if not _safe_math(m.group(1)):
            continue
        out.append(_text(value[pos:m.start()], protect))
        out.append(m.group())
        pos = m.end()
    out.append(_text(value[pos:], protect))
    return "".join(out)


def _text(part: str, protect: bool) -> str:
    escaped = escape(part)
    return protect_case(escaped) if protect else escaped
