"""`policybot eval`: run evaluation questions through the answer pipeline and score them.

Question files (YAML, validated here because people write them):
- `examples/golden.yaml`: the first golden set, written from the clauses;
- `examples/eval/dev/*.yaml` and `examples/eval/test/*.yaml`: questions written from situations, in users'
  words, split by a hash of their id before any tuning. Tune on dev; report test.
"""
from __future__ import annotations

import math
import re
import statistics
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, model_validator

from ingestion.readers import read_document
from vectorstore.index import PolicyIndex

from .pipeline import (DEFAULT_TUNING, Tuning, _cosines, absent_key, answer, candidates, features, question_terms, ranker_features,
                       retrieve, wanted_types)
from .ranker import fit_ranker, ranker_from
from .samples import sample_pdfs

VERDICTS = ("yes", "no", "depends", "figure", "not_addressed")
RETRIEVERS = {"dense": (1.0, 0.0), "lexical": (0.0, 1.0), "fused": (None, None)}


class EvalDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")
    policy: str
    sample: str | None = None  # an edition of our sample policy
    corpus: str | None = None  # a path under the shared corpus folder
    version: str | None = None


class EvalPart(BaseModel):
    """One sub-question of a multi-part question; a part the policy does not address has no pages."""

    model_config = ConfigDict(extra="forbid")
    pages: list[int] = []
    evidence: list[str] = []
    verdict: str | None = None
    figure: str | None = None
    checked_absent: list[str] = []


