"""Meaning-level similarity for passage suggestions: sentence vectors, window vectors, and their cache.

Each sentence of a full text is embedded once with :mod:`bibkit.infra.embed` (all-MiniLM-L6-v2); a
window of one to three sentences (a candidate passage, see :class:`bibkit.evidence.suggest.Index`)
gets the sum of its sentences' vectors scaled to length 1, so the cosine of a claim and every window
of a text is one matrix product. The sentence vectors are stored in bibkit's cache beside the
suggestion index, keyed by the text's digest and :data:`bibkit.infra.embed.MODEL_SHA256`, so a second
``verify --suggest`` over the same file does not embed it again, and a different model never reuses them;
a claim's vector is cached the same way (by its text and the model), so an unchanged project does not even
load the model.

When the optional extra ``bibkit[semantic]`` is not installed, :func:`enabled` is False and passage
suggestions rank by words alone.
"""

from __future__ import annotations

from typing import Any, Sequence

from bibkit.infra import embed

#: Changes whenever what the vector record holds, or how it is made, changes.
VECTORS_FORMAT = 1


def enabled() -> bool:
    """Whether meaning-level ranking can run (the packages of ``bibkit[semantic]`` are installed)."""
    return embed.available()


def vectors_key(text_key: str) -> str:
    """The cache key of a text's sentence vectors: the text's own index key and the model's SHA-256."""
    from bibkit.infra.cache import cache_key

    return cache_key("suggest-vectors", text_key.encode("ascii"), (VECTORS_FORMAT, embed.MODEL_SHA256))


def sentence_vectors(sentences: Sequence[str], text_key: str | None = None, use_cache: bool = True) -> Any:
    """Unit vectors of the sentences (float32, one row each), read from the cache under ``text_key`` when
    they were stored for this text and model, else embedded (and stored when ``text_key`` is given)."""
    import numpy as np

    key = vectors_key(text_key) if text_key is not None and use_cache else None
    if key is not None:
        from bibkit.infra.cache import read_record

        stored = read_record("suggest-vectors", key)
        if (isinstance(stored, tuple) and len(stored) == 3 and stored[0] == len(sentences)
                and stored[1] == embed.DIMENSIONS and isinstance(stored[2], bytes)
                and len(stored[2]) == 4 * len(sentences) * embed.DIMENSIONS):
            return np.frombuffer(stored[2], dtype=np.float32).reshape(len(sentences), embed.DIMENSIONS)
    vectors = np.asarray(embed.encode(list(sentences)), dtype=np.float32)
    if key is not None:
        from bibkit.infra.cache import write_record

        write_record("suggest-vectors", key, (len(sentences), embed.DIMENSIONS, vectors.tobytes()))
    return vectors


def window_cosines(vectors: Any, claim_vector: Any) -> dict[tuple[int, int], float]:
    """The cosine of the claim and every window ``(size, start)`` of one to three sentences."""
    import numpy as np

    n = len(vectors)
    out: dict[tuple[int, int], float] = {}
    if n == 0:
        return out
    acc = np.zeros_like(vectors)
    for size in (1, 2, 3):
        if size > n:
            break
        acc = vectors[:n - size + 1] + (acc[1:n - size + 2] if size > 1 else 0)
        norms = np.linalg.norm(acc, axis=1)
        cos = (acc @ claim_vector) / np.clip(norms, 1e-12, None)
        for start, value in enumerate(cos.tolist()):
            out[(size, start)] = value
    return out


def claim_vector(text: str, use_cache: bool = False) -> Any:
    """The unit vector of a claim's text; with ``use_cache``, read from (or stored in) bibkit's cache under the
    text and the model's SHA-256, so an unchanged claim does not load the model again."""
    import numpy as np

    if not use_cache:
        return embed.encode([text])[0]
    from bibkit.infra.cache import cache_key, read_record, write_record

    key = cache_key("suggest-claim-vector", text.encode("utf-8", "surrogatepass"), (VECTORS_FORMAT, embed.MODEL_SHA256))
    stored = read_record("suggest-claim-vector", key)
    if isinstance(stored, bytes) and len(stored) == 4 * embed.DIMENSIONS:
        return np.frombuffer(stored, dtype=np.float32)
    vector = np.asarray(embed.encode([text])[0], dtype=np.float32)
    write_record("suggest-claim-vector", key, vector.tobytes())
    return vector
