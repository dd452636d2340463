"""Reading and chunking real specimen policies and bad inputs."""
import pytest

from ingestion.chunking import chunk_document
from ingestion.classify import classify_clause
from ingestion.errors import CorruptPDFError, EncryptedPDFError, NotAPDFError, TooLargeError, UnsupportedFileError
from ingestion.guidance import load_catalogue
from ingestion.readers import read_document
from tests.conftest import specimen


def test_encrypted_specimen_with_empty_password_opens():
    doc = read_document(specimen("phly_integrated_tech_eo_cyber_risk_coverage_form.pdf"))
    assert len(doc.pages) == 31
    assert "Insured" in doc.text


def test_scanned_cover_page_is_reported_and_rest_indexed():
    doc = read_document(specimen("coalition_uk_cyber_technology_policy_3.0.pdf"))
    assert doc.blank_pages == (1,)
    assert "page 1 has no text; scanned pages are not read" in doc.warnings
    assert doc.pages[0].number == 2


def test_running_footer_removed_and_pages_kept(sample_pdfs):
    doc = read_document(sample_pdfs["2025"])
    assert not any("Page 3" in p.text for p in doc.pages)
    assert "Northwind Mutual CyberShield NWM-CY-1001 (edition" not in doc.pages[5].text
    assert [p.number for p in doc.pages] == list(range(1, len(doc.pages) + 1))


def test_password_pdf_rejected(tmp_path):
    from pypdf import PdfWriter

    w = PdfWriter()
    w.add_blank_page(200, 200)
    w.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    p = tmp_path / "locked.pdf"
    with open(p, "wb") as fh:
        w.write(fh)
    with pytest.raises(EncryptedPDFError, match="password"):
        read_document(p)


def test_corrupt_non_pdf_and_huge_files_rejected(tmp_path):
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 100)
    with pytest.raises(CorruptPDFError, match="damaged"):
        read_document(bad)
    fake = tmp_path / "policy.pdf"
    fake.write_bytes(b"PK\x03\x04 this is a docx really")
    with pytest.raises(NotAPDFError, match="ZIP or Office"):
        read_document(fake)
    big = tmp_path / "big.pdf"
    big.write_bytes(b"%PDF-1.4\n" + b"0" * 2048)
    with pytest.raises(TooLargeError, match="over the"):
        read_document(big, max_bytes=1024)
    with pytest.raises(UnsupportedFileError, match="only PDF"):
        read_document(tmp_path / "x.docx", data=b"abc")


def test_chunks_fit_the_model_window_and_carry_sections(minilm):
    doc = read_document(specimen("beazley_mediatech_F00731_022019.pdf"))
    chunks = chunk_document(doc, doc_id="bz", policy="beazley", version="v1", kind="policy", count_tokens=minilm.count_tokens, max_tokens=200)
    counts = minilm.count_tokens([c.text for c in chunks])
    assert max(counts) <= 200
    # exact slices: offsets are true
    assert all(doc.text[c.char_start : c.char_end] == c.text for c in chunks)
    infra = [c for c in chunks if "Infrastructure Failure" in c.text and c.clause_type == "exclusion"]
    assert infra and infra[0].page_start == 19 and infra[0].section.startswith("EXCLUSIONS")
    extortion = [c for c in chunks if c.text.lstrip().startswith("Extortion Payment means")]
    assert extortion and extortion[0].clause_type == "definition" and extortion[0].section == "DEFINITIONS > Extortion Payment"


@pytest.mark.parametrize(
    "text,heading,expected",
    [
        ("The Underwriters will not be liable for any Loss arising out of war.", "EXCLUSIONS", "exclusion"),
        ("As a condition precedent to coverage, the Insured shall maintain offline backups.", "CONDITIONS", "requirement"),
        ("The Insured must give written notice to the Underwriters as soon as practicable, and within 60 days.", "GENERAL CONDITIONS", "notice"),
        ('"Waiting Period" means the number of hours shown in Item 7.', "DEFINITIONS", "definition"),
        ("Each Sublimit of Liability is part of, and not in addition to, the aggregate limit.", "LIMITS OF LIABILITY", "limit"),
        ("We will pay Breach Response Costs that the Insured incurs.", "INSURING AGREEMENTS", "coverage"),
    ],
)
def test_clause_types(text, heading, expected):
    assert classify_clause(text, heading) == expected


