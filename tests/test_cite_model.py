"""The learned needs-citation model: the shipped file, the decision with the rules, the threshold setting,
the same flags whatever the manuscript's format, and the training data's extraction from LaTeX and Markdown."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bibkit.cli import cli as main
from bibkit.manuscripts.cite_model import (HASHING, LONE, MODEL_PATH, Context, decide, hashed, load_model, parse_model,
                                          sentence_contexts)
from bibkit.infra.errors import BibkitError
from bibkit.manuscripts.needs_citation import LEARNED
from bibkit.manuscripts.scan import claims_yaml, scan

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# Own sentences (not from any paper): a claim about prior work the rules have no signal for, one
# that only a lower threshold flags, and sentences a paper writes about itself.
LEARNED_CLAIM = "Several methods have been proposed to correct for batch effects in sequencing data."
BORDERLINE = "Gut bacteria are known to influence the immune system of their host."
SELF_REFERENCE = ["The figure shows the distribution of the residuals.",
                  "The remaining parameters are listed in the appendix.",
                  "This section describes the data used in the analysis."]


def test_the_shipped_model_loads_with_its_version_and_hashing_spec():
    model = load_model()
    doc = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    assert model.version == doc["version"] == "2"
    assert doc["hashing"] == HASHING and len(model.weights) == 1 << HASHING["bits"]
    assert 0 < model.threshold < 1
    assert MODEL_PATH.stat().st_size < 3_000_000  # a few MB at most
    assert doc["training"]["script"] == "python -m benchmarks.needs_citation.train --seed 0"


def test_a_model_file_of_another_hashing_or_format_is_refused():
    doc = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    with pytest.raises(BibkitError, match="feature hashing"):
        parse_model({**doc, "hashing": {**doc["hashing"], "bits": 16}}, "m.json")
    with pytest.raises(BibkitError, match="format 2"):
        parse_model({**doc, "format": 2}, "m.json")
    with pytest.raises(BibkitError, match="weights expected"):
        parse_model({**doc, "weights": doc["weights"][:100]}, "m.json")


def test_hashing_is_crc32_of_the_feature_names():
    import zlib
    assert zlib.crc32(b"w:batch") & ((1 << HASHING["bits"]) - 1) in hashed("Batch effects matter here.")


def test_the_model_flags_what_no_rule_sees_with_the_reason_learned():
    flag = decide(LEARNED_CLAIM)
    assert flag is not None and flag.reason == LEARNED


def test_the_rules_reason_explains_a_sentence_with_a_signal():
    flag = decide("Roughly 42 percent of farms failed that year.")
    assert flag is not None and flag.reason == "statistic"


@pytest.mark.parametrize("text", [
    "We trained the network for ten epochs.",                            # the writer's own method
    "Is the batch effect in sequencing data real?",                      # a question
    "Imagine that several methods had been proposed to correct it.",     # a hypothetical
    "Chapter 3 reviews the methods proposed for batch effects.",         # about the document
])
def test_what_the_rules_rule_out_stays_unflagged_at_any_threshold(text):
    assert decide(text, threshold=0.0001) is None


@pytest.mark.parametrize("text", SELF_REFERENCE)
def test_a_paper_speaking_of_itself_is_not_flagged(text):
    assert decide(text, threshold=0.3) is None


def test_the_threshold_moves_the_models_bar():
    assert decide(BORDERLINE) is None                       # below the shipped default
    assert decide(BORDERLINE, threshold=0.35).reason == LEARNED
    assert decide(LEARNED_CLAIM, threshold=0.99) is None


def _project(tmp_path, setting: str | None) -> Path:
    (tmp_path / "refs.bib").write_text("@book{a, title = {A}, author = {B, C}, year = {2000}}\n", encoding="utf-8")
    (tmp_path / "essay.md").write_text(f"{BORDERLINE}\n\n{LEARNED_CLAIM}\n\nThe text cites [@a].\n", encoding="utf-8")
    toml = 'bib = "refs.bib"\nmanuscript = ["essay.md"]\n'
    if setting is not None:
        toml += f"\n[scan]\nneeds_citation_threshold = {setting}\n"
    (tmp_path / "bibkit.toml").write_text(toml, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("setting, lines", [(None, [3]), ("0.35", [1, 3]), ("0.99", [])])
def test_scan_reads_the_threshold_setting(runner, tmp_path, monkeypatch, setting, lines):
    monkeypatch.chdir(_project(tmp_path, setting))
    result = runner.invoke(main, ["scan", "--format", "json"])
    assert result.exit_code == 0, result.output
    flags = json.loads(result.stdout)["documents"][0]["needs_citation"]
    assert [(f["line"], f["reason"]) for f in flags] == [(n, LEARNED) for n in lines]


@pytest.mark.parametrize("setting", ['"high"', "1.5", "0", "true"])
def test_a_bad_threshold_setting_is_a_one_line_error(runner, tmp_path, monkeypatch, setting):
    monkeypatch.chdir(_project(tmp_path, setting))
    result = runner.invoke(main, ["scan"])
    assert result.exit_code == 2
    assert "bibkit.toml" in result.output and "needs_citation_threshold" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_claims_extract_drafts_the_sentences_scan_flags(root):
    article = root / "examples" / "great-leap-forward" / "article.md"
    flagged = {f.text for f in scan([str(article)], None).documents[0].needs_citation}
    import yaml
    drafted = yaml.safe_load(claims_yaml(str(article)))["claims"]
    unsourced = {c["text"] for c in drafted if "may need one" in c.get("note", "")}
    assert unsourced == flagged and len(flagged) == 6
    assert sum(f"({LEARNED})" in c.get("note", "") for c in drafted) == 2


# -- the same sentences in every format get the same flags ------------------------------------------

pypandoc = pytest.importorskip("pypandoc")

SENTENCES = [LEARNED_CLAIM, BORDERLINE, *SELF_REFERENCE,
             "Roughly 42 percent of farms failed that year.",
             "The treaty was signed on 9 November 1989.",
             "Convolutional networks are often used to segment cells in microscopy images.",
             "Earlier surveys reported that most laboratories share their code on request.",
             "We measured the growth rate of each colony twice.",
             "The villagers planted rice along the river.",
             "Excessive procurement led to starvation in the villages."]


def _flags(path: Path, threshold: float | None = None) -> list[tuple[str, str]]:
    doc = scan([str(path)], None, threshold).documents[0]
    return [(f.text, f.reason) for f in doc.needs_citation]


@pytest.mark.parametrize("threshold", [None, 0.3])
def test_markdown_latex_word_and_html_get_the_same_flags(tmp_path, threshold):
    md = tmp_path / "essay.md"
    md.write_text("# Essay\n\n" + "\n\n".join(SENTENCES) + "\n", encoding="utf-8")
    for ext, extra in ((".docx", []), (".html", ["--standalone"]), (".tex", ["--standalone"])):
        subprocess.run([pypandoc.get_pandoc_path(), str(md), "-o", str(md.with_suffix(ext)), *extra], check=True,
                       timeout=120)
    expected = _flags(md, threshold)
    assert len(expected) >= 4 and (LEARNED_CLAIM, LEARNED) in expected
    for ext in (".docx", ".html", ".tex"):
        assert _flags(md.with_suffix(ext), threshold) == expected, ext


# -- the training data: distant supervision from LaTeX and Markdown --------------------------------

def test_extraction_labels_cited_sentences_and_drops_grammatical_citations():
    from benchmarks.needs_citation.extract import CITE, TCITE, label_sentence
    assert label_sentence(f"Stars form in clouds {CITE}.") == (1, "Stars form in clouds.")
    assert label_sentence(f"Stars form in clouds (e.g., {CITE}; {CITE}).") == (1, "Stars form in clouds.")
    assert label_sentence(f"Stars form in clouds [{CITE}, {CITE}], which collapse.") == (
        1, "Stars form in clouds, which collapse.")
    assert label_sentence("Stars form in clouds of gas.") == (0, "Stars form in clouds of gas.")
    assert label_sentence(f"{TCITE} showed that stars form in clouds.") is None     # \citet: the subject
    assert label_sentence(f"As shown in {CITE}, stars form in clouds.") is None     # "in [4]"
    assert label_sentence(f"{CITE} is the standard reference on stars.") is None


def test_latex_body_leaves_out_what_is_not_prose():
    from benchmarks.needs_citation.extract import CITE, TCITE, latex_body
    body = latex_body(r"""\documentclass{article}\begin{document}
