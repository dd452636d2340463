"""The answer pipeline: question in, cited Answer out. CLI, Slack and evaluation all call `answer()`."""
from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Sequence

from ingestion.types import Chunk
from prompts import NO_ANSWER
from vectorstore.index import Hit, PolicyIndex, UnknownPolicyError
from vectorstore.text import tokens

from .extract import Evidence, amounts, assess, cite, query_terms
from .posture import Posture
from .types import Answer, Citation, Gap

ANSWER_THRESHOLD = 0.6  # weighted share of the question's salient terms a clause must contain
# A clause that both retrievers rank first may answer a paraphrased question with fewer shared words.
AGREEMENT_THRESHOLD = 0.4

# What a question asks for decides which kind of clause answers it best.
_INTENTS = [
    ("notice", re.compile(r"\b(notif\w*|notice|report\w*|tell|inform|how (?:soon|quickly|fast)|deadline|consent|proof of loss)\b", re.I)),
    ("exclusion", re.compile(r"\bexclu\w*\b", re.I)),
    ("definition", re.compile(r"\b(defin\w*|what counts as|what (?:is|does) .{1,40} mean)\b", re.I)),
    ("limit", re.compile(r"\b(how (?:much|long|many)|sub-?limit|limit|retention|deductible|waiting period|coinsurance|most (?:they|we|it)\b)", re.I)),
    ("coverage", re.compile(r"\b(covered|cover|pay for|reimburse\w*|will (?:they|you|it) pay)\b", re.I)),
]


def wanted_types(question: str) -> tuple[str, ...]:
    """Clause types the question asks about, most specific first."""
    return tuple(t for t, rx in _INTENTS if rx.search(question))
RISK_TYPES = ("exclusion", "limit", "notice")


class EmptyIndexError(Exception):
    """No policy has been indexed yet."""


def empty_index_message(index: PolicyIndex) -> str:
    return (
        f"No policy is indexed in {index.data_dir} yet. Add one with "
        "`policybot ingest policy.pdf --policy NAME` (or upload the PDF to PolicyBot in Slack)."
    )


def resolve_policy(question: str, index: PolicyIndex) -> tuple[str | None, str]:
    """Find a policy the question names ("under our Coalition policy, …").

    Returns (policy or None, the question with that phrase removed)."""
    names = index.policies()
    q_toks = set(tokens(question))
    generic = {"cyber", "polic", "policy", "insurance", "tech", "technology", "v1", "v2", "form", "coverage", "specimen", "wording", "liability"}
    best, best_score = None, 0
    for name in names:
        docs = [d for d in index.select_docs(policy=name)]
        words = set(tokens(name.replace("-", " ").replace("_", " ")))
        for d in docs:
            words |= set(tokens(d.title)) | set(tokens(Path(d.file_name).stem.replace("_", " ")))
        distinctive = {w for w in words if w not in generic and not w.isdigit() and len(w) > 2}
        score = len(distinctive & q_toks)
        if score > best_score:
            best, best_score = name, score
    if not best:
        return None, question
    stripped = re.sub(r"^\s*(?:under|in|for|with)\s+(?:our|the|my)\s+[^,?]{1,60}?\s+(?:policy|wording|cover)\s*[,:]?\s*", "", question, flags=re.I)
    return best, stripped or question


def _section_short(c: Citation) -> str:
    return c.section.split(" > ")[0] + (f" §{c.section.split(' > ')[-1]}" if " > " in c.section else "") if c.section else "the policy"


def verdict(top: Citation, controls: Sequence) -> str:
    """A one-line verdict phrased from the clause type of the best citation."""
    where = f"{_section_short(top)}, {top.pages}"
    figures = amounts(top.quote)
    if top.clause_type == "requirement":
        what = controls[0].name if controls else "This"
        return f"Yes — {what} is a condition of coverage ({where})."
    if top.clause_type == "exclusion":
        return f"An exclusion applies ({where}); read it and any carve-back below."
    if top.clause_type == "limit":
        return f"A limit applies ({where})" + (f": {', '.join(figures[:2])}." if figures else ".")
    if top.clause_type == "notice":
        return f"A notice or consent condition applies ({where})" + (f": {', '.join(figures[:2])}." if figures else ".")
    if top.clause_type == "definition":
        return f"The policy defines this ({where})."
    if top.clause_type == "coverage":
        return f"Covered under {_section_short(top)} ({top.pages}), subject to the limits, exclusions and conditions below."
    return f"The policy addresses this in {where}."


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
    if index is not None:
        terms = [t for d in dict.fromkeys(c.doc_id for c in cited) for t in policy_terms(index, d) if t.chunk_id in by_chunk]
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


