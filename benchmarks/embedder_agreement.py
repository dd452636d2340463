"""Does the int8 ONNX all-MiniLM-L6-v2 agree with the torch model? Prints figures, asserts nothing.

    python benchmarks/embedder_agreement.py [--chunks 2000] [--queries 300]

Chunks come from the specimen policies in ../shared/corpus (cyber-policies and other-policies) and
the bundled sample policy, chunked exactly as ingest does; each is embedded as ingest embeds it
(`embed_text`). Prints, for the ONNX embedder as a long-running process runs it (optimised) and, for questions,
as the CLI runs it (no graph optimisation):
  - token counts: texts whose ONNX-side count differs from the torch tokenizer's;
  - per-text cosine between the ONNX and the torch vector (min / p1 / mean) for chunks and queries;
  - retrieval agreement for the questions (the golden set, the control catalogue, section headings):
    top-5 and top-1 overlap of an ONNX question on the torch-built vectors against a torch question
    on them (the mixed case `embedding_backend=auto` produces), and ONNX on ONNX-built vectors.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CORPUS = ROOT.parent / "shared" / "corpus"


def corpus_chunks(counter, limit: int, seed: int = 0) -> list:
    """Chunks of the specimens and the sample policy (an even random sample of `limit`)."""
    import tempfile

    from bot.samples import sample_pdfs
    from ingestion.chunking import chunk_document
    from ingestion.readers import read_document

    pdfs = sorted((CORPUS / "cyber-policies").glob("*.pdf")) + sorted((CORPUS / "other-policies").glob("*.pdf"))
    pdfs += list(sample_pdfs(Path(tempfile.mkdtemp(prefix="pb-agree-"))).values())
    chunks = []
    for p in pdfs:
        doc = read_document(p, max_bytes=200 * 1024 * 1024)
        chunks += chunk_document(doc, doc_id=p.stem, policy=p.stem, version="1", kind="policy", count_tokens=counter, max_tokens=220)
    random.Random(seed).shuffle(chunks)
    return chunks[:limit], len(pdfs)


def questions(chunks, limit: int, seed: int = 0) -> list[str]:
    """Golden questions, one per control catalogue entry and synonym, and questions on section headings."""
    import yaml

    from ingestion.guidance import load_catalogue

    qs = [q["q"] for q in yaml.safe_load((ROOT / "examples" / "golden.yaml").read_text())["questions"]]
    for c in load_catalogue():
        qs.append(f"Does the policy require {c.name}?")
        qs += [f"What does the policy say about {s}?" for s in c.synonyms[:2]]
    heads = sorted({c.section.split(" > ")[-1].strip() for c in chunks if 3 < len(c.section.split(" > ")[-1]) < 80})
    random.Random(seed).shuffle(heads)
    qs += [f"What does the policy say about {h.lower()}?" for h in heads]
    return list(dict.fromkeys(qs))[:limit]


def cos_stats(a: np.ndarray, b: np.ndarray) -> str:
    c = np.sum(a * b, axis=1)
    return f"min {c.min():.4f}  p1 {np.percentile(c, 1):.4f}  p5 {np.percentile(c, 5):.4f}  mean {c.mean():.4f}"


def overlap(q_a, docs_a, q_b, docs_b, k: int = 5) -> str:
    ta = np.argsort(-(q_a @ docs_a.T), axis=1)[:, :k]
    tb = np.argsort(-(q_b @ docs_b.T), axis=1)[:, :k]
    per = np.array([len(set(x) & set(y)) / k for x, y in zip(ta, tb)])
    top1 = np.mean(ta[:, 0] == tb[:, 0])
    return (f"top-{k} overlap mean {per.mean():.3f}  min {per.min():.2f}  identical sets {np.mean(per == 1):.1%}  "
            f"top-1 same {top1:.1%}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--chunks", type=int, default=2000)
    ap.add_argument("--queries", type=int, default=300)
    args = ap.parse_args()

    from vectorstore.embedder import ONNX_MIN_COSINE, OnnxEmbedder, SentenceTransformerEmbedder
    from vectorstore.index import embed_text

    torch_emb = SentenceTransformerEmbedder()
    onnx_cli = OnnxEmbedder(optimize=False, threads=1)
    onnx_srv = OnnxEmbedder()
    chunks, n_docs = corpus_chunks(onnx_srv.count_tokens, args.chunks)
    texts = [embed_text(c) for c in chunks]
    qs = questions(chunks, args.queries)
    print(f"{len(texts)} chunks from {n_docs} documents, {len(qs)} questions")

    raw = [c.text for c in chunks]
    diff = sum(a != b for a, b in zip(torch_emb.count_tokens(raw + qs), onnx_srv.count_tokens(raw + qs)))
    print(f"token counts differing from the torch tokenizer: {diff} of {len(raw) + len(qs)}")

    t = time.perf_counter()
    d_torch, q_torch = torch_emb.embed(texts), torch_emb.embed(qs)
    print(f"torch embedded in {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    d_onnx, q_onnx = onnx_srv.embed(texts), onnx_srv.embed(qs)
    print(f"onnx (optimised, as a server or ingest runs it) embedded in {time.perf_counter() - t:.1f} s")
    q_cli = onnx_cli.embed(qs)
    print(f"\ncosine to torch, chunks (onnx optimised):   {cos_stats(d_onnx, d_torch)}")
    print(f"cosine to torch, questions (onnx optimised): {cos_stats(q_onnx, q_torch)}")
    print(f"cosine to torch, questions (onnx as the CLI runs it: no graph optimisation): {cos_stats(q_cli, q_torch)}")
    print("\nretrieval agreement with a torch question on torch-built vectors:")
    print(f"  ONNX question (CLI) on torch-built vectors:   {overlap(q_cli, d_torch, q_torch, d_torch)}")
    print(f"  ONNX question (server) on torch-built vectors: {overlap(q_onnx, d_torch, q_torch, d_torch)}")
    print(f"  ONNX question on ONNX-built vectors:           {overlap(q_onnx, d_onnx, q_torch, d_torch)}")
    print(f"  torch question on ONNX-built vectors:          {overlap(q_torch, d_onnx, q_torch, d_torch)}")
    c = np.concatenate([np.sum(d_onnx * d_torch, axis=1), np.sum(q_onnx * q_torch, axis=1), np.sum(q_cli * q_torch, axis=1)])
    print(f"texts below ONNX_MIN_COSINE={ONNX_MIN_COSINE}: {int(np.sum(c < ONNX_MIN_COSINE))} of {len(c)}")
    # For scale: how far apart the torch vectors of neighbouring chunks are.
    sims = d_torch[:500] @ d_torch.T
    np.fill_diagonal(sims[:, :500], -1)
    print(f"\nfor scale, torch: nearest other chunk's cosine p50 {np.median(sims.max(axis=1)):.4f}")


if __name__ == "__main__":
    main()
