"""How the index scales: ~1k, ~3k and ~10k pages, next to the plain LangChain recipe. Prints figures, asserts nothing.

    nice -n 10 python benchmarks/scale.py [--sizes 1000,3000,10000] [--minilm-pages 1000] [--no-recipe]

Corpus: the 11 specimen policies (PDF pages), then CUAD contracts (a text contract counts
one page per 3,000 characters), then CUAD contracts again under new policy names until
the size is reached. One index grows stage by stage with the HashingEmbedder (384
dimensions, the size of MiniLM's vectors); the real all-MiniLM-L6-v2 is measured at the
first size. Each stage's serving figures come from a fresh process that opens the
index and answers (its peak RSS is the serving RSS). The recipe is LangChain's
`RecursiveCharacterTextSplitter(1000/200)` + `langchain_core.vectorstores.InMemoryVectorStore`
(langchain-chroma is not installed) and, for its store, Chroma queried directly; it grows in the
building process alongside our index (so that process's peak RSS includes it).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CORPUS = ROOT.parent / "shared" / "corpus"
CHARS_PER_PAGE = 3000  # a text contract's "page" for the size curve
SPECIMEN_POLICY = "cfc"  # the policy filter used in the filtered figures (ingested first)

QUESTIONS = [
    "does our policy require MFA on email", "ransomware sublimit", "how soon must we notify the insurer of a claim",
    "war exclusion", "business interruption waiting period", "social engineering fraud cover",
    "is a failure to patch excluded", "consent before paying an extortion demand", "retention per claim",
    "which law governs this agreement", "can the agreement be assigned without consent", "termination for convenience notice",
    "limitation of liability cap", "confidentiality obligations after termination", "exclusivity",
    "non-compete restriction", "audit rights", "insurance the contractor must maintain", "indemnification for third party claims",
    "most favored nation pricing",
]


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, math.ceil(p * len(xs)) - 1))]


def plan() -> list[tuple[Path, str, int]]:
    """(file, policy name, pages) in ingest order."""
    from pypdf import PdfReader

    out = []
    for p in sorted((CORPUS / "cyber-policies").glob("*.pdf"), key=lambda p: not p.stem.startswith("cfc_")):
        name = SPECIMEN_POLICY if p.stem.startswith("cfc_") else p.stem
        out.append((p, name, len(PdfReader(p).pages)))
    cuad = sorted((CORPUS / "cuad" / "full_contract_txt").glob("*.txt"))
    for rnd in range(3):
        for p in cuad:
            pages = max(1, math.ceil(p.stat().st_size / CHARS_PER_PAGE))
            out.append((p, f"cuad{rnd}-{p.stem[:60]}", pages))
    return out


def text_of(path: Path, cache: Path) -> str:
    """A document's text, parsed once per run (the recipe reads it again at every size)."""
    from ingestion.readers import read_document

    hit = cache / (path.name + ".txt")
    if hit.exists():
        return hit.read_text(encoding="utf-8")
    text = read_document(path).text
    cache.mkdir(parents=True, exist_ok=True)
    hit.write_text(text, encoding="utf-8")
    return text


def make_embedder(kind: str):
    from vectorstore.embedder import HashingEmbedder, SentenceTransformerEmbedder

    return SentenceTransformerEmbedder() if kind == "minilm" else HashingEmbedder(384)