def test_specimen_clause_types(minilm):
    doc = read_document(specimen("hiscox_tech_professional_liability_DPL-P001-CW.pdf"))
    chunks = chunk_document(doc, doc_id="hx", policy="hiscox", version="v1", kind="policy", count_tokens=minilm.count_tokens)
    types = {c.clause_type for c in chunks}
    assert {"exclusion", "definition", "coverage"} <= types
    assert any(c.clause_type == "notice" and "notice" in c.text.lower() for c in chunks)


def test_catalogue_has_the_controls_insurers_ask_for():
    cat = load_catalogue()
    ids = {c.id for c in cat}
    assert len(cat) >= 14
    assert {"mfa", "edr", "backups", "pam", "patching", "email_security", "encryption", "training", "ir_plan",
            "hardening_rdp", "logging", "eol_software", "vendor_risk", "funds_transfer"} <= ids
    mfa = next(c for c in cat if c.id == "mfa")
    assert "PR.AA-03" in mfa.csf and "IA-2(1)" in mfa.sp800_53
    assert mfa.matches("two-factor authentication on webmail") and not mfa.matches("information")


def test_other_layout_health_wording_chunks_cleanly(minilm):
    """A 49-page health wording with a different layout and vocabulary still chunks within the window."""
    from tests.conftest import SHARED

    path = SHARED / "other-policies" / "bajaj_allianz_global_health_care_BAJHLIP23020V012223.pdf"
    if not path.exists():
        pytest.skip("shared corpus not available")
    doc = read_document(path)
    chunks = chunk_document(doc, doc_id="bj", policy="bajaj", version="v1", kind="policy", count_tokens=minilm.count_tokens)
    assert max(minilm.count_tokens([c.text for c in chunks])) <= 200
    assert chunks[-1].page_end == doc.pages[-1].number
    assert sum(1 for c in chunks if c.section) > 0.8 * len(chunks)
    assert {"exclusion", "definition"} <= {c.clause_type for c in chunks}


