"""The labelled check of term extraction: precision and recall per term kind.

Labels (`examples/terms/*.yaml`) list the terms a careful reader finds in each wording. An
extracted term is correct when a label of the same kind and key covers one of its pages; a
label is found when some extracted term matches it.
"""
from __future__ import annotations

from pathlib import Path

import yaml

from ingestion.terms import TERM_KINDS, Term
from vectorstore.index import PolicyIndex

from .gaps import policy_terms

PRECISION_AIM = 0.95  # a made-up requirement is worse than a missed one (issue 8)
RECALL_AIM = 0.85


def _document_path(label_file: Path, spec: dict, corpus_dir: Path, work_dir: Path) -> Path:
    if spec.get("source") == "sample":
        from .samples import sample_pdfs

        edition = label_file.stem.rsplit("-", 1)[-1]
        return sample_pdfs(work_dir / "samples")[edition]
    p = Path(corpus_dir) / "cyber-policies" / spec["document"]
    if not p.exists():
        raise ValueError(f"{label_file.name}: {p} not found (pass --corpus with the shared corpus folder)")
    return p


def _matches(t: Term, lab: dict) -> bool:
    pages = set(lab["pages"])
    return t.kind == lab["kind"] and t.key == str(lab["key"]) and any(p in pages for p in range(t.page_start, t.page_end + 1))


def run_terms_eval(index: PolicyIndex, labels_dir: str | Path, corpus_dir: str | Path) -> dict:
    """Ingest each labelled document (if needed), extract its terms and score them per kind."""
    per_kind = {k: {"labels": 0, "found": 0, "extracted": 0, "correct": 0} for k in TERM_KINDS}
    documents = []
    for lf in sorted(Path(labels_dir).glob("*.yaml")):
        spec = yaml.safe_load(lf.read_text(encoding="utf-8"))
        path = _document_path(lf, spec, Path(corpus_dir), Path(index.data_dir))
        rep = index.ingest_file(path, policy=f"terms-eval-{lf.stem}", version=lf.stem)
        terms = policy_terms(index, rep.doc_id)
        labels = spec.get("terms") or []
        wrong = [t for t in terms if not any(_matches(t, lab) for lab in labels)]
        missed = [lab for lab in labels if not any(_matches(t, lab) for t in terms)]
        for k in TERM_KINDS:
            kl = [lab for lab in labels if lab["kind"] == k]
            kt = [t for t in terms if t.kind == k]
            per_kind[k]["labels"] += len(kl)
            per_kind[k]["found"] += len([lab for lab in kl if lab not in missed])
            per_kind[k]["extracted"] += len(kt)
            per_kind[k]["correct"] += len([t for t in kt if t not in wrong])
        documents.append({
            "labels_file": lf.name, "document": path.name, "labels": len(labels), "extracted": len(terms),
            "false_positives": [{"kind": t.kind, "key": t.key, "page": t.page_start, "quote": " ".join(t.quote.split())[:160]} for t in wrong],
            "missed": [{"kind": lab["kind"], "key": lab["key"], "pages": lab["pages"]} for lab in missed],
        })
    for k, d in per_kind.items():
        d["precision"] = round(d["correct"] / d["extracted"], 3) if d["extracted"] else None
        d["recall"] = round(d["found"] / d["labels"], 3) if d["labels"] else None
    tot = {key: sum(d[key] for d in per_kind.values()) for key in ("labels", "found", "extracted", "correct")}
    tot["precision"] = round(tot["correct"] / tot["extracted"], 3) if tot["extracted"] else None
    tot["recall"] = round(tot["found"] / tot["labels"], 3) if tot["labels"] else None
    return {"per_kind": per_kind, "overall": tot, "documents": documents,
            "aims": {"precision": PRECISION_AIM, "recall": RECALL_AIM}}


def render_terms_eval(report: dict, verbose: bool = False) -> str:
    """A plain-text table: precision and recall per term kind, then per document."""
    out = ["Term extraction against labelled wordings", "",
           f"{'kind':<12} {'labels':>6} {'found':>6} {'extracted':>9} {'correct':>7} {'precision':>9} {'recall':>7}"]
    rows = list(report["per_kind"].items()) + [("ALL", report["overall"])]
    for k, d in rows:
        p = "—" if d["precision"] is None else f"{d['precision']:.3f}"
        r = "—" if d["recall"] is None else f"{d['recall']:.3f}"
        out.append(f"{k:<12} {d['labels']:>6} {d['found']:>6} {d['extracted']:>9} {d['correct']:>7} {p:>9} {r:>7}")
    aims = report["aims"]
    out += ["", f"Aims: precision ≥ {aims['precision']}, recall ≥ {aims['recall']}.", ""]
    for doc in report["documents"]:
        out.append(f"{doc['labels_file']}: {doc['labels']} labels, {doc['extracted']} extracted, "
                   f"{len(doc['false_positives'])} not in the labels, {len(doc['missed'])} missed")
        if verbose:
            out += [f"   + {f['kind']} {f['key']} p. {f['page']}: {f['quote']}" for f in doc["false_positives"]]
            out += [f"   - {m['kind']} {m['key']} pp. {m['pages']}" for m in doc["missed"]]
    return "\n".join(out) + "\n"
