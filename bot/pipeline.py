"""The answer pipeline: question in, cited Answer out. CLI, Slack and evaluation all call `answer()`."""
from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

import numpy as np

from ingestion.classify import DEFINITION_OPENING, is_contents
from ingestion.injection import is_flagged
from ingestion.sentences import split_sentences
from ingestion.terms import IN_DECLARATIONS, without_carve_backs
from ingestion.types import Chunk
from prompts import NO_ANSWER
from vectorstore.index import Hit, PolicyIndex, UnknownPolicyError
from vectorstore.text import tokens

from .extract import Evidence, QueryTerms, assess, cite, query_terms, quote_where
from .posture import Posture
from .ranker import Ranker, Signals, load_ranker
from .ranker import features as rank_features
from .types import Answer, Citation, Gap
from .verdict import section_short as _section_short
from .verdict import (LEAVES_OUT, PASS_ON, READING, Reading, asks_a_specific_figure, asks_if_a_call_is_notice, limit_words, pick_figure,
                      question_asks, refers_figure_to_declarations, refusal_named, role_unit, says_a_call_is_notice, subject_test,
                      verdict, wants_written_notice)
from .vocabulary import correct_typos, expand_shorthand, proper_names

RISK_TYPES = ("exclusion", "limit", "notice")

# What a question asks for decides which kind of clause answers it best.
_INTENTS = [
    ("notice", re.compile(r"\b(notif\w*|notice|report\w*|tell|inform|how (?:soon|quick(?:ly)?|fast)|deadline|consent|permission|approv\w*|proof of loss|hotline|in writing)\b|" + PASS_ON, re.I)),
    ("exclusion", re.compile(r"\bexclu\w*\b|\bnot covered\b", re.I)),
    ("definition", re.compile(r"\b(defin\w*|what counts as|count as|what (?:is|does) .{1,40} mean)\b", re.I)),
    ("limit", re.compile(r"\b(how (?:much|long|many)|sub-?limit|limit|max\w*|cap|retention|deductible|excess|waiting period|coinsurance|most (?:they|we|it)\b)", re.I)),
    ("requirement", re.compile(r"\b(must|have to|has to|need to|do (?:we|i) need|required?|requirement|mandatory|obliged|condition)\b", re.I)),
    ("coverage", re.compile(r"\b(covered|cover|pay|pays|paid|reimburse\w*|will (?:they|you|it) pay)\b", re.I)),
]


# "the cost of notifying customers", "letters to affected people": notifying others is a cost the policy may pay, not
# the notice owed to the insurer
_NOTIFYING_OTHERS = re.compile(
    r"\b(?:costs?|expenses?|fees?|bills?|pay(?:s|ing)? for) (?:of |for )?(?:notif\w*|telling|informing|letters?|writing)\b|"
    r"\b(?:notif\w*|tell\w*|inform\w*|write to|writing to|letters? to|contact\w*) (?:the |our |all |every |affected |impacted |those )*"
    r"(?:customers?|clients?|people|persons|individuals|data subjects|users|patients|members|victims|public|everyone|employees|staff)\b", re.I)


def wanted_types(question: str) -> tuple[str, ...]:
    """Clause types the question asks about, most specific first."""
    return tuple(t for t, rx in _INTENTS if rx.search(_NOTIFYING_OTHERS.sub(" ", question) if t == "notice" else question))


@dataclass(frozen=True)
class Tuning:
    """How retrieval is fused and when a clause counts as an answer. Chosen on the dev split (`policybot eval`).

    The relevance of a candidate clause is a logistic score over its features (see `features()`);
    the question is answered when the best candidate's score reaches `answer_threshold`.
    """

    fusion: str = "rrf"  # how the two lists are fused: rrf (ranks) or zscore (standardised scores)
    dense_weight: float = 1.0  # fusion weight of MiniLM search
    lexical_weight: float = 1.0  # … and of BM25 over the question plus its vocabulary expansion
    candidates: int = 12  # clauses scored per question
    pool: int = 100  # how deep each retriever's list goes before fusion (deeper lists agree more often)
    answer_threshold: float = 0.5  # relevance below which the answer is "not addressed"
    cite_margin: float = 0.25  # further citations must score within this of the best one
    cite_floor: float = 0.5  # … and reach this relevance (below answer_threshold: a question judged answered shows
    # its next-best clauses too, as an exclusion or condition beside the insuring clause often is the answer)
    cite_top: int = 0  # the ranker's first this many clauses are citable whatever their relevance, once the question
    # is answered: relevance decides whether to answer; the ranker orders better which clause answers
    exclusion_depth: int = 6  # an exclusion this far down the citable clauses (fused order) that names the question's
    # subject decides "is it covered?" (dev: such an exclusion among the first 6 meant "no" for 22 of 27 questions)
    subject_rare: float = 0.1  # a one-word wording phrase names a subject only if at most this share of clauses use it
    typo_cutoff: float = 0.85  # difflib similarity a misspelt word needs to a vocabulary word ("ransomwear": 0.90)
    typo_min_length: int = 6  # shorter words have too many one-letter neighbours to correct safely
    name_max_clauses: int = 2  # a proper name the question uses ("CrowdStrike") pins the clause naming it when the
    # wording uses it in at most this many clauses (a firm on a vendor list); a name used throughout names nothing
    unplaced_yes_threshold: float = 0.8  # a yes-or-no question no ask pattern places is answered "yes" (from the leading
    # clause's kind) only when its best clause's relevance reaches this; below, the wording is taken not to address it
    # (dev: the three such answers below 0.8 were to questions the wording does not address, the four above were not)
    reading: Reading = READING  # how closely the verdict reads a clause's sentences (bot/verdict.py `Reading`)
    ranker: Ranker | None = None  # trees that reorder the fused candidates (bot/ranker.py); None keeps the fused order
    ranker_weight: float = 1.0  # … by the fused score plus this times the trees' log-odds (on a similar scale). Trees
    # alone found a right clause most often (cross-validated on dev) but led with a sublimit or a definition where the
    # insuring clause answers "is there cover?"; at 1.0 eval21's fresh dev half kept its verdicts (0.613, 0.597 at 0.5)
    bias: float = -6.0
    weights: tuple[tuple[str, float], ...] = (
        ("absent_key", 0.0), ("cosine", 8.0), ("coverage", 2.0), ("literal", 1.0), ("concepts", 0.3), ("control", 1.5),
        ("dense_top", 0.5), ("lexical_top", 0.5), ("type_match", 0.4),
    )


TUNING_PATH = Path(__file__).parent / "data" / "tuning.yaml"


def load_tuning(path: str | Path = TUNING_PATH) -> Tuning:
    """The tuning chosen on the dev split (`policybot eval --fit` writes the file); defaults where it is absent."""
    import yaml

    p = Path(path)
    if not p.exists():
        return Tuning()
    raw = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    fields = {k: v for k, v in raw.items() if k in Tuning.__dataclass_fields__ and k not in ("weights", "reading", "ranker")}
    if "weights" in raw:
        fields["weights"] = tuple((str(k), float(v)) for k, v in raw["weights"].items())
    if "reading" in raw:
        fields["reading"] = Reading(**{k: int(v) for k, v in raw["reading"].items() if k in Reading.__dataclass_fields__})
    if raw.get("ranker"):  # a file named beside the tuning file
        fields["ranker"] = load_ranker(p.parent / raw["ranker"])
    return Tuning(**fields)


DEFAULT_TUNING = load_tuning()


class EmptyIndexError(Exception):
    """No policy has been indexed yet."""


