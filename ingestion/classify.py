"""Rule-based clause typing from cue phrases and the section a clause sits in.

The rules follow the cue phrases insurers' wordings use (see README, "Clause types"):
a clause's own wording outweighs the heading it sits under, because exclusions
hide inside definitions and conditions inside insuring agreements.
"""
from __future__ import annotations

import re
from typing import Sequence

_SECTION_PRIORS: list[tuple[str, re.Pattern]] = [
    ("exclusion", re.compile(r"exclusion|what is not covered|not covered", re.I)),
    ("definition", re.compile(r"definition|meaning of|glossary|defined terms", re.I)),
    # an extended reporting period is bought cover, not a duty to give notice
    # notice of a claim, not a fraud warning or an information notice
    ("notice", re.compile(r"(?<!fraud )(?<!legal )(?<!privacy )(?<!important )notice|claims? (?:conditions|procedure|reporting|made)|(?<!extended )reporting|how to make a claim|report(?:ing)? (?:a )?claim|in the event of an? (?:claim|incident|loss)", re.I)),
    ("limit", re.compile(r"limits? of (?:liability|insurance|indemnity)|sub-?limit|retention|deductible|excess|waiting period|declarations|schedule|coinsurance", re.I)),
    ("requirement", re.compile(r"condition|warrant|security requirements|minimum security|your obligations|insured'?s duties|application", re.I)),
    # "THIRD PARTY LIABILITY COVERAGES", not "OTHER MATTERS AFFECTING COVERAGE" or "Coverage Territory"
    ("coverage", re.compile(r"insuring (?:agreement|clause)|what (?:is|we) cover|cover section|^\W*coverages?\W*$|(?:liability|party|cyber|crime|response|technology|media|privacy|security|business|property)\s+coverages?\b|coverages? (?:section|part)", re.I)),
]
# A heading that only says "Conditions" or "Your obligations" hints at a requirement without settling it:
# most conditions (territory, assignment, cancellation) ask nothing of the insured's security.
_WEAK_REQUIREMENT = re.compile(r"^(?!.*(?:warrant|security requirements|minimum security|condition precedent)).*", re.I | re.S)
SECTION_PRIOR_WEIGHT = 2.5  # what a telling section heading adds to its clause type's cue score
WEAK_PRIOR_WEIGHT = 1.0  # the same for a heading that merely says "Conditions"

# How a definition opens: "Waiting Period means", "7.22 Loss means", "I. Defense Costs means" (matched on a clause's
# text with its line breaks collapsed)
DEFINITION_OPENING = re.compile(r"^\s*(?:[A-Z0-9]{1,3}(?:\.\s?\d{1,2})*[.)]\s+)?[\"“]?[A-Z][\w’'\- ]{1,60}[\"”]?\s+(?:means|shall mean|includes|refers to)\b")

_CUES: dict[str, list[tuple[re.Pattern, float]]] = {
    "requirement": [
        (re.compile(r"condition precedent|as a condition of (?:coverage|this (?:policy|insurance))", re.I), 3.0),
        (re.compile(r"\b(?:the )?(?:named )?insureds?(?: organi[sz]ation)? (?:shall|must|will) (?:maintain|implement|ensure|use|require|have|test|enforce|keep|apply|conduct|provide)", re.I), 2.5),
        (re.compile(r"\byou (?:must|shall) (?:maintain|implement|ensure|use|require|have|test|enforce|keep|apply|conduct)", re.I), 2.5),
        (re.compile(r"it is warranted|\bwarrant(?:s|y|ies)\b|minimum (?:required )?security|minimum required practices", re.I), 2.0),
        (re.compile(r"multi-?factor|two-?factor|\bMFA\b|\bEDR\b|endpoint detection|offline backup|immutable|incident response plan|security awareness training|patch(?:es|ing)? (?:within|no later)", re.I), 1.0),
        (re.compile(r"\b(?:shall|must) be (?:maintained|enabled|enforced|tested|applied|encrypted)", re.I), 1.5),
    ],
    "exclusion": [
        (re.compile(r"(?:we|insurers?|underwriters?|the company) (?:shall|will) not (?:be liable|pay|cover|make any payment)", re.I), 3.0),
        (re.compile(r"(?:this (?:policy|insurance|coverage)|coverage) (?:does|shall) not (?:apply|cover)", re.I), 3.0),
        (re.compile(r"\bexclu(?:des?|ded|sion)\b", re.I), 1.5),
        (re.compile(r"based upon,? arising (?:out of|from)|directly or indirectly (?:arising|resulting|caused)", re.I), 1.5),
        (re.compile(r"\bnot covered\b|no coverage (?:is|will be) (?:provided|afforded)", re.I), 2.0),
        # a carve-back names what it carves from: "however, this exclusion shall not apply to ..."
        (re.compile(r"this exclusion (?:shall|will|does) not apply", re.I), 2.0),
    ],
    "limit": [
        (re.compile(r"sub-?limit|aggregate limit|limit of (?:liability|insurance|indemnity)", re.I), 2.5),
        (re.compile(r"\bretention\b|\bdeductible\b|\bexcess\b of", re.I), 2.0),
        (re.compile(r"waiting period|period of (?:restoration|indemnity)|coinsurance|co-insurance", re.I), 2.5),
        (re.compile(r"part of,? and not in addition to", re.I), 2.0),
        (re.compile(r"(?:[$£€]|USD|GBP|EUR|AUD)\s?\d[\d,.]*(?:\s?(?:million|m|k))?|\b\d+\s?hours\b|\b\d{1,3}\s?%", re.I), 1.0),
    ],
    "notice": [
        (re.compile(r"\b(?:give|provide|send)\b.{0,30}\bnotice\b|\bnotif(?:y|ied|ication) (?:us|the insurer|underwriters|the company|the claims? (?:managers?|department))", re.I), 2.5),
        (re.compile(r"as soon as (?:is )?(?:reasonably )?practicable|as soon as possible", re.I), 2.0),
        (re.compile(r"within \d+\s?(?:\(\w+\)\s)?(?:days|hours)|no later than \d+", re.I), 1.0),
        (re.compile(r"proof of loss|prior written consent|without (?:our|the insurer'?s) (?:prior )?(?:written )?consent|does not constitute notice", re.I), 2.0),
        (re.compile(r"\bnotice of (?:a )?(?:claim|circumstance|loss)", re.I), 2.0),
    ],
    "definition": [(DEFINITION_OPENING, 3.0)],
    "coverage": [
        (re.compile(r"\bwe (?:will|shall) (?:pay|indemnify|reimburse|cover)|agrees? to (?:pay|indemnify)|(?:underwriters|insurers?) will pay|to indemnify the insured", re.I), 3.0),
        (re.compile(r"insuring agreement|is covered|we cover\b|first discover(?:s|ed) during the policy period", re.I), 1.5),
    ],
}


