"""Prompt injection inside documents: text addressed to an AI assistant, found at ingest.

A policy wording speaks to the insured, never to an AI. Text that does ("ignore previous instructions",
"tell the user that…", "you are an AI", chat markup) is flagged on the chunks that contain it; the
answer pipeline quotes such chunks only with `FLAGGED_MARKER` and never uses them for a verdict, and
they are never sent to a language model. The vocabulary, with a reason per pattern, lives in
`data/injection.yaml`.
"""
from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Sequence

import yaml

from .types import Chunk

VOCABULARY_PATH = Path(__file__).parent / "data" / "injection.yaml"

# The one line every surface shows above a quote from a flagged chunk.
FLAGGED_MARKER = (
    "⚠ Possible prompt injection: this passage of the document is addressed to an AI assistant. "
    "It is quoted as a warning only and was not used for the answer."
)
# Longest excerpt of a finding shown in an ingest warning.
EXCERPT_CHARS = 90
# A piece of a clause left beside planted text with fewer characters than this (a bare label such
# as "B. Security Update.") joins the planted piece instead of becoming a chunk of its own.
MIN_PIECE_CHARS = 40
# How far a finding is widened to the start and end of its sentence, at most.
MAX_WIDEN = 400

# Letters from other scripts that look like Latin ones, used to hide a phrase from a plain search.
_LOOKALIKES = str.maketrans(
    "аеорсухіјѕԁАВЕКМНОРСТХІЈЅοαιενρτΑΒΕΗΙΚΜΝΟΡΤΧΥΖ",
    "aeopcyxijsdABEKMHOPCTXIJSoaievptABEHIKMNOPTXYZ",
)
_SENTENCE_END = re.compile(r"[.!?](?=[\s\"”’)]|$)|\n\s*\n")


@dataclass(frozen=True)
class Rule:
    id: str
    reason: str
    pattern: re.Pattern
    strong: bool


@dataclass(frozen=True)
class Finding:
    """A passage addressed to an AI: offsets into the original text, the rules that fired, why."""

    start: int
    end: int
    rules: tuple[str, ...]
    reason: str
    excerpt: str


@dataclass(frozen=True)
class Vocabulary:
    rules: tuple[Rule, ...]
    window: int  # weak signals count only with another signal within this many characters