def empty_index_message(index: PolicyIndex) -> str:
    return (
        f"No policy is indexed in {index.data_dir} yet. Add one with "
        "`policybot ingest policy.pdf --policy NAME` (or upload the PDF to PolicyBot in Slack)."
    )


# Words in a policy's name or title that do not tell one policy from another.
_GENERIC_NAME_WORDS = frozenset(tokens(
    "cyber policy insurance tech technology form coverage specimen wording liability professional privacy security "
    "network risk data breach e&o eo errors omissions endorsement application version edition v1 v2 v3 us uk au "
    "integrated smart short sponsored company limited ltd inc plc group the our new"
))


# A title or file-name word found in at most this many of a policy's clauses is a name ("Swiss", "Mediatech"), not vocabulary.
NAME_MAX_CHUNKS = 3


def naming_words(index: PolicyIndex, policy: str, df: dict[str, int]) -> frozenset[str]:
    """Stems that say which policy a question means ("does Hiscox pay…", "under the Swiss Re tech policy"): the
    policy's name, and the words of its titles and file names that are names rather than insurance vocabulary.
    They tell nothing about which clause answers, and matched only the cover page and the insurer's address."""
    name = set(tokens(policy.replace("-", " ").replace("_", " ")))
    # a title word spelt inside the policy's name is part of it, however often the wording prints it: "Swiss" and "Re"
    # of the policy called swissre fill its address blocks, and matched them rather than any clause
    compact = re.sub(r"[^a-z0-9]", "", policy.lower())
    words = name | set(index.policy_words().get(policy, ()))
    return frozenset(w for w in words if w not in _GENERIC_NAME_WORDS and not w.isdigit() and len(w) > 1
                     and (w in name or w in compact or df.get(w, 0) <= NAME_MAX_CHUNKS))


def question_terms(question: str, index: PolicyIndex, policy: str | None, df: dict[str, int]) -> QueryTerms:
    """The question's terms, without the words that only name `policy`. A proper name the question uses that the wording
    uses too ("is CrowdStrike on the panel?") is the most specific word there is: the lexical query weighs it double."""
    qt = query_terms(question, naming_words(index, policy, df) if policy else frozenset())
    names = sorted(_names_in(question, qt, df))
    return replace(qt, expansion=f"{qt.expansion} {' '.join(names)}".strip()) if names else qt


def _names_in(question: str, qt: QueryTerms, df: dict[str, int], most: int = DEFAULT_TUNING.name_max_clauses) -> frozenset[str]:
    """The proper names of the question (no English word) that the wording uses in at most `most` clauses, other than
    the policy's own name: a firm on a vendor list, not "tech", which the word list lacks and wordings use throughout."""
    # (part of the policy's own name counts as it: "AXA" of the policy called axaxl)
    return proper_names(question, among=lambda n: not any(n in w for w in qt.ignored) and 0 < df.get(n, 0) <= most)


def resolve_policy(text: str, index: PolicyIndex) -> tuple[str | None, str]:
    """The one policy `text` names ("under our Coalition policy, …"), or None when no name is strong and unique.

    Returns (policy, the text with a leading "under our X policy," phrase removed). A policy is named by a word
    of its name, or by two distinctive words of its title or file name, that no other indexed policy shares.
    """
    docs = [d for d in index.documents(include_superseded=False, kind="policy")]
    if not docs:
        return None, text
    words: dict[str, tuple[set[str], set[str]]] = {}
    for d in docs:
        name, title = words.setdefault(d.policy, (set(), set()))
        name |= set(tokens(d.policy.replace("-", " ").replace("_", " ")))
        title |= set(tokens(f"{d.title} {Path(d.file_name).stem.replace('_', ' ')}"))
    owners: dict[str, set[str]] = {}
    for pol, (name, title) in words.items():
        for w in name | title:
            owners.setdefault(w, set()).add(pol)
    q = set(tokens(text))

    def distinctive(ws: set[str]) -> set[str]:
        return {w for w in ws & q if len(owners[w]) == 1 and w not in _GENERIC_NAME_WORDS and not w.isdigit() and len(w) > 2}

    strong = [p for p, (name, title) in words.items() if distinctive(name) or len(distinctive(title)) >= 2]
    if len(strong) != 1:
        return None, text
    stripped = re.sub(r"^\s*(?:under|in|for|with|on)\s+(?:our|the|my)\s+[^,?]{1,60}?\s+(?:policy|wording|cover)\s*[,:]?\s*", "", text, flags=re.I)
    return strong[0], stripped or text


_PART_SPLIT = re.compile(
    r"(?<=\?)\s+(?=\S)|\n+|;\s+(?:and\s+)?(?=(?:also|what|how|is|are|do|does|can|will|would|must|if)\b)|"
    # "…, and do we need their OK?" — a second question joined by ", and" and a question word
    r",\s+(?:and|plus)\s+(?=(?:what|what's|how|who|where|when|which|is|are|do|does|can|could|will|would|must|should|if|"
    r"(?:by|until|from|since|for|over|within) (?:when|how))\b)|"
    # "what's the most it costs and how long does it last?" — a figure question joined by a bare "and"
    r"\s+and\s+(?=(?:how (?:long|much|many|soon|quick(?:ly)?|fast)|(?:by|until|over|for) (?:when|how long)|when|"
    r"what(?:'s| (?:does|do|would|will|is|are))))\b", re.I)

# A part that opens with a question word asks something of its own however few words it has ("by when?", "over how long?")
_ASKS_OWN = re.compile(r"^\W*(?:what|what's|how|when|who|which|where|(?:by|until|over|for|within) (?:when|how))\b", re.I)
# A short part that points back ("how long does it last?", "what does that one cost?") or has no subject of its own
# ("over how long?") is about what the part before it named: it is searched together with that part
_POINTS_BACK = re.compile(r"\b(?:it|its|that(?: one)?|this(?: one)?|those|these)\b(?!\s+(?:is|was)\s+(?:a|an|the)\b)", re.I)


# A later part that asks "what if / what about …" and names no question of its own
_FOLLOW_ON = re.compile(r"^\W*(?:\(?\d\)\s*)?(?:and\s+|but\s+)?(?:what|how)\s+(?:if|about)\b", re.I)

# "(1) what's the cap…, and (2) for how long…": numbered parts, split before each number after the first; "(a) … (b) …"
# the same with letters (only in brackets, or after a space: "a)" inside a word is no mark)
_NUMBERED_FIRST = re.compile(r"(?:^|[\s:,])\(?1\)\s")
_NUMBERED_NEXT = re.compile(r"[,;]?\s+(?:and\s+)?(?=\(?[2-9]\)\s)")
_NUMBER_MARK = re.compile(r"(?:^|(?<=[\s:]))\(?[1-9]\)\s+")
_LETTERED_FIRST = re.compile(r"(?:^|[\s:,])\(?a\)\s.*\s\(?b\)\s", re.S)
_LETTERED_NEXT = re.compile(r"[,;]?\s+(?:and\s+)?(?=\(?[b-f]\)\s)")
_LETTER_MARK = re.compile(r"(?:^|(?<=[\s:]))\(?[a-f]\)\s+")
# "can we still buy it, how long is it, what does it cost, and how soon must we ask?": a list of questions, each after a
# comma, when the list ends with ", and <question word>" and the part before the first comma is itself a question
_QUESTION_WORD = r"how|what|what's|when|who|which|where|is|are|do|does|can|could|will|would|must"
_LIST_QUESTION = re.compile(rf",\s+(?=(?:{_QUESTION_WORD})\b)", re.I)
_OPENS_QUESTION = re.compile(rf"(?:^|[:;]\s*|\?\s*)(?:{_QUESTION_WORD}|whats|should)\b", re.I)