class EvalQuestion(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = ""
    q: str
    policy: str
    version: str | None = None  # an edition other than the active one ("last year's wording")
    style: str = "golden"
    answerable: bool = True
    verdict: str | None = None
    type: str = "other"
    pages: list[int] = []
    evidence: list[str] = []
    figure: str | None = None
    parts: list[EvalPart] = []
    checked_absent: list[str] = []

    @model_validator(mode="after")
    def _consistent(self):
        if self.answerable and not (self.pages and self.evidence):
            raise ValueError(f"answerable question needs pages and evidence: {self.q!r}")
        if self.verdict is not None and self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {', '.join(VERDICTS)}: {self.q!r}")
        if not self.answerable and self.verdict not in (None, "not_addressed"):
            raise ValueError(f"an unanswerable question's verdict is not_addressed: {self.q!r}")
        return self


class EvalSet(BaseModel):
    model_config = ConfigDict(extra="forbid")
    documents: list[EvalDoc]
    questions: list[EvalQuestion]


def load_eval(paths: Path | Sequence[Path]) -> EvalSet:
    """One question set from one file, or from several files merged (documents de-duplicated)."""
    paths = [paths] if isinstance(paths, Path) else list(paths)
    docs: dict[tuple, EvalDoc] = {}
    questions: list[EvalQuestion] = []
    for p in paths:
        s = EvalSet.model_validate(yaml.safe_load(Path(p).read_text(encoding="utf-8")))
        for d in s.documents:
            docs.setdefault((d.policy, d.sample, d.corpus, d.version), d)
        questions += s.questions
    return EvalSet(documents=list(docs.values()), questions=questions)


def eval_sets(golden: Path, eval_dir: Path, splits: Sequence[str] = ("dev", "test", "golden")) -> dict[str, list[Path]]:
    """The question files of each split that exists."""
    out: dict[str, list[Path]] = {}
    for s in splits:
        files = [golden] if s == "golden" else sorted((eval_dir / s).glob("*.yaml"))
        files = [f for f in files if f.exists()]
        if files:
            out[s] = files
    return out


def norm(text: str) -> str:
    """Lower-case, straight quotes, hyphenated line breaks joined, whitespace collapsed."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    text = re.sub(r"(\w)-\s*\n\s*(\w)", r"\1\2", text)
    return re.sub(r"\s+", " ", text).strip().lower()


def index_documents(docs: Sequence[EvalDoc], corpus_dir: Path, index: PolicyIndex) -> list[str]:
    """Index what a question set needs; returns the corpus files that were missing (their questions are skipped)."""
    missing = []
    samples = sample_pdfs(index.data_dir / "samples") if any(d.sample for d in docs) else {}
    for d in docs:
        path = samples[d.sample] if d.sample else corpus_dir / d.corpus
        if not path.exists():
            missing.append(str(path))
            continue
        index.ingest_file(path, policy=d.policy, version=d.version, effective_date=f"{d.sample}-03-01" if d.sample else "")
    return missing


def _matches(text: str, pages: Sequence[int], page_start: int, page_end: int, evidence: Sequence[str]) -> bool:
    """A clause is the right one when it lies on a gold page and holds an evidence phrase
    (or, for a phrase cut by a chunk boundary, the first or last two thirds of it)."""
    if not any(page_start <= p <= page_end for p in pages):
        return False
    t = norm(text)
    for e in evidence:
        e = norm(e)
        if e in t:
            return True
        words = e.split()
        if len(words) >= 9:  # shorter phrases must match whole: their two thirds say too little
            cut = (2 * len(words)) // 3
            if " ".join(words[:cut]) in t or " ".join(words[-cut:]) in t:
                return True
    return False


def _targets(g: EvalQuestion) -> list[tuple[list[int], list[str]]]:
    return [(p.pages, p.evidence) for p in g.parts if p.evidence] or [(g.pages, g.evidence)]


@dataclass(frozen=True)
class Row:
    """One question's outcome."""

    split: str
    id: str
    q: str
    policy: str
    style: str
    type: str
    answerable: bool
    answered: bool
    cited_right: bool
    quote_right: bool
    verdict_gold: str | None
    verdict: str
    verdict_right: bool | None
    confidence: float
    ranks: dict  # retriever -> 1-based rank of the first right clause, 0 = not in the top 10
    fabricated: int
    latency_ms: float
    summary: str
    cited: tuple[str, ...]


def _verdict_right(g: EvalQuestion, a) -> bool | None:
    gold = g.verdict or (None if g.answerable else "not_addressed")
    if gold is None:
        return None
    if gold == "not_addressed":
        return not a.answered
    if not a.answered:
        return False
    if g.parts:
        # each sub-question needs its own right verdict; an answer split otherwise (or not at all) is right only when its
        # one verdict is right for every part (all "yes", every figure stated)
        if len(a.parts) != len(g.parts):
            return all(p.verdict is not None and p.verdict != "not_addressed" and _one_verdict(p.verdict, a.verdict, p.figure, a.summary)
                       for p in g.parts)
        return all(p.verdict is None or (not s.answered if p.verdict == "not_addressed" else s.answered and _one_verdict(p.verdict, s.verdict, p.figure, s.summary))
                   for p, s in zip(g.parts, a.parts))
    return _one_verdict(gold, a.verdict, g.figure, a.summary)


def _one_verdict(gold: str, got: str, figure: str | None, summary: str) -> bool:
    if gold == "figure":
        return got == "figure" and (not figure or _figure_in(figure, summary))
    return gold == got


def _figure_in(figure: str, text: str) -> bool:
    digits = re.findall(r"\d[\d,.]*", figure)
    t = norm(text)
    # a whole number, not part of another: "6 years" is not found in "60 days"
    return (all(re.search(rf"(?<![\d.,]){re.escape(d.rstrip('.,'))}(?![\d]|[.,]\d)", t) for d in digits) if digits
            else norm(figure) in t)


def run_eval(
    sets: dict[str, list[Path]] | Path,
    corpus_dir: str | Path,
    index: PolicyIndex,
    *,
    tuning: Tuning = DEFAULT_TUNING,
    progress: Callable[[int, int, str], None] | None = None,
    with_retrieval: bool = True,
) -> dict:
    """Score every question of every split; returns the figures (see `render_report`).

    `sets` maps a split name to its question files (a single path is the old golden-set form)."""
    if isinstance(sets, (str, Path)):
        sets = {"golden": [Path(sets)]}
    corpus_dir = Path(corpus_dir)
    loaded = {name: load_eval(files) for name, files in sets.items()}
    all_docs = {(d.policy, d.sample, d.corpus, d.version): d for s in loaded.values() for d in s.documents}
    missing = index_documents(list(all_docs.values()), corpus_dir, index)
    available = set(index.policies())
    doc_text: dict[str, str] = {}

    def verbatim(chunk_id: str, quote: str) -> bool:
        chunk = index.chunk(chunk_id)
        if chunk is None:
            return False
        if chunk.doc_id not in doc_text:
            rec = index.registry.document(chunk.doc_id)
            data = (index.data_dir / rec.stored_path).read_bytes()
            doc_text[chunk.doc_id] = norm(read_document(Path(rec.file_name), max_bytes=len(data) + 1, data=data).text)
        return norm(quote) in doc_text[chunk.doc_id]

    for pol in sorted({q.policy for s in loaded.values() for q in s.questions} & available):
        answer("warm-up question about notice", index=index, policy=pol, tuning=tuning)
    todo = [(name, g) for name, s in loaded.items() for g in s.questions if g.policy in available]
    rows: list[Row] = []
    for i, (split, g) in enumerate(todo, 1):
        t = time.perf_counter()
        a = answer(g.q, index=index, policy=g.policy, version=g.version, tuning=tuning)
        latency = (time.perf_counter() - t) * 1000
        targets = _targets(g)

        def right(chunk_id: str, tgt) -> bool:
            c = index.chunk(chunk_id)
            return c is not None and _matches(c.text, tgt[0], c.page_start, c.page_end, tgt[1])

        cited_right = g.answerable and a.answered and all(any(right(c.chunk_id, tgt) for c in a.citations) for tgt in targets)
        quote_right = g.answerable and any(
            any(norm(e) in norm(c.quote) for e in g.evidence) and any(c.page_start <= p <= c.page_end for p in g.pages) for c in a.citations)
        ranks: dict[str, int] = {}
        if with_retrieval and g.answerable:
            for name, (dw, lw) in RETRIEVERS.items():
                hits = retrieve(g.q, index=index, policy=g.policy, version=g.version, tuning=tuning, k=10, dense_weight=dw, lexical_weight=lw)
                ranks[name] = next((r for r, h in enumerate(hits, 1) if any(
                    _matches(h.chunk.text, tg[0], h.chunk.page_start, h.chunk.page_end, tg[1]) for tg in targets)), 0)
        fabricated = sum(not verbatim(c.chunk_id, c.quote) for c in a.citations + a.related)
        rows.append(Row(split, g.id, g.q, g.policy, g.style, g.type if g.answerable else "unanswerable", g.answerable, a.answered,
                        bool(cited_right), bool(quote_right), g.verdict or (None if g.answerable else "not_addressed"), a.verdict,
                        _verdict_right(g, a), a.confidence, ranks, fabricated, latency, a.summary,
                        tuple(f"p. {c.page_start} {c.quote[:90]}" for c in a.citations)))
        if progress:
            progress(i, len(todo), split)
    return {
        "skipped_missing_documents": missing,
        "splits": {name: summarize([r for r in rows if r.split == name]) for name in loaded},
        "rows": [r.__dict__ for r in rows],
    }


def _rate(xs: Sequence[bool]) -> float | None:
    return sum(xs) / len(xs) if xs else None


def _pct(xs: Sequence[float], q: float) -> float:
    xs = sorted(xs)
    return xs[max(0, int(math.ceil(q * len(xs))) - 1)] if xs else 0.0


def summarize(rows: Sequence[Row]) -> dict:
    """The figures of one split."""
    ans = [r for r in rows if r.answerable]
    una = [r for r in rows if not r.answerable]
    abstained = [r for r in rows if not r.answered]
    retrieval = {}
    for name in RETRIEVERS:
        rk = [r.ranks.get(name, 0) for r in ans if r.ranks]
        if rk:
            retrieval[name] = {"hit@1": _rate([x == 1 for x in rk]), "hit@5": _rate([0 < x <= 5 for x in rk]),
                               "mrr": sum(1 / x for x in rk if x) / len(rk)}

    def by(key: str) -> dict:
        out = {}
        for v in sorted({getattr(r, key) for r in rows}):
            rs = [r for r in rows if getattr(r, key) == v]
            a = [r for r in rs if r.answerable]
            out[v] = {"n": len(rs), "cited_right": _rate([r.cited_right for r in a]),
                      "verdict_right": _rate([r.verdict_right for r in rs if r.verdict_right is not None]),
                      "abstained_right": _rate([not r.answered for r in rs if not r.answerable])}
        return out

    curve = []
    for th in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        pred_na = [r for r in rows if r.confidence < th]
        curve.append({"threshold": th,
                      "not_addressed_precision": _rate([not r.answerable for r in pred_na]),
                      "not_addressed_recall": _rate([r.confidence < th for r in una])})
    lat = [r.latency_ms for r in rows]
    return {
        "questions": len(rows), "answerable": len(ans), "unanswerable": len(una),
        "cited_right": _rate([r.cited_right for r in ans]),
        "quote_right": _rate([r.quote_right for r in ans]),
        "verdict_right": _rate([r.verdict_right for r in rows if r.verdict_right is not None]),
        "abstention_precision": _rate([not r.answerable for r in abstained]),
        "abstention_recall": _rate([not r.answered for r in una]),
        "false_abstentions": sum(r.answerable and not r.answered for r in rows),
        "false_answers": sum(not r.answerable and r.answered for r in rows),
        "fabricated_quotes": sum(r.fabricated for r in rows),
        "retrieval": retrieval,
        "by_style": by("style"),
        "by_type": by("type"),
        "threshold_curve": curve,
        "latency_ms_p50": statistics.median(lat) if lat else 0.0,
        "latency_ms_p95": _pct(lat, 0.95),
    }


def _f(x) -> str:
    return "  —  " if x is None else f"{x:.3f}"


def render_report(r: dict, *, show_misses_for: Sequence[str] = ("dev", "golden")) -> str:
    """The figures as text. Misses are listed only for the splits one may tune on (never test)."""
    out = []
    for name, s in r["splits"].items():
        out += [f"== {name}: {s['questions']} questions ({s['unanswerable']} not addressed by the policy) ==",
                f"right clause cited: {_f(s['cited_right'])}   (quote holds the evidence: {_f(s['quote_right'])})",
                f"verdict right: {_f(s['verdict_right'])}",
                f"'not addressed': precision {_f(s['abstention_precision'])}, recall {_f(s['abstention_recall'])} "
                f"({s['false_abstentions']} false abstentions, {s['false_answers']} false answers)",
                f"fabricated quotes: {s['fabricated_quotes']}",
                f"latency without LLM: p50 {s['latency_ms_p50']:.0f} ms, p95 {s['latency_ms_p95']:.0f} ms",
                "retrieval (right clause in the top k):"]
        for ret, m in s["retrieval"].items():
            out.append(f"  {ret:8s} hit@1 {_f(m['hit@1'])}  hit@5 {_f(m['hit@5'])}  MRR {_f(m['mrr'])}")
        for key, title in (("by_style", "by style"), ("by_type", "by clause type")):
            out.append(f"{title}:")
            for v, m in s[key].items():
                out.append(f"  {v:13s} n={m['n']:3d}  cited {_f(m['cited_right'])}  verdict {_f(m['verdict_right'])}  abstained-right {_f(m['abstained_right'])}")
        out.append("threshold → 'not addressed' precision / recall:")
        out.append("  " + "  ".join(f"{c['threshold']:.1f}: {_f(c['not_addressed_precision'])}/{_f(c['not_addressed_recall'])}" for c in s["threshold_curve"]))
        out.append("")
    if r["skipped_missing_documents"]:
        out.append("skipped (documents not found): " + ", ".join(r["skipped_missing_documents"]))
    misses = [x for x in r["rows"] if x["split"] in show_misses_for and (
        (x["answerable"] and not x["cited_right"]) or x["answered"] != x["answerable"] or x["verdict_right"] is False)]
    if misses:
        out.append("misses (tunable splits only):")
        for x in misses:
            out.append(f"- [{x['split']} {x['policy']} {x['style']}] {x['q']}\n    -> {x['verdict']}/{x['verdict_gold']} conf {x['confidence']:.2f} "
                       f"ranks {x['ranks']} {x['summary'][:90]} {list(x['cited'][:1])}")
    return "\n".join(out) + "\n"


# -- fitting the answer decision on dev ---------------------------------------------------------------
def candidate_table(sets: dict[str, list[Path]], index: PolicyIndex, tuning: Tuning = DEFAULT_TUNING, split: str = "dev") -> list[tuple[str, dict, bool, bool]]:
    """(question id, features, is the right clause, question answerable) for every candidate of every dev question."""
    s = load_eval(sets[split])
    available = set(index.policies())
    out = []
    for g in s.questions:
        if g.policy not in available:
            continue
        qt, cands = candidates(g.q, index=index, policy=g.policy, tuning=tuning, version=g.version)
        wants = wanted_types(g.q)
        df, _ = index.term_stats(policy=g.policy, kind="policy")
        absent = absent_key(qt, df)
        for c in cands:
            ch = c.hit.chunk
            ok = g.answerable and any(_matches(ch.text, tg[0], ch.page_start, ch.page_end, tg[1]) for tg in _targets(g))
            out.append((g.id or g.q, features(c.evidence, c.hit, c.cosine, wants, absent), ok, g.answerable))
    return out


def fit_logistic(table: Sequence[tuple[str, dict, bool, bool]], names: Sequence[str], *, l2: float = 0.01, steps: int = 3000, lr: float = 0.5) -> tuple[float, dict[str, float]]:
    """Logistic regression (batch gradient descent with a small L2 penalty) of 'right clause' on the features."""
    import numpy as np

    X = np.array([[f[n] for n in names] for _, f, _, _ in table], dtype=float)
    y = np.array([ok for _, _, ok, _ in table], dtype=float)
    mu, sd = X.mean(0), X.std(0) + 1e-9
    Z = (X - mu) / sd
    w, b = np.zeros(len(names)), 0.0
    pos = max(y.mean(), 1e-3)
    sw = np.where(y > 0, 0.5 / pos, 0.5 / (1 - pos))  # balance the rare right clauses against the many wrong ones
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(Z @ w + b)))
        g = (p - y) * sw
        w -= lr * (Z.T @ g / len(y) + l2 * w)
        b -= lr * g.mean()
    raw_w = w / sd
    raw_b = b - float((w * mu / sd).sum())
    return float(raw_b), {n: float(v) for n, v in zip(names, raw_w)}


