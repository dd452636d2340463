"""Real layouts read right: on each of the 11 specimen wordings, known clauses get their type, section and page.

The clauses were chosen by reading each PDF's text: lettered definitions that look like roman numerals
(AXA XL "I.", "II.", "VV."), capitalised titles run into their text (Coalition "W. WAR AND TERRORISM"),
numbered titles in sentence case (CFC), dotted clause numbers (Swiss Re "4.10"), an endorsement's
amendments (Corvus), an application form (At-Bay) and a vendor list (AXA XL panel).
"""
import re

import pytest

from ingestion.chunking import chunk_document
from ingestion.readers import _strip_running_lines, read_document
from ingestion.types import DocumentText
from tests.conftest import SPECIMENS, specimen

MAX_TOKENS = 200
_docs: dict[str, tuple[DocumentText, list]] = {}


def _read(name: str):
    """Each specimen is read and chunked once per test module (HashingEmbedder counts tokens)."""
    if name not in _docs:
        from vectorstore.embedder import HashingEmbedder

        doc = read_document(specimen(name))
        chunks = chunk_document(
            doc, doc_id=name[:12], policy=name[:12], version="v1", kind="policy",
            count_tokens=HashingEmbedder().count_tokens, max_tokens=MAX_TOKENS,
        )
        _docs[name] = (doc, chunks)
    return _docs[name]


def _flat(s: str) -> str:
    return " ".join(s.split())


AXA = "axaxl_cyberriskconnect_TRD-050-0619.pdf"
COALITION = "coalition_uk_cyber_technology_policy_3.0.pdf"
BEAZLEY = "beazley_mediatech_F00731_022019.pdf"
CFC = "cfc_technology_v4.1_us_specimen.pdf"
CORVUS = "corvus_smart_tech_eo_endorsement_specimen.pdf"
EMBROKER = "embroker_everspan_tech_eo_cyber_coverage_part.pdf"
HISCOX = "hiscox_tech_professional_liability_DPL-P001-CW.pdf"
PHLY = "phly_integrated_tech_eo_cyber_risk_coverage_form.pdf"
SWISSRE = "swissre_technology_liability_wording_2024_AU.pdf"
ATBAY = "atbay_tech_eo_cyber_short_application_08-2023.pdf"
AXA_PANEL = "axaxl_breach_response_vendor_panel.pdf"
ALL = [AXA, COALITION, BEAZLEY, CFC, CORVUS, EMBROKER, HISCOX, PHLY, SWISSRE, ATBAY, AXA_PANEL]