def _marked_parts(question: str, nxt: re.Pattern, mark: re.Pattern) -> list[str]:
    """The parts of a numbered or lettered list, without their marks. A list inside a sentence ("what was (a) the cap,
    (b) our share") lends each later part the words its sentence opened with ("what was our share")."""
    pieces = nxt.split(question)
    first = mark.search(pieces[0])
    lead = ""
    if first is not None:
        before = pieces[0][: first.start()].rstrip()
        if before and before[-1] not in ".:?;!":
            lead = re.split(r"[.:?;!,]\s*", before)[-1].strip()
    return [mark.sub("", p) if i == 0 or not lead else f"{lead} {mark.sub('', p)}" for i, p in enumerate(pieces)]


def _question_list(part: str) -> list[str]:
    """A part holding a comma list of questions ("can we buy it, how long is it, what does it cost"), split; any other
    part whole ("if we're hacked, how long do we have" is one question)."""
    pieces = _LIST_QUESTION.split(part)
    if len(pieces) < 2 or not _OPENS_QUESTION.search(pieces[0]):
        return [part]
    return pieces


# "…? does the coalition wording say anything?": asks the question before it again, of the wording; no part of its own
_SAYS_ANYTHING = re.compile(r"^\W*(?:and\s+|so\s+)?(?:does|do|did|will|would|is there)\b(?:\s+[\w'’-]+){0,4}?\s+(?:say|mention|address|cover|"
                            r"talk about|deal with|have)\s+(?:anything|something|this|that|it|on (?:it|this|that))\b(?:\s+(?:about|on) "
                            r"(?:it|this|that))?\W*$", re.I)


def split_parts(question: str) -> list[str]:
    """The sub-questions of a multi-part message ("is X covered? and how fast must we tell them?")."""
    if _NUMBERED_FIRST.search(question):
        pieces = _marked_parts(question, _NUMBERED_NEXT, _NUMBER_MARK)
    elif _LETTERED_FIRST.search(question):
        pieces = _marked_parts(question, _LETTERED_NEXT, _LETTER_MARK)
    else:
        pieces = [question]
    # the parts a list marks out are the user's own: "(a) what's the longest tail and what does it cost" is one part
    parts = [p.strip(" ,;") for piece in pieces for p in (_PART_SPLIT.split(piece) if len(pieces) == 1 else [piece])
             if p and p.strip(" ,;")]
    if len(parts) > 1 and len(pieces) == 1:
        parts = [q for p in parts for q in _question_list(p)]
    parts = [re.sub(r"^(?:and|also|plus)\b[\s,]*", "", p, flags=re.I) for p in parts]
    # a part asking its own figure counts with a word of its own, or with none when a list marks it out ("2) by when?")
    substantive = [p for p in parts if (len([t for t in tokens(p) if len(t) > 2]) >= 2 or (_ASKS_OWN.match(p) and (tokens(p) or len(pieces) > 1)))
                   and not _SAYS_ANYTHING.match(p)]
    return substantive if len(substantive) > 1 else [question]


@dataclass(frozen=True)
class Candidate:
    """A retrieved clause with the evidence for it and its relevance to the question."""

    hit: Hit
    evidence: Evidence
    cosine: float
    relevance: float


def retrieve(
    question: str, *, index: PolicyIndex, policy: str | None, qt: QueryTerms | None = None,
    tuning: Tuning = DEFAULT_TUNING, k: int | None = None, dense_weight: float | None = None, lexical_weight: float | None = None,
    query_vector=None, version: str | None = None, kind: str | None = "policy", clause_types: Sequence[str] | None = None,
    include_superseded: bool = False, assessed: dict[str, Evidence] | None = None,
) -> list[Hit]:
    """The hybrid search an answer is built on: MiniLM on the question, BM25 on the question plus the wording's words
    for the lay words it uses, without the words that only name the policy; the tuning's ranker, when it has one,
    reorders the fused candidates of a policy search (and leaves in `assessed` the evidence it read of each, by chunk
    id, so the caller need not read it again). `policybot search` runs it too."""
    if qt is None:
        qt = question_terms(question, index, policy, index.term_stats(policy=policy, kind="policy")[0])
    lexical = qt.lexical_query(question)
    if query_vector is None:
        query_vector = index.embed_query(question)
    k = k or tuning.candidates
    ranker = tuning.ranker if dense_weight is None and lexical_weight is None and kind == "policy" else None
    depth = max(k, ranker.depth) if ranker else k
    hits = index.search(
        question, k=depth, policy=policy, version=version, kind=kind, lexical_query=lexical, query_vector=query_vector,
        dense_weight=tuning.dense_weight if dense_weight is None else dense_weight,
        lexical_weight=tuning.lexical_weight if lexical_weight is None else lexical_weight,
        candidates=max(tuning.pool, 4 * depth), fusion=tuning.fusion, clause_types=clause_types,
        include_superseded=include_superseded,
    )
    # a table of contents names every clause and answers none: it led "does ringing the hotline count as notice?"
    # with "C. Non-Renewal of Coverage ....... 23"
    hits = [h for h in hits if not is_contents(h.chunk.text)]
    if ranker and len(hits) > 1:
        hits = rerank(question, hits, _cosines(index, query_vector, hits), qt, index, policy, ranker, tuning.ranker_weight, tuning.reading,
                      assessed)
    return hits[:k]


def rank_candidates(question: str, hits: Sequence[Hit], cosines: Sequence[float], qt: QueryTerms, index: PolicyIndex,
                    policy: str | None, reading: Reading = READING, asks: str | None = None,
                    assessed: dict[str, Evidence] | None = None) -> list[Signals]:
    """What the ranker reads of each fused hit (bot/ranker.py); the evidence read of each goes into `assessed`."""
    df, n = index.term_stats(policy=policy, kind="policy")
    asked = set(tokens(question))
    expansion = set(tokens(qt.lexical_query(question))) - asked
    by_name = [k for k in qt.concepts if k.by_name]
    asks_figure = (asks or question_asks(question)) == "figure"
    out = []
    for r, (h, cos) in enumerate(zip(hits, cosines), 1):
        ch = h.chunk
        ev = assess(ch, qt, df, n)
        if assessed is not None:
            assessed[ch.id] = ev
        term = defined_term(ch)
        seq = tokens(ch.text)
        out.append(Signals(
            score=h.score, rank=r, dense_rank=h.dense_rank, lexical_rank=h.lexical_rank, cosine=cos, lexical_score=h.lexical_score,
            coverage=ev.coverage, literal=ev.literal, control=ev.control_match, concepts=ev.concept_hits,
            clause_type=ch.clause_type, length=len(ch.text), section_overlap=len(asked & set(tokens(ch.section or ""))),
            defines_asked_term=bool(term) and set(tokens(term)) <= asked, expansion_words=len(set(seq) & expansion),
            states_figure=asks_figure and pick_figure(question, ch.text, True, reading) is not None,
            names_subject=ch.clause_type != "definition" and any(k.named_by(seq) for k in by_name)))
    return out


