"""Structure-aware chunking: headings, clause numbering and sentences, within a token budget.

A chunk's text is always an exact slice of the document text, so its character
offsets (and therefore quotes and benchmark spans) stay true.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Callable, Sequence

from .classify import classify_clause, section_prior
from .injection import find_injections, flag_chunks, isolate
from .sentences import split_sentences
from .types import Chunk, DocumentText

__all__ = ["chunk_document", "chunk_spans", "split_sentences"]

TokenCounter = Callable[[Sequence[str]], list[int]]

_ROMAN = r"(?:X{0,3})(?:IX|IV|V?I{0,3})"
_ROMAN_LABEL = re.compile(rf"^({_ROMAN})[.)]\s+(?=\S)")
# "SECTION III", "Section 4: Exclusions applicable to all sections", "ARTICLE 2 – DEFINITIONS"
_MAJOR_RE = re.compile(
    r"^(?:SECTION|ARTICLE|PART|CHAPTER|SCHEDULE|ENDORSEMENT)\s+([0-9]{1,2}|[IVXLC]{1,6}|[A-Z])(?![.,]?[\w(])\s*[.:)\-–—]?\s*(.*)$",
    re.I,
)
_MARKDOWN_HEADING = re.compile(r"^#{1,4}\s+\S.{0,100}$")
# (style, regex); the style decides nesting by order of first appearance under a heading.
_LABEL_RES = [
    ("item", re.compile(r"^((?:Item|Clause|Article|Section)\s+\d{1,2}(?:\.\d{1,2})*)[.:]\s+(?=\S)", re.I)),
    # "4.5 Infrastructure Failure", and "7. 22 Loss means" as some PDFs space it
    ("dotted", re.compile(r"^(\d{1,2}(?:\.\d{1,2})+|\d{1,2}\.\s\d{1,2}(?=\s+[A-Z]))\.?\s+(?=\S)")),
    ("num", re.compile(r"^(\d{1,2})[.)]\s+(?=\S)")),
    # lettered items run A. ... Z., AA. ... ZZ., AAA.
    ("upper", re.compile(r"^(([A-Z])\2{0,2})[.)]\s+(?=\S)")),
    ("paren_roman", re.compile(r"^\(((?:x{0,3})(?:ix|iv|v?i{1,3}|v))\)\s*(?=\S)")),
    ("paren_alpha", re.compile(r"^\(([a-z]{1,2})\)\s*(?=\S)")),
    ("paren_num", re.compile(r"^\((\d{1,2})\)\s*(?=\S)")),
    ("lower", re.compile(r"^([a-z])[.)]\s+(?=\S)")),
]
_DEFINITION_RE = re.compile(
    r"^[\"“]?([A-Z][A-Za-z0-9’'\-/ ]{1,60}?)[\"”]?\s*(?:\(.*?\)\s*)?(?:means|includes|shall mean|refers to|has the meaning)\b"
)
# A capitalised title run in at the start of a line: "BODILY INJURY Any physical injury ...", "DUTY TO COOPERATE We ..."
_CAPS_PREFIX = re.compile(r"^((?:[A-Z][A-Z0-9’'&/\-]*[A-Z0-9]|&|–|-)(?:\s+(?:[A-Z][A-Z0-9’'&/\-]*[A-Z0-9]|[A-Z]|&|–|-)){0,9})\s+(?=[\"“(]?[A-Z][a-z])")
HEADING_MAX_WORDS = 12  # a longer capitalised line is a shouted sentence, not a heading
TITLE_MAX_WORDS = 14  # the title after a clause label ("D. Your Duties in the Event of a Claim or Incident")
SUBHEADING_MAX_WORDS = 9  # an unlabelled Title Case line longer than this is more likely a name or an address
HEADING_MAX_CHARS = 100  # a heading wrapped over several lines is joined up to this length


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


def _clean_heading(s: str) -> str:
    return re.sub(r"\s+\d{1,3}$", "", re.sub(r"\s+", " ", s.lstrip("#").strip()))[:HEADING_MAX_CHARS]


def _caps_share(s: str) -> float:
    letters = [c for c in s if c.isalpha()]
    return sum(c.isupper() for c in letters) / len(letters) if letters else 0.0


# "INSURANCE.   ANY CLAIM EXPENSES PAID …": a sentence ends inside the line, so it is a notice in capitals, not a title
_CAPS_SENTENCE_BREAK = re.compile(r"\b(?![IVXLC]+\.)[A-Z]{3,}\.\s+[A-Z]")  # not "III. EXCLUSIONS"


def _is_caps_heading(s: str) -> bool:
    """A short line in capitals: "EXCLUSIONS", "WHEN THERE IS A CLAIM OR"."""
    if len(s) > 90 or len(s) < 3 or _LEADER.search(s) or ";" in s or s.endswith((",", ".")) or _CAPS_SENTENCE_BREAK.search(s):
        return False
    letters = sum(c.isalpha() for c in s)
    if letters < 4 or letters < sum(c.isdigit() for c in s):  # "AFSL 355088 – ABN 38 138 873 211"
        return False
    return _caps_share(s) > 0.85 and len(s.split()) <= 10 and not s.split()[-1].islower()


def _is_caps_line(s: str) -> bool:
    """A line of a capitalised heading or title that wraps: "BUSINESS INTERRUPTION," / "AND SYSTEMS FAILURE"."""
    return (
        len(s) <= 90 and ";" not in s and not s.endswith(".") and not _LEADER.search(s) and not _CAPS_SENTENCE_BREAK.search(s)
        and sum(c.isalpha() for c in s) >= 2 and _caps_share(s) > 0.85 and len(s.split()) <= 10
    )


def _major(s: str) -> str | None:
    """A numbered section heading ("SECTION III", "Section 4: Exclusions ...", "IV. EXCLUSIONS"), cleaned."""
    if _MARKDOWN_HEADING.match(s):
        return _clean_heading(s)
    m = _MAJOR_RE.match(s)
    if not m or len(s.split()) > HEADING_MAX_WORDS or _LEADER.search(s):
        return None
    rest = m.group(2).strip()
    if rest.startswith("("):
        return None  # "Section 2 (Public and Technology Products Liability)" says which cover a paragraph is for
    # "Section II.H, BREACH RESPONSE COSTS, to your ..." and "Section 1." ending a sentence are references
    if rest and ("," in rest or ";" in rest or rest.endswith(".") or not (rest[0].isupper() or rest[0] in "(–-")):
        return None
    if not rest and s.rstrip().endswith("."):
        return None
    return _clean_heading(s)


def _is_bare_major(major: str) -> bool:
    """ "SECTION VIII" without its title yet."""
    m = _MAJOR_RE.match(major)
    return bool(m) and not m.group(2).strip()


def _roman_heading(s: str) -> str | None:
    """"III. EXCLUSIONS" or "IV. Limits of Liability": a roman numeral and a short title."""
    m = _ROMAN_LABEL.match(s)
    if not m or not m.group(1):
        return None
    title = s[m.end():].strip()
    if not _is_title(title) or _LEADER.search(s):
        return None
    return _clean_heading(s)


_SMALL_WORDS = {"a", "an", "and", "or", "of", "the", "to", "for", "in", "on", "by", "with", "&", "as", "at", "from", "not"}


def _is_title(s: str, max_words: int = SUBHEADING_MAX_WORDS) -> bool:
    """Title Case or capitals, short, not a sentence: "Prior Known Acts & Prior Noticed Claims"."""
    if not s or len(s) > 80 or s[-1] in ".,;" or not s[0].isupper() or _LEADER.search(s):
        return False
    words = s.split()
    if not 1 <= len(words) <= max_words or not any(c.isalnum() for c in words[-1]):
        return False  # ends in a form's blank ("Retroactive Date: <<>>>", "Signature: ____"): a field, not a title
    caps = [w for w in words if w.lower() not in _SMALL_WORDS]
    return bool(caps) and all(w[0].isupper() or not w[0].isalpha() for w in caps) and sum(c.isalpha() for c in s) >= 3


def _is_sentence_title(s: str, following: str) -> bool:
    """A short title in sentence case, alone on its line before a new sentence:
    "What you must do in the event of a claim or cyber incident" / "If any senior executive ..."."""
    words = s.split()
    return (
        0 < len(words) <= TITLE_MAX_WORDS and len(s) <= 70 and s[0].isupper() and (s[-1].isalnum() or s[-1] == ")")
        and words[-1].lower() not in _SMALL_WORDS and following[:1].isupper() and not _LEADER.search(s)
    )


def _is_subheading(s: str) -> bool:
    """A short Title Case line such as "Prior Known Acts & Prior Noticed Claims"."""
    if _MAJOR_RE.match(s):  # "Section 2 (Public and Technology Products Liability)": a paragraph's scope, not a heading
        return False
    return len(s) <= 70 and s[-1] != ":" and _is_title(s) and sum(c.isalpha() for c in s) >= 4


def _caps_prefix(s: str) -> str:
    """The capitalised title a line starts with, when a body in ordinary case follows on the same line."""
    m = _CAPS_PREFIX.match(s)
    if not m:
        return ""
    title = m.group(1)
    words = [w for w in title.split() if w.isalpha()]
    # "PCI Fines", "IT Security", "A Claim": too short to be a title
    if not words or (len(words) == 1 and len(words[0]) < 6) or sum(len(w) for w in words) < 6:
        return ""
    return title


def s_starts_para(s: str) -> bool:
    return bool(_DEFINITION_RE.match(s) or _label(s) or _is_subheading(s))


def _label(s: str) -> tuple[str, str, int] | None:
    """(style, value, end of the label) of a clause label opening the line."""
    for style, rx in _LABEL_RES:
        m = rx.match(s)
        if m:
            # "( a )" -> "(a)", but "Item  5" -> "Item 5": a word label keeps its space
            value = " ".join(m.group(1).split())
            return style, (value if re.match(r"[A-Za-z]{2,}\s", value) else value.replace(" ", "")), m.end()
    return None


def _next_letter(v: str) -> str:
    """The label after a lettered one: H -> I, Z -> AA, HH -> II."""
    if v[0] == "Z":
        return "A" * (len(v) + 1)
    return chr(ord(v[0]) + 1) * len(v)


def _follows(prev_label: str, value: str) -> bool:
    """Whether `value` is the label after `prev_label` ("6" -> "7", "b" -> "c", "1.24" -> "1.25")."""
    prev = prev_label.strip("()")
    if prev.isdigit() and value.isdigit():
        return int(value) == int(prev) + 1
    head, _, last = prev.rpartition(".")
    if head and last.isdigit():  # "1.24" -> "1.25"
        v_head, _, v_last = value.rpartition(".")
        return v_head == head and v_last.isdigit() and int(v_last) == int(last) + 1
    return len(prev) == 1 == len(value) and ord(value) == ord(prev) + 1


def _roman_value(v: str) -> int:
    vals = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
    total = 0
    for a, b in zip(v, v[1:] + " "):
        total += -vals[a] if vals.get(b, 0) > vals[a] else vals[a]
    return total


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
    """Cut the text into clause-level units, each knowing its section path.

    Headings nest in three tiers: a numbered section ("SECTION III", "IV. EXCLUSIONS"), a
    capitalised heading under it, and a Title Case subheading or defined term; then clause labels.
    A lettered item is told from a roman numeral by its sequence: "I." after "H." is a letter.
    """
    lines = _split_lines(text, 0, len(text))
    units: list[_Unit] = []
    major = heading = sub = ""
    styles: list[str] = []  # label styles in order of first appearance under the heading
    stack: list[str] = []  # current label (with its title) at each level
    labels: list[str] = []  # current label ("(a)", "W") at each level
    last_upper = ""  # the last lettered label, to tell "I."/"V."/"X." letters from roman numerals
    last_roman = 0  # the last roman section number
    defn_open = False  # the current part lists unlabelled definitions ("Extortion Payment means ...")
    enclosing: tuple[list[str], list[str], list[str]] | None = None  # the list a subheading interrupted
    cur_start: int | None = None
    cur_meta: tuple[str, tuple[str, ...], str, int] = ("", (), "", 0)
    pending_start: int | None = None
    joining = ""  # the heading tier (or "title") a wrapped next line would continue
    prev_blank = True
    prev_text = ""
    prev_body = False  # the previous line was running text (not a heading or a clause title)
    last_end = 0

    def close(end: int) -> None:
        nonlocal cur_start
        if cur_start is not None and end > cur_start:
            h, path, label, level = cur_meta
            units.append(_Unit(cur_start, end, h, path, label, level))
        cur_start = None

    def start_heading(ln: _Line) -> None:
        nonlocal pending_start, styles, stack, labels, last_end, prev_blank, defn_open
        close(last_end)
        if pending_start is None:
            pending_start = ln.start
        styles, stack, labels, defn_open = [], [], [], False
        last_end, prev_blank = ln.end, False

    def set_heading(s: str) -> None:
        nonlocal major, heading, sub
        prior = section_prior(s)
        if prior and prior != section_prior(major):
            major = ""  # "DEFINITIONS" after "SECTION 2 ..." starts a part of its own
        heading, sub = _clean_heading(s), ""

    def open_unit(ln: _Line, label: str, level: int) -> None:
        nonlocal cur_start, cur_meta, pending_start
        close(last_end)
        path = tuple(p for p in [major, heading, sub] + stack if p)
        cur_meta = (heading or major, path, label, level)
        cur_start = pending_start if pending_start is not None else ln.start
        pending_start = None

    for idx, ln in enumerate(lines):
        if not ln.text:
            prev_blank = True
            if not (joining == "major" and _is_bare_major(major)):  # "SECTION VIII" / blank / "OTHER PROVISIONS"
                joining = ""
            continue
        s = ln.text
        # running text that has not reached its full stop: a capitalised line next continues it
        # ("... under Section II.K, DIRECT AND CONTINGENT" / "BUSINESS INTERRUPTION, AND ...")
        mid_sentence = (
            prev_body and not prev_blank and not prev_text.endswith((".", ";", ":", "!", "?"))
            and sum(c.islower() for c in prev_text) >= 3
        )
        prev_text_before = prev_text
        # a line right after "... in writing to us at:" continues it (an address, a list), even in Title Case
        after_colon = not prev_blank and prev_text.endswith(":")
        if not prev_blank and prev_text.endswith((".", ";", ":")) and s_starts_para(s):
            prev_blank = True  # PDFs often lose blank lines; a sentence end before a new clause is as good
        prev_text = s
        lab = _label(s)
        if lab and mid_sentence and s[lab[2]:][:1].islower() and not re.search(r"(?:\band|\bor|,)$", prev_text_before):
            lab = None  # "... the persons named in" / "Item 9. of the Declarations": a wrapped reference, not a clause
        following = next((x.text for x in lines[idx + 1 :] if x.text), "")
        # "CLAIM EXPENSES ARE INCLUDED WITHIN THE AVAILABLE LIMIT OF" / "INSURANCE.   ANY CLAIM …": a line whose capitalised
        # sentence ends on the next line is a notice in capitals, not a heading; nor does a heading wrap onto a line
        # that continues into a capitalised sentence ("COVERAGES A.1., … ARE CLAIMS MADE" / "AND REPORTED COVERAGES.")
        shouted = _caps_share(following) > 0.85
        banner = shouted and bool(_CAPS_SENTENCE_BREAK.search(following) or re.match(r"(?:AND|OR|OF|TO|BY|WITH)\b.*\.$", following))
        # a heading or clause title wrapped onto this line: "SECTION III" / "EXCLUSIONS – WHAT IS NOT" / "COVERED"
        if joining and not lab and not banner and not (shouted and following.endswith(".")) and (_is_caps_line(s) or (joining == "major" and _is_bare_major(major) and _is_title(s))):
            if joining == "major":
                major = _clean_heading(f"{major} {s}")
            elif joining == "heading":
                heading = _clean_heading(f"{heading} {s}")
            elif joining == "title" and stack:
                stack[-1] = _clean_heading(f"{stack[-1]} {s}")
                cur_meta = (cur_meta[0], cur_meta[1][:-1] + (stack[-1],), cur_meta[2], cur_meta[3])
            last_end, prev_body = ln.end, False
            continue
        joining = ""
        prev_body = True
        roman = _ROMAN_LABEL.match(s)
        is_letter = bool(roman and roman.group(1) and last_upper and roman.group(1) == _next_letter(last_upper))
        # roman section numbers only go up: "I. Defense Costs" after "IV. Definitions" is a (mis)lettered item
        backwards = bool(roman and roman.group(1) and _roman_value(roman.group(1)) <= last_roman)
        new_major = None if is_letter or mid_sentence else (_major(s) or (None if backwards else _roman_heading(s)))
        if new_major:
            start_heading(ln)
            major, heading, sub, last_upper, joining, enclosing = new_major, "", "", "", "major", None
            if roman and roman.group(1) and not _MAJOR_RE.match(s):
                last_roman = _roman_value(roman.group(1))
            prev_body = False
            continue
        if not lab and not mid_sentence and not banner and _is_caps_heading(s):
            start_heading(ln)
            set_heading(s)
            joining, prev_body, enclosing = "heading", False, None
            continue
        # "Computer System includes ..." inside a lettered definition is its text, not a new definition
        defn = _DEFINITION_RE.match(s) if prev_blank and not lab and (defn_open or not styles) else None
        if not lab and not defn and prev_blank and not after_colon and not banner and _is_subheading(s):
            enclosing = (styles, stack, labels) if styles else enclosing
            start_heading(ln)
            sub, prev_body = s, False
            continue
        caps = _caps_prefix(s) if (prev_blank or cur_start is None) and not lab and not defn else ""
        if caps:
            # "DUTY TO COOPERATE We will have the right ...": a heading run into its first sentence
            close(last_end)
            set_heading(caps)
            styles, stack, labels = [], [], []
            open_unit(ln, "", 0)
            last_end, prev_blank = ln.end, False
            continue
        if defn:
            sub, styles, stack, labels, defn_open = defn.group(1).strip(), [], [], [], True
        if lab and enclosing and styles and lab[0] == enclosing[0][0] != styles[0] and _follows(enclosing[2][0], lab[1]):
            # the next item of the list a subheading sat in ("7." after "6. ... / Breach of Contract / a. ...") ends it
            styles, stack, labels, sub, enclosing = [], [], [], "", None
        if lab:
            style, value, at = lab
            if style == "paren_roman" and "paren_alpha" in styles:
                # "(i)" right after "(h)" is a letter, not a numeral
                lvl_alpha = styles.index("paren_alpha")
                if lvl_alpha < len(labels) and labels[lvl_alpha] == "(h)":
                    style = "paren_alpha"
            if style not in styles:
                styles.append(style)
            level = styles.index(style) + 1
            fmt = {"paren_roman": "({})", "paren_alpha": "({})", "paren_num": "({})"}.get(style, "{}")
            label = fmt.format(value)
            rest = s[at:].strip()
            term = _DEFINITION_RE.match(rest)
            if term:
                title = term.group(1).strip()
            elif _is_title(rest, TITLE_MAX_WORDS) or _is_sentence_title(rest, following):
                title = rest
            else:
                title = _caps_prefix(rest)
            if style == "upper":
                last_upper = value
            sep = ". " if style in ("upper", "num", "lower") else " "
            stack = stack[: level - 1] + [_clean_heading(f"{label}{sep}{title}") if title else label]
            labels = labels[: level - 1] + [label]
            open_unit(ln, label, level)
            joining = "title" if title and title == rest and _caps_share(rest) > 0.85 else ""
            prev_body = title != rest
        elif defn:
            open_unit(ln, sub, 0)
        elif prev_blank or cur_start is None:
            open_unit(ln, labels[-1] if labels else "", 0 if not stack else len(stack) + 1)
        last_end = ln.end
        prev_blank = False
    if pending_start is not None and cur_start is None:
        cur_start, cur_meta = pending_start, (heading or major, tuple(p for p in (major, heading, sub) if p), "", 0)
    close(last_end)
    return units


def section_at(chunk: Chunk, at: int) -> str:
    """The section path of the chunk's text at offset `at`. A short clause is packed with the next ones of its list
    ("L. Proof of Loss Preparation Expenses" with "M. Digital Asset Restoration", a one-line definition with the next
    definition), so text from a later one is cited by that one's label and title, not the chunk's first."""
    parts = chunk.section.split(" > ") if chunk.section else []
    label = chunk.clause_label
    if not parts or not label or not parts[-1].startswith(label):
        return chunk.section
    own = _label(f"{label}. x") or _label(f"{label} x")  # labels are stored without their stop: "L", "(a)", "7"
    defined = own is None  # '"Waiting Period" means …' definitions are labelled by their term
    if defined and parts[-1] != label:
        return chunk.section
    last, prev = parts[-1], label
    pos = chunk.text.find("\n") + 1  # the chunk's own first line opens its first clause
    while 0 < pos <= min(at, len(chunk.text) - 1):
        end = chunk.text.find("\n", pos)
        end = len(chunk.text) if end < 0 else end
        line = chunk.text[pos:end].strip()
        if defined:
            term = _DEFINITION_RE.match(line)
            if term:
                last = term.group(1).strip()
        else:
            lab = _label(line)
            nxt_label = _next_letter(prev) if own[0] == "upper" else None
            if lab and lab[0] == own[0] and (lab[1] == nxt_label if nxt_label else _follows(prev, lab[1])):
                prev = lab[1]
                rest = line[lab[2]:].strip()
                term = _DEFINITION_RE.match(rest)
                title = term.group(1).strip() if term else rest if _is_title(rest, TITLE_MAX_WORDS) else _caps_prefix(rest)
                nxt_end = chunk.text.find("\n", end + 1)
                nxt = chunk.text[end + 1 : len(chunk.text) if nxt_end < 0 else nxt_end].strip()
                if title and title == rest and _caps_share(title) > 0.85 and _is_caps_line(nxt) and not _label(nxt):
                    title = f"{title} {nxt}"  # "C. PCI FINES AND" / "ASSESSMENTS": a title wrapped over two lines
                fmt = "({})" if own[0].startswith("paren") else "{}"
                sep = ". " if own[0] in ("upper", "num", "lower") else " "
                shown = fmt.format(lab[1])
                last = _clean_heading(f"{shown}{sep}{title}") if title else shown
        pos = end + 1
    return " > ".join(parts[:-1] + [last])


def _sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    return [(start + a, start + b) for a, b in split_sentences(text[start:end])]


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
            else:  # a "sentence" longer than the window: cut between words
                cuts = _words_within(text, a, b, count_tokens, max_tokens)
                pieces.extend((a2, b2, u, n2) for (a2, b2), n2 in zip(cuts, count_tokens([text[x:y] for x, y in cuts])))
    groups: list[list[tuple[int, int, _Unit]]] = []
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
            groups.append(cur)
        cur, cur_tokens = [(a, b, u)], n
    if cur:
        groups.append(cur)
    return _fit(text, groups, count_tokens, max_tokens)


def _fit(
    text: str, groups: list[list[tuple[int, int, _Unit]]], count_tokens: TokenCounter, max_tokens: int
) -> list[tuple[int, int, _Unit]]:
    """Spans of the packed groups, re-cut where the whole counts more tokens than its pieces did.

    Token counts are not additive (rounding, word pieces across the joins), so each packed span
    is counted again; one over the window is cut at piece boundaries, then between words.
    """
    counts = count_tokens([text[g[0][0] : g[-1][1]] for g in groups])
    out: list[tuple[int, int, _Unit]] = []
    for g, n in zip(groups, counts):
        if n <= max_tokens:
            out.append((g[0][0], g[-1][1], g[0][2]))
            continue
        start = 0
        while start < len(g):
            end = start + 1  # the longest run of pieces from `start` that fits
            while end < len(g) and count_tokens([text[g[start][0] : g[end][1]]])[0] <= max_tokens:
                end += 1
            a, b, u = g[start][0], g[end - 1][1], g[start][2]
            if end - start == 1 and count_tokens([text[a:b]])[0] > max_tokens:
                out.extend((a2, b2, u) for a2, b2 in _words_within(text, a, b, count_tokens, max_tokens))
            else:
                out.append((a, b, u))
            start = end
    return out


def _words_within(text: str, start: int, end: int, counter: TokenCounter, max_tokens: int) -> list[tuple[int, int]]:
    """Cut text[start:end] between words into the longest prefixes that fit, counting each candidate."""
    words = [(start + m.start(), start + m.end()) for m in re.finditer(r"\S+", text[start:end])]
    out, i = [], 0
    while i < len(words):
        lo, hi = i + 1, len(words)  # binary search the last word index j with words[i..j) fitting
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if counter([text[words[i][0] : words[mid - 1][1]]])[0] <= max_tokens:
                lo = mid
            else:
                hi = mid - 1
        out.append((words[i][0], words[lo - 1][1]))
        i = lo
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
    type_at: dict[tuple[str, ...], str] = {}  # clause type of the latest chunk at each section path
    # Text addressed to an AI assistant gets chunks of its own, flagged (see ingestion/injection.py).
    findings = find_injections(text)
    spans = isolate(chunk_spans(text, count_tokens=count_tokens, max_tokens=max_tokens), text, findings)
    for i, (a, b, unit) in enumerate(spans):
        body = text[a:b]
        section = " > ".join(unit.path)
        # an item of a list opened by an exclusion ("... arising out of: (a) ...; (b) ...") shares its type
        parent = next((type_at[unit.path[:k]] for k in range(len(unit.path) - 1, 0, -1) if unit.path[:k] in type_at), "")
        ctype = classify_clause(body, heading=unit.heading, kind=kind, path=unit.path, parent_type=parent)
        type_at[unit.path] = ctype
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
    return flag_chunks(chunks, text, findings)
