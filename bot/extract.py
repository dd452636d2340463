"""Extractive helpers: which terms of a question matter, and which sentences of a clause answer it."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ingestion.chunking import split_sentences
from ingestion.guidance import Control, controls_in
from ingestion.types import Chunk
from vectorstore.text import stem, tokens

from .types import Citation

# Words that say nothing about *which* clause answers: every clause is about the policy and cover.
GENERIC = frozenset(
    stem(w)
    for w in """policy policies insurance insurer insurers insured cover covered coverage covers require required requires
    requirement requirements need needs needed company our us we say says said mean means clause clauses apply applies
    applicable get got happen happens able allowed there also know please anything something thing things question
    much many long soon fast quickly whether exactly include includes included kind type types does do did doing
    which what when where who why how can could would should will shall must may might is are was were be been being
    have has had it its this that these those any some all count way still get let ones""".split()
)

# A small domain thesaurus: users and wordings say the same thing in different words.
THESAURUS: dict[str, tuple[str, ...]] = {
    "ransomware": ("extortion", "ransom"),
    "ransom": ("extortion", "ransomware"),
    "extortion": ("ransomware", "ransom"),
    "notify": ("notice", "notification", "report"),
    "notice": ("notify", "notification", "report"),
    "report": ("notice", "notify"),
    "deadline": ("within", "later"),
    "deductible": ("retention", "excess"),
    "retention": ("deductible", "excess"),
    "wire": ("funds", "transfer", "social", "fraudulent"),
    "fraud": ("fraudulent", "social", "engineering"),
    "hack": ("breach", "unauthorised", "unauthorized"),
    "hacker": ("breach", "unauthorised", "unauthorized"),
    "cyberattack": ("breach", "attack"),
    "outage": ("interruption", "failure"),
    "downtime": ("interruption", "outage"),
    "fine": ("penalty", "penalties", "fines"),
    "penalty": ("fine", "fines"),
    "gdpr": ("regulatory", "privacy"),
    "laptop": ("portable", "device", "devices"),
    "stolen": ("theft", "loss"),
    "lost": ("loss", "theft"),
    "state": ("war", "state-backed"),
    "sponsored": ("state", "war"),
    "cloud": ("service", "provider", "hosting"),
    "vendor": ("provider", "service", "supplier"),
    "msp": ("provider", "managed"),
    "upgrade": ("betterment", "upgrading", "improving"),
    "upgrades": ("betterment", "upgrading", "improving"),
    "bricked": ("hardware", "unusable"),
    "hotline": ("notice",),
    "employee": ("employees", "insider", "rogue"),
    "subsidiary": ("acquire", "acquisition", "acquires"),
    "subsidiaries": ("acquire", "acquisition", "acquires"),
    "acquisition": ("acquire", "acquires", "subsidiary"),
    "consent": ("approval", "agree"),
    "rescind": ("void", "misrepresentation", "application"),
    "lawyer": ("counsel", "legal", "panel"),
    "firm": ("vendor", "panel"),
    "unpatched": ("patch", "vulnerability"),
    "eol": ("end-of-life", "unsupported"),
    "windows": ("operating", "system", "unsupported"),
    "insider": ("employee",),
    "nation": ("state",),
    "wrong": ("misrepresentation", "untrue", "incorrect"),
    "answers": ("statements",),
    "tell": ("notify", "notice", "inform"),
    "ring": ("call", "telephone"),
    "ringing": ("call", "calling", "telephone"),
    "phone": ("call", "telephone"),
    "change": ("alteration", "alter", "amend"),
    "changes": ("alteration", "alter", "amend"),
    "acquire": ("acquisition", "acquires"),
    "brick": ("unusable", "firmware", "hardware"),
    "bricks": ("unusable", "firmware", "hardware"),
    "attack": ("breach", "operation", "threat"),
    "attacks": ("breach", "operation", "threat"),
    "bi": ("business", "interruption"),
    "dbi": ("dependent", "business", "interruption"),
}


@dataclass(frozen=True)
class QueryTerms:
    """The salient terms of a question, their synonym sets, and the controls it names."""

    terms: tuple[str, ...]
    variants: tuple[frozenset, ...]
    controls: tuple[Control, ...]
    expansion: str = ""  # the thesaurus words, for the lexical retriever

    def lexical_query(self, question: str) -> str:
        return f"{question} {self.expansion}".strip()


def query_terms(question: str) -> QueryTerms:
    seen, terms, variants, extra = set(), [], [], []
    for raw in re.findall(r"[A-Za-z0-9][A-Za-z0-9'-]*", question):
        low = raw.lower()
        t = tokens(low)
        if "-" in low and len(t) > 1:
            t = t[1:]  # "state-sponsored" counts as its parts, not as one rare compound
        if not t:
            continue
        for tok in t:
            if tok in GENERIC or tok in seen or len(tok) < 2:
                continue
            seen.add(tok)
            words = THESAURUS.get(low, ()) + THESAURUS.get(tok, ())
            extra += words
            syn = {tok} | {s for w in words for s in tokens(w)}
            terms.append(tok)
            variants.append(frozenset(syn))
    return QueryTerms(tuple(terms), tuple(variants), tuple(controls_in(question)), " ".join(dict.fromkeys(extra)))


@dataclass(frozen=True)
class Evidence:
    chunk: Chunk
    quote: str
    coverage: float  # weighted share of the question's salient terms found in the clause
    control_match: bool


def cite(ev: Evidence, key: str) -> Citation:
    """A citation of the evidence's chunk, quoting the sentences that answer."""
    c = ev.chunk
    return Citation(key, c.id, c.policy, c.version, c.file_name, c.page_start, c.page_end, c.section, c.clause_type, ev.quote)


