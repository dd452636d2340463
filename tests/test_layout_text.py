"""Sentence boundaries and stems on policy wording."""
import pytest

from ingestion.chunking import split_sentences
from vectorstore.text import stem, tokens


def _sents(text):
    spans = split_sentences(text)
    return [text[a:b] for a, b in spans]


@pytest.mark.parametrize(
    "text,expected",
    [
        (
            "The Insured is a U.S. company. The Insurer will pay.",
            ["The Insured is a U.S. company.", "The Insurer will pay."],
        ),
        (
            "Loss arising from the U.S. Securities Act of 1933 is excluded. Other loss is covered.",
            ["Loss arising from the U.S. Securities Act of 1933 is excluded.", "Other loss is covered."],
        ),
        (
            "See endorsement No. 5 for the sublimit. It applies to each Claim.",
            ["See endorsement No. 5 for the sublimit.", "It applies to each Claim."],
        ),
        (
            "Services provided by Acme Inc. Or its affiliates are excluded. Nothing else.",
            None,  # pysbd's call on a capitalised word after "Inc." is checked below only for offsets
        ),
        (
            "Costs, e.g. legal fees, and expenses, i.e. Breach Costs, are covered. Write to Beazley Ltd. or its agent.",
            ["Costs, e.g. legal fees, and expenses, i.e. Breach Costs, are covered.", "Write to Beazley Ltd. or its agent."],
        ),
        (
            "The following are excluded:\n(a) war; and\n(b) infrastructure failure.",
            ["The following are excluded:", "(a) war; and", "(b) infrastructure failure."],
        ),
        (
            "We will not pay for:\n1. War. Hostilities are included.\nB. Nuclear risks under ERISA. Also fines of $250,000. Then 1974. End.",
            ["We will not pay for:", "1. War.", "Hostilities are included.", "B. Nuclear risks under ERISA.",
             "Also fines of $250,000.", "Then 1974.", "End."],
        ),
        (
            'Coverage under Item 5. of the Declarations applies. "Claim" means a demand.',
            ["Coverage under Item 5. of the Declarations applies.", '"Claim" means a demand.'],
        ),
    ],
)
def test_sentences_keep_abbreviations_and_offsets(text, expected):
    spans = split_sentences(text)
    # spans are exact, ordered, non-overlapping slices that cover every word of the text
    assert all(0 <= a < b <= len(text) for a, b in spans)
    assert all(b1 <= a2 for (_, b1), (a2, _) in zip(spans, spans[1:]))
    assert " ".join(text[a:b] for a, b in spans).split() == text.split()
    if expected is not None:
        assert _sents(text) == expected


def test_sentence_spans_on_text_with_leading_space():
    text = "  The Insurer shall pay.   We will notify you.  "
    assert _sents(text) == ["The Insurer shall pay.", "We will notify you."]


@pytest.mark.parametrize(
    "a,b",
    [("insurer", "insured"), ("insurers", "insurer"), ("exclusions", "exclusion"), ("excluded", "excludes"),
     ("notified", "notify"), ("patches", "patching"), ("days", "day")],
)
def test_snowball_stems_meet(a, b):
    assert stem(a) == stem(b)


def test_tokens_drop_stop_words_and_split_hyphens():
    assert tokens("The insurer's multi-factor authentication") == [stem("insurer"), stem("multi-factor"), "multi", "factor", stem("authentication")]
    assert tokens("the and of", keep_stopwords=True) == ["the", "and", "of"]


def test_words_split_after_their_first_letters_are_joined_where_the_fault_repeats():
    from ingestion.readers import _clean_page

    page = "CLAI\nM EXPENSES ARE INCLUDED.\nVar\nious provisions restrict coverage.\nIn c\nonsideration of the premium"
    assert _clean_page(page) == "CLAIM EXPENSES ARE INCLUDED.\nVarious provisions restrict coverage.\nIn consideration of the premium"
    # a lone short line is a real one: an address, or "and" closing a list
    assert _clean_page("Level 3\nNSW\nDLA Piper\nand\nthe other") == "Level 3\nNSW\nDLA Piper\nand\nthe other"
    # roman numerals stay on their own line even where words were split
    assert _clean_page("Var\nious\nOt\nher\nIV\nEXCLUSIONS").endswith("IV\nEXCLUSIONS")