# (specimen, words the clause opens with or contains, clause type, part of its section path, page)
KNOWN_CLAUSES = [
    # AXA XL: lettered definitions I., II., V., X., VV. are letters, not roman-numeral headings
    (AXA, "I. Cyber-extortion Threat A threat made by a third party", "definition", "Definitions > I. Cyber-extortion Threat", 10),
    (AXA, "II. Pollutants Any substance exhibiting", "definition", "Definitions > II. Pollutants", 15),
    (AXA, "JJ. Privacy and Security Wrongful Act", "definition", "Definitions > JJ. Privacy and Security Wrongful Act", 15),
    (AXA, "R. Infrastructure Failure electrical, mechanical", "exclusion", "Exclusions > R. Infrastructure Failure", 22),
    (AXA, "Notice of such circumstance should be reported to the Insurer", "notice", "Notice > A. Notice of Circumstance", 23),
    # Coalition: two-column titles in capitals, wrapped over lines or run into the text
    (COALITION, "W. WAR AND TERRORISM War, invasion", "exclusion", "EXCLUSIONS – WHAT IS NOT COVERED > W. WAR AND TERRORISM", 9),
    (COALITION, "F. FRAUD BY A SENIOR EXECUTIVE Any dishonest", "exclusion", "> F. FRAUD BY A SENIOR EXECUTIVE", 5),
    (COALITION, "You must as a condition precedent to coverage under this Policy provide us written notice", "notice", "SECTION IV YOUR OBLIGATIONS AS AN INSURED", 9),
    (COALITION, "Waiting period means the number of hours", "definition", "DEFINITIONS > Waiting period", 32),
    (COALITION, "J. RANSOMWARE AND CYBER EXTORTION We will pay", "coverage", "INSURING AGREEMENTS", 3),
    # Beazley: capitalised headings and unlabelled definitions
    (BEAZLEY, "Infrastructure Failure failure or malfunction of satellites", "exclusion", "EXCLUSIONS > Infrastructure Failure", 19),
    (BEAZLEY, "Extortion Payment means", "definition", "DEFINITIONS > Extortion Payment", 8),
    (BEAZLEY, "Waiting Period means the period of time", "definition", "DEFINITIONS > Waiting Period", 16),
    (BEAZLEY, "The Insured must notify the Underwriters of any", "notice", "GENERAL CONDITIONS > Notice of Claim or Loss", 21),
    # CFC: numbered titles in sentence case
    (CFC, "1. What you must do in the event of a claim or cyber incident", "notice", "CONDITIONS > 1. What you must do in the event of a claim", 33),
    (CFC, "60. Terrorism arising directly or indirectly", "exclusion", "EXCLUSIONS RELATING TO ALL INSURING CLAUSES > 60. Terrorism", 31),
    (CFC, '17. "Cyber war" means', "definition", "DEFINITIONS > 17. Cyber war", 17),
    (CFC, "We will only be liable for that part of each and every claim which exceeds", "limit", "YOUR DEDUCTIBLE", 14),
    # a cover that carves something out ("We agree to pay … However, we will not pay …") is a cover
    (CFC, "SECTION E: REGULATORY COSTS AND FINES We agree to pay", "coverage", "SECTION E: REGULATORY COSTS AND FINES", 4),
    # Corvus: an endorsement that replaces and adds exclusions
    (CORVUS, "Breach of Contract Any breach of any express", "exclusion", "Breach of Contract", 2),
    (CORVUS, "b. Delay in delivery", "exclusion", "7 > b", 2),
    (CORVUS, "k. Any actual or alleged violation of the federal Fair Debt", "exclusion", "7 > k", 3),
    # a form's blank field ("Retroactive Date:    <<>>>") is no heading for the clauses after it
    (CORVUS, "A. an Insured against another Insured", "exclusion", "3. Insured. vs Insured > A", 1),
    # Embroker: its definitions run A ... J, then "I. Defense Costs" (sic), K ...
    (EMBROKER, "Q. War or Hostile Actions", "exclusion", "II. Exclusions > Q. War or Hostile Actions", 6),
    (EMBROKER, "VV. Waiting Period means", "definition", "IV. Definitions > VV. Waiting Period", 17),
    (EMBROKER, "I. Defense Costs means", "definition", "IV. Definitions > I. Defense Costs", 10),
    (EMBROKER, "10. Cyber Extortion We shall pay", "coverage", "I. Insuring Agreements > 10. Cyber Extortion", 3),
    # Hiscox: roman sections with lettered capitalised titles ("I. BANKRUPTCY" after "H." is a letter)
    (HISCOX, "A. NOTICE OF CLAIMS", "notice", "II. NOTICE OF CLAIMS AND NOTICE OF POTENTIAL CLAIMS > A. NOTICE OF CLAIMS", 4),
    (HISCOX, "U. Wrongful Act means", "definition", "VI. DEFINITIONS > U. Wrongful Act", 14),
    (HISCOX, "B. DEDUCTIBLE", "limit", "IV. LIMITS OF LIABILITY, DEDUCTIBLE AND RELATED CLAIMS > B. DEDUCTIBLE", 8),
    (HISCOX, "I. BANKRUPTCY OR INSOLVENCY", None, "V. OTHER MATTERS AFFECTING COVERAGE > I. BANKRUPTCY OR INSOLVENCY", 10),
    # PHLY: definitions lettered to PPP., exclusions with "I." and "V." among the letters
    (PHLY, "PPP. War means", "definition", "II. DEFINITIONS > PPP. War", 15),
    (PHLY, "I. ERISA or Similar Act", "exclusion", "III. EXCLUSIONS > I. ERISA or Similar Act", 16),
    (PHLY, "N. Infrastructure Outage", "exclusion", "III. EXCLUSIONS > N. Infrastructure Outage", 17),
    (PHLY, "D. Your Duties in the Event of a Claim or Incident", "notice", "VI. POLICY TERMS AND CONDITIONS > D. Your Duties", 23),
    # PHLY page 1: pypdf splits lines after their first letters ("Var" / "ious provisions"); a notice in capitals
    # ("CLAIM EXPENSES ARE INCLUDED WITHIN THE AVAILABLE LIMIT OF" / "INSURANCE.   ANY …") is not a heading
    (PHLY, "Various provisions in this policy restrict coverage", None, "COVERAGE FORM", 1),
    (PHLY, "In consideration of the payment of the premium", None, "COVERAGE FORM", 1),
    # Swiss Re: dotted clause numbers under "Section N:" headings
    (SWISSRE, "4.10 War and Terrorism a) war", "exclusion", "Section 4: Exclusions applicable to all sections > 4.10 War and Terrorism", 21),
    (SWISSRE, "5.2 Reporting and Notice As soon as reasonably practicable", "notice", "Section 5: Claims conditions applicable to all sections > 5.2 Reporting and Notice", 21),
    (SWISSRE, "22 Loss means monetary damages", "definition", "Section 7: Definitions applicable to all sections > 7.22 Loss", 29),
    (SWISSRE, "6.2 Retentions The Insurer shall only be liable", "limit", "6.2 Retentions", 24),
    # At-Bay: an application form; a state fraud warning is not a notice obligation
    (ATBAY, "03. Does the Applicant have multi-factor authentication enforced on all email access?", "other", "Security Controls > 03", 3),
    (ATBAY, "05. Does the Applicant use a Managed Service Provider (MSP)?", "other", "Security Controls > 05", 3),
    (ATBAY, "FRAUD NOTICE TO NEW YORK APPLICANTS", "other", "FRAUD NOTICE TO NEW YORK APPLICANTS", 13),
    # AXA XL vendor panel: a list of firms under their service headings
    (AXA_PANEL, "BakerHostetler", "other", "BakerHostetler", 1),
    (AXA_PANEL, "Kivu Kroll MoxFive", "other", "CYPFER", 2),
]