def choose_threshold(table: Sequence[tuple[str, dict, bool, bool]], bias: float, weights: dict[str, float], cited: int = 3) -> tuple[float, list[dict]]:
    """The threshold on the best candidate's score that maximises right outcomes on dev: an answerable question
    answered with its right clause among the `cited` best-ranked, or an unanswerable one declined."""
    per_q: dict[str, list[tuple[float, bool, bool]]] = {}
    for qid, f, ok, answerable in table:
        z = bias + sum(weights[n] * f[n] for n in weights)
        per_q.setdefault(qid, []).append((1 / (1 + math.exp(-max(-30, min(30, z)))), ok, answerable))
    best = {q: (max(p for p, _, _ in cs), any(ok for _, ok, _ in sorted(cs, key=lambda c: -c[0])[:cited]), cs[0][2])
            for q, cs in per_q.items()}
    curve = []
    for th in [x / 100 for x in range(5, 96, 5)]:
        right = sum((p >= th and ok) or (p < th and not answerable) for p, ok, answerable in best.values()) / max(1, len(best))
        curve.append({"threshold": th, "right": right,
                      "answered_unanswerable": sum(p >= th and not a for p, _, a in best.values()),
                      "declined_answerable": sum(p < th and a for p, _, a in best.values())})
    top = max(curve, key=lambda c: (c["right"], -abs(c["threshold"] - 0.5)))
    return top["threshold"], curve


