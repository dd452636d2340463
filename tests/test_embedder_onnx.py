"""The int8 ONNX embedder stands in for the torch model: same vectors within the measured tolerance,
same token counts, and the CLI's query path never imports torch."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import specimen

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def onnx():
    from vectorstore.embedder import OnnxEmbedder, onnx_unavailable

    why = onnx_unavailable("all-MiniLM-L6-v2")
    if why:
        pytest.skip(why)
    return OnnxEmbedder()


@pytest.fixture(scope="module")
def clauses(sample_pdfs, onnx):
    """Real clauses as ingest embeds them: two specimen wordings and the sample policy."""
    from ingestion.chunking import chunk_document
    from ingestion.readers import read_document
    from vectorstore.index import embed_text

    out = []
    for p in (specimen("beazley_mediatech_F00731_022019.pdf"), specimen("coalition_uk_cyber_technology_policy_3.0.pdf"), sample_pdfs["2026"]):
        chunks = chunk_document(read_document(p), doc_id=p.stem, policy=p.stem, version="1", kind="policy",
                                count_tokens=onnx.count_tokens, max_tokens=220)
        out += chunks[:: max(1, len(chunks) // 40)]
    return [embed_text(c) for c in out], [c.text for c in out]


@pytest.mark.slow
def test_vectors_agree_with_torch_on_real_clauses(onnx, minilm, clauses):
    from vectorstore.embedder import ONNX_MIN_COSINE

    texts, _ = clauses
    questions = ["What is the ransomware sublimit?", "Does the policy require MFA on email?", "How soon must we notify the insurer?"]
    a, b = onnx.embed(texts + questions), minilm.embed(texts + questions)
    assert a.shape == b.shape == (len(texts) + 3, 384)
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    cos = np.sum(a * b, axis=1)
    worst = int(np.argmin(cos))
    assert cos.min() >= ONNX_MIN_COSINE, f"cosine {cos.min():.4f} for {(texts + questions)[worst][:120]!r}"


@pytest.mark.slow
def test_long_text_is_cut_where_torch_cuts_it(onnx, minilm, clauses):
    from vectorstore.embedder import ONNX_MIN_COSINE

    long = " ".join(clauses[0])  # thousands of word pieces: both keep the first 254
    assert onnx.count_tokens([long])[0] > 2 * onnx.max_tokens
    cut = onnx.tokenizer.decode(onnx._ids([long])[0][: onnx.max_tokens])
    a, b = onnx.embed([long, cut]), minilm.embed([long])
    assert float(a[0] @ b[0]) >= ONNX_MIN_COSINE
    # Cutting the text ourselves at 254 pieces gives (nearly) the same vector: the cut is at the same place.
    assert float(a[0] @ a[1]) > 0.99


@pytest.mark.slow
def test_count_tokens_equals_torch_tokenizer(onnx, minilm, clauses):
    _, raw = clauses
    tricky = ["Insured’s “Computer System” — café naïve", "  leading and trailing spaces  ", "", "§ 4.2(a)(iv) 30% $250,000", "ransomware " * 300]
    texts = raw + tricky
    assert onnx.count_tokens(texts) == minilm.count_tokens(texts)
    assert onnx.max_tokens == minilm.max_tokens == 254


def test_backend_choice():
    from vectorstore.embedder import OnnxEmbedder, SentenceTransformerEmbedder, make_embedder, onnx_unavailable

    if onnx_unavailable("all-MiniLM-L6-v2"):
        pytest.skip("onnx stack not installed")
    assert isinstance(make_embedder("all-MiniLM-L6-v2", "auto", queries_only=True), OnnxEmbedder)
    # auto never builds document vectors with ONNX, and never stands in for another model.
    assert isinstance(make_embedder("all-MiniLM-L6-v2", "auto"), SentenceTransformerEmbedder)
    assert isinstance(make_embedder("all-mpnet-base-v2", "auto", queries_only=True), SentenceTransformerEmbedder)
    assert isinstance(make_embedder("all-MiniLM-L6-v2", "torch", queries_only=True), SentenceTransformerEmbedder)
    with pytest.raises(ValueError, match="only for all-MiniLM-L6-v2"):
        make_embedder("all-mpnet-base-v2", "onnx")
    with pytest.raises(ValueError, match="auto, onnx, torch"):
        make_embedder("all-MiniLM-L6-v2", "gpu")


def _cli(args: list[str], data_dir: Path, **env) -> subprocess.CompletedProcess:
    e = {k: v for k, v in os.environ.items() if not k.startswith("POLICYBOT_")}
    e.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false", ANONYMIZED_TELEMETRY="False",
             POLICYBOT_DATA_DIR=str(data_dir), **env)
    return subprocess.run([sys.executable, "-X", "importtime", "-m", "bot.cli", *args], cwd=ROOT, env=e,
                          capture_output=True, text=True, timeout=300)


def _imported(stderr: str) -> set[str]:
    return {m.group(1).strip() for m in re.finditer(r"^import time:\s+\d+ \|\s+\d+ \|\s*(\S+)", stderr, re.M)}


@pytest.mark.slow
def test_cli_queries_on_torch_index_without_importing_torch(sample_index):
    """search and ask on an index built by the torch model are served by ONNX: no torch import, same hits."""
    data = sample_index.data_dir
    query = ["search", "ransomware sublimit", "--policy", "northwind", "--json", "-k", "5"]
    r = _cli(query, data)
    assert r.returncode == 0, r.stderr[-2000:]
    mods = _imported(r.stderr)
    assert "onnxruntime" in mods
    # Exact search reads the documents' saved vector files: a one-shot query never opens Chroma.
    assert not {m for m in mods if m.split(".")[0] in ("torch", "sentence_transformers", "transformers", "chromadb")}
    hits = json.loads(r.stdout)
    assert hits[0]["dense_rank"] > 0  # the dense search really ran
    assert any(h["page_start"] == 1 and "Ransomware Sublimit: $250,000" in h["text"] for h in hits)

    # Asked for torch, the same command loads it and finds the same clauses in the same order.
    r = _cli(query, data, POLICYBOT_EMBEDDING_BACKEND="torch")
    assert r.returncode == 0, r.stderr[-2000:]
    assert "sentence_transformers" in _imported(r.stderr)
    assert [(h["page_start"], h["text"]) for h in json.loads(r.stdout)] == [(h["page_start"], h["text"]) for h in hits]

    r = _cli(["ask", "How many days do we have to report a breach to the insurer?", "--json"], data)
    assert r.returncode == 0, r.stderr[-2000:]
    assert not {m for m in _imported(r.stderr) if m.split(".")[0] in ("torch", "sentence_transformers", "transformers")}
    a = json.loads(r.stdout)
    assert a["answered"] and any(c["page_start"] == 10 and "30 days" in c["quote"] for c in a["citations"])
