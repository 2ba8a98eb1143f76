"""The ranking features of passage suggestions, each on hand-made pages (issue 23, held-out v2 work).

Every test here is built so that the feature it names decides the outcome: without it (or with a
plausible bug in it) another passage wins, or the wrong passage is offered.
"""

from __future__ import annotations

from bibkit.evidence import suggest as sg
from bibkit.evidence.suggest import BODY, END, FRONT, Index, placed_sentences, tokens
from bibkit.evidence.suggest_words import GROUPS, spelling


def first(pages: list[str], claim: str) -> str:
    """The text of the first suggestion for the claim over the hand-made pages."""
    got = Index(pages, None).search(claim, 3)
    assert got, claim
    return got[0].text


# -- spelling ---------------------------------------------------------------------------------------


def test_british_and_american_spellings_are_one_term():
    assert tokens("prioritisation optimised analyse behaviour colours") == tokens(
        "prioritization optimized analyze behavior colors")


def test_words_that_only_look_british_are_left_alone():
    for word in ("promise", "exercise", "precise", "raise", "hour", "four", "flour", "otherwise"):
        assert spelling(word) == word
    assert tokens("promise") != tokens("promize") or spelling("promise") == "promise"


def test_a_british_claim_finds_the_american_passage():
    pages = ["The queue is sorted by arrival time before each round. "
             "Jobs are prioritized by their deadlines and their cost.\n"]
    assert first(pages, "Prioritisation follows the deadlines.") == (
        "Jobs are prioritized by their deadlines and their cost.")


# -- near-synonyms ------------------------------------------------------------------------------------


def test_a_near_synonym_finds_the_passage_that_shares_only_that_word_and_one_other():
    # Both sentences share "input" with the claim; only the second says what the claim says, in other words.
    pages = ["Input files are read in one pass.\n\nMistakes in the input are reported at once, with their line.\n"]
    assert first(pages, "Input errors and faults get flagged.").startswith("Mistakes in the input")


def test_synonym_groups_fold_inflected_forms_and_irregular_pasts():
    assert tokens("The share fell.") == tokens("The share declined.") == tokens("The share decreases.")
    assert tokens("costs grew") == tokens("costs increased")
    assert tokens("a huge table") == tokens("a large table")


def test_no_word_is_in_two_groups():
    seen: dict[str, str] = {}
    for group in GROUPS:
        for word in group:
            assert word not in seen, (word, seen.get(word), group[0])
            seen[word] = group[0]


# -- boilerplate: the reference list ---------------------------------------------------------------------


BODY_PAGES = [
    "We study how parsers cope with long inputs. The parser reads each token once. "
    "Its memory stays flat as the input grows. A table of states drives the parser.\n",
    "We timed the parser on files of many sizes. The run time grows in step with the size of the file. "
    "No file took more than a second.\n",
]


def test_the_reference_list_is_no_passage():
    pages = BODY_PAGES + ["References\n\nSmith, J. (2001). Fast parsing of long inputs in linear time. "
                          "Journal of Parsing, 12(3).\nDoe, A. (2003). Linear time parsing. Parsing Letters, 4.\n"]
    for s in Index(pages, None).search("Parsing long inputs takes linear time.", 3):
        assert s.pdf_page != 3, s.text


def test_numbered_reference_entries_without_a_heading_are_no_passages():
    pages = BODY_PAGES + ["[1] Smith, J. Fast parsing of long inputs in linear time. Phys. Rev. 12, 2001.\n"
                          "[2] Doe, A. Linear time parsing of long inputs. Parsing Letters 3, 2003.\n"]
    for s in Index(pages, None).search("Parsing long inputs takes linear time.", 3):
        assert s.pdf_page != 3, s.text


def test_a_references_word_early_in_the_text_does_not_end_it():
    pages = ["References to earlier parsers are in the survey by Smith. The parser reads each token once.\n",
             "References 1. is how the list would start, but this is the first page still.\n"] + BODY_PAGES
    texts = [s for _, s in sg.page_sentences(pages)]
    assert "No file took more than a second." in texts


# -- a passage's place: abstract and conclusion ---------------------------------------------------------


PLACED = [
    "A Parser\n\nAbstract. We describe a parser for long inputs.\n\n1 Introduction\n\n"
    "Parsers are everywhere. The parser reads each token once and keeps a small stack.\n",
    "The stack never holds more than a few states. We timed it on many files.\n\n5 Conclusion\n\n"
    "The parser reads each token only once and keeps a small stack.\n",
]


def test_sentences_know_their_place():
    places = {s: p for _, s, p in placed_sentences(PLACED)}
    assert places["We describe a parser for long inputs."] == FRONT
    assert places["Parsers are everywhere."] == BODY
    assert places["The stack never holds more than a few states."] == BODY
    assert places["The parser reads each token only once and keeps a small stack."] == END


def test_without_an_introduction_heading_nothing_is_front_matter():
    # an "Introduction" heading on a later page (an appendix, a second part) does not make page one an abstract
    pages = ["We describe a parser for long inputs. Parsers are everywhere.\n",
             "Appendix\n\nA.1 Introduction\n\nThe grammar is listed here in full.\n"]
    assert {p for _, _, p in placed_sentences(pages)} == {BODY}


def test_a_conclusion_sentence_wins_a_tie_with_the_body():
    # The body's sentence and the conclusion's have the same terms; the conclusion's comes later and would
    # lose a tie (the earlier window ranks first), so only the place prior puts it first.
    assert first(PLACED, "The parser reads every token once with a small stack.") == (
        "The parser reads each token only once and keeps a small stack.")


# -- morphology beyond the stemmer ----------------------------------------------------------------------


def test_a_stem_that_begins_another_counts_half():
    assert sg._prefix_match("geometr", {"geometri": 1})
    assert sg._prefix_match("geometri", {"geometr": 1})
    assert not sg._prefix_match("relativist", {"relat": 1})  # too short a stem to stand for a longer one
    assert not sg._prefix_match("geometr", {"geographi": 1})
    assert not sg._prefix_match("translat", {"transluc": 1})  # six letters shared, but neither begins the other


def test_a_related_word_form_raises_the_score_of_its_passage():
    pages = ["The mesh is refined twice near its edges.\n\nThe geometry of its mesh is fixed in advance.\n"]
    index = Index(pages, None)
    claim = "A mesh with geometric constraints."
    refined, geometry = (index._score(claim, tokens(claim), (1, i)) for i in (0, 1))
    assert geometry > refined + 0.1
