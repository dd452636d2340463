"""Extractive helpers: which terms of a question matter, and which sentences of a clause answer it."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from typing import Callable

from ingestion.chunking import section_at, split_sentences
from ingestion.guidance import Control, controls_asked
from ingestion.types import Chunk
from vectorstore.text import stem, tokens

from .types import Citation
from .vocabulary import Concept, concepts_in

# Words that say nothing about *which* clause answers: every clause is about the policy and cover.
GENERIC = frozenset(
    stem(w)
    for w in """policy policies insurance insurer insurers insured cover covered coverage covers require required requires
    requirement requirements need needs needed company our us we say says said mean means clause clauses apply applies
    applicable get got happen happens able allowed there also know please anything something thing things question
    much many long soon fast quickly whether exactly include includes included kind type types does do did doing
    which what when where who why how can could would should will shall must may might is are was were be been being
    have has had it its this that these those any some all count way still get let ones ok okay guys hi hey pls
    just like really actually basically go going gonna wanna want""".split()
)


@dataclass(frozen=True)
class QueryTerms:
    """The salient terms of a question, their variants (lay vocabulary → wording), and the controls it names."""

    terms: tuple[str, ...]
    variants: tuple[frozenset, ...]
    controls: tuple[Control, ...]
    concepts: tuple[Concept, ...] = ()
    expansion: str = ""  # the wording's words for the concepts the question mentions, for the lexical retriever
    ignored: frozenset[str] = frozenset()  # stems that only name the policy ("does Hiscox pay…")

    def without_names(self, question: str) -> str:
        """The question without the words that only name the policy."""
        if not self.ignored:
            return question
        return " ".join(_WORD_RX.sub(lambda m: "" if set(tokens(m.group(0))) & self.ignored else m.group(0), question).split())

    def lexical_query(self, question: str) -> str:
        return f"{self.without_names(question)} {self.expansion}".strip()


_WORD_RX = re.compile(r"[A-Za-z0-9]+(?:[-'’][A-Za-z0-9]+)*")


def query_terms(question: str, ignore: frozenset[str] = frozenset()) -> QueryTerms:
    """Salient stems of `question`, each with the stems the vocabulary says wordings use for it.

    `ignore`: stems that say which policy is meant rather than what is asked (they match the cover page)."""
    found = concepts_in(question)
    by_stem: dict[str, set[str]] = {}
    for concept, phrase in found:
        for s in phrase:
            by_stem.setdefault(s, set()).update(concept.policy_stems)
    seen, terms, variants = set(), [], []
    for tok in tokens(question):
        if tok in GENERIC or tok in seen or tok in ignore or len(tok) < 2:
            continue
        seen.add(tok)
        terms.append(tok)
        variants.append(frozenset({tok} | by_stem.get(tok, set())))
    expansion = " ".join(dict.fromkeys(p for c, _ in found for p in c.policies_say))
    return QueryTerms(tuple(terms), tuple(variants), tuple(controls_asked(question)), tuple(c for c, _ in found), expansion,
                      frozenset(ignore))


@dataclass(frozen=True)
class Evidence:
    """How a chunk bears on the question: the sentences to quote and how much of the question it covers."""

    chunk: Chunk
    quote: str
    coverage: float  # weighted share of the question's salient terms found in the clause (vocabulary included)
    literal: float  # the same share counting only the question's own words
    control_match: bool
    concept_hits: int  # concepts of the question whose wording appears in the clause


def quote_where(ev: Evidence, states: Callable[[str], bool]) -> Evidence:
    """The evidence quoting the first sentence of its clause for which `states` holds (for a "how much / how long"
    question: the sentence stating the figure asked for), or unchanged when its quote holds already or none does."""
    if states(ev.quote):
        return ev
    text = ev.chunk.text
    sents = split_sentences(text)
    for i, (a, b) in enumerate(sents):
        # a label before it ("Item 7." "Waiting Period:") is read and quoted with it: it names the figure's role,
        # and a bare figure says little
        j = i
        while j and sents[j - 1][1] - sents[j - 1][0] < 60:
            j -= 1
        if states(text[a:b]) or (j < i and states(text[sents[j][0] : b])):
            return replace(ev, quote=" ".join(text[sents[j][0] : b].split()))
    return ev


def cite(ev: Evidence, key: str) -> Citation:
    """A citation of the evidence's chunk, quoting the sentences that answer."""
    c = ev.chunk
    words = ev.quote.split()[:8]
    found = re.search(r"\s+".join(map(re.escape, words)), c.text) if words else None
    section = section_at(c, found.start()) if found else c.section  # the clause the quote is from, when packed with others
    return Citation(key, c.id, c.policy, c.version, c.file_name, c.page_start, c.page_end, section, c.clause_type, ev.quote,
                    flagged=bool(c.flags))


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
    concept_stems = [c.policy_stems for c in qt.concepts]

    def score(span: tuple[int, int]) -> float:
        toks = set(tokens(text[span[0] : span[1]]))
        # the user's own word outweighs a vocabulary variant of it: "credit monitoring" expands to the wording's
        # "notification costs", and a sentence saying only "costs" must not tie with the one saying "credit monitoring"
        s = sum(w if t in toks else 0.75 * w for t, v, w in zip(qt.terms, qt.variants, weights) if v & toks)
        s += 0.5 * sum(bool(cs & toks) for cs in concept_stems)
        if qt.controls and any(c.matches(text[span[0] : span[1]]) for c in qt.controls):
            s += total
        return s

    scored = [(score(sp), i) for i, sp in enumerate(sents)]
    best_score, best_i = max(scored, key=lambda x: (x[0], -x[1]))
    chunk_toks = set(tokens(f"{chunk.section} {text}"))
    matched = sum(w for v, w in zip(qt.variants, weights) if v & chunk_toks)
    literal = sum(w for t, w in zip(qt.terms, weights) if t in chunk_toks)
    coverage = matched / total if qt.terms else 0.0
    a, b = sents[best_i]
    # A bare heading sentence ("A. Backups.") says little, and the deadline often sits in the
    # next sentence: quote the sentence after it too when it is short or also matches.
    if best_i + 1 < len(sents) and (b - a < 60 or (scored[best_i + 1][0] > 0 and sents[best_i + 1][1] - a < 500)):
        b = sents[best_i + 1][1]
    quote = " ".join(text[a:b].split())
    hits = sum(bool(cs & chunk_toks) for cs in concept_stems)
    return Evidence(chunk, quote, coverage, literal / total if qt.terms else 0.0, ctrl, hits)


_AMOUNT = re.compile(
    r"(?:[$£€]\s?\d[\d,]*(?:\.\d+)?(?:\s?(?:million|m|k))?|\b\d+\s?(?:%|percent)|(?:\(\d+\)|\b\d+)\s(?:business\s)?(?:hours|days|weeks|months|years)|\b(?:one|two|three|six|twelve)\s(?:hours|days|weeks|months|years)"
    # how often (a test "every six months" that becomes "every quarter" is a change of figure)
    r"|\bevery\s(?:quarter|year|month|week|day)\b|\b(?:quarterly|annually|monthly|weekly|daily)\b)",
    re.I,
)


def amounts(text: str) -> list[str]:
    """Money, percentages and periods mentioned in a clause, in order, each once."""
    return list(dict.fromkeys(m.group(0) for m in _AMOUNT.finditer(" ".join(text.split()))))
