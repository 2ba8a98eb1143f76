"""Passage suggestions (``bibkit verify --suggest``): real PDFs judged by pypdf, numbers, strength, JSON, exit codes.

Pages and passages are judged by pypdf's own text and page labels (an extractor bibkit does not use),
compared on letters and digits alone, never by bibkit's matcher.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from bibkit.cli import cli
from bibkit.evidence.fulltext import read_fulltext
from bibkit.evidence.fulltext.base import Extracted
from bibkit.evidence.suggest import STRONG, Suggestion, suggest

ROOT = Path(__file__).resolve().parent.parent
GOOGLE_DOC = ROOT / "tests" / "data" / "fulltext" / "google-doc.pdf"  # py-pdf sample (CC-BY-SA-4.0): the Zen of Python
CRAZY_ONES = ROOT / "benchmarks" / "suggest" / "pdfs" / "crazyones-pdfa.pdf"  # py-pdf sample (CC-BY-SA-4.0)
DEMO = ROOT / "examples" / "verify-demo"
OKAFOR = DEMO / "sources" / "okafor2021.pdf"  # two pages labelled 211 and 212


def letters(text: str) -> str:
    """Lower-case letters and digits only (an independent normalisation: no bibkit code)."""
    return re.sub(r"[\W_]+", "", text.lower())


def pypdf_pages(path: Path) -> tuple[list[str], list[str]]:
    """(text of each page, page labels) as pypdf reads them."""
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    return [p.extract_text() or "" for p in reader.pages], list(reader.page_labels)


def extracted(path: Path) -> Extracted:
    ft = read_fulltext(str(path), use_cache=False)
    return Extracted(ft.pages, ft.labels)


@pytest.mark.parametrize("path, claim, expect", [
    (GOOGLE_DOC, "Mistakes should not be allowed to pass without a sound.", "Errors should never pass silently"),
    (GOOGLE_DOC, "Readable code matters.", "Readability counts"),
    (CRAZY_ONES, "These people cannot be ignored.", "About the only thing you cant do is ignore them"),
    (OKAFOR, "Mullet came in on the rising tide and were caught at the gates.", "Grey mullet entered with the flood tide"),
    (OKAFOR, "The storm of 1881 stopped the mill for eleven weeks.", "the mill stood idle for eleven weeks"),
])
def test_the_passage_is_found_on_its_page_and_is_a_passage_not_a_page(path, claim, expect):
    pages, labels = pypdf_pages(path)
    got = suggest(claim, extracted(path), 3)
    assert got and isinstance(got[0], Suggestion)
    first = got[0]
    # the right passage first, on the page pypdf finds it on, with that page's label
    page = next(i for i, text in enumerate(pages) if letters(expect) in letters(text))
    assert letters(expect) in letters(first.text)
    assert first.pdf_page == page + 1
    assert first.page == labels[page]
    # the pages' text without their page numbers and running heads (lines that end with the page's label), joined:
    # a sentence may run on over a page break
    body = letters(" ".join(line for page, label in zip(pages, labels) for line in page.splitlines()
                            if not line.strip().split()[-1:] == [label]))
    for s in got:
        # every suggestion is text that starts on its page as pypdf reads it, one to three sentences, never a whole page
        assert letters(s.text)[:60] in letters(pages[s.pdf_page - 1])
        assert letters(s.text) in body
        assert len(letters(s.text)) < len(letters(pages[s.pdf_page - 1]))
        assert len(re.findall(r"[.!?][”’\"]?\s+[A-Z“]", s.text)) <= 2  # at most three sentences
        assert 0.0 <= s.score <= 1.0


def test_passages_are_at_most_three_sentences_on_a_page_of_many():
    """okafor2021.pdf's first page holds fourteen sentences; a claim that matches words all over it still gets
    passages of one to three sentences."""
    pages, _ = pypdf_pages(OKAFOR)
    assert len(re.findall(r"[.!?][”’\"]?\s+[A-Z“]", pages[0])) >= 10
    claim = "The mill, its ledgers, the miller, the tide, the dam, the storm, steam, the society and the farmers."
    for s in suggest(claim, extracted(OKAFOR), 5):
        assert len(re.findall(r"[.!?][”’\"]?\s+[A-Z“]", s.text)) <= 2, s.text


def test_a_page_without_full_stops_still_gives_passages_not_the_page():
    words = [f"word{i} grain harbour" if i % 50 == 7 else f"word{i}" for i in range(900)]
    got = suggest("grain harbour", Extracted([" ".join(words)]), 3)
    assert got and all(len(s.text.split()) <= 60 for s in got)


def test_printed_page_labels_as_verify_reports_them():
    """okafor2021.pdf's pages carry the labels 211 and 212: a passage on its second page is p. 212, PDF page 2."""
    _, labels = pypdf_pages(OKAFOR)
    assert labels == ["211", "212"]
    got = suggest("Without the fish the mill would probably have closed after 1884.", extracted(OKAFOR), 1)
    assert (got[0].page, got[0].pdf_page) == ("212", 2)
    assert "Without the fish" in got[0].text


