"""The versioned index: idempotent ingest, supersession, atomic re-index, model binding, search filters."""
import json

import pytest

from ingestion.errors import CorruptPDFError, NotAPDFError
from vectorstore.embedder import HashingEmbedder
from vectorstore.index import ModelMismatchError, PolicyIndex, UnknownPolicyError


def test_reingest_unchanged_embeds_nothing(index, sample_pdfs, hashing):
    r1 = index.ingest_file(sample_pdfs["2025"], policy="nw")
    assert r1.status == "indexed" and r1.version == "v1" and r1.chunks > 40
    before = hashing.embedded
    r2 = index.ingest_file(sample_pdfs["2025"], policy="nw")
    assert r2.status == "unchanged" and hashing.embedded == before


def test_new_version_supersedes_old(index, sample_pdfs):
    index.ingest_file(sample_pdfs["2025"], policy="nw", version="2025")
    r = index.ingest_file(sample_pdfs["2026"], policy="nw", version="2026")
    assert r.superseded
    q = "Cyber Extortion and Ransomware Sublimit in the aggregate including any ransom payment"
    hits = index.search(q, k=3, policy="nw", clause_types=["limit"])
    assert hits and all(h.chunk.version == "2026" for h in hits)
    assert "$250,000" in hits[0].chunk.text
    old = index.search(q, k=3, policy="nw", version="2025", clause_types=["limit"])
    assert "$500,000" in old[0].chunk.text
    statuses = {d.version: d.status for d in index.documents()if d.policy == "nw"}
    assert statuses == {"2025": "superseded", "2026": "active"}


def test_failed_reindex_leaves_previous_version_answering(tmp_path, sample_pdfs):
    emb = HashingEmbedder()
    ix = PolicyIndex(tmp_path / "d", emb)
    ix.ingest_file(sample_pdfs["2025"], policy="nw")
    emb.fail_after = emb.embedded + 10  # dies in the middle of the next file
    with pytest.raises(RuntimeError):
        ix.ingest_file(sample_pdfs["2026"], policy="nw", version="2026")
    assert [(d.version, d.status) for d in ix.documents() if d.policy == "nw"] == [("v1", "active")]
    hits = ix.search("ransomware sublimit", k=5, policy="nw", include_superseded=True)
    assert hits and all(h.chunk.version == "v1" for h in hits)
    # no half-written vectors are left in Chroma
    metas = ix.collection.get(include=["metadatas"])["metadatas"]
    assert {m["version"] for m in metas} == {"v1"}
    # a reopened index sees the same
    emb.fail_after = None
    assert PolicyIndex(tmp_path / "d", emb).search("ransomware", k=1, policy="nw")[0].chunk.version == "v1"


def test_bad_files_change_nothing(index, tmp_path, sample_pdfs):
    index.ingest_file(sample_pdfs["2025"], policy="nw")
    gen = index.registry.generation()
    bad = tmp_path / "renewal.pdf"
    bad.write_bytes(b"%PDF-1.5 truncated")
    with pytest.raises(CorruptPDFError):
        index.ingest_file(bad, policy="nw")
    notpdf = tmp_path / "renewal2.pdf"
    notpdf.write_text("just text")
    with pytest.raises(NotAPDFError):
        index.ingest_file(notpdf, policy="nw")
    assert index.registry.generation() == gen
    assert len(index.documents()) == 1


def test_collection_bound_to_its_model(tmp_path, sample_pdfs):
    ix = PolicyIndex(tmp_path / "d", HashingEmbedder(256))
    ix.ingest_file(sample_pdfs["2025"], policy="nw")
    other = PolicyIndex(tmp_path / "d", HashingEmbedder(128))
    with pytest.raises(ModelMismatchError, match="policybot reindex"):
        other.search("mfa", policy="nw")
    assert other.reindex() == 1
    assert other.search("multi-factor authentication email", k=1, policy="nw")[0].chunk.page_start == 9


def test_filters_kind_clause_type_and_unknown_policy(index, sample_pdfs):
    index.ingest_file(sample_pdfs["2026"], policy="nw")
    index.ingest_guidance()
    g = index.search("multi-factor authentication", k=3, kind="guidance")
    assert g and all(h.chunk.kind == "guidance" for h in g)
    ex = index.search("unpatched software vulnerability", k=3, policy="nw", clause_types=["exclusion"])
    assert ex and all(h.chunk.clause_type == "exclusion" for h in ex)
    assert ex[0].chunk.section == "III. EXCLUSIONS > B" and ex[0].chunk.page_start == 6
    with pytest.raises(UnknownPolicyError, match="Indexed policies: nw"):
        index.search("x", policy="nope")


