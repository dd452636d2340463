"""LegalBench-RAG-style retrieval benchmark on CUAD: our pipeline vs the plain LangChain recipe.

    ./dev bench retrieval_cuad [cuad_insurance.json|cuad_mini194_seed0.json] [--limit N]

Prints recall@k, precision@k and hit@k, corpus-wide and scoped to the query's document.
The index is cached in benchmarks/.cache so a second run only searches.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CUAD = ROOT.parent / "shared" / "corpus" / "cuad"
KS = (1, 2, 4, 8, 16, 32, 64)


def split_query(q: str) -> tuple[str, str]:
    """('Consider the X (parties)', 'What are …?'): the contract description and the question."""
    # The party list itself contains "; ", so split at the last one.
    if q.lstrip().startswith("Consider") and ";" in q:
        desc, question = q.rsplit(";", 1)
        return desc.strip(), question.strip()
    return "", q


def metrics(retrieved: list[tuple[str, int, int]], gold: list[tuple[str, int, int]]) -> dict:
    out = {}
    for k in KS:
        top = retrieved[:k]
        gold_chars = sum(e - s for _, s, e in gold) or 1
        covered = 0
        for f, s, e in gold:
            mask = np.zeros(e - s, dtype=bool)
            for rf, rs, re_ in top:
                if rf == f and rs < e and re_ > s:
                    mask[max(rs, s) - s : min(re_, e) - s] = True
            covered += int(mask.sum())
        ret_chars = sum(e - s for _, s, e in top) or 1
        inside = 0
        for rf, rs, re_ in top:
            mask = np.zeros(re_ - rs, dtype=bool)
            for f, s, e in gold:
                if rf == f and rs < e and re_ > s:
                    mask[max(rs, s) - rs : min(re_, e) - rs] = True
            inside += int(mask.sum())
        out[k] = (covered / gold_chars, inside / ret_chars, float(any(rf == f and rs < e and re_ > s for rf, rs, re_ in top for f, s, e in gold)))
    return out


def report(name: str, rows: list[dict]) -> None:
    print(f"\n{name}")
    print("  k    recall  precision  hit")
    for k in KS:
        r = np.mean([x[k][0] for x in rows]); p = np.mean([x[k][1] for x in rows]); h = np.mean([x[k][2] for x in rows])
        print(f"  {k:<4} {r:6.3f}  {p:9.3f}  {h:5.3f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("benchmark", nargs="?", default="cuad_insurance.json")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--no-recipe", action="store_true")
    args = ap.parse_args()
    tests = json.loads((CUAD / "benchmarks" / args.benchmark).read_text())["tests"]
    if args.limit:
        tests = tests[: args.limit]
    files = sorted({s["file_path"].split("/", 1)[1] for t in tests for s in t["snippets"]})
    from vectorstore.embedder import SentenceTransformerEmbedder
    from vectorstore.index import PolicyIndex

    emb = SentenceTransformerEmbedder()
    cache = ROOT / "benchmarks" / ".cache" / "cuad"
    ix = PolicyIndex(cache, emb)
    t0 = time.perf_counter()
    doc_of = {}
    for i, f in enumerate(files):
        r = ix.ingest_file(CUAD / "full_contract_txt" / f, policy="cuad:" + f)
        doc_of[f] = r.doc_id
        if (i + 1) % 20 == 0:
            print(f"  indexed {i + 1}/{len(files)} ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    print(f"our index: {len(files)} documents in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    by_doc = {d.doc_id: d.file_name for d in ix.documents()}
    ours_doc, ours_all, rec_doc, rec_all = [], [], [], []
    resolved_ok = 0
    for t in tests:
        gold = [(s["file_path"].split("/", 1)[1], *s["span"]) for s in t["snippets"]]
        f = gold[0][0]
        desc, q = split_query(t["query"])
        hits = ix.search(q, k=64, doc_ids=[doc_of[f]], candidates=200)
        ours_doc.append(metrics([(h.chunk.file_name, h.chunk.char_start, h.chunk.char_end) for h in hits], gold))
        # corpus-wide: resolve which contract the query describes, then search it with the question alone
        cands = ix.resolve_documents(desc or t["query"], k=1, kind="policy") if desc else []
        scope = [cands[0][0].doc_id] if cands else None
        resolved_ok += bool(cands and by_doc[cands[0][0].doc_id] == f)
        hits = ix.search(q if scope else t["query"], k=64, doc_ids=scope, candidates=200)
        ours_all.append(metrics([(h.chunk.file_name, h.chunk.char_start, h.chunk.char_end) for h in hits], gold))
    print(f"\n{args.benchmark}: {len(tests)} queries, {len(files)} documents; contract resolved for {resolved_ok}/{len(tests)} queries")
    report("ours, document-scoped", ours_doc)
    report("ours, corpus-wide", ours_all)
    if args.no_recipe:
        return
    import chromadb
    from chromadb.config import Settings as CS
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    client = chromadb.PersistentClient(path=str(cache / "recipe"), settings=CS(anonymized_telemetry=False))
    col = client.get_or_create_collection("recipe", embedding_function=None, metadata={"hnsw:space": "cosine"})
    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200, add_start_index=True)
    have = {m["file"] for m in col.get(include=["metadatas"])["metadatas"]} if col.count() else set()
    t0 = time.perf_counter()
    for f in files:
        if f in have:
            continue
        text = (CUAD / "full_contract_txt" / f).read_text(encoding="utf-8")
        docs = splitter.create_documents([text])
        for i in range(0, len(docs), 256):
            part = docs[i : i + 256]
            col.add(ids=[f"{f}#{i + j}" for j in range(len(part))], embeddings=emb.embed([d.page_content for d in part]),
                    metadatas=[{"file": f, "start": d.metadata["start_index"], "end": d.metadata["start_index"] + len(d.page_content)} for d in part])
    print(f"recipe index built in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    for t in tests:
        gold = [(s["file_path"].split("/", 1)[1], *s["span"]) for s in t["snippets"]]
        qv = emb.embed([t["query"]])
        for where, rows in (({"file": gold[0][0]}, rec_doc), (None, rec_all)):
            res = col.query(query_embeddings=qv, n_results=64, where=where, include=["metadatas"])
            rows.append(metrics([(m["file"], m["start"], m["end"]) for m in res["metadatas"][0]], gold))
    report("LangChain recipe (1000/200, MiniLM, dense), document-scoped", rec_doc)
    report("LangChain recipe, corpus-wide", rec_all)


if __name__ == "__main__":
    main()