def ranker_table(sets: dict[str, list[Path]], index: PolicyIndex, tuning: Tuning, depth: int, split: str = "dev") -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(question file, ranker features, is-the-right-clause) for the fused top `depth` of every answerable question."""
    fused = replace(tuning, ranker=None)
    available = set(index.policies())
    out = []
    for path in sets[split]:
        for g in load_eval([path]).questions:
            if not g.answerable or g.policy not in available:
                continue
            qt = question_terms(g.q, index, g.policy, index.term_stats(policy=g.policy, kind="policy")[0])
            qv = index.embed_query(g.q)
            hits = retrieve(g.q, index=index, policy=g.policy, qt=qt, tuning=fused, k=depth, query_vector=qv, version=g.version)
            if not hits:
                continue
            x = ranker_features(g.q, hits, _cosines(index, qv, hits), qt, index, g.policy, tuning.reading)
            y = np.array([any(_matches(h.chunk.text, t[0], h.chunk.page_start, h.chunk.page_end, t[1]) for t in _targets(g)) for h in hits])
            out.append((path.stem, x, y))
    return out


def ranker_cv(table: Sequence[tuple[str, np.ndarray, np.ndarray]], depth: int, weight: float) -> dict[str, dict[str, float]]:
    """Hit@1/3/5 of the fused order, of trees fitted without each question file and scored on that file, and of the
    fused score plus `weight` times those trees' log-odds (as retrieval ranks): each file is a set written blind by
    one author, as the questions the ranker will meet are."""

    def first_right(score: np.ndarray, y: np.ndarray) -> int:
        order = np.argsort(-score, kind="stable")
        return next((i + 1 for i, j in enumerate(order) if y[j]), 0)

    ranks: dict[str, list[int]] = {"fused": [], "trees": [], "blended": []}
    for held in sorted({f for f, _, _ in table}):
        r = ranker_from(fit_ranker([(x, y) for f, x, y in table if f != held], depth, ""))
        for f, x, y in table:
            if f == held:
                fused, trees = x[:, r.names.index("score")], r.scores(x)
                ranks["fused"].append(first_right(fused, y))
                ranks["trees"].append(first_right(trees, y))
                ranks["blended"].append(first_right(fused + weight * trees, y))
    return {name: {f"hit@{k}": round(float(np.mean([0 < x <= k for x in rs])), 3) for k in (1, 3, 5)} for name, rs in ranks.items()}