def ranker_features(question: str, hits: Sequence[Hit], cosines: Sequence[float], qt: QueryTerms, index: PolicyIndex,
                    policy: str | None, reading: Reading = READING, assessed: dict[str, Evidence] | None = None) -> np.ndarray:
    """The ranker's feature rows for the fused hits, in their order (what `--fit-ranker` fits on and `rerank` scores)."""
    asks = question_asks(question)
    return rank_features(rank_candidates(question, hits, cosines, qt, index, policy, reading, asks, assessed), wanted_types(question),
                         len(set(tokens(question))), asks)


def rerank(question: str, hits: Sequence[Hit], cosines: Sequence[float], qt: QueryTerms, index: PolicyIndex,
           policy: str | None, ranker: Ranker, weight: float, reading: Reading = READING,
           assessed: dict[str, Evidence] | None = None) -> list[Hit]:
    """The hits reordered by their fused score plus `weight` times the ranker's log-odds that each is the right clause."""
    x = ranker_features(question, hits, cosines, qt, index, policy, reading, assessed)
    s = np.array([h.score for h in hits]) + weight * ranker.scores(x)
    order = sorted(range(len(hits)), key=lambda i: (-s[i], i))
    return [replace(hits[i], score=float(s[i])) for i in order]


def _cosines(index: PolicyIndex, query_vector, hits: Sequence[Hit]) -> list[float]:
    """MiniLM cosine of the question with each hit; a hit found only by BM25 has no dense score, so read its vector."""
    missing = [h.chunk.id for h in hits if not h.dense_rank]
    vec = index.vectors(missing) if missing else {}
    q = np.asarray(query_vector, dtype=np.float32)
    return [h.dense_score if h.dense_rank else (float(np.dot(q, vec[h.chunk.id])) if h.chunk.id in vec else 0.0) for h in hits]


def absent_key(qt: QueryTerms, df: dict[str, int]) -> float:
    """1 when the question's most specific word (the rarest in the policy, vocabulary variants included) appears
    nowhere in the policy: "earthquake" in a cyber wording is a sign the policy does not address the question."""
    if not qt.variants:
        return 0.0
    rarest = min(qt.variants, key=lambda v: min(df.get(t, 0) for t in v))
    return float(all(df.get(t, 0) == 0 for t in rarest) and len(rarest) == 1)


def features(ev: Evidence, hit: Hit, cosine: float, wants: Sequence[str], absent: float = 0.0) -> dict[str, float]:
    """What the answer decision weighs for one candidate clause."""
    return {
        "absent_key": absent,
        "cosine": cosine,
        "coverage": ev.coverage,
        "literal": ev.literal,
        "concepts": float(min(ev.concept_hits, 3)),
        "control": float(ev.control_match),
        "dense_top": float(hit.dense_rank == 1),
        "lexical_top": float(0 < hit.lexical_rank <= 3),
        "type_match": float(ev.chunk.clause_type in wants[:2]),
    }


def relevance(feats: dict[str, float], tuning: Tuning) -> float:
    z = tuning.bias + sum(w * feats.get(name, 0.0) for name, w in tuning.weights)
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def candidates(question: str, *, index: PolicyIndex, policy: str | None, tuning: Tuning = DEFAULT_TUNING,
               version: str | None = None) -> tuple[QueryTerms, list[Candidate]]:
    """Retrieve and score the clauses that may answer `question`, best first."""
    df, n = index.term_stats(policy=policy, kind="policy")
    qt = question_terms(question, index, policy, df)
    qv = index.embed_query(question)  # embedded once per answer (names kept: MiniLM did better with them on dev)
    assessed: dict[str, Evidence] = {}  # what the ranker read of each clause, not read twice
    hits = retrieve(question, index=index, policy=policy, qt=qt, tuning=tuning, query_vector=qv, version=version, assessed=assessed)
    wants = wanted_types(question)
    absent = absent_key(qt, df)
    out = []
    for h, cos in zip(hits, _cosines(index, qv, hits)):
        ev = assessed.get(h.chunk.id) or assess(h.chunk, qt, df, n)
        out.append(Candidate(h, ev, cos, relevance(features(ev, h, cos, wants, absent), tuning)))
    out.sort(key=lambda c: -c.relevance)
    return qt, out


def answer(
    question: str,
    *,
    index: PolicyIndex,
    policy: str | None = None,
    version: str | None = None,
    posture: Posture | None = None,
    history: Sequence[str] = (),
    chat_model=None,
    k: int = 5,
    tuning: Tuning = DEFAULT_TUNING,
) -> Answer:
    """Answer a question from the indexed policy with quoted, cited clauses and gap warnings.

    `chat_model` is a LangChain chat model; without one the answer is extractive and offline.
    `version` answers from that edition of `policy`, superseded or not. A multi-part question is
    answered part by part. Raises EmptyIndexError or UnknownPolicyError with a message for the user.
    """
    question = question.strip()
    if not index.policies():
        raise EmptyIndexError(empty_index_message(index))
    notes: list[str] = []
    if policy:
        index.select_docs(policy=policy)  # raises UnknownPolicyError with the known names
        if version and not index.select_docs(policy=policy, version=version):
            raise UnknownPolicyError(f"Policy '{policy}' has no version '{version}'. Versions: "
                                     + ", ".join(d.version for d in index.versions(policy)) + ".")
        focus = question
    else:
        policy, focus = resolve_policy(question, index)
        if policy:
            notes.append(f"Answered from the policy '{policy}', which your question names.")
    focus = expand_shorthand(focus)  # "hw long do we have b4 …" is read as "how long do we have before …"
    # "ransomwear" is read as "ransomware"; the answer keeps the user's words
    focus = correct_typos(focus, cutoff=tuning.typo_cutoff, min_length=tuning.typo_min_length)
    if len(tokens(focus)) < 3 and history:
        # A follow-up such as "and the waiting period?" leans on the thread's last question.
        focus = f"{history[-1]} {focus}"
    parts = split_parts(focus)
    if len(parts) == 1:
        a = _answer_one(question, focus, index=index, policy=policy, posture=posture, chat_model=chat_model, k=k, tuning=tuning, version=version)
        return replace(a, notes=tuple(notes) + a.notes)
    subs, search_texts = [], []
    # words naming the policy ("would PHLY pay it back?") are no subject of a part's own
    naming = naming_words(index, policy, index.term_stats(policy=policy, kind="policy")[0]) if policy else frozenset()
    for i, p in enumerate(parts):
        # "2) what if it's because we paid late?" asks what the part before it asked ("how much notice…"), about another
        # case: the verdict reads both, the search only this part (its case may be another subject: "what if it had
        # been a DDoS instead?")
        reads = f"{parts[i - 1]} {p}" if i and _FOLLOW_ON.match(p) else p
        own = len([t for t in tokens(p) if len(t) > 2 and t not in naming])
        elliptic = i and not _FOLLOW_ON.match(p) and (own < 2 or (own < 3 and _POINTS_BACK.search(p)))
        sub = _answer_one(p, reads, index=index, policy=policy, posture=posture, chat_model=chat_model, k=k, tuning=tuning,
                          version=version, about=f"{search_texts[-1]} {p}" if elliptic else p)
        search_texts.append(f"{search_texts[-1]} {p}" if elliptic else p)
        if i and not sub.answered:
            # "…and do we need their OK before we send it?" leans on the part before it: search with both, while
            # the verdict still reads the part's own words
            again = _answer_one(p, reads, index=index, policy=policy, posture=posture, chat_model=chat_model, k=k, tuning=tuning,
                                version=version, about=f"{parts[i - 1]} {p}")
            sub = again if again.answered else sub
        subs.append(sub)
    summary = " ".join(f"({i}) {s.summary}" for i, s in enumerate(subs, 1))
    cites, seen = [], set()
    for s in subs:
        for c in s.citations:
            if c.chunk_id not in seen:
                seen.add(c.chunk_id)
                cites.append(replace(c, key=f"C{len(cites) + 1}"))
    related = tuple(r for s in subs for r in s.related if r.chunk_id not in seen)
    gaps = tuple({(g.kind, g.control, g.chunk_id): g for s in subs for g in s.gaps}.values())
    headline = subs[0].verdict
    if (len(subs) == 2 and elliptic and subs[1].verdict == "figure" and headline != "not_addressed"  # (elliptic: of the 2nd)
            and not (_NUMBERED_FIRST.search(focus) or _LETTERED_FIRST.search(focus))):
        # "do we have to rehearse the plan? how often?": a bare figure asked after a yes-or-no question is what the
        # message asks, the yes implied by it; a list the user numbers keeps each part's own verdict
        headline = "figure"
    return Answer(question, any(s.answered for s in subs), summary, tuple(cites), gaps, related[:3],
                  subs[0].mode, policy, tuple(notes), verdict=headline,
                  confidence=max(s.confidence for s in subs), parts=tuple(subs))