def answer(
    question: str,
    *,
    index: PolicyIndex,
    policy: str | None = None,
    posture: Posture | None = None,
    history: Sequence[str] = (),
    chat_model=None,
    k: int = 5,
) -> Answer:
    """Answer a question from the indexed policy with quoted, cited clauses and gap warnings.

    `chat_model` is a LangChain chat model; without one the answer is extractive and offline.
    Raises EmptyIndexError or UnknownPolicyError with a message for the user.
    """
    question = question.strip()
    if not index.policies():
        raise EmptyIndexError(empty_index_message(index))
    if policy:
        index.select_docs(policy=policy)  # raises UnknownPolicyError with the known names
        focus = question
    else:
        policy, focus = resolve_policy(question, index)
    qt = query_terms(focus)
    if len(qt.terms) < 2 and history:
        # A follow-up such as "and the waiting period?" leans on the thread's last question.
        focus = f"{history[-1]} {focus}"
        qt = query_terms(focus)
    scope = dict(policy=policy, kind="policy")
    searched = policy or ", ".join(index.policies())
    hits = index.search(focus, k=max(k, 8), lexical_query=qt.lexical_query(focus), **scope)
    df, n = index.term_stats(**scope)
    evs = [assess(h.chunk, qt, df, n) for h in hits]

    def relevant(ev: Evidence, hit: Hit) -> bool:
        if qt.controls:
            return ev.control_match
        agreed = hit.dense_rank == 1 and 0 < hit.lexical_rank <= 2
        return ev.coverage >= ANSWER_THRESHOLD or (agreed and ev.coverage >= AGREEMENT_THRESHOLD)

    good = [ev for ev, h in zip(evs, hits) if relevant(ev, h)]
    chunks = {h.chunk.id: h.chunk for h in hits}
    if not qt.terms or not good:
        near = [cite(ev, f"R{i}") for i, ev in enumerate(sorted(evs, key=lambda e: -e.coverage)[:2], 1) if ev.coverage > 0]
        return Answer(question, False, f"{NO_ANSWER} (Searched: {searched}.)", related=tuple(near), policy=policy)

    # Stable sort, so retrieval order breaks ties: then the clause type the question asks for,
    # and for "how much / how long" questions a clause that states the figure.
    wants = wanted_types(question)
    wants_figure = "limit" in wants or "notice" in wants

    def rank(e: Evidence) -> tuple:
        type_pref = wants.index(e.chunk.clause_type) if e.chunk.clause_type in wants else len(wants)
        return (-round(e.coverage, 1), type_pref, -(wants_figure and bool(amounts(e.quote))))

    good.sort(key=rank)
    cites = [cite(ev, f"C{i}") for i, ev in enumerate(good[:3], 1)]
    related = _related(focus, qt, index, scope, {c.chunk_id for c in cites}, df, n, chunks)
    mode = "extractive"
    summary = verdict(cites[0], qt.controls)
    notes: list[str] = []
    if chat_model is not None:
        from .llm import llm_answer

        llm = llm_answer(question, hits[: max(k, 5)], chat_model, qt, df, n)
        if llm is not None:
            summary, cites, mode = llm
        else:
            mode, notes = "extractive-fallback", ["The language model gave no valid citation; this is the extractive answer."]
    gaps = _gaps(list(cites) + list(related), chunks, posture, qt.controls)
    return Answer(question, True, summary, tuple(cites), tuple(gaps), tuple(related), mode, policy, tuple(notes))


def _related(focus, qt, index: PolicyIndex, scope: dict, cited: set, df, n, chunks: dict) -> list[Citation]:
    """Exclusions, limits and conditions about the same subject that the user should know."""
    out: list[Evidence] = []
    hits: list[Hit] = index.search(focus, k=6, clause_types=list(RISK_TYPES) + ["requirement"], lexical_query=qt.lexical_query(focus), **scope)
    for h in hits:
        if h.chunk.id in cited:
            continue
        ev = assess(h.chunk, qt, df, n)
        strong = ev.control_match or ev.coverage >= 0.5
        if strong:
            out.append(ev)
            chunks[h.chunk.id] = h.chunk
    out.sort(key=lambda e: -e.coverage)
    return [cite(ev, f"R{i}") for i, ev in enumerate(out[:3], 1)]
