"""Chaos: generated bad PDFs and odd file names. Each gets its own clear message and changes nothing."""
import time

import pytest

from ingestion.errors import (
    CorruptPDFError, EncryptedPDFError, IngestError, NoTextError, NotAPDFError, TooLargeError,
)
from tests.chaos_pdfs import bad_pdfs, encrypted_pdf, good_pdf

EXPECTED = {
    "truncated.pdf": (CorruptPDFError, "damaged"),
    "header-only.pdf": (CorruptPDFError, "damaged"),
    "empty.pdf": (NotAPDFError, "not a PDF"),
    "flate-bomb.pdf": (TooLargeError, "expands to more than 75 MB"),
    "huge-page.pdf": (TooLargeError, "page 2 holds 6.1 MB of page content"),
    "pages-loop.pdf": (CorruptPDFError, "cyclic"),
    "no-pages.pdf": (CorruptPDFError, "has no pages"),
    "blank-page.pdf": (NoTextError, "no text layer"),
    "png-named.pdf": (NotAPDFError, "it is an image"),
    "zip-named.pdf": (NotAPDFError, "ZIP or Office"),
    "html-named.pdf": (NotAPDFError, "HTML page"),
    "garbage.pdf": (NotAPDFError, "unknown binary content"),
}


@pytest.fixture(scope="module")
def corpus():
    files = bad_pdfs()
    files["encrypted.pdf"] = encrypted_pdf()
    return files


def test_every_bad_pdf_fails_fast_with_its_own_message_and_changes_nothing(index, sample_pdfs, corpus):
    index.ingest_file(sample_pdfs["2025"], policy="nw", version="2025")
    gen, count = index.registry.generation(), index.collection.count()
    held = {}
    for name, data in corpus.items():
        if name in ("xref-prev-loop.pdf", "broken-xref.pdf"):
            continue  # pypdf repairs these; checked below
        cls, words = EXPECTED.get(name, (EncryptedPDFError, "password"))
        start = time.monotonic()
        with pytest.raises(cls, match=words) as exc:
            index.ingest_file(name, policy="nw", data=data, file_name=name)
        held[name] = time.monotonic() - start
        assert name in str(exc.value) and "Traceback" not in str(exc.value)
    assert index.registry.generation() == gen and index.collection.count() == count
    assert [(d.version, d.status) for d in index.documents()] == [("2025", "active")]
    assert max(held.values()) < 30, held  # the 6 MB page took 280 s before the caps


def test_repairable_xref_damage_is_read(index, corpus):
    for name in ("xref-prev-loop.pdf", "broken-xref.pdf"):
        r = index.ingest_file(name, policy=name[:-4], data=corpus[name], file_name=name)
        assert r.status == "indexed" and r.chunks >= 1
        hit = index.search("Multi-Factor Authentication remote access email", k=1, policy=name[:-4])[0]
        assert "Multi-Factor Authentication" in hit.chunk.text and hit.chunk.page_start == 1


@pytest.mark.parametrize("name", [
    "Police 2026 — Cyber (final) v2.PDF",
    "политика-кибер.pdf",
    "../../etc/passwd.pdf",
    "a" * 240 + ".pdf",
    "line\nbreak.pdf",
    "no-extension",
])
def test_odd_file_names_are_stored_inside_the_data_dir(index, name):
    from pathlib import Path

    r = index.ingest_file(name, policy="odd", data=good_pdf(), file_name=name)
    assert r.status == "indexed" and r.file_name == Path(name).name  # directories in a name are dropped
    doc = index.documents()[0]
    stored = (index.data_dir / doc.stored_path).resolve()
    assert stored.parent == (index.data_dir / "files").resolve() and stored.read_bytes() == good_pdf()
    assert index.search("notify us of any Claim within 60 days", k=1, policy="odd")[0].chunk.file_name == Path(name).name


def test_time_budget_stops_a_slow_parse(corpus):
    from pypdf import PdfReader
    import io

    from ingestion.readers import _extract_pages
    from ingestion.errors import TooSlowError

    reader = PdfReader(io.BytesIO(good_pdf()))
    with pytest.raises(TooSlowError, match="reading stopped after 0 s at page 1"):
        _extract_pages(reader, "slow.pdf", budget_s=0.0)
    assert isinstance(TooSlowError("x"), IngestError)