def test_reindex_all_rebuilds_from_stored_originals(index, sample_pdfs):
    index.ingest_file(sample_pdfs["2026"], policy="nw")
    n = index.chunks_of(index.documents()[0].doc_id)
    assert index.reindex(all_files=True) == 1
    assert len(index.chunks_of(index.documents()[0].doc_id)) == len(n)


def test_reindex_leaves_no_folder_of_the_dropped_collection(index, sample_pdfs):
    """Chroma 1.x leaves a dropped collection's HNSW folder on disk; the index sweeps it after switching."""
    index.ingest_file(sample_pdfs["2026"], policy="nw")
    root = index.data_dir / "chroma"
    folders = lambda: sorted(p.name for p in root.iterdir() if p.is_dir())
    before = folders()
    assert len(before) == 1
    index.reindex()
    index.reindex()
    after = folders()
    assert len(after) == 1 and after != before
    assert index.search("multi-factor authentication", k=1, policy="nw")[0].chunk.page_start == 9


@pytest.mark.slow
def test_real_model_search_cites_right_page_and_section(sample_index):
    hits = sample_index.search("does our policy require MFA on email", k=3, policy="northwind")
    top = hits[0].chunk
    assert top.page_start == 9 and top.section == "VI. CONDITIONS: MINIMUM SECURITY REQUIREMENTS > A"
    assert top.clause_type == "requirement" and "Multi-Factor Authentication" in top.text


@pytest.mark.slow
def test_specimen_phrase_found_with_page(tmp_path, minilm):
    from tests.conftest import specimen

    ix = PolicyIndex(tmp_path / "d", minilm)
    ix.ingest_file(specimen("phly_integrated_tech_eo_cyber_risk_coverage_form.pdf"), policy="phly")
    from ingestion.readers import read_document

    doc = read_document(specimen("phly_integrated_tech_eo_cyber_risk_coverage_form.pdf"))
    page = next(p.number for p in doc.pages if "War means" in p.text)
    hits = ix.search("what counts as war, invasion or hostilities", k=5, policy="phly")
    war = [h for h in hits if "War means" in h.chunk.text]
    assert war and war[0].chunk.page_start == page and war[0].chunk.clause_type == "definition"