def du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def rss_mb() -> float:
    """This process's peak RSS. Not `ru_maxrss`: on Linux a child inherits its parent's figure across exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- serving process ----------------------------------------------------------
def serve(data: str, kind: str) -> dict:
    from bot.pipeline import answer
    from vectorstore.index import PolicyIndex

    emb = make_embedder(kind)
    emb.embed(["warm the model up"])
    t = time.perf_counter()
    ix = PolicyIndex(data, emb)
    opened = time.perf_counter() - t
    t = time.perf_counter()
    ix.search(QUESTIONS[0], k=5)
    first = time.perf_counter() - t
    ix.search(QUESTIONS[0], k=5, policy=SPECIMEN_POLICY)
    answer(QUESTIONS[1], index=ix)
    answer(QUESTIONS[1], index=ix, policy=SPECIMEN_POLICY)
    res: dict = {"open_s": opened, "first_search_s": first}
    for label, scope in (("all", {}), ("policy", {"policy": SPECIMEN_POLICY})):
        lat = []
        for _ in range(3):
            for q in QUESTIONS:
                t = time.perf_counter()
                ix.search(q, k=5, **scope)
                lat.append((time.perf_counter() - t) * 1000)
        res[f"search_{label}"] = (statistics.median(lat), pct(lat, 0.95))
        lat = []
        for q in QUESTIONS:
            t = time.perf_counter()
            answer(q, index=ix, **scope)
            lat.append((time.perf_counter() - t) * 1000)
        res[f"answer_{label}"] = (statistics.median(lat), pct(lat, 0.95))
    res["rss_mb"] = rss_mb()
    return res


# -- the LangChain recipe -------------------------------------------------------
class Recipe:
    """The plain recipe, grown alongside our index: 1000/200 character chunks, the same embedder,
    LangChain's InMemoryVectorStore, and Chroma queried directly (what langchain-chroma would call)."""

    def __init__(self, emb, root: Path) -> None:
        import chromadb
        from chromadb.config import Settings
        from langchain_core.embeddings import Embeddings
        from langchain_core.vectorstores import InMemoryVectorStore
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        ready: dict[str, list[float]] = {}  # vectors computed once, handed to both stores

        class Wrapped(Embeddings):
            def embed_documents(self, texts):
                missing = [t for t in texts if t not in ready]
                if missing:
                    ready.update(zip(missing, emb.embed(missing).tolist()))
                return [ready[t] for t in texts]

            def embed_query(self, text):
                return emb.embed([text])[0].tolist()

        self.emb, self.ready, self.root = emb, ready, root
        self.splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
        self.store = InMemoryVectorStore(Wrapped())
        self.col = chromadb.PersistentClient(str(root / "recipe"), settings=Settings(anonymized_telemetry=False)).create_collection(
            "recipe", embedding_function=None, metadata={"hnsw:space": "cosine"})
        self.chunks = 0
        self.build_s = 0.0

    def add(self, items) -> None:
        t = time.perf_counter()
        for path, policy, _ in items:
            docs = self.splitter.create_documents([text_of(path, self.root / "texts")], metadatas=[{"policy": policy}])
            for i in range(0, len(docs), 256):
                part = docs[i : i + 256]
                vecs = self.emb.embed([d.page_content for d in part])
                self.ready.update(zip((d.page_content for d in part), vecs.tolist()))
                self.store.add_documents(part)
                self.ready.clear()
                self.col.add(ids=[f"{self.chunks + j}" for j in range(len(part))], embeddings=vecs,
                             documents=[d.page_content for d in part], metadatas=[d.metadata for d in part])
                self.chunks += len(part)
        self.build_s += time.perf_counter() - t

    def measure(self) -> dict:
        lat, clat = [], []
        for _ in range(2):
            for q in QUESTIONS:
                t = time.perf_counter()
                self.store.similarity_search(q, k=5)
                lat.append((time.perf_counter() - t) * 1000)
                t = time.perf_counter()
                self.col.query(query_embeddings=self.emb.embed([q]), n_results=5, include=["documents", "metadatas"])
                clat.append((time.perf_counter() - t) * 1000)
        return {"chunks": self.chunks, "build_s": self.build_s, "inmemory": (statistics.median(lat), pct(lat, 0.95)),
                "chroma": (statistics.median(clat), pct(clat, 0.95))}


