"""Structured policy terms (ingestion/terms.py) on the sample policy and real specimens."""
import pytest

from bot.gaps import policy_terms
from ingestion.terms import extract_terms, terms_from_json
from tests.conftest import specimen


@pytest.fixture
def northwind(index, sample_pdfs):
    r = index.ingest_file(sample_pdfs["2026"], policy="northwind", version="2026")
    return index, r.doc_id


def _by(terms, kind, key):
    return [t for t in terms if t.kind == kind and t.key == key]


def test_sample_terms_have_values_pages_and_verbatim_quotes(northwind):
    index, doc_id = northwind
    terms = policy_terms(index, doc_id)
    chunks = {c.id: c for c in index.chunks_of(doc_id)}
    for t in terms:
        assert t.quote and t.quote in chunks[t.chunk_id].text, t
        assert chunks[t.chunk_id].page_start == t.page_start
    assert {t.subject for t in terms if t.kind == "requirement"} == {
        "mfa", "backups", "patching", "edr", "ir_plan", "funds_transfer", "training", "encryption"}
    sub = _by(terms, "money_time", "sublimit:ransomware")
    assert sub[0].value == "$250,000" and sub[0].page_start == 1
    ext = _by(terms, "notice", "extortion")[0]
    assert ext.deadline == "within 72 hours" and ext.deadline_hours == 72 and ext.page_start == 10
    assert "law enforcement" in ext.recipient
    backups = _by(terms, "requirement", "backups")[0]
    assert backups.frequency == "quarterly" and backups.frequency_days == 92 and backups.basis == "condition_precedent"
    eol = _by(terms, "exclusion", "eol_software")[0]
    assert eol.page_start == 6 and eol.controls == ("eol_software",) and "segregated" in eol.carve_back
    consent = _by(terms, "consent", "expenses")
    assert any(t.carve_back == "except costs incurred in the first 48 hours after discovery of up to $25,000" for t in consent)


def test_application_clause_is_not_a_control_requirement(northwind):
    # "notify us … of any material change …, including the removal of Multi-Factor Authentication"
    index, doc_id = northwind
    on_p8 = [t for t in policy_terms(index, doc_id) if t.page_start == 8]
    assert [(t.kind, t.subject) for t in on_p8] == [("notice", "material_change")]
    assert on_p8[0].deadline == "within 30 days"


def test_terms_are_stored_at_ingest_and_computed_for_older_versions(northwind):
    index, doc_id = northwind
    raw = index.registry.get_terms(doc_id)
    assert raw and terms_from_json(raw)
    with index.registry._tx() as c:
        c.execute("DELETE FROM terms WHERE doc_id=?", (doc_id,))
    assert index.registry.get_terms(doc_id) is None
    again = policy_terms(index, doc_id)  # an index ingested before terms existed
    assert again == terms_from_json(raw) and index.registry.get_terms(doc_id)
    index.registry.put_terms(doc_id, '{"extractor": "terms-0", "terms": []}')  # an older extractor
    assert policy_terms(index, doc_id) == again


def test_cfc_has_no_invented_control_requirements(index):
    r = index.ingest_file(specimen("cfc_technology_v4.1_us_specimen.pdf"), policy="cfc")
    terms = policy_terms(index, r.doc_id)
    assert not [t for t in terms if t.kind == "requirement"]
    notice = _by(terms, "notice", "claim_or_incident")
    assert any(t.page_start == 33 and "reasonably practicable" in t.deadline and "hotline" in t.channel for t in notice)
    assert _by(terms, "panel", "required")[0].page_start == 33


def test_phly_sixty_day_notice_and_coalition_erp_is_not_a_deadline(index):
    r = index.ingest_file(specimen("phly_integrated_tech_eo_cyber_risk_coverage_form.pdf"), policy="phly")
    notice = _by(policy_terms(index, r.doc_id), "notice", "claim_or_incident")
    assert any(t.page_start == 24 and "sixty (60) days" in t.deadline and t.deadline_hours == 60 * 24 for t in notice)
    r = index.ingest_file(specimen("coalition_uk_cyber_technology_policy_3.0.pdf"), policy="coalition")
    terms = policy_terms(index, r.doc_id)
    assert not [t for t in terms if t.kind == "notice" and t.page_start == 15]
    assert any(t.page_start == 9 and "Declarations" in t.channel and "practicable" in t.deadline for t in _by(terms, "notice", "claim_or_incident"))


def test_extraction_from_a_subset_of_chunks_is_stable(northwind):
    index, doc_id = northwind
    chunks = [c for c in index.chunks_of(doc_id) if c.page_start == 10]
    terms = extract_terms(chunks)
    assert {t.key for t in terms if t.kind == "consent"} >= {"ransom", "admission", "settlement", "expenses"}


def test_the_words_lifting_an_exclusion_are_not_what_it_excludes():
    from ingestion.terms import without_carve_backs

    text = ("3. the monetary value of any electronic fund transfers which is lost during transfer; but this exclusion will "
            "not apply to coverage under the eCrime insuring agreement; 4. any trading losses.")
    kept = without_carve_backs(text)
    assert "eCrime" not in kept and "electronic fund transfers" in kept
    assert without_carve_backs("Any war, except for cyber terrorism.") == "Any war, except for cyber terrorism."
    # over a line break, and past the dot of a reference
    wrapped = ("K. MERCHANT LIABILITY Any charge back, except that this exclusion will not\napply to coverage afforded under "
               "Section II.C, PCI FINES AND\nASSESSMENTS.")
    assert "PCI" not in without_carve_backs(wrapped) and "charge back" in without_carve_backs(wrapped)


def test_periods_are_read_alike_by_terms_and_verdict():
    from ingestion.figures import period_hours
    from ingestion.types import Chunk

    assert period_hours("sixty (60) days") == 60 * 24
    assert period_hours("six months") == 6 * 30 * 24
    assert period_hours("twelve months") > period_hours("ninety (90) days") > period_hours("72 hours")
    assert period_hours("30%") == 30 and period_hours("as soon as practicable") is None
    # a spelled-out number with its digits after the unit: the deadline has hours, not only words
    text = "You must give us written notice of any Claim within ninety days (90) after the end of the policy period."
    chunk = Chunk("d#0001", "d", text, "f.pdf", "0" * 64, "t", "p", "v1", "policy", 23, 23, "VII. CONDITIONS", "B.",
                  "notice", 0, len(text))
    notice = [t for t in extract_terms([chunk]) if t.kind == "notice"]
    assert notice and notice[0].deadline_hours == 90 * 24 and "ninety days (90)" in notice[0].deadline