def _answer_one(question: str, focus: str, *, index: PolicyIndex, policy: str | None, posture, chat_model, k: int, tuning: Tuning,
                version: str | None = None, about: str | None = None) -> Answer:
    """Answer `focus` (the question, or one part of it); `about`, when given, is the text to search with (a part
    together with the part before it, or a "what if …" part alone while the verdict reads it after the part before),
    while the verdict reads only `focus`."""
    qt, cands = candidates(about or focus, index=index, policy=policy, tuning=tuning, version=version)
    df, n_docs = index.term_stats(policy=policy, kind="policy")
    searched = policy or ", ".join(index.policies())
    best = cands[0].relevance if cands else 0.0
    # Text addressed to an AI assistant inside a document never gives the verdict; it is shown, marked, as related.
    top = {c.hit.chunk.id for c in sorted(cands, key=lambda c: -c.hit.score)[: tuning.cite_top]}
    good = [c for c in cands if (c.relevance >= max(tuning.cite_floor, best - tuning.cite_margin) or c.hit.chunk.id in top)
            and not is_flagged(c.evidence.chunk)] if best >= tuning.answer_threshold else []
    if not good and qt.concepts:
        # "are we covered for ransomware?" of a wording that says Cyber Extortion: every word the question asks with
        # is one of the wording's own words for it in these clauses, however low MiniLM scores the lay word
        # (coverage is a weighted share: all of it, up to float rounding)
        good = [c for c in cands[:3] if c.evidence.coverage > 1 - 1e-9 and c.evidence.concept_hits and not is_flagged(c.evidence.chunk)]
    names = _names_in(focus, qt, df, tuning.name_max_clauses)
    name_hits = [c for c in cands if names & set(tokens(c.evidence.chunk.text)) and not is_flagged(c.evidence.chunk)]
    if name_hits and good:
        # "is CrowdStrike on the panel?": the clause naming the firm, product or place the question names answers it,
        # however little else of the question it shares (a vendor list is names and little else)
        good = name_hits + [c for c in good if c not in name_hits]
    asks = question_asks(focus)
    if _subject_unaddressed(qt, df, index, policy, version, focus, good[0].evidence.chunk.text if good else "") and not (
            asks == "figure" and role_unit(focus) in DEADLINE_UNITS and _story_only(focus, index, policy, version, df)):
        good = []
    if qt.controls:
        # A question about a security control (MFA, EDR, backups…) is addressed only by a clause that names it,
        # by any of the catalogue's names for it or by the everyday name the question gives it ("is CrowdStrike on the
        # panel?" of a vendor list naming CrowdStrike): a nearby clause about something else does not answer it.
        good = [c for c in good if c.evidence.control_match or any(k.said_in(focus, c.evidence.chunk.text) for k in qt.controls)]
        if asks in ("obligation", "permission"):
            # "must we keep offline backups?" / "are we ok a month behind on updates?" is not answered by a definition that
            # lists backup facilities or software updates among the parts of something else, nor by a limit or a cover
            # naming the insurer's own incident response service: naming the control there asks nothing of the insured
            good = [c for c in good if c.evidence.chunk.clause_type not in ("definition", "limit", "coverage")]

    def not_addressed() -> Answer:
        near = [cite(c.evidence, f"R{i}") for i, c in enumerate(cands[:2], 1)]
        return Answer(question, False, f"{NO_ANSWER} (Searched: {searched}.)", related=tuple(near), policy=policy,
                      verdict="not_addressed", confidence=best)

    if not qt.terms or not good:
        return not_addressed()
    wants = wanted_types(focus)
    asks_figure = asks == "figure"

    # "how much / how long" is answered by the clause that states the figure, not one that points elsewhere; its quote
    # is the sentence stating it, which need not be the sentence sharing most of the question's words
    def figure_stated(text: str) -> bool:
        return pick_figure(focus, text, True, tuning.reading) is not None

    if asks_figure:
        good = [replace(c, evidence=quote_where(c.evidence, figure_stated)) for c in good]
    limits = limit_words(focus) if asks_figure else None
    # "what's the most they pay for ransomware?": many clauses state a cap ("not to exceed USD 50,000" for preparing a
    # proof of loss); one stating the limit asked for names what the question is about, when it names anything
    subjects = [k for k in qt.concepts if limits is None or not any(limits.search(p) for p in k.policies_say)]

    def about_subject(ch: Chunk) -> bool:
        if limits is None or not subjects:
            return True
        seq = tokens(ch.text)
        return any(k.named_specifically(seq, df, n_docs, tuning.subject_rare) for k in subjects)

    stating = {c.hit.chunk.id for c in good if asks_figure and figure_stated(c.evidence.quote) and about_subject(c.hit.chunk)}

    def states(c: Candidate) -> bool:
        return c.hit.chunk.id in stating

    def type_pref(c: Candidate) -> int:
        return wants.index(c.evidence.chunk.clause_type) if c.evidence.chunk.clause_type in wants else len(wants)

    def rank(c: Candidate) -> tuple:
        return (-c.hit.score - (2.0 if states(c) else 0.0), type_pref(c))

    # Relevance decides whether to answer and which clauses may be cited; the fused retrieval score picks the three
    # to cite (on dev the fused order put the right clause in the top three more often than relevance order:
    # 0.70 vs 0.68, and cited it for 0.67 of answerable questions vs 0.64). Of those three, one that states the asked
    # figure, then one of the clause type the question asks about, then the retrievers' best leads and gives the verdict.
    good.sort(key=rank)
    by_name = [k for k in qt.concepts if k.by_name]

    def names_by_name(c: Candidate) -> bool:
        # "is there a co-pay on extortion?": the clause naming coinsurance answers, not the extortion cover beside it;
        # a definition naming the subject ("Impersonation … including deepfakes") says what a word means, not the terms
        if c.evidence.chunk.clause_type == "definition":
            return False
        seq = tokens(c.evidence.chunk.text)
        return any(k.named_by(seq) for k in by_name)

    chosen = sorted(good[:3], key=lambda c: (not states(c), bool(by_name) and not names_by_name(c), type_pref(c), -c.hit.score))
    cites = [cite(c.evidence, f"C{i}") for i, c in enumerate(chosen, 1)]
    chunks = {c.hit.chunk.id: c.hit.chunk for c in cands}
    source = None
    if asks_figure and not any(figure_stated(c.quote) for c in cites):
        # No cited clause states the figure: the Declarations item a cited clause points at ("the Retention shown in
        # Item 6"), else the definition of a defined term it uses ("during the Period of Restoration" -> "Period of
        # Restoration means the 180-day period…"), gives it, quoted first.
        def elsewhere() -> Iterator[Evidence | None]:
            for c in chosen:
                yield _declarations_item(index, c.evidence, qt)
            cited = {x.chunk_id for x in cites}
            for c in chosen:
                yield from _definitions_used(index, c.evidence.chunk, cited, qt, c.evidence.chunk.text)
            # … else the first clause of the wording (the Declarations come first) stating the asked role's figure by
            # its name: "what's our excess?" retrieves "This Policy is excess of any other insurance", not "Retention: $25,000"
            yield _first_clause(index, chosen[0].evidence.chunk, qt, lambda ch: figure_stated(ch.text) and about_subject(ch))
        looked: list[Evidence] = []  # what was read, for the second look below: all of it when none states the figure

        def stating() -> Evidence | None:
            for e in elsewhere():
                if e is not None:
                    looked.append(e)
                    d = quote_where(e, figure_stated)
                    if figure_stated(d.quote):
                        return d
            return None

        source = stating()
        if source is None and not any(refers_figure_to_declarations(focus, chunks[c.chunk_id].text) for c in cites):
            # … else, as no clause states it, the definition or clause naming the figure that refers it to the
            # Declarations ("Waiting period means the number of hours set forth in Item 5.K"): the answer is theirs
            source = next((e for e in looked if refers_figure_to_declarations(focus, e.chunk.text)), None)
            if source is None:
                source = _first_clause(index, chosen[0].evidence.chunk, qt, lambda ch: refers_figure_to_declarations(focus, ch.text))
    if source is not None:
        rest = [c for c in cites if c.chunk_id != source.chunk.id]
        cites = [cite(source, "C1")] + [replace(c, key=f"C{i}") for i, c in enumerate(rest, 2)]
        chunks[source.chunk.id] = source.chunk
    if asks == "coverage" and source is None and not any(c.evidence.chunk.clause_type == "coverage" for c in chosen):
        # A definition says what a word means, not that it is insured: the insuring clause that uses the defined term
        # ("Funds Transfer Fraud means …" -> "We will pay … Funds Transfer Fraud") is the answer, the definition beside it,
        # also when a notice condition about the same costs ranks above a definition of what the question names
        # ("notifying customers" -> "Breach Response Costs means … notification").
        named = {p.lower() for k in qt.concepts for p in k.policies_say}

        def leads_to_cover(i: int, ch: Chunk) -> bool:
            return ch.clause_type == "definition" and (i == 0 or (defined_term(ch) or "").lower() in named)

        insuring = next((e for e in (_clause_using(index, c.evidence.chunk, cands, qt) for i, c in enumerate(chosen)
                                     if leads_to_cover(i, c.evidence.chunk)) if e is not None), None)
        if insuring is not None:
            cites = [cite(insuring, "C1")] + [replace(c, key=f"C{i}") for i, c in enumerate(cites, 2)]
            chunks[insuring.chunk.id] = insuring.chunk
    defn = _definition_used(index, chosen[0].evidence, {c.chunk_id for c in cites}, qt)
    if defn is not None:
        cites.append(cite(defn, f"C{len(cites) + 1}"))
        chunks[defn.chunk.id] = defn.chunk
    if asks_if_a_call_is_notice(focus) and not any(wants_written_notice(chunks[c.chunk_id].text) or says_a_call_is_notice(
            chunks[c.chunk_id].text) for c in cites):
        # Whether a call counts as notice is settled by the notice condition, wherever it sits in the wording.
        written = _written_notice_clause(index, chosen[0].evidence.chunk, qt)
        if written is not None:
            cites.append(cite(written, f"C{len(cites) + 1}"))
            chunks[written.chunk.id] = written.chunk
    naming = None
    if asks == "coverage" and qt.concepts:
        # An exclusion that names what the question is about ("war", "betterment", "infrastructure") decides whether it
        # is covered, even when the insuring clause ranks above it and it is not among the three best clauses.
        # a subject the leading cover names too is what the cover is about, not what sets the exclusion apart ("lost profit
        # after a fat-fingered config push": business interruption is named by the cover and by the power-outage
        # exclusion alike)
        lead_seq = tokens(chunks[cites[0].chunk_id].text) if cites and cites[0].clause_type == "coverage" else ()
        apart = [k for k in qt.concepts if not (lead_seq and k.named_specifically(lead_seq, df, n_docs, tuning.subject_rare))]

        def names_subject(ch: Chunk) -> bool:
            seq = tokens(without_carve_backs(ch.text))  # what a carve-back names is not excluded
            return any(k.named_specifically(seq, df, n_docs, tuning.subject_rare) for k in apart)

        def leaves_out_subject(ch: Chunk) -> bool:
            # "Damages … shall not include … the return of fees": a definition that leaves the subject out of what is paid
            m = LEAVES_OUT.search(ch.text)
            # … up to the next definition, which may follow in the same chunk
            seq = tokens(without_carve_backs(_NEXT_DEFINITION.split(ch.text[m.end():], maxsplit=1)[0])) if m else ()
            return bool(seq) and any(k.named_specifically(seq, df, n_docs, tuning.subject_rare) for k in qt.concepts)

        named = next((c for c in good[: tuning.exclusion_depth]
                      if (c.evidence.chunk.clause_type == "exclusion" and names_subject(c.evidence.chunk))
                      or (c.evidence.chunk.clause_type in ("definition", "limit", "other")
                          and DEFINITION_OPENING.search(" ".join(c.evidence.chunk.text[:300].split()))
                          and leaves_out_subject(c.evidence.chunk))), None)
        if named is not None:
            naming = next((x for x in cites if x.chunk_id == named.hit.chunk.id), None)
            if naming is None:
                naming = cite(named.evidence, f"C{len(cites) + 1}")
                cites.append(naming)
    def specific(p: tuple[str, ...]) -> bool:  # a phrase of several words, or a word few of the wording's clauses use
        return len(p) > 1 or df.get(p[0], 0) <= tuning.subject_rare * n_docs

    named_subject = subject_test(qt.concepts, specific)
    if named_subject is not None:
        # "can At-Bay even write us?" of a cannabis business: the sentence refusing it is the quote
        cites = [replace(c, quote=r) if (r := refusal_named(focus, chunks[c.chunk_id].text, named_subject)) else c for c in cites]
    kind, summary = verdict(focus, cites, [chunks[c.chunk_id].text for c in cites], controls=qt.controls, naming_exclusion=naming,
                            subjects=qt.concepts, specific=specific, reading=tuning.reading)
    naming_ids = {c.hit.chunk.id for c in name_hits}
    naming_cite = next((x for x in cites[:3] if x.chunk_id in naming_ids), None)
    if asks in ("permission", "info") and naming_cite is not None:
        # "could we bring CrowdStrike in and still be using one of AXA's approved firms?": the list names the firm, as
        # the leading clause or one of the two after it ("can we bring in Coveware for the ransomware gang?" is led by
        # the panel's description of its extortion experts, the firm named in the list after it)
        shown = [w for w in re.findall(r"[A-Za-z][\w-]*", focus) if set(tokens(w)) & names]
        kind, summary = "yes", f"Yes — the wording names {shown[0] if shown else 'it'} ({_section_short(naming_cite)}, {naming_cite.pages})."
    if kind == "info" and asks_figure and source is None and asks_a_specific_figure(focus):
        # A figure question whose figure no cited clause states, that no cited clause refers to the Declarations for,
        # and that no clause of the wording states by its role's words: the wording does not address it ("how much
        # notice must they give to cancel?" of a wording with no cancellation notice period).
        return not_addressed()
    if kind == "yes" and asks == "info" and best < tuning.unplaced_yes_threshold and naming_cite is None:
        # "Yes" read only from the leading clause's kind, for a yes-or-no question of no kind we can place, needs a
        # clearer match than answering at all: a nearby clause about something else says yes to anything.
        return not_addressed()
    if asks in ("coverage", "exclusion"):
        # Whether something is covered is decided as often by an exclusion as by the insuring clause, and the
        # exclusion rarely shares the question's words (dev: the right exclusion was the best-fused exclusion
        # among the citable clauses for 17 of 25 such questions, in the fused top three for 16). Quote it too;
        # the verdict above stays the one the three best clauses give.
        ex = next((c for c in good if c.evidence.chunk.clause_type == "exclusion"), None)
        if ex is not None and not any(x.clause_type == "exclusion" for x in cites):
            cites.append(cite(ex.evidence, f"C{len(cites) + 1}"))
    related = _related(cands, {c.chunk_id for c in cites}, tuning)
    mode, notes = "extractive", []
    if chat_model is not None:
        from .llm import llm_outcome

        llm = llm_outcome(question, [c.hit for c in cands[: max(k, 5)]], chat_model, qt, df, n_docs)
        if llm.ok:
            summary, cites, mode, kind = llm.summary, list(llm.citations), llm.mode, "info"
        else:
            mode, notes = "extractive-fallback", [llm.note]
    gaps = _gaps(list(cites) + list(related), chunks, posture, qt.controls, index=index)
    return Answer(question, True, summary, tuple(cites), tuple(gaps), tuple(related), mode, policy, tuple(notes),
                  verdict=kind, confidence=best)


