"""Gap analysis = policy terms × the company's posture. One engine for reports and answers."""
from __future__ import annotations

from ingestion.terms import Term, extract_terms, terms_from_json, terms_to_json
from vectorstore.index import PolicyIndex


def policy_terms(index: PolicyIndex, doc_id: str) -> tuple[Term, ...]:
    """The structured terms of one document version: stored at ingest, or computed now and cached
    (versions ingested before terms existed, or by an older extractor)."""
    raw = index.registry.get_terms(doc_id)
    terms = terms_from_json(raw) if raw else None
    if terms is None:
        terms = extract_terms(index.chunks_of(doc_id))
        index.registry.put_terms(doc_id, terms_to_json(terms))
    return terms
