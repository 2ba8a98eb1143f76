r"""``Na\"{\i}ve`` is "Naïve" (U+00EF) in every output, not pandoc's "Naı̈ve" (dotless i + combining diaeresis).

The expected text is written independently of bibkit: the plain letter with the combining accent,
NFC-composed by Python's unicodedata. A dotless i that carries no accent (Turkish "Işık") stays.
"""

from __future__ import annotations

import json
import unicodedata

import pytest

from bibkit.bib.latex import to_unicode
from bibkit.cli import cli

pytest.importorskip("pypandoc")

BIB = r"""@article{naive2001,
  author  = {B{\"\i}r, Ay{\c{s}}e and J{\v\j}n, Xu and I{\c{s}}{\i}k, Deniz},
  title   = {Na\"{\i}ve Bayes, na{\"\i}ve {\=\i}ndex, \'{\i}, \^\i, \`{\i}, \u\i, \~{\i} and \v{\j}},
  journal = {J},
  year    = {2001},
}
"""
C = unicodedata.normalize
TITLE = C("NFC", "Nai\u0308ve Bayes, nai\u0308ve i\u0304ndex, i\u0301, i\u0302, i\u0300, i\u0306, i\u0303 and j\u030c")
TITLE_CSL = TITLE.replace("Bayes", "bayes")  # pandoc's sentence case, as in every CSL export


def test_title_is_composed_where_pandoc_leaves_a_dotless_i():
    assert TITLE.startswith("Na\u00efve") and "\u0131" not in TITLE and "\u0237" not in TITLE
    assert to_unicode(BIB.split("title   = {")[1].split("},\n")[0]) == TITLE
    assert to_unicode(r"I{\c{s}}{\i}k") == "I\u015f\u0131k"  # no accent on it: Turkish dotless i stays


def test_ris_and_csl_exports_are_composed(project, runner):
    project(bib=BIB)
    ris = runner.invoke(cli, ["export", "--to", "ris"]).stdout
    assert f"TI  - {TITLE}\n" in ris
    assert "AU  - B\u00efr, Ay\u015fe\n" in ris and "AU  - J\u01f0n, Xu\n" in ris
    assert "AU  - I\u015f\u0131k, Deniz\n" in ris
    items = json.loads(runner.invoke(cli, ["export", "--to", "csl-json"]).stdout)
    assert items[0]["title"] == TITLE_CSL
    assert [a["family"] for a in items[0]["author"]] == ["B\u00efr", "J\u01f0n", "I\u015f\u0131k"]
    yaml_text = runner.invoke(cli, ["export", "--to", "csl-yaml"]).stdout
    assert f"title: '{TITLE_CSL}'" in yaml_text or f"title: {TITLE_CSL}" in yaml_text


@pytest.mark.parametrize("style", ["apa", "plain"])
def test_reading_lists_are_composed(project, runner, style):
    project(bib=BIB)
    out = runner.invoke(cli, ["reading-list", "--style", style, "--no-cache"]).stdout
    assert "Na\u00efve" in out and "B\u00efr" in out
    assert "\u0131\u0308" not in out and "\\\"" not in out