# A deadline, a phone number or an address answers "by when / whom do we call" whatever the story before it names.
DEADLINE_UNITS = ("period", "phone", "email")
_LOWER_START = re.compile(r"(?<=[a-z0-9)][.!?])\s+(?=[a-z])")


def _asked_sentence(question: str) -> str:
    """The sentence that asks: the last one with a question mark, else the last one. Slack sentences often start in
    lower case ("… from his car. what's the latest …"), which a sentence splitter for documents does not end at."""
    spans = [x for a, b in split_sentences(question) for x in _LOWER_START.split(question[a:b]) if x.strip()]
    return next((x for x in reversed(spans) if "?" in x), spans[-1] if spans else question)


def _story_only(question: str, index: PolicyIndex, policy: str | None, version: str | None, df: dict[str, int]) -> bool:
    """Whether what the wording leaves out is named only in the story before the asking sentence ("the rep's laptop
    got nicked from his car. what's the latest we can tell beazley?": a car is the scene, the notice deadline the ask)."""
    ask = _asked_sentence(question)
    if ask.strip() == question.strip():
        return False
    return not _subject_unaddressed(question_terms(ask, index, policy, df), df, index, policy, version, ask)


def _subject_unaddressed(qt: QueryTerms, df: dict[str, int], index: PolicyIndex, policy: str | None, version: str | None,
                         question: str = "", lead: str = "") -> bool:
    """Whether the wording leaves the question's subject out, whatever clauses share the story's other words.

    True when every subject the question names (ransom, regulator fines, bricked hardware…) has none of the
    vocabulary's words for it in the wording, or when a peril or cover wordings deal with by name (an earthquake, a
    reward, a premium discount) has none of its wording phrases there whole: their phrases share common words
    ("no claims bonus" and "claim"), so the clause texts are read when every word of a phrase occurs somewhere.
    `lead`: the text of the clause leading the answer; a by-name subject it names keeps the question answered."""
    def wording() -> Iterable[str]:
        for d in index.select_docs(policy=policy, version=version, kind="policy"):
            yield from (c.text for c in index.chunks_of(d.doc_id))

    # named by a whole phrase: "extortion threat" is not named by a wording with "threat" in one clause; or by the name
    # the question gives it, when that is a proper name the wording also uses ("is CrowdStrike on the panel?" of a
    # vendor list naming CrowdStrike, though it never says "endpoint detection")
    unnamed = [c for c in qt.concepts if not c.named_in(df, wording)]
    if unnamed:
        names = proper_names(question, among=lambda n: df.get(n, 0) > 0)
        unnamed = [c for c in unnamed if not any(len(p) == 1 and p[0] in names for p in c.users_say)]
    if unnamed and len(unnamed) == len(qt.concepts):
        return True
    # a by-name subject that the clause leading the answer names answers the question, though a by-name word of the
    # story is not in the wording ("hacked our phone switchboard … calling premium numbers abroad": the Telephone Fraud
    # definition leads; territory is named nowhere)
    if not any(c.by_name for c in unnamed):
        return False
    seq = tokens(lead)
    return not any(c.by_name and c not in unnamed and c.named_by(seq) for c in qt.concepts)