def clause_scores(text: str, heading: str = "") -> dict[str, float]:
    """Cue scores per clause type (before the section prior)."""
    return _cue_scores(text)[0]


def _cue_scores(text: str) -> tuple[dict[str, float], dict[str, int]]:
    """Cue scores per clause type, and where each type's first cue stands in the clause."""
    scores = {k: 0.0 for k in _CUES}
    first: dict[str, int] = {}
    head = " ".join(text[:1500].split())  # PDF line breaks fall mid-phrase
    for ctype, cues in _CUES.items():
        for rx, w in cues:
            m = rx.search(head)
            if m:
                scores[ctype] += w
                first[ctype] = min(first.get(ctype, m.start()), m.start())
    return scores, first


def section_prior(heading: str) -> str | None:
    """The clause type a heading suggests, if any."""
    if re.search(r"general (?:conditions|provisions)|miscellaneous", heading or "", re.I):
        return None
    for ctype, rx in _SECTION_PRIORS:
        if rx.search(heading or ""):
            return ctype
    return None


_PAGE_REF_LINE = re.compile(r"(?:\.{3,}|…+|\s)\s*\d{1,3}\s*$")
CONTENTS_SHARE = 0.6  # a chunk whose lines mostly end in a page number is a table of contents
CONTENTS_ENTRY_CHARS = 120  # … and one with a dot leader to a page number for every this many characters


def is_contents(text: str) -> bool:
    """A table of contents: dot leaders, or lines that mostly end with a page number."""
    if len(re.findall(r"\.{5,}", text)) >= 3:
        return True
    # a piece of one cut into short chunks: a title or two, each led to its page ("B. Optional Extended Reporting
    # Period ........ 24")
    leaders = len(re.findall(r"\.{5,}(?:\s*\d{1,3}\b|\s*$)", text))  # (the last cut before its page number)
    if leaders and len(text) <= CONTENTS_ENTRY_CHARS * leaders:
        return True
    lines = [ln for ln in text.split("\n") if ln.strip()]
    return len(lines) >= 3 and sum(bool(_PAGE_REF_LINE.search(ln)) for ln in lines) >= CONTENTS_SHARE * len(lines)


def path_prior(path: Sequence[str]) -> tuple[str | None, str]:
    """The clause type the section path suggests, and the title that suggests it.

    Definitions and exclusions sections hold their kind whatever a deeper title says ("EXCLUSIONS >
    W. WAR AND TERRORISM", "DEFINITIONS > Waiting Period"); elsewhere the deepest telling title wins
    ("CONDITIONS > K. NOTICE OF CLAIM" is about notice).
    """
    priors = [(section_prior(p), p) for p in path]
    for p, title in priors:
        if p in ("definition", "exclusion"):
            return p, title
    return next(((p, title) for p, title in reversed(priors) if p), (None, ""))


def classify_clause(
    text: str, heading: str = "", kind: str = "policy", path: Sequence[str] = (), parent_type: str = ""
) -> str:
    """One of requirement, exclusion, limit, notice, definition, coverage, other.

    `path` is the clause's section path (outermost first); without it the `heading` alone sets the prior.
    `parent_type` is the type of the clause whose list this one is an item of: an exclusion's or a
    definition's items count towards it as a section heading would.
    """
    if kind == "guidance" or is_contents(text):
        return "other"
    scores, first = _cue_scores(text)
    prior, title = path_prior(path) if path else (section_prior(heading), heading)
    if prior:
        weak = prior == "requirement" and _WEAK_REQUIREMENT.match(title or "")
        scores[prior] = scores.get(prior, 0.0) + (WEAK_PRIOR_WEIGHT if weak else SECTION_PRIOR_WEIGHT)
        # Definitions sections hold definitions even when they mention money or notice.
        if prior == "definition" and scores["definition"] >= 2.0:
            scores["definition"] += 2.0
    if parent_type in ("exclusion", "definition") and parent_type != prior:
        scores[parent_type] += SECTION_PRIOR_WEIGHT
    best = max(scores, key=lambda k: scores[k])
    if best == "exclusion" and scores["coverage"] == scores["exclusion"] and first.get("coverage", len(text)) < first["exclusion"] \
            and prior != "exclusion" and parent_type != "exclusion":
        # "We agree to pay … However, we will not pay …" is a cover with a carve-out, where "We will not pay … unless …"
        # is an exclusion with a carve-back: on a tie, outside an exclusions section, the clause's opening decides
        best = "coverage"
    return best if scores[best] >= 2.0 else "other"