@pytest.mark.slow
def test_chroma_http_server(tmp_path, sample_pdfs):
    """The same code path against a real `chroma run` server."""
    import shutil
    import socket
    import subprocess
    import sys
    import time
    from pathlib import Path

    chroma = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([chroma, "run", "--path", str(tmp_path / "srv"), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        import urllib.request

        for _ in range(200):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1)
                break
            except Exception:
                time.sleep(0.1)
        ix = PolicyIndex(tmp_path / "d", HashingEmbedder(), chroma_url=f"http://127.0.0.1:{port}")
        ix.ingest_file(sample_pdfs["2026"], policy="nw")
        hits = ix.search("Notice of Ransomware within 72 hours", k=2, policy="nw")
        assert hits[0].chunk.page_start == 10 and "72 hours" in " ".join(hits[0].chunk.text.split())
    finally:
        proc.terminate()
        proc.wait(10)


def test_resending_a_superseded_version_changes_nothing(index, sample_pdfs):
    index.ingest_file(sample_pdfs["2025"], policy="nw", version="2025")
    index.ingest_file(sample_pdfs["2026"], policy="nw", version="2026")
    again = index.ingest_file(sample_pdfs["2025"], policy="nw")
    assert again.status == "unchanged" and again.version == "2025"
    assert {d.version: d.status for d in index.documents() if d.policy == "nw"} == {"2025": "superseded", "2026": "active"}


def test_failed_reindex_keeps_the_previous_index_answering(tmp_path, sample_pdfs):
    emb = HashingEmbedder()
    ix = PolicyIndex(tmp_path / "d", emb)
    ix.ingest_file(sample_pdfs["2026"], policy="nw")
    count = ix.collection.count()
    emb.fail_after = emb.embedded + 30  # dies partway through the rebuild
    with pytest.raises(RuntimeError):
        ix.reindex()
    emb.fail_after = None
    for index in (ix, PolicyIndex(tmp_path / "d", emb)):
        assert index.collection.count() == count
        hit = index.search("Notice of Ransomware within 72 hours", k=1, policy="nw")[0]
        assert hit.chunk.page_start == 10 and hit.dense_rank > 0
    assert len(ix.client.list_collections()) == 1  # the half-built collection was dropped


def test_versions_follow_effective_date_not_ingest_order(index, sample_pdfs):
    from bot.report import diff_versions

    index.ingest_file(sample_pdfs["2026"], policy="nw", version="2026", effective_date="2026-03-01")
    r = index.ingest_file(sample_pdfs["2025"], policy="nw", version="2025", effective_date="2025-03-01")
    assert r.status == "indexed" and r.superseded == () and any("2026" in w for w in r.warnings)
    assert [(d.version, d.status) for d in index.versions("nw")] == [("2025", "superseded"), ("2026", "active")]
    q = "Cyber Extortion and Ransomware Sublimit in the aggregate"
    assert "$250,000" in index.search(q, k=1, policy="nw", clause_types=["limit"])[0].chunk.text
    old, new, changes = diff_versions(index, "nw")
    assert (old, new) == ("2025", "2026") and changes


def test_an_undated_version_after_dated_ones_is_refused(index, sample_pdfs):
    from ingestion.errors import IngestError

    index.ingest_file(sample_pdfs["2025"], policy="nw", version="2025", effective_date="2025-03-01")
    with pytest.raises(IngestError, match="--effective-date"):
        index.ingest_file(sample_pdfs["2026"], policy="nw", version="2026")
    assert [d.version for d in index.documents()] == ["2025"]


def test_search_takes_a_query_vector_and_reports_both_raw_scores(index, sample_pdfs, hashing):
    index.ingest_file(sample_pdfs["2026"], policy="nw")
    q = "Notice of Ransomware within 72 hours"
    vec = index.embed_query(q)
    before = hashing.embedded
    hits = index.search(q, k=3, policy="nw", query_vector=vec)
    assert hashing.embedded == before  # the question was not embedded again
    top = hits[0]
    assert top.chunk.page_start == 10 and top.dense_rank and top.lexical_rank
    import numpy as np

    stored = np.asarray(index.collection.get(ids=[top.chunk.id], include=["embeddings"])["embeddings"][0])
    assert top.dense_score == pytest.approx(float(stored @ vec / np.linalg.norm(stored) / np.linalg.norm(vec)), abs=1e-5)
    assert top.lexical_score > 0
    dense_only = index.search(q, k=3, policy="nw", lexical_weight=0.0, query_vector=vec)
    assert all(h.lexical_rank == 0 and h.dense_rank == i for i, h in enumerate(dense_only, 1))


def test_bm25_matches_bm25s_over_the_searched_documents(index, sample_pdfs):
    import bm25s
    import numpy as np

    from vectorstore.lexical import lexical_text
    from vectorstore.text import tokens

    index.ingest_file(sample_pdfs["2025"], policy="a")
    index.ingest_file(sample_pdfs["2026"], policy="b")
    docs = index.select_docs()
    chunks = [c for d in docs for c in index.chunks_of(d.doc_id)]
    ref = bm25s.BM25()
    ref.index([tokens(lexical_text(c)) for c in chunks], show_progress=False)
    q = "ransomware sublimit aggregate ransom payment"
    expected = ref.get_scores(tokens(q))
    view = index.retriever.view(docs)
    got = dict(zip(view.ids, view.scores(q)))
    assert np.allclose([got[c.id] for c in chunks], expected, rtol=1e-4, atol=1e-5)
    df, n = index.term_stats()
    assert n == len(chunks) and df.get("ransomwar", 0) == sum("ransomwar" in tokens(lexical_text(c)) for c in chunks)


def test_bm25_tables_are_persisted_per_document_and_not_rebuilt(tmp_path, sample_pdfs, monkeypatch):
    from vectorstore import lexical

    PolicyIndex(tmp_path / "d", HashingEmbedder()).ingest_file(sample_pdfs["2026"], policy="nw")
    assert len(list((tmp_path / "d" / "lexical").glob("*.npz"))) == 1
    monkeypatch.setattr(lexical.DocTable, "build", classmethod(lambda cls, chunks: pytest.fail("re-tokenised the corpus")))
    fresh = PolicyIndex(tmp_path / "d", HashingEmbedder())
    assert fresh.search("Notice of Ransomware within 72 hours", k=1, policy="nw")[0].chunk.page_start == 10


def test_status_is_chroma_metadata_and_the_catalog_follows_generations(index, sample_pdfs):
    index.ingest_file(sample_pdfs["2025"], policy="nw", version="2025")
    cat = index.catalog()
    assert index.catalog() is cat  # cached while the generation stands
    index.ingest_file(sample_pdfs["2026"], policy="nw", version="2026")
    cat2 = index.catalog()
    assert cat2.generation > cat.generation and [d.version for d in cat2.by_policy["nw"]] == ["2025", "2026"]
    metas = index.collection.get(include=["metadatas"])["metadatas"]
    assert {(m["version"], m["status"]) for m in metas} == {("2025", "superseded"), ("2026", "active")}
    with pytest.raises(TypeError):
        cat2.by_policy["x"] = ()  # frozen


def test_an_index_from_before_status_metadata_and_bm25_tables_is_upgraded_on_open(tmp_path, sample_pdfs):
    ix = PolicyIndex(tmp_path / "d", HashingEmbedder())
    ix.ingest_file(sample_pdfs["2025"], policy="nw", version="2025")
    ix.ingest_file(sample_pdfs["2026"], policy="nw", version="2026")
    # what an older release left: no status in Chroma, no vec_status, no BM25 tables
    ids = ix.collection.get()["ids"]
    ix.collection.update(ids=ids, metadatas=[{"status": "unknown"}] * len(ids))
    ix.registry._db().execute("UPDATE documents SET vec_status=''")
    for p in (tmp_path / "d" / "lexical").glob("*.npz"):
        p.unlink()
    fresh = PolicyIndex(tmp_path / "d", HashingEmbedder())
    metas = fresh.collection.get(include=["metadatas"])["metadatas"]
    assert {(m["version"], m["status"]) for m in metas} == {("2025", "superseded"), ("2026", "active")}
    hit = fresh.search("Cyber Extortion and Ransomware Sublimit in the aggregate including any ransom payment", k=1, policy="nw", clause_types=["limit"])[0]
    assert hit.chunk.version == "2026" and "$250,000" in hit.chunk.text


def test_policy_words_come_from_names_titles_and_file_names_per_generation(index, sample_pdfs):
    index.ingest_file(sample_pdfs["2026"], policy="northwind-cyber")
    index.ingest_guidance()
    words = index.policy_words()
    assert set(words) == {"northwind-cyber"}  # guidance is not a policy a question names
    assert {"northwind", "cyber"} <= words["northwind-cyber"]
    assert index.policy_words() is words  # cached until the registry changes
    index.ingest_file(sample_pdfs["2025"], policy="acme")
    assert set(index.policy_words()) == {"northwind-cyber", "acme"}


def test_exact_search_reads_saved_vector_files_and_rebuilds_a_lost_or_corrupt_one(tmp_path, sample_pdfs, monkeypatch):
    import numpy as np

    from vectorstore.store import VectorStore

    ix = PolicyIndex(tmp_path / "d", HashingEmbedder())
    ix.ingest_file(sample_pdfs["2026"], policy="nw")
    files = list((tmp_path / "d" / "vectors").glob("*.npz"))
    assert len(files) == 1 and files[0].name.endswith(f"-{ix.collection_name}.npz")
    query = "Notice of Ransomware within 72 hours"
    with monkeypatch.context() as m:  # another process: the saved vectors serve the dense search, Chroma is not read
        m.setattr(VectorStore, "vectors", lambda *a, **k: pytest.fail("read vectors from Chroma"))
        m.setattr(VectorStore, "built_with", lambda *a, **k: pytest.fail("asked Chroma which model built the index"))
        hit = PolicyIndex(tmp_path / "d", HashingEmbedder()).search(query, k=1, policy="nw")[0]
    assert hit.chunk.page_start == 10 and hit.dense_rank == 1
    files[0].write_bytes(b"not a vector file")  # torn by a crash, or lost: rebuilt from Chroma, nothing lost
    again = PolicyIndex(tmp_path / "d", HashingEmbedder()).search(query, k=1, policy="nw")[0]
    assert (again.chunk.id, again.dense_rank, round(again.dense_score, 5)) == (hit.chunk.id, 1, round(hit.dense_score, 5))
    with np.load(files[0]) as z:
        assert len(z["ids"]) == len(z["vectors"]) == len(ix.chunks_of(hit.chunk.doc_id))
    ix.reindex()
    assert [p.name for p in (tmp_path / "d" / "vectors").glob("*.npz")] == [f"{files[0].name.rsplit('-r', 1)[0]}-r0-{ix.collection_name}.npz"]


def test_zscore_fusion_keeps_a_retrievers_margin_and_gives_missing_clauses_its_floor():
    from vectorstore.retriever import _zscore_fusion

    dense = [("a", 0.90), ("b", 0.50), ("c", 0.45), ("d", 0.44)]
    lexical = [("c", 10.0), ("b", 1.0)]  # BM25 ran out of matching clauses: the others score 0 there
    fused = _zscore_fusion(dense, lexical, 4, 1.0, 1.0)
    assert sorted(fused, key=lambda c: -fused[c]) == ["a", "c", "b", "d"]  # rank fusion would put b (2nd and 2nd) above c
    assert fused["a"] == pytest.approx((0.90 - 0.5725) / 0.190444 + (0.0 - 5.5) / 4.5, abs=1e-3)


def test_search_fusion_must_be_known(index, sample_pdfs):
    index.ingest_file(sample_pdfs["2026"], policy="nw")
    assert index.search("Notice of Ransomware within 72 hours", k=1, policy="nw", fusion="zscore")[0].chunk.page_start == 10
    with pytest.raises(ValueError, match="fusion must be"):
        index.search("ransomware", policy="nw", fusion="borda")