# where a definition turns to what it leaves out ("Damages … shall not include", "Loss does not mean")
_NEXT_DEFINITION = re.compile(r"[.;:]\s+(?=(?:[A-Z0-9]{1,3}[.)]\s+)?[\"“]?[A-Z][\w’'\-]*(?:\s+[\w’'\-]+){0,6}[\"”]?\s+(?:means|shall mean)\b)")
_ITEM_REF = re.compile(r"\bItem\s+(\d{1,2})\s+of\s+the\s+(?:Declarations|Schedule)", re.I)


def _declarations_item(index: PolicyIndex, top: Evidence, qt: QueryTerms) -> Evidence | None:
    """The Declarations item a clause refers to ("the Retention shown in Item 6 of the Declarations"), when the
    indexed document contains its Declarations page."""
    m = _ITEM_REF.search(top.quote) or _ITEM_REF.search(top.chunk.text)
    if not m:
        return None
    item = re.compile(rf"\bItem\s*{m.group(1)}\b", re.I)
    return _first_clause(index, top.chunk, qt, lambda c: c.id != top.chunk.id and bool(
        re.search(r"declarations|schedule", c.section, re.I) and item.search(f"{c.clause_label} {c.section} {c.text[:60]}")))


def _first_clause(index: PolicyIndex, top: Chunk, qt: QueryTerms, keep: Callable[[Chunk], bool]) -> Evidence | None:
    """The first clause of `top`'s document that `keep` accepts, assessed for the question."""
    c = next((c for c in index.chunks_of(top.doc_id) if keep(c)), None)
    if c is None:
        return None
    df, n = index.term_stats(policy=top.policy, kind="policy")
    return assess(c, qt, df, n)


_ABOUT_A_LOSS = re.compile(r"\b(?:claims?|circumstances?|incidents?|breach\w*|loss|event)\b", re.I)
_ABOUT_ENDING = re.compile(r"\bcancel\w*|non-?renew\w*", re.I)  # notice of cancellation is not notice of a claim


def _written_notice_clause(index: PolicyIndex, top: Chunk, qt: QueryTerms) -> Evidence | None:
    """The notice condition of the leading clause's document that says how a claim or incident is notified (in
    writing, or by a call to its hotline), for "does ringing the hotline count as telling them?"."""
    return _first_clause(index, top, qt, lambda c: bool(
        c.clause_type in ("notice", "requirement") and _ABOUT_A_LOSS.search(c.text) and not _ABOUT_ENDING.search(c.text)
        and (wants_written_notice(c.text) or says_a_call_is_notice(c.text))))