def child(mode: str, *args: str) -> dict:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false", "ANONYMIZED_TELEMETRY": "False"}
    out = subprocess.run([sys.executable, __file__, f"--{mode}", *args], env=env, capture_output=True, text=True, check=False)
    if out.returncode:
        raise SystemExit(f"{mode} {args} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# -- building -----------------------------------------------------------------
def grow(ix, items, start: int, target: int, pages: int) -> tuple[int, int, int]:
    """Ingest `items[start:]` until `pages` ≥ target; returns (next index, pages, chunks added)."""
    chunks = 0
    i = start
    while i < len(items) and pages < target:
        path, policy, p = items[i]
        chunks += ix.ingest_file(path, policy=policy).chunks
        pages += p
        i += 1
    return i, pages, chunks


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,3000,10000")
    ap.add_argument("--minilm-pages", type=int, default=1000, help="0 skips the real model")
    ap.add_argument("--no-recipe", action="store_true")
    ap.add_argument("--serve", nargs=2, metavar=("DATA", "EMBEDDER"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.serve:
        print(json.dumps(serve(*a.serve)))
        return

    from vectorstore.index import PolicyIndex

    items = plan()
    sizes = [int(s) for s in a.sizes.split(",")]
    root = Path(tempfile.mkdtemp(prefix="pb-scale-"))
    rows = []
    print("PolicyBot index at scale: ms as p50/p95, warm, no LLM; ingest pages/s over the whole index so far.")
    print(HEADER, flush=True)
    try:
        ix = PolicyIndex(root / "hashing", make_embedder("hashing"))
        rcp = None if a.no_recipe else Recipe(make_embedder("hashing"), root)
        i, pages, chunks, total_t = 0, 0, 0, 0.0
        for size in sizes:
            t = time.perf_counter()
            start = i
            i, pages, added = grow(ix, items, i, size, pages)
            took = time.perf_counter() - t
            chunks += added
            total_t += took
            srv = child("serve", str(root / "hashing"), "hashing")
            rec = {}
            if rcp:
                rcp.add(items[start:i])
                rec = rcp.measure()
            rows.append(("hashing", pages, chunks, total_t, du(root / "hashing"), rss_mb(), srv, rec))
            print_row(rows[-1])
            print(f"hashing stage done: {pages} pages, {chunks} chunks, {total_t:.0f} s", file=sys.stderr, flush=True)
        del ix, rcp
        if a.minilm_pages:
            mx = PolicyIndex(root / "minilm", make_embedder("minilm"))
            mx.embedder.embed(["load"])
            t = time.perf_counter()
            _, pages, chunks = grow(mx, items, 0, a.minilm_pages, 0)
            took = time.perf_counter() - t
            srv = child("serve", str(root / "minilm"), "minilm")
            rec = {}  # the recipe is measured on the size curve (hashing), not again with MiniLM
            rows.append(("MiniLM", pages, chunks, took, du(root / "minilm"), rss_mb(), srv, rec))
            print_row(rows[-1])
            del mx
            print(f"MiniLM stage done: {pages} pages in {took:.0f} s", file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    report_growth(rows)


def fmt(t) -> str:
    return f"{t[0]:.1f}/{t[1]:.1f}"  # p50/p95


HEADER = ("embedder | pages | chunks | ingest pages/s | disk MB | build process peak RSS MB (index + recipe) | open s | "
          "1st search s | search all | search policy | answer all | answer policy | serving RSS MB | recipe chunks | "
          "recipe build s | recipe InMemory search | recipe Chroma search")


def print_row(row) -> None:
    emb, pages, chunks, took, disk, rss, s, r = row
    print(f"{emb} | {pages} | {chunks} | {pages / took:.1f} | {disk / 1e6:.0f} | {rss:.0f} | {s['open_s']:.2f} | {s['first_search_s']:.2f} | "
          f"{fmt(s['search_all'])} | {fmt(s['search_policy'])} | {fmt(s['answer_all'])} | {fmt(s['answer_policy'])} | {s['rss_mb']:.0f} | "
          + (f"{r['chunks']} | {r['build_s']:.0f} | {fmt(r['inmemory'])} | {fmt(r['chroma'])}" if r else "- | - | - | -"), flush=True)


def report_growth(rows) -> None:
    hashing = [r for r in rows if r[0] == "hashing"]
    if len(hashing) < 2:
        return
    a, b = hashing[0], hashing[-1]
    print(f"\ngrowth from {a[1]} to {b[1]} pages (×{b[1] / a[1]:.1f} pages, ×{b[2] / a[2]:.1f} chunks):")
    for key in ("search_all", "search_policy", "answer_all", "answer_policy"):
        print(f"  {key} p95 ×{b[6][key][1] / a[6][key][1]:.2f}")
    print(f"  serving RSS ×{b[6]['rss_mb'] / a[6]['rss_mb']:.2f}; disk ×{b[4] / a[4]:.2f}; ingest pages/s ×{(b[1] / b[3]) / (a[1] / a[3]):.2f}")
    if a[7] and b[7]:
        print(f"  recipe InMemory search p95 ×{b[7]['inmemory'][1] / a[7]['inmemory'][1]:.2f}; "
              f"recipe Chroma p95 ×{b[7]['chroma'][1] / a[7]['chroma'][1]:.2f}")


if __name__ == "__main__":
    main()
