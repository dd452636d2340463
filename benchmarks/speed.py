"""Ingest and search speed on the specimen policies: prints figures, asserts nothing.

    ./dev bench speed            (reads ../shared/corpus/cyber-policies)
"""
from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CORPUS = ROOT.parent / "shared" / "corpus" / "cyber-policies"


def main() -> None:
    from vectorstore.embedder import SentenceTransformerEmbedder
    from vectorstore.index import PolicyIndex

    pdfs = sorted(CORPUS.glob("*.pdf"))
    data = Path(tempfile.mkdtemp(prefix="pb-speed-"))
    emb = SentenceTransformerEmbedder()
    t = time.perf_counter()
    emb.embed(["warm up"])
    load = time.perf_counter() - t
    ix = PolicyIndex(data, emb)
    t = time.perf_counter()
    chunks = 0
    for p in pdfs:
        chunks += ix.ingest_file(p, policy=p.stem).chunks
    cold = time.perf_counter() - t
    t = time.perf_counter()
    for p in pdfs:
        assert ix.ingest_file(p, policy=p.stem).status == "unchanged"
    re_ingest = time.perf_counter() - t
    qs = ["does our policy require MFA on email", "ransomware sublimit", "how soon must we notify the insurer",
          "war exclusion", "business interruption waiting period", "social engineering fraud cover",
          "is a failure to patch excluded", "period of restoration", "consent before paying extortion", "retention per claim"]
    ix.search(qs[0], k=5)
    lat = []
    for _ in range(5):
        for q in qs:
            t = time.perf_counter()
            ix.search(q, k=5)
            lat.append((time.perf_counter() - t) * 1000)
    lat.sort()
    from bot.pipeline import answer

    alat = []
    for q in qs:
        t = time.perf_counter()
        answer(q, index=ix)
        alat.append((time.perf_counter() - t) * 1000)
    alat.sort()
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    t = time.perf_counter()
    subprocess.run([str(Path(sys.executable).parent / "policybot"), "search", "ransomware sublimit", "--json", "--data-dir", str(data)],
                   env=env, capture_output=True, check=True)
    cli = time.perf_counter() - t
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"files: {len(pdfs)}  chunks: {chunks}")
    print(f"model load: {load:.1f} s")
    print(f"cold ingest (all files): {cold:.1f} s")
    print(f"re-ingest unchanged: {re_ingest:.2f} s")
    print(f"warm search p50 {statistics.median(lat):.1f} ms  p95 {lat[int(0.95 * len(lat)) - 1]:.1f} ms  (in-process, {len(lat)} queries)")
    print(f"answer (no LLM) p50 {statistics.median(alat):.1f} ms  p95 {alat[int(0.95 * len(alat)) - 1]:.1f} ms")
    print(f"CLI `policybot search --json` wall time: {cli:.1f} s (includes Python and model start-up)")
    print(f"peak RSS: {rss:.0f} MB")


if __name__ == "__main__":
    main()