@pytest.mark.parametrize("name,words,ctype,section,page", KNOWN_CLAUSES, ids=lambda v: str(v)[:40])
def test_known_clause_type_section_and_page(name, words, ctype, section, page):
    _, chunks = _read(name)
    # the clause's own chunk, not a table-of-contents line that names it
    hits = [c for c in chunks if words in _flat(c.text) and not re.search(r"\.{5,}", c.text)]
    assert hits, f"no chunk holds {words!r}"
    c = hits[0]
    assert section in c.section, (c.section, c.clause_type, c.page_start)
    assert c.page_start == page, (c.page_start, c.section)
    if ctype is not None:
        assert c.clause_type == ctype, (c.clause_type, c.section)
    assert "<<>>>" not in c.section


@pytest.mark.parametrize("name", ALL)
def test_chunks_are_exact_slices_within_the_window_and_free_of_page_furniture(name):
    from vectorstore.embedder import HashingEmbedder

    doc, chunks = _read(name)
    text = doc.text
    assert all(text[c.char_start : c.char_end] == c.text for c in chunks)
    assert max(HashingEmbedder().count_tokens([c.text for c in chunks])) <= MAX_TOKENS
    furniture = re.compile(r"(?im)^.{0,60}\bpage \d+ of \d+\s*$|CYBUK CYGBP|TRD 050 0619|X\.L\. America, Inc\. +All Rights")
    assert not [c.id for c in chunks if furniture.search(c.text) or furniture.search(c.section)]


def test_axa_definitions_are_found_not_taken_for_roman_headings():
    _, chunks = _read(AXA)
    defs = [c for c in chunks if c.clause_type == "definition"]
    assert len(defs) >= 40
    # no lettered definition became a top-level heading of its own
    assert not [c.section for c in chunks if re.match(r"(?:I|II|V|X|VV|XX)\. ", c.section)]