def test_words_printed_with_a_space_inside_are_joined_when_the_document_spells_them_whole():
    from ingestion.readers import _join_spaced_words

    pages = ["The Insured and the Insured's Privacy. Privacy of any one Claim is a part of it.",
             "The Insure d shall notify. Priv acy Notification; any one claim. Privacy matters. Insured; a part of the net profit.",
             "(d) Insured persons. Network and net profit."]
    out = _join_spaced_words(pages)
    assert out[1] == "The Insured shall notify. Privacy Notification; any one claim. Privacy matters. Insured; a part of the net profit."
    assert out[0] == pages[0] and out[2] == pages[2]  # "any one", "a part", "net profit" are phrases the document uses


def test_beazley_quotes_read_whole_words():
    """Beazley's PDF prints "Insure d", "Priv acy", "Serv ices" with a space inside; the text read has whole words."""
    from tests.conftest import specimen

    from ingestion.readers import read_document

    text = read_document(specimen("beazley_mediatech_F00731_022019.pdf")).text
    for broken in ("Insure d ", "Priv acy", "Serv ices", "Syste ms", "Cla im"):
        assert broken not in text, broken
    assert text.count("Privacy") >= 5 and "Named Insured" in text


def _packed(section: str, label: str, text: str):
    from ingestion.types import Chunk

    return Chunk("d#0001", "d", text, "f.pdf", "0" * 64, "t", "p", "v1", "policy", 3, 3, section, label, "coverage", 0, len(text))


def test_a_quote_from_a_clause_packed_after_a_short_one_is_cited_by_its_own_label():
    from ingestion.chunking import section_at

    text = ("L. PROOF OF LOSS PREPARATION EXPENSES\nWe will pay on your behalf proof of loss preparation expenses.\n"
            "M. DIGITAL ASSET RESTORATION\n\nWe will pay on your behalf restoration costs.\nC. a stray letter\n")
    c = _packed("SECTION II > FIRST PARTY > L. PROOF OF LOSS PREPARATION EXPENSES", "L", text)
    assert section_at(c, text.index("proof of loss preparation expenses.")) == c.section
    assert section_at(c, text.index("restoration costs")) == "SECTION II > FIRST PARTY > M. DIGITAL ASSET RESTORATION"
    # only the next label of the same list counts ("C." after "M." is no sibling)
    assert section_at(c, len(text)) == "SECTION II > FIRST PARTY > M. DIGITAL ASSET RESTORATION"
    # (packed section, its label, text, words quoted, the section they are cited by)
    for section, label, packed, quoted, cited in [
        # a title wrapped over two lines
        ("S > B. REGULATORY DEFENCE AND PENALTIES", "B",
         "B. REGULATORY DEFENCE AND\nPENALTIES\nWe will pay penalties.\nC. PCI FINES AND\nASSESSMENTS\nWe will pay PCI fines.",
         "PCI fines", "S > C. PCI FINES AND ASSESSMENTS"),
        # lettered past Z
        ("POLICY FORM > Definitions > ZZ. Third Party Wrongful Act", "ZZ",
         "ZZ. Third Party Wrongful Act\nA wrongful act.\nAAA. Waiting Period\nThe number of hours stated in Item 3.",
         "The number", "POLICY FORM > Definitions > AAA. Waiting Period"),
        # dotted numbers
        ("Section 1 > Exclusions > 1.24 Injunction Compliance Costs", "1.24",
         "1.24 Injunction Compliance Costs\nany costs to comply with an injunction.\n1.25 Insured's Own Loss\ncredit monitoring expenses.",
         "credit", "Section 1 > Exclusions > 1.25 Insured's Own Loss"),
        # quoted definitions, labelled by their term
        ("II. DEFINITIONS > Breach", "Breach", '"Breach" means a breach.\n"Waiting Period" means 12 hours.',
         "12 hours", "II. DEFINITIONS > Waiting Period"),
    ]:
        assert section_at(_packed(section, label, packed), packed.index(quoted)) == cited


def test_the_quote_is_the_sentence_with_the_users_own_words_not_one_matching_only_their_vocabulary():
    from bot.extract import assess, query_terms

    # "credit monitoring" brings the wording's "notification costs" into the question's variants; a sentence saying
    # only "costs" must not tie with, and so win over, the later one that names credit monitoring
    text = ("1.24 Injunction Compliance Costs\nany costs incurred by the Insured to comply with any injunction.\n"
            "1.25 Insured's Own Loss\nthe Insured's own loss including notification costs and credit monitoring expenses.")
    ev = assess(_packed("S > 1.24 Injunction Compliance Costs", "1.24", text),
                query_terms("does the policy pay for credit monitoring for the people whose data got leaked?"), {}, 10)
    assert ev.quote.startswith("1.25 Insured's Own Loss") and "credit monitoring expenses" in ev.quote
