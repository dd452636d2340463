"""LLM answers through LangChain, accepted only when every claim checks out against the cited clauses.

A reply is rejected — and `answer()` falls back to the extractive answer — when the model fails, the
reply is cut off, echoes the prompt, cites nothing we retrieved or cites text flagged as addressed to an
AI, quotes words that are not in the clause it cites, names a page, figure or sweeping claim ("no
sublimit") the cited clauses do not contain, or says things the cited clauses do not talk about.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from typing import Sequence

from pydantic import BaseModel, Field

from ingestion.figures import amount
from ingestion.guidance import controls_in
from ingestion.injection import is_flagged
from prompts import NO_ANSWER, load
from vectorstore.index import Hit
from vectorstore.text import tokens

from .extract import assess, cite, query_terms
from .types import Citation

_KEY = re.compile(r"\[(C\d+)\]")
_INSTALL_HINT = {
    "openai": "langchain-openai", "anthropic": "langchain-anthropic", "ollama": "langchain-ollama",
    "google_genai": "langchain-google-genai", "mistralai": "langchain-mistralai", "groq": "langchain-groq",
}

# A sentence of the answer with at least this many salient terms must find at least
# SUPPORT_THRESHOLD of them (or their thesaurus synonyms) in the clauses the answer cites.
MIN_SUPPORT_TERMS = 3
SUPPORT_THRESHOLD = 0.6
# A run of this many words copied from the system prompt means the reply echoes the prompt.
ECHO_WORDS = 8
# Words an answer adds around what a clause says; they carry no claim about the policy.
_ANSWER_WORDS = frozenset(tokens(
    "yes no however note also important answer briefly summary short condition conditions mentioned "
    "says clause clauses section sections subject terms applies apply cited according read means specifically "
    "particular example including described listed outlined following set out",
))
# Sweeping or negating claims: an answer may make one only when a cited clause says it in these words.
_SWEEPING = re.compile(
    r"\b(?:covers? everything|everything is covered|fully covered|covered in full|paid in full|"
    r"no sub-?limits?|no limits?|unlimited|no exclusions?|no retentions?|no deductibles?|no waiting period|"
    r"not required|not a condition|optional|never (?:needed|required)|not needed|regardless of|"
    r"without any (?:retention|limit|sublimit|deductible|exclusion|waiting period|coinsurance|consent)|"
    r"always covered|no coinsurance|no consent)\b",
    re.I,
)
# What a model echoes when it repeats the prompt instead of answering.
_ECHO = re.compile(r"</?\s*clauses\s*>|\[C\d+\]\s*\([^()\n]*,\s*p\.\s*\d+\s*,|^\s*Question\s*:|^\s*Rules\s*:", re.I | re.M)
# Words that name a page: "p. 9", "page 12", "pp. 3-4".
_PAGE = re.compile(r"\b(?:pages?|pp?\.)\s*(\d{1,4})(?:\s*[-–]\s*(\d{1,4}))?", re.I)
# Quoted strings in an answer: “…” or "…".
_QUOTED = re.compile(r"“([^”]{2,})”|\"([^\"]{2,})\"")
_TRUNCATED = {"length", "max_tokens", "max_output_tokens"}

# Why an LLM reply was not used; `note` is what the user reads under the extractive answer.
REASONS = {
    "model_error": "The language model failed",
    "truncated": "The language model's reply was cut off",
    "malformed": "The language model's reply was not in the requested format",
    "echo": "The language model repeated the prompt instead of answering",
    "no_clean_clauses": "Every retrieved clause holds text addressed to an AI assistant, so the language model was not asked",
    "no_citation": "The language model gave no valid citation",
    "cites_flagged": "The language model cited text addressed to an AI assistant",
    "quote_not_found": "The language model quoted words that are not in the clause it cites",
    "page_not_cited": "The language model named a page that none of its cited clauses is on",
    "figure_not_found": "The language model stated a figure that is not in the clauses it cites",
    "sweeping_claim": "The language model made a sweeping claim the clauses it cites do not make",
    "contradicts": "The language model's answer contradicts the clauses it cites",
    "unsupported": "The language model said things the clauses it cites do not talk about",
}


@dataclass(frozen=True)
class LLMOutcome:
    """An LLM answer, or why there is none (`rejected_reason`, a key of REASONS)."""

    summary: str = ""
    citations: tuple[Citation, ...] = ()
    mode: str = "llm"
    rejected_reason: str = ""
    detail: str = ""

    @property
    def ok(self) -> bool:
        return not self.rejected_reason

    @property
    def note(self) -> str:
        """One sentence for the user: why this is the extractive answer."""
        why = REASONS.get(self.rejected_reason, self.rejected_reason)
        return f"{why}{f' ({self.detail})' if self.detail else ''}; this is the extractive answer."


def _rejected(reason: str, detail: str = "") -> LLMOutcome:
    return LLMOutcome(mode="extractive-fallback", rejected_reason=reason, detail=detail[:160])


class QuotedClause(BaseModel):
    """One clause the answer relies on."""

    key: str = Field(description="the clause's citation key, such as C1")
    quote: str = Field(description="the exact words copied from that clause that support the answer")


class PolicyAnswer(BaseModel):
    """An answer about the policy, built only from the numbered clauses."""

    answer: str = Field(description="two to four sentences in plain language, each ending with its citation key such as [C1]")
    citations: list[QuotedClause] = Field(description="every clause the answer relies on, with the exact words relied on")


def make_chat_model(spec: str):
    """A chat model from a `provider:model` spec via `init_chat_model`, with an install hint when missing."""
    from langchain.chat_models import init_chat_model

    provider = spec.split(":", 1)[0] if ":" in spec else ""
    try:
        return init_chat_model(spec, temperature=0)
    except ImportError as exc:
        pkg = _INSTALL_HINT.get(provider, f"langchain-{provider}" if provider else "the provider's langchain package")
        extra = provider if provider in ("openai", "anthropic", "ollama") else None
        # an extra of ours comes from the lock (`./dev extra openai`), at the version the tests ran with
        hint = f"./dev extra {extra} (the versions uv.lock holds)" if extra else f"pip install {pkg}"
        raise RuntimeError(f"The LLM '{spec}' needs {pkg}: {hint}  ({exc})") from None


def _as_data(text: str) -> str:
    # Document text must not be able to close the <clauses> block or forge a key.
    return re.sub(r"</?\s*clauses\s*>", "", text, flags=re.I).replace("[C", "[ C")


def build_messages(question: str, hits: Sequence[Hit]) -> list[tuple[str, str]]:
    """System and user messages; clause i is keyed C<i>. Flagged clauses are never sent to the model."""
    blocks = []
    for i, h in enumerate(hits, 1):
        c = h.chunk
        if is_flagged(c):
            continue
        blocks.append(f"[C{i}] ({c.policy} {c.version}, p. {c.page_start}, {c.section}, {c.clause_type})\n{_as_data(' '.join(c.text.split()))}")
    system = load("answer_system").format(no_answer=NO_ANSWER)
    user = load("answer_user").format(question=_as_data(question), clauses="\n\n".join(blocks))
    return [("system", system), ("human", user)]


def _text_of(message) -> str:
    text = message.content if hasattr(message, "content") else str(message)
    if isinstance(text, list):
        text = " ".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in text)
    return str(text)


def _truncated(message) -> bool:
    meta = getattr(message, "response_metadata", None) or {}
    return any(str(meta.get(k, "")).lower() in _TRUNCATED for k in ("finish_reason", "stop_reason", "done_reason"))


def _ask(chat_model, messages) -> tuple[object, str, list[tuple[str, str]] | None] | LLMOutcome:
    """(raw message, answer text, [(key, quote)] or None for a plain-text reply), or a rejection."""
    try:
        structured = chat_model.with_structured_output(PolicyAnswer, include_raw=True)
    except (NotImplementedError, AttributeError, TypeError, ValueError):
        structured = None  # this provider has no tool calling: ask for plain text with keys
    try:
        if structured is None:
            raw = chat_model.invoke(messages)
            return raw, _text_of(raw), None
        out = structured.invoke(messages)
    except Exception as exc:  # any provider failure: network, rate limit, content filter, bad reply
        return _rejected("model_error", f"{type(exc).__name__}: {exc}")
    raw, parsed = out.get("raw"), out.get("parsed")
    if parsed is None:
        if raw is not None and _truncated(raw):
            return _rejected("truncated")
        return _rejected("malformed", str(out.get("parsing_error") or "no structured answer"))
    return raw, parsed.answer, [(q.key.strip("[] "), q.quote) for q in parsed.citations]


def llm_outcome(question: str, hits: Sequence[Hit], chat_model, qt, df, n) -> LLMOutcome:
    """Ask the model about the retrieved clauses and check every part of its reply."""
    keyed = {f"C{i}": h for i, h in enumerate(hits, 1)}
    if all(is_flagged(h.chunk) for h in hits):
        return _rejected("no_clean_clauses")
    messages = build_messages(question, hits)
    asked = _ask(chat_model, messages)
    if isinstance(asked, LLMOutcome):
        return asked
    raw, text, quotes = asked
    if _truncated(raw):
        return _rejected("truncated")
    if _echoes(text, messages):
        return _rejected("echo")
    used = list(dict.fromkeys(k for k in _KEY.findall(text) + [k for k, _ in quotes or ()] if k in keyed))
    flagged = [k for k in used if is_flagged(keyed[k].chunk)]
    if flagged:
        return _rejected("cites_flagged", ", ".join(flagged))
    if not used:
        return _rejected("no_citation")
    cited = {k: keyed[k].chunk for k in used}
    found_quotes: dict[str, str] = {}
    for k, q in quotes or ():
        if k not in cited:
            continue
        where = locate(q, cited[k].text)
        if where is None:
            return _rejected("quote_not_found", f"{k}: “{q[:80]}”")
        found_quotes.setdefault(k, where)
    cleaned = _KEY.sub(lambda m: m.group(0) if m.group(1) in keyed else "", text)
    cleaned = re.sub(r"\s+([.,;])", r"\1", re.sub(r"[ \t]{2,}", " ", cleaned)).strip()
    problem = check_claims(cleaned, cited)
    if problem:
        return _rejected(*problem)
    cites = []
    for k in used:
        c = cite(assess(cited[k], qt, df, n), k)
        if k in found_quotes:
            c = replace(c, quote=found_quotes[k])
        cites.append(c)
    return LLMOutcome(cleaned, tuple(cites), "llm")


# -- checks -------------------------------------------------------------------

def _fold(s: str) -> str:
    s = unicodedata.normalize("NFKC", s).translate(_PUNCT)
    return " ".join(s.split()).casefold()


_PUNCT = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "‐": "-", "‑": "-", "–": "-", "—": "-"})
_WORDS = re.compile(r"[^\W_]+", re.U)


def locate(quote: str, text: str) -> str | None:
    """The passage of `text` a quote copies, word for word (case, spacing, punctuation and “…” gaps
    aside), as the document spells it; None when the words are not there in that order."""
    parts = [p for p in re.split(r"\.{3,}|…|\[\.\.\.\]", quote) if _WORDS.search(p)]
    if not parts:
        return None
    pos, found = 0, []
    for part in parts:
        words = _WORDS.findall(_fold(part))
        rx = re.compile(r"(?<![^\W_])" + r"[\W_]+".join(re.escape(w) for w in words) + r"(?![^\W_])", re.I)
        m = rx.search(_fold_keep_len(text), pos)
        if not m:
            return None
        found.append(" ".join(text[m.start() : m.end()].split()))
        pos = m.end()
    return " … ".join(found)


def _fold_keep_len(text: str) -> str:
    # Folded character by character (kept as is when folding changes its length), so match offsets
    # index the original text.
    out = []
    for c in text:
        f = unicodedata.normalize("NFKC", c).translate(_PUNCT).casefold()
        out.append(f if len(f) == 1 else c)
    return "".join(out)


def _echoes(text: str, messages: list[tuple[str, str]]) -> bool:
    if _ECHO.search(text):
        return True
    said = _WORDS.findall(_fold(text))
    runs = {tuple(said[i : i + ECHO_WORDS]) for i in range(len(said) - ECHO_WORDS + 1)}
    # The system prompt and the fixed words of the user template: no run of them belongs in an answer.
    rules = _WORDS.findall(_fold(messages[0][1] + " " + re.sub(r"\{\w+\}", " ", load("answer_user"))))
    return any(tuple(rules[i : i + ECHO_WORDS]) in runs for i in range(len(rules) - ECHO_WORDS + 1))


_NUMBER_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())}
_NUMBER_WORDS.update({"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90})
_NUM = r"(?:\d[\d,]*(?:\.\d+)?|(?:%s)(?:[- ](?:%s))?)" % ("|".join(_NUMBER_WORDS), "|".join(_NUMBER_WORDS))
_FIGURE = re.compile(
    rf"(?P<cur>[$£€]|\b(?:USD|GBP|EUR|AUD|CAD)\s?)(?P<amt>\d[\d,]*(?:\.\d+)?)\s?(?P<mag>million|mm|m|k|thousand|billion|bn)?\b"
    rf"|\b(?P<pct>\d+(?:\.\d+)?)\s?(?:%|percent\b|per cent\b)"
    rf"|\b(?P<n>{_NUM})(?:\s*\((?P<n2>\d+)\))?[- ](?:(?:business|calendar|consecutive|working)\s)?(?P<unit>hour|day|week|month|year)s?\b",
    re.I,
)


def _number(s: str) -> float | None:
    s = s.lower().replace(",", "")
    try:
        return float(s)
    except ValueError:
        parts = re.split(r"[- ]", s)
        vals = [_NUMBER_WORDS.get(p) for p in parts]
        return float(sum(vals)) if all(v is not None for v in vals) else None


def figures(text: str) -> dict[tuple, str]:
    """Money, percentages and periods in `text`, normalised ($1 million = $1,000,000; seventy-two (72)
    hours = 72 hours), mapped to how the text wrote them."""
    out: dict[tuple, str] = {}
    for m in _FIGURE.finditer(" ".join(text.split())):
        if m.group("amt"):
            v = amount(m.group("amt"), m.group("mag"))
            out.setdefault(("money", round(v, 2)), m.group(0).strip(" ,"))
        elif m.group("pct"):
            out.setdefault(("percent", float(m.group("pct"))), m.group(0))
        else:
            v = _number(m.group("n2") or m.group("n"))
            if v is not None:
                out.setdefault(("period", v, m.group("unit").lower()), m.group(0))
    return out


def check_claims(answer: str, cited: dict) -> tuple[str, str] | None:
    """(reason, detail) for the first claim of `answer` that its cited chunks do not bear out, else None."""
    texts = {k: c.text for k, c in cited.items()}
    whole = " ".join(texts.values())
    for m in _QUOTED.finditer(answer):
        q = m.group(1) or m.group(2)
        if not any(locate(q, t) for t in texts.values()):
            return "quote_not_found", f"“{q[:80]}”"
    for m in _PAGE.finditer(answer):
        lo = int(m.group(1))
        hi = int(m.group(2) or lo)
        if not all(any(c.page_start <= p <= c.page_end for c in cited.values()) for p in range(lo, min(hi, lo + 50) + 1)):
            return "page_not_cited", m.group(0)
    have = figures(whole)
    for key, said in figures(answer).items():
        if key not in have:
            return "figure_not_found", said
    folded = _fold(whole)
    for m in _SWEEPING.finditer(answer):
        if _fold(m.group(0)) not in folded:
            return "sweeping_claim", m.group(0)
    for sentence in re.split(r"(?<=[.!?])\s+", answer):
        keys = [k for k in _KEY.findall(sentence) if k in texts] or list(texts)
        if _contradicts(_KEY.sub("", sentence), [cited[k] for k in keys]):
            return "contradicts", " ".join(sentence.split())[:120]
        # Support may come from any cited clause: a statement under the wrong key is still grounded.
        support = _support(_KEY.sub("", sentence), list(cited.values()))
        if support is not None and support < SUPPORT_THRESHOLD:
            return "unsupported", " ".join(sentence.split())[:120]
    return None


_NEGATION = re.compile(r"\b(?:no|not|never|none|nothing|neither|nor|without|cannot|\w+n't)\b", re.I)
_COVERED = re.compile(r"\b(?:(?:is|are|will be|remains?|be) (?:fully |also )?covered|covers?|will pay|pays?|is payable|are payable)\b", re.I)
_CARVE_BACK = re.compile(r"\b(?:shall not apply|does not apply|will not apply|except|unless|other than|but this exclusion)\b", re.I)


def _contradicts(sentence: str, chunks: list) -> bool:
    """A negative the clauses never state (on a clause that is not an exclusion), or cover claimed
    from exclusions that grant nothing back."""
    negative = bool(_NEGATION.search(sentence))
    if negative and not any(c.clause_type == "exclusion" or _NEGATION.search(c.text) for c in chunks):
        return True
    if _COVERED.search(sentence) and not negative and chunks and all(c.clause_type == "exclusion" for c in chunks):
        return not any(_CARVE_BACK.search(c.text) for c in chunks)
    return False


def _support(sentence: str, chunks: list) -> float | None:
    """Share of the sentence's salient terms found in the chunks (None when it makes no claim to check)."""
    # The answer's own words only: the lay-vocabulary expansion that helps find clauses would let a claim
    # pass on words the clause never uses ("state-sponsored" is not supported by "Cyber Extortion").
    variants = [frozenset({t}) for t in query_terms(sentence).terms if t not in _ANSWER_WORDS]
    if len(variants) < MIN_SUPPORT_TERMS:
        return None
    have: set[str] = set()
    for c in chunks:
        have |= set(tokens(f"{c.section} {c.text}"))
        for ctrl in controls_in(c.text):  # "MFA" is supported by a clause that says "multi-factor authentication"
            have |= set(tokens(" ".join((ctrl.id, ctrl.name) + tuple(ctrl.synonyms))))
    return sum(1 for v in variants if v & have) / len(variants)