def test_everyday_control_names_are_matched_in_questions_never_in_clauses():
    from ingestion.guidance import controls_asked, controls_by_id, controls_in, load_catalogue

    assert [c.id for c in controls_asked("do we need two-step login on email?")] == ["mfa"]
    assert [c.id for c in controls_asked("r we ok if IT is a month behind on updates?")] == ["patching"]
    assert controls_asked("does the policy say anything about the weather?") == []
    # acronyms typed in lower case, as in Slack; a name spelled like one ("pam") only in capitals
    assert [c.id for c in controls_asked("does beazley make mfa a condition of coverage?")] == ["mfa"]
    assert [c.id for c in controls_asked("is edr required on our servers?")] == ["edr"]
    assert [c.id for c in controls_asked("is there any question on phishing sims or staff security awareness?")] == ["training"]
    assert "pam" not in {c.id for c in controls_asked("pam in accounts asked whether the policy pays for lost sales")}
    assert [c.id for c in controls_asked("do we need PAM for admin accounts?")] == ["pam"]
    assert [c.id for c in controls_asked("must our copies of data be air-gapped?")] == ["backups"]
    assert [c.id for c in controls_asked("do we need a written plan for handling an attack?")] == ["ir_plan"]
    assert [c.id for c in controls_asked("is security software on every laptop a must?")] == ["edr"]
    # "they encrypted our files" is the ransomware attack; an unencrypted laptop is the encryption control
    assert controls_asked("hackers encrypted all our servers and want bitcoin, do we get it back?") == []
    assert [c.id for c in controls_asked("the stolen laptop was not encrypted, are we covered?")] == ["encryption"]
    # a payment-fraud story or a supplier's outage names the peril, not the control; a clause about them still counts
    assert controls_asked("they changed the bank details by email and we paid the fraudster, covered?") == []
    assert controls_asked("our MSP got hit and we were down for a week, do we get anything?") == []
    assert [c.id for c in controls_asked("nobody rang the supplier to verify the new bank details, does that matter?")] == ["funds_transfer"]
    assert [c.id for c in controls_asked("do we have to vet our suppliers' security every year?")] == ["vendor_risk"]
    assert controls_asked("will they pay for credit monitoring and incident response after a breach?") == []
    assert [c.id for c in controls_asked("do we need a tested incident response plan?")] == ["ir_plan"]
    # a plural names the control too, and staff's simulated phishing emails are the training control
    assert [c.id for c in controls_asked("Do we have to run phishing simulations for staff?")] == ["training"]
    assert [c.id for c in controls_asked("do they want details of the fake-phish tests we run?")] == ["training"]
    assert [c.id for c in controls_asked("are tabletop exercises required?")] == ["ir_plan"]
    assert [c.id for c in controls_asked("are we ok on the server Microsoft stopped supporting?")] == ["eol_software"]
    assert [c.id for c in controls_asked("hackers came in through a known hole IT never fixed, does that hurt the claim?")] == ["patching"]
    assert [c.id for c in controls_asked("does the form ask how fast we roll out critical fixes?")] == ["patching"]
    # an update that went wrong is a system-failure story, not the patching control
    assert controls_asked("a botched update from our own admin took the ERP down for two days, covered?") == []
    # a question can say the control was not in place: a negation a few words before one of its names
    mfa, callback = controls_by_id()["mfa"], controls_by_id()["funds_transfer"]
    assert mfa.denied_in("we never turned on MFA and got hacked") and mfa.denied_in("there was no MFA on that account")
    assert not mfa.denied_in("we have MFA everywhere, not on the printer though") and not mfa.denied_in("do we need MFA?")
    assert callback.denied_in("she paid it without picking up the phone to check")
    assert callback.denied_in("Nobody rang the supplier first") and not callback.denied_in("we rang the supplier to verify")
    assert [c.id for c in controls_asked("do they ask whether every mailbox login needs a second step?")] == ["mfa"]
    # "vendor security fixes" are patches, not vendor vetting; scrambled drives are encrypted ones
    assert [c.id for c in controls_asked("must we apply vendor security fixes within a set number of days?")] == ["patching"]
    assert [c.id for c in controls_asked("do the drives have to be scrambled so a stolen laptop is unreadable?")] == ["encryption"]
    assert controls_asked("we scrambled to respond when the alert came in") == []
    # software past its maker's support, said as people say it
    assert [c.id for c in controls_asked("one Server 2012 box still runs the label printers")] == ["eol_software"]
    assert [c.id for c in controls_asked("Microsoft stopped shipping fixes for it ages ago")] == ["eol_software"]
    # a clause holding the very everyday name the question used (a vendor list naming CrowdStrike) is about it too
    edr = controls_by_id()["edr"]
    assert edr.said_in("can we bring in CrowdStrike, are they on the approved list?", "Kroll\nCrowdStrike Services\nMandiant")
    assert not edr.said_in("can we bring in CrowdStrike?", "Kroll\nMandiant") and not edr.matches("Kroll\nCrowdStrike Services")
    assert {c.id for c in controls_in("Any Fraudulent Instruction to change bank details must be verified.")} >= {"funds_transfer"}
    clause = "The Insured shall install updates within 30 days."  # not a patching requirement by the catalogue's names
    assert controls_by_id()["patching"].asked_in(clause) and not controls_in(clause)
    assert all(c.users_say for c in load_catalogue() if c.id in ("mfa", "edr", "patching", "backups", "ir_plan"))
    import yaml

    from ingestion.guidance import CATALOGUE_PATH

    raw = yaml.safe_load(CATALOGUE_PATH.read_text(encoding="utf-8"))["controls"]
    assert all(c.get("users_why") for c in raw if c.get("users_say"))  # every everyday name says why it is general
    assert all(c.get("not_why") for c in raw if c.get("not_when"))  # … and every exception too
    assert all(c.get("subject_why") for c in raw if c.get("subject_words"))


def test_a_tie_between_cover_and_exclusion_goes_to_how_the_clause_opens():
    from ingestion.classify import classify_clause

    cover = "We agree to pay fines resulting from a regulatory investigation. However, we will not pay fines in respect of any investigation of your industry."
    excl = "We will not pay any fines or penalties. However, we agree to pay fines where Section E applies."
    assert classify_clause(cover) == "coverage"
    assert classify_clause(excl) == "exclusion"
    assert classify_clause(cover, path=("EXCLUSIONS",)) == "exclusion"  # in an exclusions section it stays one