def test_a_sentence_broken_by_a_page_break_is_one_passage_on_the_page_where_it_starts():
    """The sentence on the society's lists starts at the foot of p. 211 and ends on p. 212, after the running head."""
    got = suggest("The society first printed its lists in 1885, when deliveries fell under 300 tons.", extracted(OKAFOR), 1)
    assert got[0].text.startswith("Whether the society’s neglect was a cause")
    assert "cannot say, though the timing is suggestive" in got[0].text
    assert "Okafor" not in got[0].text  # the running head between the pages is not in the passage
    assert (got[0].page, got[0].pdf_page) == ("211", 1)


def test_a_page_without_labels_is_numbered_from_one():
    got = suggest("Beautiful beats ugly.", extracted(GOOGLE_DOC), 1)
    assert (got[0].page, got[0].pdf_page) == ("1", 1)


def test_the_claims_numbers_decide_between_look_alike_passages():
    """Two passages alike but for the number: the one that gives the claim's number ranks first, and the
    one that gives another number scores lower than it would without a number in the claim."""
    pages = ["The harbour handled 412 ships in the record year of the port.\n\n"
             "Nobody expected the quay to last.\n\n"
             "The harbour handled 377 ships in the worst year of the port.\n"]
    doc = Extracted(pages)
    for number, other in (("412", "377"), ("377", "412")):
        got = suggest(f"In one year the harbour took {number} ships.", doc, 3)
        assert number in got[0].text and other not in got[0].text
        conflicting = next(s for s in got if other in s.text and number not in s.text)
        assert conflicting.score < got[0].score - 0.2
    # a number word counts as its digits
    got = suggest("Three ships were lost in the storm.", Extracted(["Ships were lost in a storm of 1880.\n\n"
                                                                    "In the storm, 3 ships were lost.\n"]), 1)
    assert "3 ships" in got[0].text


def test_claims_the_source_does_not_support_get_no_strong_suggestion():
    unsupported = {
        GOOGLE_DOC: ["Code should be optimised for speed before it is made readable.",
                     "Japan has the largest population of the countries listed."],
        CRAZY_ONES: ["Careful engineers who follow the rules build the best products."],
        OKAFOR: ["The mill was converted to steam power in 1879 and ran until 1920.",
                 "Wool from local sheep was spun at the mill in winter."],
    }
    for path, claims in unsupported.items():
        doc = extracted(path)
        for claim in claims:
            got = suggest(claim, doc, 3)
            assert not any(s.strong for s in got), (claim, got)
    # while a close paraphrase is strong
    got = suggest("Four of the mill's ledgers survive, from 1871 to 1889.", extracted(OKAFOR), 1)
    assert got[0].strong and got[0].score >= STRONG


def test_no_suggestion_without_words_to_match():
    doc = extracted(GOOGLE_DOC)
    assert suggest("", doc) == []
    assert suggest("the of and", doc) == []  # stop words only
    assert suggest("Readability counts.", doc, 0) == []
    assert suggest("Readability counts.", Extracted([""])) == []


def test_to_dict_has_exactly_the_documented_keys():
    s = Suggestion("211", 1, "A passage.", 0.5, False)
    assert s.to_dict() == {"page": "211", "pdf_page": 1, "text": "A passage.", "score": 0.5, "strong": False}


# -- the command line ---------------------------------------------------------------------------------