\begin{abstract}An abstract \cite{x}.\end{abstract}
Stars form in clouds \citep[e.g.,][]{a,b}.\footnote{A note \cite{c}.} \citet{d} disagree.
\begin{figure}\caption{A caption \cite{e}.}\end{figure}
\section*{Acknowledgments} We thank \citeauthor{f}.
\section{Next} More text.
\bibliography{refs}
\end{document}""")
    assert "abstract" not in body and "note" not in body and "caption" not in body and "thank" not in body
    assert body.count(CITE) == 1 and body.count(TCITE) == 1
    assert "More text." in body


def test_training_is_deterministic(tmp_path):
    pytest.importorskip("sklearn")
    from benchmarks.needs_citation import train
    rows = []
    for p in range(20):
        for i in range(30):
            cited = (i + p) % 4 == 0
            text = (f"Prior studies of topic {i} have reported effect number {p} in many settings." if cited
                    else f"The table lists the value {i} measured in run {p} of this experiment.")
            ctx = Context("1" if cited else "0", "none", i % 3, int(cited), "Introduction" if cited else "Methods")
            rows.append((f"paper{p}", "field", "", int(cited), text, ctx))
    first, _ = train.train(rows, seed=0, precision=0.75)
    second, _ = train.train(rows, seed=0, precision=0.75)
    assert train.dump(first) == train.dump(second)
    assert parse_model(first).version == train.VERSION


@pytest.mark.parametrize("setting, learned", [(None, 1), ("0.35", 2), ("0.99", 0)])
def test_check_and_claim_map_read_the_threshold_setting_too(runner, tmp_path, monkeypatch, setting, learned):
    monkeypatch.chdir(_project(tmp_path, setting))
    result = runner.invoke(main, ["check"])
    assert result.stdout.count(f"M002 sentence may need a citation ({LEARNED})") == learned, result.stdout
    result = runner.invoke(main, ["claim-map", "--manuscript", "essay.md", "--format", "json"])
    assert json.loads(result.stdout)["summary"]["by_status"]["unsourced"] == learned, result.output


# -- where a sentence stands: computed alike by scan and by the training data ----------------------

CONTEXT_TEXT = """# Introduction

