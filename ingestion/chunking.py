"""Structure-aware chunking: headings, clause numbering and sentences, within a token budget.

A chunk's text is always an exact slice of the document text, so its character
offsets (and therefore quotes and benchmark spans) stay true.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Callable, Sequence

from .classify import classify_clause
from .sentences import split_sentences
from .types import Chunk, DocumentText

__all__ = ["chunk_document", "chunk_spans", "split_sentences"]

TokenCounter = Callable[[Sequence[str]], list[int]]

_ROMAN = r"(?:X{0,3})(?:IX|IV|V?I{0,3})"
_HEADING_RES = [
    re.compile(r"^(?:SECTION|ARTICLE|PART|CHAPTER|SCHEDULE|ENDORSEMENT)\s+(?:[0-9]+|[IVXLC]+|[A-Z])\b.{0,80}$", re.I),
    re.compile(rf"^{_ROMAN}\.\s+[A-Z][A-Za-z ,&’'/\-()]{{2,70}}$"),
    re.compile(r"^#{1,4}\s+\S.{0,100}$"),
]
# (style, regex); the style decides nesting by order of first appearance under a heading.
_LABEL_RES = [
    ("item", re.compile(r"^((?:Item|Clause|Article|Section)\s+\d{1,2}(?:\.\d{1,2})*)[.:]\s+(?=\S)", re.I)),
    ("dotted", re.compile(r"^(\d{1,2}(?:\.\d{1,2})+)\.?\s+(?=\S)")),
    ("num", re.compile(r"^(\d{1,2})[.)]\s+(?=\S)")),
    ("upper", re.compile(r"^([A-Z])[.)]\s+(?=\S)")),
    ("paren_roman", re.compile(r"^\(((?:x{0,3})(?:ix|iv|v?i{1,3}|v))\)\s*(?=\S)")),
    ("paren_alpha", re.compile(r"^\(([a-z]{1,2})\)\s*(?=\S)")),
    ("paren_num", re.compile(r"^\((\d{1,2})\)\s*(?=\S)")),
    ("lower", re.compile(r"^([a-z])[.)]\s+(?=\S)")),
]
_DEFINITION_RE = re.compile(
    r"^[\"“]?([A-Z][A-Za-z0-9’'\-/ ]{1,60}?)[\"”]?\s*(?:\(.*?\)\s*)?(?:means|includes|shall mean|refers to|has the meaning)\b"
)


@dataclass(frozen=True)
class _Line:
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class _Unit:
    start: int
    end: int
    heading: str
    path: tuple[str, ...]
    label: str
    level: int  # 0 for a heading-led or free paragraph, 1.. for nested clause labels


_LEADER = re.compile(r"\.{4,}|…{2,}|(?:\. ){3,}")
_JOINABLE = re.compile(r"^(?:(?:SECTION|ARTICLE|PART|CHAPTER|SCHEDULE)\s+(?:[0-9]+|[IVXLC]+|[A-Z])|[IVXLC]+\.?|[0-9]{1,2}\.?)$", re.I)


def _clean_heading(s: str) -> str:
    return re.sub(r"\s+\d{1,3}$", "", re.sub(r"\s+", " ", s.lstrip("#").strip()))[:80]


def _is_heading(s: str) -> bool:
    if len(s) > 90 or len(s) < 3 or _LEADER.search(s):
        return False
    if any(r.match(s) for r in _HEADING_RES):
        return True
    letters = [c for c in s if c.isalpha()]
    if len(letters) < 4 or s.endswith((",", ";", ".")):
        return False
    upper = sum(c.isupper() for c in letters) / len(letters)
    return upper > 0.85 and len(s.split()) <= 10


_SMALL_WORDS = {"a", "an", "and", "or", "of", "the", "to", "for", "in", "on", "by", "with", "&", "as", "at", "from", "not"}


def _is_subheading(s: str) -> bool:
    """A short Title Case line such as "Prior Known Acts & Prior Noticed Claims"."""
    if len(s) > 70 or s[-1] in ".,;:" or not s[0].isupper() or _LEADER.search(s):
        return False
    words = s.split()
    if not 1 <= len(words) <= 9:
        return False
    caps = [w for w in words if w.lower() not in _SMALL_WORDS]
    return bool(caps) and all(w[0].isupper() or not w[0].isalpha() for w in caps) and sum(c.isalpha() for c in s) >= 4


def s_starts_para(s: str) -> bool:
    return bool(_DEFINITION_RE.match(s) or _label(s) or _is_subheading(s))


def _label(s: str) -> tuple[str, str] | None:
    for style, rx in _LABEL_RES:
        m = rx.match(s)
        if m:
            return style, m.group(1)
    return None


def _split_lines(text: str, start: int, end: int) -> list[_Line]:
    out, pos = [], start
    for raw in text[start:end].split("\n"):
        s = raw.strip()
        if s:
            lead = len(raw) - len(raw.lstrip())
            out.append(_Line(pos + lead, pos + lead + len(s), s))
        else:
            out.append(_Line(pos, pos, ""))
        pos += len(raw) + 1
    return out


def _units(text: str) -> list[_Unit]:
    """Cut the text into clause-level units, each knowing its section path."""
    lines = _split_lines(text, 0, len(text))
    units: list[_Unit] = []
    heading = ""
    sub = ""  # a subheading or defined term under the heading
    styles: list[str] = []  # label styles in order of first appearance under the heading
    stack: list[str] = []  # current label at each level
    cur_start: int | None = None
    cur_meta: tuple[str, tuple[str, ...], str, int] = ("", (), "", 0)
    pending_heading_start: int | None = None
    prev_blank = True

    def close(end: int) -> None:
        nonlocal cur_start
        if cur_start is not None and end > cur_start:
            h, path, label, level = cur_meta
            units.append(_Unit(cur_start, end, h, path, label, level))
        cur_start = None

    last_end = 0
    prev_text = ""
    for ln in lines:
        if not ln.text:
            prev_blank = True
            continue
        if not prev_blank and prev_text.endswith((".", ";", ":")) and s_starts_para(ln.text):
            prev_blank = True  # PDFs often lose blank lines; a sentence end before a new clause is as good
        prev_text = ln.text
        s = ln.text
        lab = _label(s)
        if _is_heading(s) and not (lab and len(s) > 40):
            close(last_end)
            if pending_heading_start is not None and _JOINABLE.match(heading):
                # a two-line heading such as "SECTION IV" / "EXCLUSIONS"
                heading = (heading + " " + _clean_heading(s))[:80]
            else:
                if pending_heading_start is None:
                    pending_heading_start = ln.start
                heading = _clean_heading(s)
            styles, stack, sub = [], [], ""
            last_end = ln.end
            prev_blank = False
            continue
        new_unit = False
        defn = _DEFINITION_RE.match(s) if prev_blank and not lab else None
        if not lab and not defn and prev_blank and _is_subheading(s):
            close(last_end)
            if pending_heading_start is None:
                pending_heading_start = ln.start
            sub, styles, stack = s, [], []
            last_end = ln.end
            prev_blank = False
            continue
        if defn:
            sub, styles, stack = defn.group(1).strip(), [], []
        if lab:
            style, value = lab
            if style == "paren_roman" and stack and styles and "paren_alpha" in styles:
                # "(i)" right after "(h)" is a letter, not a numeral
                lvl_alpha = styles.index("paren_alpha")
                if lvl_alpha < len(stack) and stack[lvl_alpha] == "(h)":
                    style = "paren_alpha"
            if style not in styles:
                styles.append(style)
            level = styles.index(style) + 1
            fmt = {"paren_roman": "({})", "paren_alpha": "({})", "paren_num": "({})"}.get(style, "{}")
            stack = stack[: level - 1] + [fmt.format(value)]
            new_unit = True
            label = stack[-1]
        elif defn:
            new_unit, label, level = True, sub, 0
        elif prev_blank:
            new_unit, label, level = True, "", 0
        if new_unit or cur_start is None:
            close(last_end)
            start = pending_heading_start if pending_heading_start is not None else ln.start
            path = tuple(p for p in [heading, sub] + stack if p)
            if lab or defn:
                cur_meta = (heading, path, label, level)
            else:
                cur_meta = (heading, path, stack[-1] if stack else "", 0 if not stack else len(stack) + 1)
            cur_start = start
            pending_heading_start = None
        last_end = ln.end
        prev_blank = False
    if pending_heading_start is not None and cur_start is None:
        cur_start, cur_meta = pending_heading_start, (heading, (heading,), "", 0)
    close(last_end)
    return units


def _sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    return [(start + a, start + b) for a, b in split_sentences(text[start:end])]


def _split_by_words(text: str, start: int, end: int, counter: TokenCounter, max_tokens: int) -> list[tuple[int, int]]:
    """Last resort for a 'sentence' longer than the window: cut between words."""
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text[start:end])]
    counts = counter([text[start + a : start + b] for a, b in words])
    out, cur, total = [], None, 0
    for (a, b), n in zip(words, counts):
        if cur is not None and total + n > max_tokens:
            out.append((cur, start + prev_b))
            cur, total = None, 0
        if cur is None:
            cur = start + a
        total += n
        prev_b = b
    if cur is not None:
        out.append((cur, start + prev_b))
    return out


def chunk_spans(
    text: str, *, count_tokens: TokenCounter, max_tokens: int = 200, min_tokens: int = 48
) -> list[tuple[int, int, _Unit]]:
    """Pack units into (start, end, first unit) spans of at most `max_tokens`."""
    units = _units(text)
    if not units:
        return []
    counts = count_tokens([text[u.start : u.end] for u in units])
    pieces: list[tuple[int, int, _Unit, int]] = []
    for u, n in zip(units, counts):
        if n <= max_tokens:
            pieces.append((u.start, u.end, u, n))
            continue
        sents = _sentences(text, u.start, u.end)
        scounts = count_tokens([text[a:b] for a, b in sents])
        for (a, b), sn in zip(sents, scounts):
            if sn <= max_tokens:
                pieces.append((a, b, u, sn))
            else:
                for a2, b2 in _split_by_words(text, a, b, count_tokens, max_tokens):
                    pieces.append((a2, b2, u, max_tokens))
    out: list[tuple[int, int, _Unit]] = []
    cur: list = []
    cur_tokens = 0
    for a, b, u, n in pieces:
        if cur:
            first_u = cur[0][2]
            same_heading = u.path[:2] == first_u.path[:2] or (u.heading == first_u.heading and cur_tokens < 20)
            continuing = u is cur[-1][2]  # sentence pieces of one long unit
            child = bool(first_u.label) and u.level > first_u.level and u.path[: len(first_u.path)] == first_u.path
            small = cur_tokens < min_tokens
            if cur_tokens + n <= max_tokens and same_heading and (continuing or child or small):
                cur.append((a, b, u))
                cur_tokens += n
                continue
            out.append((cur[0][0], cur[-1][1], cur[0][2]))
        cur, cur_tokens = [(a, b, u)], n
    if cur:
        out.append((cur[0][0], cur[-1][1], cur[0][2]))
    return out


def chunk_document(
    doc: DocumentText,
    *,
    doc_id: str,
    policy: str,
    version: str,
    kind: str,
    count_tokens: TokenCounter,
    effective_date: str = "",
    max_tokens: int = 200,
) -> list[Chunk]:
    """Chunk a document into clause-aware `Chunk`s with pages, section paths and clause types."""
    text = doc.text
    offsets = doc.page_offsets()
    starts = [o[1] for o in offsets]

    def page_at(pos: int) -> int:
        i = max(0, bisect.bisect_right(starts, pos) - 1)
        return offsets[i][0]

    chunks = []
    for i, (a, b, unit) in enumerate(chunk_spans(text, count_tokens=count_tokens, max_tokens=max_tokens)):
        body = text[a:b]
        section = " > ".join(unit.path)
        ctype = classify_clause(body, heading=unit.heading, kind=kind)
        chunks.append(
            Chunk(
                id=f"{doc_id}#{i:04d}",
                doc_id=doc_id,
                text=body,
                file_name=doc.file_name,
                sha256=doc.sha256,
                title=doc.title,
                policy=policy,
                version=version,
                kind=kind,
                page_start=page_at(a),
                page_end=page_at(max(a, b - 1)),
                section=section,
                clause_label=unit.label,
                clause_type=ctype,
                char_start=a,
                char_end=b,
                effective_date=effective_date,
            )
        )
    return chunks