def test_verify_suggest_json_shape(runner, demo):
    result = runner.invoke(cli, ["verify", "--suggest", "--format", "json"])
    assert result.exit_code == 1, result.output
    doc = json.loads(result.stdout)
    links = doc["links"]
    assert all(isinstance(link["suggestions"], list) for link in links)
    with_suggestions = [link for link in links if link["suggestions"]]
    assert {link["status"] for link in with_suggestions} <= {"no-quote", "not-found"}
    assert {(link["claim"], link["status"]) for link in with_suggestions} == {
        ("steam-caused-decline", "not-found"), ("dam-breached-1881", "no-quote")}
    for link in with_suggestions:
        assert 1 <= len(link["suggestions"]) <= 3
        for s in link["suggestions"]:
            assert list(s) == ["page", "pdf_page", "text", "score", "strong"]
            assert isinstance(s["page"], str) and isinstance(s["pdf_page"], int) and isinstance(s["text"], str)
            assert isinstance(s["score"], float) and 0 <= s["score"] <= 1 and isinstance(s["strong"], bool)
        scores = [s["score"] for s in link["suggestions"]]
        assert scores == sorted(scores, reverse=True)
    dam = next(link for link in with_suggestions if link["claim"] == "dam-breached-1881")
    assert "a storm breached the dam in February" in dam["suggestions"][0]["text"]
    assert dam["suggestions"][0]["page"] == "211" and dam["suggestions"][0]["strong"] is True
    # without --suggest, no key at all
    plain = json.loads(runner.invoke(cli, ["verify", "--format", "json"]).stdout)
    assert all("suggestions" not in link for link in plain["links"])