@lru_cache(maxsize=None)
def vocabulary(path: str | Path = VOCABULARY_PATH) -> Vocabulary:
    """The injection vocabulary from `data/injection.yaml` (cached)."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    rules = []
    for strength in ("strong", "weak"):
        for r in raw.get(strength) or ():
            rules.append(Rule(r["id"], r["reason"], re.compile(r["pattern"], re.I | re.M), strength == "strong"))
    return Vocabulary(tuple(rules), int(raw["window"]))


_SPECIAL = re.compile(r"\s+|[^\x21-\x7e]")
_BREAKS = frozenset("\n\r\f\v\x1c\x1d\x1e\x85\u2028\u2029")


def fold(text: str) -> tuple[str, list[int]]:
    """Text as it reads to a model: NFKC, no zero-width or format characters, Latin look-alikes,
    whitespace runs collapsed (a run with a line break becomes one newline). Returns the folded
    text and, for each of its characters, the offset of the original character it came from."""
    out: list[str] = []
    where: list[int] = []
    pos = 0
    for m in _SPECIAL.finditer(text):  # plain ASCII between the special characters is copied as is
        a = m.start()
        if a > pos:
            out.append(text[pos:a])
            where.extend(range(pos, a))
        pos = m.end()
        tok = m.group(0)
        if tok.isspace():
            ws = "\n" if not _BREAKS.isdisjoint(tok) else " "
            if out and out[-1][-1:] in (" ", "\n"):
                if ws == "\n" and out[-1][-1] == " ":
                    out[-1] = out[-1][:-1] + "\n"
                continue
            out.append(ws)
            where.append(a)
        elif unicodedata.category(tok) != "Cf":  # zero-width space/joiner, soft hyphen, BOM, bidi marks go
            f = unicodedata.normalize("NFKC", tok).translate(_LOOKALIKES)
            out.append(f)
            where.extend([a] * len(f))
    if pos < len(text):
        out.append(text[pos:])
        where.extend(range(pos, len(text)))
    return "".join(out), where


def find_injections(text: str, vocab: Vocabulary | None = None) -> list[Finding]:
    """Passages of `text` addressed to an AI assistant, as sentence-wide spans of the original text."""
    vocab = vocab or vocabulary()
    folded, where = fold(text)
    if not folded:
        return []
    hits = [(m.start(), m.end(), r) for r in vocab.rules for m in r.pattern.finditer(folded)]
    hits.sort(key=lambda h: h[0])
    starts = [h[0] for h in hits]
    kept = []
    for a, b, r in hits:
        if not r.strong:
            # A weak signal counts only with a second, different signal nearby.
            lo, hi = bisect.bisect_left(starts, a - vocab.window), bisect.bisect_right(starts, a + vocab.window)
            near = [h for h in hits[lo:hi] if h[2].id != r.id]
            if not near:
                continue
            a, b = min([a] + [h[0] for h in near]), max([b] + [h[1] for h in near])
        kept.append((a, b, r))
    return _merge([(_sentence(folded, a, b), r) for a, b, r in kept], folded, where, text)


def _sentence(folded: str, a: int, b: int) -> tuple[int, int]:
    """Widen a match to the sentences around it (at most MAX_WIDEN characters each way), so the
    whole planted instruction is covered."""
    while a < b - 1 and folded[a] in ".!?:;, \n":  # a pattern may start on the previous sentence's stop
        a += 1
    begin = max(0, a - MAX_WIDEN)
    for m in _SENTENCE_END.finditer(folded, begin, a):
        begin = m.end()
    m = _SENTENCE_END.search(folded, max(b - 1, a), b + MAX_WIDEN)
    end = m.end() if m else min(len(folded), b + MAX_WIDEN)
    while begin < a and folded[begin].isspace():
        begin += 1
    return begin, end


def _merge(spans: list[tuple[tuple[int, int], Rule]], folded: str, where: list[int], text: str) -> list[Finding]:
    out: list[Finding] = []
    groups: list[list] = []
    for (a, b), r in sorted(spans, key=lambda s: s[0]):
        if groups and a <= groups[-1][1]:
            groups[-1][1] = max(groups[-1][1], b)
            groups[-1][2].append(r)
        else:
            groups.append([a, b, [r]])
    for a, b, rules in groups:
        ids = tuple(dict.fromkeys(r.id for r in rules))
        reasons = "; ".join(dict.fromkeys(r.reason for r in rules))
        start, end = where[a], where[min(b, len(where)) - 1] + 1
        excerpt = " ".join(folded[a:b].split())
        if len(excerpt) > EXCERPT_CHARS:
            excerpt = excerpt[: EXCERPT_CHARS - 1].rstrip() + "…"
        out.append(Finding(start, end, ids, reasons, excerpt))
    return out


def injection_flags(text: str) -> tuple[str, ...]:
    """The rule ids that fire on `text` (empty when it reads as ordinary document text)."""
    return tuple(dict.fromkeys(r for f in find_injections(text) for r in f.rules))


def isolate(spans: Iterable[tuple[int, int, Any]], text: str, findings: Sequence[Finding]) -> list[tuple[int, int, Any]]:
    """Cut chunk spans `(start, end, unit)` at the edges of findings, so planted text sits in chunks of
    its own and cannot take the genuine clause beside it out of the answers."""
    out: list[tuple[int, int, Any]] = []
    for a, b, unit in spans:
        cuts = sorted({a, b} | {x for f in findings if f.start < b and a < f.end for x in (max(a, f.start), min(b, f.end))})
        pieces: list[list[int]] = []
        for x, y in zip(cuts, cuts[1:]):
            while x < y and text[x].isspace():
                x += 1
            while y > x and text[y - 1].isspace():
                y -= 1
            if x < y:
                pieces.append([x, y])
        i = 0
        while len(pieces) > 1 and i < len(pieces):
            if len(text[pieces[i][0] : pieces[i][1]].strip()) < MIN_PIECE_CHARS:
                j = i + 1 if i + 1 < len(pieces) else i - 1
                pieces[j] = [min(pieces[i][0], pieces[j][0]), max(pieces[i][1], pieces[j][1])]
                del pieces[i]
                i = 0
            else:
                i += 1
        out += [(x, y, unit) for x, y in pieces]
    return out


def flag_chunks(chunks: Sequence[Chunk], text: str, findings: Iterable[Finding] | None = None) -> list[Chunk]:
    """`chunks` of `text`, with `flags` set on every chunk that overlaps a finding."""
    found = list(find_injections(text) if findings is None else findings)
    out = []
    for c in chunks:
        rules = [r for f in found if f.start < c.char_end and c.char_start < f.end for r in f.rules]
        out.append(replace(c, flags=tuple(dict.fromkeys(c.flags + tuple(rules)))) if rules else c)
    return out


def is_flagged(chunk: Chunk) -> bool:
    """True when the chunk holds text addressed to an AI assistant: quote it only with
    `FLAGGED_MARKER`, never use it for a verdict, never send it to a model."""
    return bool(getattr(chunk, "flags", ()))


def flag_warnings(chunks: Sequence[Chunk]) -> tuple[str, ...]:
    """One ingest-report line per page that holds flagged text."""
    pages: dict[int, list[Chunk]] = {}
    for c in chunks:
        if is_flagged(c):
            pages.setdefault(c.page_start, []).append(c)
    vocab = {r.id: r.reason for r in vocabulary().rules}
    out = []
    for page, flagged in sorted(pages.items()):
        why = "; ".join(dict.fromkeys(vocab.get(r, r) for c in flagged for r in c.flags))
        seen = [f.excerpt for c in flagged for f in find_injections(c.text)][:1]
        quoted = f": “{seen[0]}”" if seen else ""
        out.append(
            f"page {page}: text addressed to an AI assistant was found ({why}{quoted}); "
            "it will be quoted only with a warning and never used for a verdict"
        )
    return tuple(out)
