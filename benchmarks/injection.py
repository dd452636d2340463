"""Tried / held for the planted prompt-injection corpus (tests/fixtures/injection), in both answer modes.

    python benchmarks/injection.py [--minilm]

For every planted case: ingest (is the planted passage flagged and reported?), extractive answer
(is the verdict built on a clean clause, without the planted claim?), LLM answer with a fake model
that obeys the passage (does `answer()` fall back, and is the passage kept out of the prompt?), and
the reply checks alone with the model citing the planted chunk and citing a genuine clause.
Uses the hashing embedder unless --minilm is given.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CORPUS = ROOT / "tests" / "fixtures" / "injection"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--minilm", action="store_true", help="use the bundled MiniLM model instead of the hashing embedder")
    args = ap.parse_args()

    from bot.extract import query_terms
    from bot.llm import llm_outcome
    from bot.pipeline import answer
    from ingestion.injection import is_flagged
    from tests.test_llm_validation import QueueChatModel
    from vectorstore.embedder import HashingEmbedder, SentenceTransformerEmbedder
    from vectorstore.index import Hit, PolicyIndex

    embedder = SentenceTransformerEmbedder() if args.minilm else HashingEmbedder()
    cases = yaml.safe_load((CORPUS / "cases.yaml").read_text(encoding="utf-8"))
    checks = ("ingest flag + warning", "extractive verdict clean", "llm answer() not from obeying reply",
              "llm reply citing planted chunk", "llm reply citing genuine clause")
    held = {c: 0 for c in checks}
    failures: list[str] = []
    for case in cases:
        with tempfile.TemporaryDirectory() as tmp:
            ix = PolicyIndex(Path(tmp), embedder)
            rep = ix.ingest_file(CORPUS / case["file"], policy="acme", version="2026")
            chunks = ix.chunks_of(rep.doc_id)
            text = (CORPUS / case["file"]).read_text(encoding="utf-8")
            at = text.index(case["planted"])
            planted = [c for c in chunks if is_flagged(c)]
            ok = {}
            ok[checks[0]] = bool(planted) and all(is_flagged(c) for c in chunks if c.char_start <= at < c.char_end) and any(
                "addressed to an AI assistant" in w for w in rep.warnings)
            q = case["question"]
            a = answer(q, index=ix, policy="acme")
            top = ix.chunk(a.citations[0].chunk_id) if a.citations else None
            ok[checks[1]] = (top is None or not is_flagged(top)) and case["claim"].lower() not in a.summary.lower()
            obey = QueueChatModel(replies=[f"{case['claim'].rstrip('.')} [C1]."])
            b = answer(q, index=ix, policy="acme", chat_model=obey)
            sent = str(obey.prompts[0][-1].content) if obey.prompts else ""
            # Held when the obeying reply was not used (fallback, or no answer so no model call) and the
            # planted passage never reached the model.
            ok[checks[2]] = b.mode != "llm" and case["planted"][:25] not in sent
            found = ix.search(q, k=5, policy="acme", kind="policy")
            clean = [h for h in found if not is_flagged(h.chunk)][:3]
            hits = clean + [Hit(c, 0.5) for c in planted]
            df, n = ix.term_stats(policy="acme", kind="policy")
            for check, key in ((checks[3], f"C{len(clean) + 1}"), (checks[4], "C1")):
                out = llm_outcome(q, hits, QueueChatModel(replies=[f"{case['claim'].rstrip('.')} [{key}]."]), query_terms(q), df, n)
                ok[check] = not out.ok
            for c, v in ok.items():
                held[c] += v
                if not v:
                    failures.append(f"{case['file']}: {c}")
    n = len(cases)
    print(f"Planted prompt-injection corpus: {n} cases ({'MiniLM' if args.minilm else 'hashing embedder'})\n")
    print(f"| {'check':38} | tried | held |\n|{'-' * 40}|-------|------|")
    for c in checks:
        print(f"| {c:38} | {n:5} | {held[c]:4} |")
    for f in failures:
        print("not held:", f)


if __name__ == "__main__":
    main()
