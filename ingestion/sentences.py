"""Sentence spans with exact offsets: pysbd decides the hard cases, a fast path the obvious ones.

pysbd knows abbreviations ("U.S.", "No. 5", "Inc.", "e.g.", "i.e.", "Ltd.") but costs about
15 ms per 1,000 characters, and the answer pipeline splits every retrieved clause. Most full
stops follow an ordinary word ("...the Insurer. The ...") and need no judgement, so only the
stretches holding a doubtful full stop (after an abbreviation, an initial, a number) go to pysbd.
Policy wordings also end clauses at ";" or ":" before a capital, and start list items on a new
line ("(a) ...", "1. ..."): those are boundaries too, as they always were here.
"""
from __future__ import annotations

import re
from functools import lru_cache

import pysbd
from pysbd.lang.english import English

# Boundaries pysbd does not draw but a policy's quotes need: a clause ending in ";"/":" before a
# capital, and a line that opens a list item.
_HARD_BREAK = re.compile(r"(?<=[;:])[\"”’)]*\s+(?=[\"“(]?[A-Z0-9])|\n(?=\s*(?:\(?[a-z0-9]{1,3}[.)]|[•\-–]) )")
# A full stop, "!" or "?" that may end a sentence: followed by space and a capital, digit or quote.
_CANDIDATE = re.compile(r"([^\s]*)[.!?][\"”’)]*\s+(?=[\"“(]?[A-Z0-9])")
_ABBREVIATIONS = frozenset(a.lower() for a in English.Abbreviation.ABBREVIATIONS)
# An ordinary word (letters only, two or more, not one of pysbd's abbreviations) or a figure such as a year.
_PLAIN_WORD = re.compile(r"[\"“(]?([A-Za-z]{2,}|[$£€]?\d{1,3}(?:,\d{3})+|\d{3,}%?)[\"”’)]*")
# The full stop of a list label opening a line ("2. With respect ...", "B. Bodily Injury") or of a dot leader.
_LABEL_TOKEN = re.compile(r"\(?(?:\d{1,2}|[A-Za-z]{1,3})\)?")

_segmenter: pysbd.Segmenter | None = None


def _pysbd() -> pysbd.Segmenter:
    global _segmenter
    if _segmenter is None:
        _segmenter = pysbd.Segmenter(language="en", clean=False)
    return _segmenter


def _is_clear_end(word: str) -> bool:
    m = _PLAIN_WORD.fullmatch(word)
    return bool(m) and m.group(1).lower() not in _ABBREVIATIONS


def _is_no_end(text: str, m: re.Match) -> bool:
    """A full stop that ends no sentence: a label at the start of a line, or a dot leader."""
    word = m.group(1)
    if not word.strip("."):
        return True
    line_start = text.rfind("\n", 0, m.start(1)) + 1
    return not text[line_start : m.start(1)].strip() and bool(_LABEL_TOKEN.fullmatch(word))


def _pysbd_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """pysbd's sentences of text[start:end], mapped back to exact offsets."""
    # Line breaks in PDF text are layout, not sentence ends; same length keeps offsets.
    piece = text[start:end].replace("\n", " ")
    bounds, cursor = [], 0
    for seg in _pysbd().segment(piece):
        s = seg.strip()
        if not s:
            continue
        at = piece.find(s, cursor)
        if at < 0:  # pysbd altered the text: fall back to the whole stretch
            return [(start, end)]
        bounds.append(at)
        cursor = at + len(s)
    # pysbd sometimes ends a sentence at "Item 5." before a lower-case word: keep those together
    starts = [a for i, a in enumerate(bounds) if i == 0 or not piece[a].islower()]
    ends = starts[1:] + [len(piece)]
    return [(start + a, start + b) for a, b in zip(starts, ends)]


def _split_piece(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentences of one clause piece: clear ends cut directly, doubtful stretches go to pysbd."""
    spans, pos, doubtful = [], start, False
    for m in _CANDIDATE.finditer(text, start, end):
        if _is_no_end(text, m):
            continue
        if _is_clear_end(m.group(1)):
            spans.extend(_pysbd_spans(text, pos, m.end()) if doubtful else [(pos, m.end())])
            pos, doubtful = m.end(), False
        else:
            doubtful = True
    if end > pos:
        spans.extend(_pysbd_spans(text, pos, end) if doubtful else [(pos, end)])
    return spans


@lru_cache(maxsize=4096)
def _split_cached(text: str) -> tuple[tuple[int, int], ...]:
    spans, pos = [], 0
    for m in _HARD_BREAK.finditer(text):
        if m.start() > pos:
            spans.extend(_split_piece(text, pos, m.start()))
        pos = m.end()
    if len(text) > pos:
        spans.extend(_split_piece(text, pos, len(text)))
    out = []
    for a, b in spans:
        # trim surrounding white space so a span is the sentence itself
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            out.append((a, b))
    return tuple(out)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans (start, end) of `text`; `text[start:end]` is the sentence, trimmed of white space."""
    return list(_split_cached(text))