def _clause_using(index: PolicyIndex, defn: Chunk, cands: Sequence[Candidate], qt: QueryTerms, clause_type: str = "coverage") -> Evidence | None:
    """The clause of `clause_type` that uses the term `defn` defines: the best retrieved one, else the first in the wording."""
    term = defined_term(defn)
    if not term:
        return None
    # as the wording writes the term, else in any case: some wordings print defined terms in bold lower case
    for uses in (_term_re(term), _term_re(term, re.I)):
        hit = next((c.evidence for c in cands if c.hit.chunk.clause_type == clause_type and uses.search(c.hit.chunk.text)), None)
        hit = hit or _first_clause(index, defn, qt, lambda c: c.clause_type == clause_type and bool(uses.search(c.text)))
        if hit is not None:
            return hit
    return None


def _definition_used(index: PolicyIndex, top: Evidence, cited: set, qt: QueryTerms) -> Evidence | None:
    """The definition of a defined term the answering sentence uses ("Extortion Threat", "Waiting Period"):
    policies answer in defined terms, and the definition says what the user's words mean in the wording."""
    return next(_definitions_used(index, top.chunk, cited, qt, top.quote), None)


_LETTERED_TERM = re.compile(r"^(?:[A-Z]{1,3}\.|\d{1,3}\.|\d{1,2}(?:\.\d{1,3})+\.?)\s+[\"“]?([A-Z][\w’'\-]*(?:\s+[\w’'\-]+){0,6})[\"”]?$")


def _term_re(term: str, flags: int = 0) -> re.Pattern:
    """A defined term as the wording writes it, plural too, its words wrapped over lines or not."""
    return re.compile(r"\b" + r"\s+".join(map(re.escape, term.split())) + r"s?\b", flags)


def defined_term(c: Chunk) -> str | None:
    """The term a definition clause defines: its label ("Extortion Threat" means …), or the title of a lettered or
    numbered definition ("Definitions > EE. Outsourced Provider"). Only capitalised terms: a wording that writes its
    defined terms in lower case ("security breach") would match ordinary words."""
    if c.clause_type != "definition":
        return None
    if len(c.clause_label) > 3 and c.clause_label[:1].isupper():
        return c.clause_label
    for part in reversed(c.section.split(" > ")):
        m = _LETTERED_TERM.match(part.strip())
        if m:
            term = m.group(1)
            words = [w for w in term.split() if w[:1].isalpha() and w.lower() not in ("of", "and", "or", "the", "a", "an", "to", "by", "for", "in", "on")]
            shouted = term.isupper() or term.lower() in ("definitions", "definition")  # "IV. DEFINITIONS" is the part
            return term if words and all(w[:1].isupper() for w in words) and len(term) > 3 and not shouted else None
    return None


def _definitions_used(index: PolicyIndex, top: Chunk, cited: set, qt: QueryTerms, text: str) -> Iterator[Evidence]:
    """The definitions, in `top`'s document and not in `cited`, of the defined terms `text` uses, longest term first."""
    defs: dict[str, Chunk] = {}
    for c in index.chunks_of(top.doc_id):
        term = defined_term(c)
        if term and c.id not in cited:
            defs.setdefault(term, c)
    used = sorted((t for t in defs if _term_re(t).search(text)), key=len, reverse=True)
    if not used:
        return
    df, n = index.term_stats(policy=top.policy, kind="policy")
    for t in used:
        yield assess(defs[t], qt, df, n)


def _related(cands: Sequence[Candidate], cited: set, tuning: Tuning) -> list[Citation]:
    """Exclusions, limits and conditions about the same subject that the user should know."""
    out = [c for c in cands if c.hit.chunk.id not in cited and (is_flagged(c.hit.chunk) or (
           c.hit.chunk.clause_type in RISK_TYPES + ("requirement",) and c.relevance >= tuning.answer_threshold / 2))]
    return [cite(c.evidence, f"R{i}") for i, c in enumerate(out[:3], 1)]


# A term belongs to an answer when its sentence and a quoted sentence share this many characters.
SHARED_QUOTE_CHARS = 40


def _gaps(cites: Sequence[Citation], chunks: dict[str, Chunk], posture: Posture | None, asked_controls: Sequence, index: PolicyIndex | None = None) -> list[Gap]:
    """Gap warnings from the structured terms of the cited and related clauses only, through the
    same engine as the gap report (bot/gaps.py): a requirement is flagged only where its clause
    names the control. With `index`, the terms stored with the version are used; otherwise the
    cited clauses are read now."""
    from ingestion.terms import extract_terms

    from .gaps import answer_gaps, policy_terms

    by_chunk = {c.chunk_id: c for c in cites}
    cited = [chunks[i] for i in by_chunk if i in chunks]
    every: list = []  # the cited documents' terms, wherever they stand
    if index is not None:
        every = [t for d in dict.fromkeys(c.doc_id for c in cited) for t in policy_terms(index, d)]
        terms = [t for t in every if t.chunk_id in by_chunk]
    else:
        terms = [t for t in extract_terms(cited) if t.chunk_id in by_chunk]
    # Money terms only where the quoted sentences state them: a cited Declarations item lists
    # every sublimit, and the answer is about one. Other terms: every one the cited clause states.
    quoted: dict[str, list[str]] = {}
    for c in cites:
        quoted.setdefault(c.chunk_id, []).append(" ".join(c.quote.replace("…", " ").split()))

    def stated(t) -> bool:
        if t.kind != "money_time":
            return True
        q = " ".join(t.quote.split())
        for x in quoted.get(t.chunk_id, []):
            m = difflib.SequenceMatcher(None, q, x, autojunk=False).find_longest_match(0, len(q), 0, len(x))
            if m.size >= min(SHARED_QUOTE_CHARS, len(q), len(x)):
                return True
        return False

    terms = [t for t in terms if stated(t)]
    # "the Ransomware Coinsurance percentage shown in Item 8 of the Declarations": the figure the document's own
    # Declarations state for it, quoted from there, rather than the pointer (whether or not retrieval brought Item 8)
    figures = {(t.subject, t.qualifier): t for t in every if t.kind == "money_time" and t.value and t.value != IN_DECLARATIONS}
    for t in [t for t in terms if t.kind == "money_time" and t.value == IN_DECLARATIONS]:
        own = figures.get((t.subject, t.qualifier))
        ch = index.chunk(own.chunk_id) if index is not None and own is not None and own.chunk_id not in by_chunk else None
        if ch is not None:  # (without an index no document terms were read, so `figures` is empty)
            by_chunk[ch.id] = Citation("D", ch.id, ch.policy, ch.version, ch.file_name, ch.page_start, ch.page_end, ch.section,
                                       ch.clause_type, own.quote)
            terms.append(own)
    asked = [getattr(c, "id", c) for c in asked_controls]
    kinds = {"money_time": "limit", "consent": "notice"}  # the clause-type names answers used before
    out: list[Gap] = []
    seen: set = set()
    for f in answer_gaps(terms, posture, asked):
        key = (f.kind, f.control or f.term.subject, f.term.value)
        if key in seen:
            continue
        seen.add(key)
        c = by_chunk[f.term.chunk_id]
        status = f.status if f.kind == "requirement" else "risk"
        out.append(Gap(kinds.get(f.kind, f.kind), f.control, status, c.label(), f"{f.message} ({_section_short(c)}, {c.pages})", c.chunk_id))
    return out