@pytest.mark.parametrize("kind", ["exclusion", "definition"])
def test_every_specimen_exclusions_and_definitions_sections_are_typed_so(kind):
    """Clauses under an exclusions (definitions) heading are typed as exclusions (definitions), items included."""
    for name in [AXA, COALITION, BEAZLEY, CFC, EMBROKER, HISCOX, PHLY, SWISSRE]:
        _, chunks = _read(name)
        items = [c for c in chunks if re.search(rf"{kind}s?\b[^>]*>", c.section, re.I) and c.page_start > 2]
        assert len(items) >= 15, (name, len(items))
        wrong = [(c.section, c.clause_type) for c in items if c.clause_type != kind]
        assert len(wrong) <= 0.1 * len(items), (name, wrong[:5])


def test_running_footer_with_form_number_removed_even_off_the_page_edge():
    words = ["Application", "Claim", "Damages", "Extortion", "Insured", "Loss"]
    pages = [
        f"CyberRiskConnect\nPOLICY FORM\nTRD 050 0619 Page {n}\n© 2019 X.L. America, Inc.  All Rights Reserved.\n"
        f"A. {w} is defined on this page.\nThe {w.lower()} clause ends here."
        for n, w in enumerate(words, start=1)
    ]
    pages.append("TABLE OF CONTENTS\nTRD 050 0619\nA. Application ........ 7")
    out = _strip_running_lines(pages)
    assert all("TRD 050" not in p and "All Rights Reserved" not in p for p in out)
    # the form line sat mid-page (pypdf order), the title lines repeat too: only the clause is left
    assert out[0] == "A. Application is defined on this page.\nThe application clause ends here."
    assert out[-1] == "TABLE OF CONTENTS\nA. Application ........ 7"


def test_page_n_of_m_lines_removed_but_sentences_about_pages_kept():
    pages = [
        "CYBUK CYGBP-00PF-0622-00 Page 2 of 33\nThe Insurer will pay.",
        "Details are on page 4 of the Schedule.\nPage 3 of 33",
    ]
    out = _strip_running_lines(pages)
    assert out == ["The Insurer will pay.", "Details are on page 4 of the Schedule."]


def test_specimen_folder_holds_the_eleven_wordings():
    if not SPECIMENS.exists():
        pytest.skip("shared corpus not available")
    assert {p.name for p in SPECIMENS.glob("*.pdf")} == set(ALL)


def test_no_specimen_section_is_a_notice_in_capitals():
    """A capitalised sentence ("… LIMIT OF INSURANCE. ANY CLAIM EXPENSES …") never names a section."""
    for name in ALL:
        _, chunks = _read(name)
        assert not [c.section for c in chunks if re.search(r"\b(?![IVXLC]+\.)[A-Z]{3,}\.\s+[A-Z]{3,}", c.section)], name
    _, chunks = _read(PHLY)
    assert not [c.section for c in chunks if "CLAIM EXPENSES ARE INCLUDED" in c.section or "CLAI M" in c.section]


@pytest.mark.parametrize("name", [AXA, BEAZLEY])
def test_every_piece_of_a_table_of_contents_is_known_as_one(name):
    """A table of contents cut into short chunks ("B. Optional Extended Reporting Period ........ 24", or a piece cut
    before its page number) is still known as one, so the search never offers it as an answer; no clause is."""
    from ingestion.classify import is_contents

    _, chunks = _read(name)
    leader = [c for c in chunks if re.search(r"\.{5,}\s*(?:\d{1,3}\b|$)", c.text)]
    assert len(leader) >= 3 and all(c.page_start <= 3 for c in leader), [(c.page_start, c.text[:60]) for c in leader]
    assert all(is_contents(c.text) for c in leader), [c.text[:80] for c in leader if not is_contents(c.text)]
    assert not any(is_contents(c.text) for c in chunks if c.page_start > 3)