def _weights(qt: QueryTerms, df: dict[str, int], n_docs: int) -> list[float]:
    out = []
    for v in qt.variants:
        d = min((df.get(t, 0) for t in v), default=0)
        out.append(1.0 + math.log((n_docs + 1) / (d + 1)))
    return out


def assess(chunk: Chunk, qt: QueryTerms, df: dict[str, int], n_docs: int) -> Evidence:
    """How well a chunk answers the question, and the sentences to quote from it."""
    weights = _weights(qt, df, n_docs)
    total = sum(weights) or 1.0
    text = chunk.text
    sents = split_sentences(text) or [(0, len(text))]
    ctrl = bool(qt.controls) and any(c.matches(text) for c in qt.controls)

    def score(span: tuple[int, int]) -> float:
        toks = set(tokens(text[span[0] : span[1]]))
        s = sum(w for v, w in zip(qt.variants, weights) if v & toks)
        if qt.controls and any(c.matches(text[span[0] : span[1]]) for c in qt.controls):
            s += total
        return s

    scored = [(score(sp), i) for i, sp in enumerate(sents)]
    best_score, best_i = max(scored, key=lambda x: (x[0], -x[1]))
    chunk_toks = set(tokens(f"{chunk.section} {text}"))
    matched = sum(w for v, w in zip(qt.variants, weights) if v & chunk_toks)
    coverage = matched / total if qt.terms else 0.0
    a, b = sents[best_i]
    # A bare heading sentence ("A. Backups.") says little, and the deadline often sits in the
    # next sentence: quote the sentence after it too when it is short or also matches.
    if best_i + 1 < len(sents) and (b - a < 60 or (scored[best_i + 1][0] > 0 and sents[best_i + 1][1] - a < 500)):
        b = sents[best_i + 1][1]
    quote = " ".join(text[a:b].split())
    return Evidence(chunk, quote, coverage, ctrl)


_AMOUNT = re.compile(
    r"(?:[$£€]\s?\d[\d,]*(?:\.\d+)?(?:\s?(?:million|m|k))?|\b\d+\s?(?:%|percent)|(?:\(\d+\)|\b\d+)\s(?:business\s)?(?:hours|days|months)|\b(?:one|two|three|six|twelve)\s(?:hours|days|months))",
    re.I,
)


def amounts(text: str) -> list[str]:
    """Money, percentages and periods mentioned in a clause, in order."""
    return [m.group(0) for m in _AMOUNT.finditer(" ".join(text.split()))]