Stars form in cold clouds [@a]. The clouds collapse under gravity. Their cores heat up.[@b; @c]

A single sentence stands here on its own.

## Methods and data

We observed the clouds. The spectra were reduced as before [see @d]. Noise was removed.
"""


def test_scan_and_the_training_data_see_the_same_context():
    from benchmarks.needs_citation.extract import _AFTER_STOP, _cited, markdown_body
    from bibkit.manuscripts.markdown import parse_markdown
    scanned = parse_markdown(CONTEXT_TEXT, "essay.md").sentences
    at_scan = sentence_contexts(scanned, lambda s: bool(s.citations))
    marked = parse_markdown(_AFTER_STOP.sub(r"\2\1", markdown_body(CONTEXT_TEXT)), "essay.md").sentences
    in_training = sentence_contexts(marked, _cited)
    assert len(scanned) == len(marked)
    assert at_scan == in_training
    body = [c for c in at_scan if c is not None]
    assert body == [
        Context("none", "0", 0, 1, "Introduction", True), Context("1", "1", 1, 2, "Introduction", True),
        Context("0", "none", 2, 1, "Introduction", True), Context("none", "none", 0, 0, "Introduction", True),
        Context("none", "1", 0, 1, "Methods and data", True), Context("0", "0", 1, 0, "Methods and data", True),
        Context("1", "none", 2, 1, "Methods and data", True)]


def test_context_moves_the_score_and_a_lone_sentence_gets_the_default():
    model = load_model()
    text = "Dust grains grow in the densest parts of molecular clouds."
    among_cited = Context("1", "1", 1, 2, "Introduction")
    assert model.score(text, context=among_cited) > model.score(text, context=Context("0", "0", 1, 0, "Methods"))
    assert model.score(text) == model.score(text, context=LONE)


PARAGRAPHS = """# Introduction

{a} {b} {c}

{d}

## Methods

{e} {f}
"""


def test_markdown_latex_word_and_html_see_the_same_paragraphs_and_sections(tmp_path):
    from bibkit.manuscripts import read_manuscript
    md = tmp_path / "paper.md"
    md.write_text(PARAGRAPHS.format(a=LEARNED_CLAIM, b=BORDERLINE, c=SELF_REFERENCE[0], d=SENTENCES[7],
                                    e=SENTENCES[8], f=SENTENCES[10]), encoding="utf-8")
    for ext, extra in ((".docx", []), (".html", ["--standalone"]), (".tex", ["--standalone"])):
        subprocess.run([pypandoc.get_pandoc_path(), str(md), "-o", str(md.with_suffix(ext)), *extra], check=True,
                       timeout=120)

    def contexts(path: Path) -> list:
        sentences = read_manuscript(str(path)).sentences
        return [(s.text, c) for s, c in zip(sentences, sentence_contexts(sentences, lambda s: bool(s.citations)))
                if c is not None]
    expected = contexts(md)
    assert [c.index for _t, c in expected] == [0, 1, 2, 0, 0, 1]
    assert [c.section for _t, c in expected] == ["Introduction"] * 4 + ["Methods"] * 2
    for ext in (".docx", ".html", ".tex"):
        assert contexts(md.with_suffix(ext)) == expected, ext
        assert _flags(md.with_suffix(ext)) == _flags(md), ext
