"""TeX for the tests that compile LaTeX: skip naming exactly what is missing, or fail in CI, which installs it.

A skipped test names the commands and LaTeX packages it needs and the Debian packages that hold them,
so a machine can be made ready in one ``apt-get install`` (``.ci/run`` installs all of them).
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

#: Where each tool and style file comes from on Debian and Ubuntu.
DEBIAN = {
    "pdflatex": "texlive-latex-base", "pdftotext": "poppler-utils", "kpsewhich": "texlive-binaries",
    "lmodern.sty": "lmodern", "xcolor.sty": "texlive-latex-recommended", "hyperref.sty": "texlive-latex-base",
    "inputenc.sty": "texlive-latex-base", "fontenc.sty": "texlive-latex-base", "textcomp.sty": "texlive-latex-base",
    "microtype.sty": "texlive-latex-recommended", "parskip.sty": "texlive-latex-recommended",
    "footnotehyper.sty": "texlive-latex-recommended", "booktabs.sty": "texlive-latex-recommended",
    "etoolbox.sty": "texlive-latex-recommended", "bookmark.sty": "texlive-latex-base",
    "longtable.sty": "texlive-latex-base", "amsmath.sty": "texlive-latex-base",
}
#: What pandoc's own LaTeX template loads unconditionally for pdflatex (pandoc 3).
PANDOC_TEMPLATE = ("lmodern.sty", "amsmath.sty", "microtype.sty", "parskip.sty", "xcolor.sty", "hyperref.sty",
                   "bookmark.sty", "footnotehyper.sty", "longtable.sty", "booktabs.sty", "etoolbox.sty")


def required() -> bool:
    """True in CI (``CI`` or ``BIBKIT_REQUIRE_BROWSER=1``, set by .ci/run): missing TeX fails instead of skipping."""
    return bool(os.environ.get("CI")) or os.environ.get("BIBKIT_REQUIRE_BROWSER") == "1"


def missing(tools: tuple[str, ...], styles: tuple[str, ...]) -> list[str]:
    """The tools not on PATH and the style files ``kpsewhich`` cannot find."""
    gone = [t for t in tools if not shutil.which(t)]
    if styles and shutil.which("kpsewhich"):
        found = subprocess.run(["kpsewhich", *styles], capture_output=True, text=True).stdout.split()
        gone += [s for s in styles if not any(f.endswith("/" + s) for f in found)]
    elif styles:
        gone += ["kpsewhich"]
    return gone


def require_tex(*styles: str, tools: tuple[str, ...] = ("pdflatex",)) -> None:
    """Skip (or, in CI, fail) unless every tool and LaTeX style file is there, naming what is not."""
    gone = missing(tools, styles)
    if not gone:
        return
    debs = sorted({DEBIAN.get(g, "texlive-latex-extra") for g in gone})
    message = f"needs {', '.join(gone)} (Debian: apt-get install {' '.join(debs)})"
    if required():
        pytest.fail(message)
    pytest.skip(message)