def test_verify_suggest_n_and_text(runner, demo):
    result = runner.invoke(cli, ["verify", "--suggest", "1", "--claim", "dam-breached-1881"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].endswith("no-quote no quote to check for okafor2021")
    assert lines[1].startswith("    suggested passage 1 (p. 211, score ")
    assert ", strong): The best year in the ledgers is 1876" in lines[1] or "storm breached the dam" in lines[1]
    assert not any(line.startswith("    suggested passage 2") for line in lines)


@pytest.mark.parametrize("args", [[], ["--fail-on", "never"], ["--fail-on", "close"], ["--claim", "ledgers-survive"],
                                  ["--format", "json"], ["--status", "no-quote"]])
def test_exit_codes_are_unchanged_by_suggest(runner, demo, args):
    plain = runner.invoke(cli, ["verify", *args])
    suggested = runner.invoke(cli, ["verify", *args, "--suggest"])
    assert plain.exit_code == suggested.exit_code
    assert plain.exit_code in (0, 1)


def test_suggest_from_the_config_and_a_bad_setting(runner, demo):
    (demo / "bibkit.toml").write_text('[verify]\nsuggest = 2\n', encoding="utf-8")
    doc = json.loads(runner.invoke(cli, ["verify", "--format", "json"]).stdout)
    assert max(len(link["suggestions"]) for link in doc["links"]) == 2
    off = json.loads(runner.invoke(cli, ["verify", "--format", "json", "--suggest", "0"]).stdout)  # 0: off
    assert all("suggestions" not in link for link in off["links"])
    (demo / "bibkit.toml").write_text('[verify]\nsuggest = "many"\n', encoding="utf-8")
    bad = runner.invoke(cli, ["verify"])
    assert bad.exit_code == 2
    assert "[verify] suggest must be a whole number from 0 to 20" in bad.stderr
    assert "Traceback" not in bad.stderr + bad.stdout


def test_claim_map_json_has_suggestions_only_when_asked(runner, demo):
    plain = json.loads(runner.invoke(cli, ["claim-map", "--format", "json"]).stdout)
    assert all("suggestions" not in link for c in plain["claims"] for link in c["links"])
    result = runner.invoke(cli, ["claim-map", "--format", "json", "--suggest"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    links = {(c["id"], link["key"], link["quote_status"]): link["suggestions"] for c in doc["claims"] for link in c["links"]}
    assert links[("dam-breached-1881", "okafor2021", None)][0]["page"] == "211"
    assert links[("steam-caused-decline", "okafor2021", "not-found")]
    assert links[("ledgers-survive", "okafor2021", "found")] == []
    text = runner.invoke(cli, ["claim-map", "--suggest"])
    assert text.exit_code == 2 and "add --format json" in text.stderr


def test_claim_map_suggest_without_full_texts_is_empty(runner, project):
    project(bib="@misc{a1, title={T}, year={2001}}\n",
            claims="version: 1\nclaims:\n  - id: c\n    text: Something happened.\n    sources: [a1]\n")
    doc = json.loads(runner.invoke(cli, ["claim-map", "--format", "json", "--suggest"]).stdout)
    assert doc["claims"][0]["links"][0]["suggestions"] == []


def test_check_suggest_reports_strong_passages_as_v008_info(runner, demo):
    plain = runner.invoke(cli, ["check", "--format", "json"])
    result = runner.invoke(cli, ["check", "--suggest", "--format", "json"])
    assert plain.exit_code == result.exit_code == 1  # the demo's V003 and V007 errors; V008 is only info
    before = json.loads(plain.stdout)["diagnostics"]
    after = json.loads(result.stdout)["diagnostics"]
    added = [d for d in after if d not in before]
    assert [(d["line"], d["code"], d["severity"]) for d in added] == [(52, "V008", "info"), (63, "V008", "info")]
    assert "V008" not in {d["code"] for d in before}
    assert added[1]["message"].startswith(
        "the link to okafor2021 has no quote; a passage on p. 211 likely backs claim dam-breached-1881 (score 0.93): "
        "\u201cThe best year in the ledgers is 1876, with 412 tons;")
    assert "has a quote the source does not have" in added[0]["message"]
    ignored = json.loads(runner.invoke(cli, ["check", "--suggest", "--ignore", "V008", "--format", "json"]).stdout)
    assert ignored["diagnostics"] == before
    # a claim the source does not support gets weak suggestions only: no V008
    with open(demo / "claims.yaml", "a", encoding="utf-8") as fh:
        fh.write("  - id: wool\n    text: Wool from local sheep was spun at the mill in winter.\n    sources: [okafor2021]\n")
    more = json.loads(runner.invoke(cli, ["check", "--suggest", "--format", "json"]).stdout)["diagnostics"]
    assert [d for d in more if d["code"] == "V008"] == [d for d in after if d["code"] == "V008"]
    (demo / "bibkit.toml").write_text('[check]\nsuggest = true\n', encoding="utf-8")
    assert json.loads(runner.invoke(cli, ["check", "--format", "json"]).stdout)["diagnostics"] == more
    assert [d["code"] for d in json.loads(runner.invoke(cli, ["check", "--no-suggest", "--format", "json"]).stdout)[
        "diagnostics"] if d["code"] == "V008"] == []
    (demo / "bibkit.toml").write_text('[check]\nsuggest = 3\n', encoding="utf-8")
    bad = runner.invoke(cli, ["check"])
    assert bad.exit_code == 2 and "[check] suggest must be true or false" in bad.stderr


def test_the_index_is_cached_per_text_and_a_changed_pdf_is_indexed_anew(runner, demo, tmp_path):
    from bibkit.evidence import suggest as sg

    def run() -> tuple[int, str]:
        before = sg.BUILDS
        result = runner.invoke(cli, ["verify", "--suggest", "--format", "json"])
        assert result.exit_code == 1, result.output
        return sg.BUILDS - before, result.stdout

    built, first_out = run()
    assert built == 1  # the two links that get suggestions share one source
    assert len(list((tmp_path / "cache").glob("suggest-index-*.marshal"))) == 1
    again, second_out = run()
    assert again == 0 and second_out == first_out  # read from the cache, same suggestions
    shutil.copy(DEMO / "sources" / "lindqvist2018.pdf", demo / "sources" / "okafor2021.pdf")
    changed, changed_out = run()
    assert changed == 1 and changed_out != first_out
    assert len(list((tmp_path / "cache").glob("suggest-index-*.marshal"))) == 2
    before = sg.BUILDS
    assert runner.invoke(cli, ["verify", "--suggest", "--no-cache", "--format", "json"]).exit_code == 1
    assert sg.BUILDS - before == 1  # --no-cache builds, and reads no record


def test_a_corrupt_index_record_is_rebuilt(runner, demo, tmp_path):
    from bibkit.evidence import suggest as sg

    assert runner.invoke(cli, ["verify", "--suggest"]).exit_code == 1
    (record,) = (tmp_path / "cache").glob("suggest-index-*.marshal")
    record.write_bytes(record.read_bytes()[:-10])
    before = sg.BUILDS
    result = runner.invoke(cli, ["verify", "--suggest"])
    assert result.exit_code == 1 and "storm breached the dam" in result.stdout
    assert sg.BUILDS - before == 1
