"""`policybot eval`: run the golden questions through the answer pipeline and score the citations."""
from __future__ import annotations

import re
import statistics
import time
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, model_validator

from ingestion.readers import read_document
from vectorstore.index import PolicyIndex, Progress

from .pipeline import answer
from .samples import sample_pdfs


class GoldenDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")
    policy: str
    sample: str | None = None  # an edition of our sample policy
    corpus: str | None = None  # a path under the shared corpus folder
    version: str | None = None


class GoldenQuestion(BaseModel):
    model_config = ConfigDict(extra="forbid")
    q: str
    policy: str
    answerable: bool = True
    pages: list[int] = []
    evidence: list[str] = []
    type: str = "other"

    @model_validator(mode="after")
    def _needs_evidence(self):
        if self.answerable and not (self.pages and self.evidence):
            raise ValueError(f"answerable question needs pages and evidence: {self.q!r}")
        return self


class Golden(BaseModel):
    model_config = ConfigDict(extra="forbid")
    documents: list[GoldenDoc]
    questions: list[GoldenQuestion]


def _norm(text: str) -> str:
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    return re.sub(r"\s+", " ", text).strip().lower()


def load_golden(path: str | Path) -> Golden:
    return Golden.model_validate(yaml.safe_load(Path(path).read_text(encoding="utf-8")))


def index_golden_documents(golden: Golden, corpus_dir: Path, index: PolicyIndex, progress: Progress | None = None) -> list[str]:
    """Index what the golden set needs; returns the corpus files that were missing (their questions are skipped)."""
    missing = []
    samples = sample_pdfs(index.data_dir / "samples")
    for i, d in enumerate(golden.documents):
        if progress:
            progress(i, len(golden.documents), f"indexing {d.policy}")
        path = samples[d.sample] if d.sample else corpus_dir / d.corpus
        if not path.exists():
            missing.append(str(path))
            continue
        index.ingest_file(path, policy=d.policy, version=d.version)
    return missing


def run_eval(golden_path: str | Path, corpus_dir: str | Path, index: PolicyIndex, progress: Progress | None = None) -> dict:
    """Score every golden question; returns the figures as a dict (see `render_report`).
    `progress` hears of each document indexed and each question answered."""
    golden = load_golden(golden_path)
    corpus_dir = Path(corpus_dir)
    missing = index_golden_documents(golden, corpus_dir, index, progress)
    available = set(index.policies())
    questions = [q for q in golden.questions if q.policy in available]
    doc_text: dict[str, str] = {}

    def verbatim(chunk_id: str, quote: str) -> bool:
        chunk = index.chunk(chunk_id)
        if chunk is None:
            return False
        if chunk.doc_id not in doc_text:
            rec = index.registry.document(chunk.doc_id)
            data = (index.data_dir / rec.stored_path).read_bytes()
            doc_text[chunk.doc_id] = _norm(read_document(Path(rec.file_name), max_bytes=len(data) + 1, data=data).text)
        return _norm(quote) in doc_text[chunk.doc_id]

    for pol in dict.fromkeys(q.policy for q in questions):  # warm the model and each policy's lexical index
        answer("warm-up question about notice", index=index, policy=pol)
    rows, latencies = [], []
    for i, g in enumerate(questions):
        if progress:
            progress(i, len(questions), "answering")
        t = time.perf_counter()
        a = answer(g.q, index=index, policy=g.policy)
        latencies.append((time.perf_counter() - t) * 1000)
        evidence = [_norm(e) for e in g.evidence]
        hit = any(any(e in _norm(c.quote) for e in evidence) and (c.page_start in g.pages or c.page_end in g.pages) for c in a.citations)
        fabricated = sum(not verbatim(c.chunk_id, c.quote) for c in a.citations + a.related)
        rows.append({"q": g.q, "policy": g.policy, "type": g.type if g.answerable else "unanswerable",
                     "answerable": g.answerable, "answered": a.answered, "hit": hit if g.answerable else None,
                     "fabricated": fabricated, "summary": a.summary,
                     "cited": [f"p. {c.page_start} {c.quote[:80]}" for c in a.citations]})
    answerable = [r for r in rows if r["answerable"]]
    per_type: dict[str, dict] = {}
    for r in answerable:
        t = per_type.setdefault(r["type"], {"n": 0, "hits": 0})
        t["n"] += 1
        t["hits"] += int(r["hit"])
    latencies.sort()
    return {
        "questions": len(rows),
        "unanswerable": len(rows) - len(answerable),
        "skipped_missing_documents": missing,
        "citation_hit_rate": sum(r["hit"] for r in answerable) / max(1, len(answerable)),
        "abstention_accuracy": sum(r["answered"] == r["answerable"] for r in rows) / max(1, len(rows)),
        "false_abstentions": sum(r["answerable"] and not r["answered"] for r in rows),
        "false_answers": sum(not r["answerable"] and r["answered"] for r in rows),
        "fabricated_citations": sum(r["fabricated"] for r in rows),
        "per_clause_type": {k: v["hits"] / v["n"] for k, v in sorted(per_type.items())},
        "latency_ms_p50": statistics.median(latencies),
        "latency_ms_p95": latencies[max(0, int(round(0.95 * len(latencies))) - 1)],
        "rows": rows,
    }


def render_report(r: dict) -> str:
    lines = [
        f"questions: {r['questions']} ({r['unanswerable']} not answerable from the policy)",
        f"citation hit rate: {r['citation_hit_rate']:.3f}   (target >= 0.9)",
        f"abstention accuracy: {r['abstention_accuracy']:.3f}   (target >= 0.9; {r['false_abstentions']} false abstentions, {r['false_answers']} false answers)",
        f"fabricated citations: {r['fabricated_citations']}   (target 0)",
        "per clause type: " + ", ".join(f"{k} {v:.2f}" for k, v in r["per_clause_type"].items()),
        f"answer latency without LLM: p50 {r['latency_ms_p50']:.0f} ms, p95 {r['latency_ms_p95']:.0f} ms",
    ]
    if r["skipped_missing_documents"]:
        lines.append("skipped (documents not found): " + ", ".join(r["skipped_missing_documents"]))
    misses = [x for x in r["rows"] if (x["answerable"] and not x["hit"]) or (x["answered"] != x["answerable"])]
    if misses:
        lines.append("\nmisses:")
        for x in misses:
            lines.append(f"- [{x['policy']}] {x['q']} -> {x['summary'][:100]} {x['cited'][:2]}")
    return "\n".join(lines) + "\n"
