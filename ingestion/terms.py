"""Structured policy terms: what a clause requires, when to give notice, what needs consent,
which vendors, which money and time terms, and what is excluded — each with its citation.

Extraction is sentence by sentence and precision-first: a term exists only where one sentence
states it (a control named next to an obligation, a deadline next to a notice duty, a value next
to a sublimit). The vocabulary and the reason for every cue live in `data/terms.yaml`. The chunk's
clause type is used as a hint (an exclusion context), never as the answer.
"""
from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

import yaml

from .chunking import section_at
from .figures import period_hours, unit_hours
from .types import Chunk

VOCAB_PATH = Path(__file__).parent / "data" / "terms.yaml"
TERM_KINDS = ("requirement", "notice", "consent", "panel", "money_time", "exclusion")
# Bump when extraction changes, so terms cached with an index are recomputed.
EXTRACTOR_VERSION = "terms-28"
IN_DECLARATIONS = "in the Declarations"


@dataclass(frozen=True)
class Term:
    """One structured term of a policy and the verbatim sentence it comes from.

    `subject` is the normalised key: a control id (requirement), what must be notified (notice),
    what needs consent, `required`/`listed` (panel), the role (money_time) or the exclusion subject.
    `quote` is an exact substring of the chunk's text."""

    kind: str
    subject: str
    value: str = ""  # amount, percentage, period, or "in the Declarations"; deadline for notices
    qualifier: str = ""  # what a sublimit applies to; a panel list's category
    scope: str = ""
    frequency: str = ""
    frequency_days: int | None = None
    deadline: str = ""
    deadline_hours: float | None = None  # the shortest numeric deadline, in hours
    basis: str = ""  # requirement: condition_precedent | warranty | application | obligation
    recipient: str = ""
    channel: str = ""
    vendors: tuple[str, ...] = ()
    carve_back: str = ""
    controls: tuple[str, ...] = ()
    chunk_id: str = ""
    page_start: int = 0
    page_end: int = 0
    section: str = ""
    clause_type: str = ""
    quote: str = ""

    @property
    def key(self) -> str:
        """The normalised value the labelled check compares (kind-specific)."""
        if self.kind == "money_time" and self.qualifier:
            return f"{self.subject}:{self.qualifier}"
        return self.subject

    @property
    def pages(self) -> str:
        return f"p. {self.page_start}" if self.page_start == self.page_end else f"pp. {self.page_start}-{self.page_end}"


# -- vocabulary -------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Vocab:
    obligation: tuple[re.Pattern, ...]
    not_requirement: tuple[re.Pattern, ...]
    controls: tuple[tuple[str, re.Pattern], ...]
    scopes: tuple[tuple[str, re.Pattern], ...]
    frequencies: tuple[tuple[re.Pattern, str, int], ...]
    notice: tuple[re.Pattern, ...]
    not_notice: tuple[re.Pattern, ...]
    notice_subjects: tuple[tuple[str, re.Pattern], ...]
    deadlines: tuple[re.Pattern, ...]
    consent: tuple[re.Pattern, ...]
    not_consent: tuple[re.Pattern, ...]
    consent_subjects: tuple[tuple[str, re.Pattern], ...]
    panel: tuple[re.Pattern, ...]
    panel_required: tuple[re.Pattern, ...]
    panel_listed: tuple[re.Pattern, ...]
    panel_categories: tuple[tuple[str, re.Pattern], ...]
    money_roles: tuple[tuple[str, re.Pattern], ...]
    declarations_ref: re.Pattern
    money_value: re.Pattern
    not_money: tuple[re.Pattern, ...]
    sublimit_subjects: tuple[tuple[str, re.Pattern], ...]
    exclusion_context: re.Pattern
    exclusion_cues: re.Pattern
    carve_back: re.Pattern
    exclusion_subjects: tuple[tuple[str, re.Pattern, tuple[str, ...]], ...]


def _rx(p: str, flags: int = re.I) -> re.Pattern:
    return re.compile(p, flags)


@lru_cache(maxsize=2)
def load_vocabulary(path: str | None = None) -> _Vocab:
    """The shipped term vocabulary (or the one at `path`), compiled."""
    raw = yaml.safe_load(Path(path or VOCAB_PATH).read_text(encoding="utf-8"))
    pats = lambda key: tuple(_rx(e["pattern"], re.I | re.M) for e in raw[key])  # noqa: E731
    subj = lambda key, name="subject": tuple((e[name], _rx(e["pattern"], re.I | re.M)) for e in raw[key])  # noqa: E731
    return _Vocab(
        obligation=pats("obligation_cues"),
        not_requirement=pats("not_requirement_cues"),
        controls=tuple((cid, _rx(e["pattern"])) for cid, e in raw["control_cues"].items()),
        scopes=tuple((e["phrase"], _rx(e["pattern"])) for e in raw["scope_cues"]),
        frequencies=tuple((_rx(e["pattern"]), e["label"], int(e["days"])) for e in raw["frequencies"]),
        notice=pats("notice_cues"),
        not_notice=pats("not_notice_cues"),
        notice_subjects=subj("notice_subjects"),
        deadlines=tuple(_rx(e["pattern"]) for e in raw["notice_deadlines"]),
        consent=pats("consent_cues"),
        not_consent=pats("not_consent_cues"),
        consent_subjects=subj("consent_subjects"),
        panel=pats("panel_cues"),
        panel_required=pats("panel_required_cues"),
        panel_listed=pats("panel_listed_cues"),
        # Headings of a vendor list are matched as written ("PUBLIC RELATIONS" is an insuring agreement).
        panel_categories=tuple((e["category"], re.compile(e["pattern"], re.M)) for e in raw["panel_categories"]),
        money_roles=subj("money_roles", "role"),
        declarations_ref=_rx(raw["declarations_ref"]),
        money_value=_rx(raw["money_value"]),
        not_money=pats("not_money_cues"),
        sublimit_subjects=subj("sublimit_subjects"),
        exclusion_context=_rx(raw["exclusion_context"]),
        exclusion_cues=_rx(raw["exclusion_cues"]),
        carve_back=_rx(raw["carve_back_cues"]),
        exclusion_subjects=tuple((e["subject"], _rx(e["pattern"]), tuple(e.get("controls") or ())) for e in raw["exclusion_subjects"]),
    )


# -- helpers ----------------------------------------------------------------------------------
# Sentence ends: . ! ? followed by a capital or digit, or a new line that starts a clause label.
# Colons and semicolons do not end a sentence here: "Waiting Period: 12 hours" must stay whole.
# A blank line ends a paragraph when a capital follows or punctuation precedes it (a page break
# inside a sentence, "Waiting Period\n\nmeans …", does not).
_SENT_END = re.compile(r"(?<=[.!?])[\"”’)]*\s+(?=[\"“(]?[A-Z0-9])|\n(?=\s*(?:\(?[a-z0-9]{1,3}[.)]|[•\-–]) )|(?<=[.;:])[ \t]*\n[ \t]*\n\s*|\n[ \t]*\n\s*(?=[A-Z0-9(\"“])")
_TRAILING_LABEL = re.compile(r"(?:(?<=\s)|^)\(?[a-z0-9]{1,3}[.)]$")
# "Insuring Agreement B. 3. Cyber Extortion" is one sentence: a reference, not a sentence end.
_REF_END = re.compile(r"\b(?:Agreements?|Sections?|Items?|Clauses?|Parts?|Coverages?|Exclusions?|Paragraphs?)\s+[A-Z0-9]{1,3}(?:\.[A-Z0-9]{1,3})*\.$")
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_PHONE = re.compile(r"(?:\+?\d{1,2}[\s-])?(?:\(\d{3}\)\s?|\b\d{3}[\s.-])\d{3}[\s.-]\d{4}\b")


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of `text`, whitespace trimmed, so text[a:b] is a verbatim quote."""
    out, pos = [], 0
    for m in list(_SENT_END.finditer(text)) + [None]:
        end = m.start() if m else len(text)
        a, b = pos, end
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            if out and _REF_END.search(text[out[-1][0]:out[-1][1]]):
                a = out.pop()[0]
            elif out and (lab := _TRAILING_LABEL.search(text, out[-1][0], out[-1][1])):
                # "…laws; j." + "Any act…", or "03." alone: the label opens the next item
                if lab.start() > out[-1][0]:
                    out[-1] = (out[-1][0], lab.start())
                else:
                    out.pop()
                a = lab.start()
            out.append((a, b))
        if m:
            pos = m.end()
    return out


# to the end of its sentence, over line breaks; a dot inside a reference ("Section II.C") does not end it
EXCLUSION_LIFTED = re.compile(r"\b(?:but\s+|however,?\s+|provided,?\s+however,?\s+)?this\s+exclusion\s+(?:shall|will|does)\s+not\s+apply\b"
                               r"(?:[^.]|\.(?=\w))*|"
                               # … or an exception inside it, to the end of its phrase: "malicious acts … by an Insured,
                               # other than a rogue employee;"
                               r"\bother\s+than\s+(?:an?\s+|any\s+)?[^,;.:()]{1,60}?(?=[,;.:()]|$)", re.I)


def without_carve_backs(text: str) -> str:
    """An exclusion's text without the words that lift it ("but this exclusion will not apply to coverage under the
    eCrime insuring agreement"): what those name is not excluded."""
    return EXCLUSION_LIFTED.sub(" ", text)


def _flat(s: str) -> str:
    return " ".join(s.split())


def _any(rxs: Iterable[re.Pattern], s: str) -> bool:
    return any(r.search(s) for r in rxs)


def _top_section(section: str) -> str:
    return section.split(" > ")[0]


def _cite(c: Chunk, a: int, b: int) -> dict:
    return dict(chunk_id=c.id, page_start=c.page_start, page_end=c.page_end, section=section_at(c, a),
                clause_type=c.clause_type, quote=c.text[a:b])


def _deadline(s: str, v: _Vocab) -> tuple[str, float | None]:
    found: list[tuple[int, str]] = []
    hours: list[float] = []
    for rx in v.deadlines:
        for m in rx.finditer(s):
            if any(p <= m.start() < p + len(t) for p, t in found):
                continue  # a shorter cue inside a longer one already found
            found.append((m.start(), _flat(m.group(0))))
            # the number and unit the cue captured ("within ninety days (90)"); a cue without them has no hours
            nums = " ".join(g for g in m.groups() if g)
            if nums and any(unit_hours(w) for w in nums.split()) and (h := period_hours(nums)) is not None:
                hours.append(h)
    found.sort()
    texts = list(dict.fromkeys(t for _, t in found))
    if len(texts) > 1 and "during the policy period" in (t.lower() for t in texts):
        texts = [t for t in texts if t.lower() != "during the policy period"]
    return "; ".join(texts), (min(hours) if hours else None)


# -- per kind ---------------------------------------------------------------------------------
def _requirements(c: Chunk, a: int, b: int, s: str, v: _Vocab, basis_hint: str) -> list[Term]:
    if not _any(v.obligation, s) or _any(v.not_requirement, s):
        return []
    found = [(m.start(), cid) for cid, rx in v.controls for m in [rx.search(s)] if m]
    if not found:
        return []
    found.sort()
    if re.search(r"condition precedent", s, re.I):
        basis = "condition_precedent"
    elif re.search(r"\bwarrant", s, re.I):
        basis = "warranty"
    elif re.search(r"\bApplicant\b|^\s*\d{1,2}\.\s+(?:Does|Do|Is|Are|Has|Have|Which)\b", s, re.M):
        basis = "application"
    else:
        basis = basis_hint or "obligation"
    # Fragments between commas: a secondary control gets only its own fragment's scope.
    frags = [f for f in re.split(r",\s+|;\s+", s) if f.strip()]
    out = []
    for i, (_, cid) in enumerate(found):
        rx = dict(v.controls)[cid]
        others = [dict(v.controls)[o] for _, o in found if o != cid]
        if i == 0:
            text = " ".join(f for f in frags if rx.search(f) or not any(o.search(f) for o in others))
        else:
            text = " ".join(f for f in frags if rx.search(f))
        scope = "; ".join(p for p, srx in v.scopes if srx.search(text))
        freq, days = "", None
        if i == 0:
            tested = re.search(r"\btest\w*\b(.{0,120})", text, re.I | re.S)
            for frx, label, d in v.frequencies:
                if (tested and frx.search(tested.group(1))) or (not tested and frx.search(text)):
                    freq, days = label, d
                    break
            if not freq and tested:
                for frx, label, d in v.frequencies:
                    if frx.search(text):
                        freq, days = label, d
                        break
        deadline, dh = _deadline(text, v) if i == 0 else ("", None)
        out.append(Term("requirement", cid, value=freq or deadline, scope=scope, frequency=freq, frequency_days=days,
                        deadline=deadline, deadline_hours=dh, basis=basis, controls=(cid,), **_cite(c, a, b)))
    return out


def _notice(c: Chunk, a: int, b: int, s: str, v: _Vocab, prev: str = "", nxt: str = "") -> list[Term]:
    phones = _PHONE.findall(s)
    emails = _EMAIL.findall(s)
    if _CHANNEL.search(s) and not (phones or emails) and len(nxt) < _SHORT_LINE:
        phones, emails = _PHONE.findall(nxt), _EMAIL.findall(nxt)  # "… in writing to us at: <address>" / "Or: claims@…"
    if _any(v.not_notice, s):
        return []
    if not _any(v.notice, s):
        # "Notice must be provided through the contacts listed … in the Declarations": the channel.
        if _CHANNEL.search(s) and (emails or phones or re.search(r"Declarations|Schedule", s)):
            how = [f"email {e}" for e in emails] + [f"phone {p}" for p in phones] or ["as listed in the Declarations"]
            return [Term("notice", "channel", value="; ".join(how), channel="; ".join(how), **_cite(c, a, b))]
        return []
    if re.search(r"\b(?:Insurer|we|Underwriters) (?:has|have) received\b", s):
        return []  # the insurer's own deadline once it has notice
    not_notice = re.search(r"does not constitute notice|is not notice|not (?:be )?considered notice|will not serve as (?:proper )?notice", s, re.I)
    deadline, hours = _deadline(s, v)
    hotline = re.search(r"hotline", s, re.I)
    in_decl = v.declarations_ref.search(s)
    if hotline and (not_notice or ((phones or in_decl) and not deadline)):
        value = "not notice" if not_notice else IN_DECLARATIONS if in_decl and not phones else ""
        how = [f"email {e}" for e in emails] + [f"phone {p}" for p in phones]
        return [Term("notice", "hotline", value=value, channel="; ".join(how) or ("number in the Declarations" if in_decl else ""),
                     **_cite(c, a, b))]
    if not deadline:
        if _CHANNEL.search(s) and (emails or phones or re.search(r"Declarations|Schedule", s)):
            how = [f"email {e}" for e in emails] + [f"phone {p}" for p in phones] or ["as listed in the Declarations"]
            return [Term("notice", "channel", value="; ".join(how), channel="; ".join(how), **_cite(c, a, b))]
        return []
    subjects = [name for name, rx in v.notice_subjects if rx.search(s)]
    # "(1) Give written notice … within 30 days of the event" after "In the event of … merger …:",
    # or "This notice must be made within …": the subject is in the sentence before.
    if prev and (re.match(r"\W*(?:\(?\w{1,3}[.)]\s|(?:This|Such) notice\b)", s) or not subjects):
        before = [name for name, rx in v.notice_subjects if rx.search(prev)]
        if before and (not subjects or before[0] in ("acquisition", "material_change")):
            subjects = before
    # A notice duty listed under a "Mergers and Acquisitions" / "Change in Control" heading is about that event,
    # whatever else its sentence mentions ("notice ... of your agreement to the terms").
    scoped = [name for name, rx in v.notice_subjects if name in ("acquisition", "material_change") and rx.search(c.section)]
    if scoped:
        subjects = scoped[:1]
    if not subjects:
        return []
    subject = subjects[0]
    if subject == "extortion" and re.search(r"\b(?:security|privacy|data) breach\b", s, re.I):
        subject = "claim_or_incident"  # one duty for breaches and threats alike
    if deadline == "during the policy period" and subject != "circumstance" and not re.search(r"(?:notified|reported) to us during the policy period", s, re.I):
        return []  # the policy period bounds circumstance notices; elsewhere it is not a deadline
    channel = []
    if re.search(r"\bin writing\b|\bwritten notice\b|\bwritten\b", s, re.I):
        channel.append("in writing")
    channel += [f"email {e}" for e in emails] + [f"phone {p}" for p in phones]
    if hotline and re.search(r"hotline will constitute notif|hotline (?:is|constitutes) notice", s, re.I):
        channel.append("a call to the incident response hotline counts as notice")
    if re.search(r"(?:address|persons?|contacts?|email)[^.;]{0,40}(?:Declarations|Schedule|Item \d+)", s, re.I):
        channel.append("as named in the Declarations")
    recipients = [r for r, rx in (("the insurer", r"\bto us\b|\bnotify us\b|\bgive us\b|\bprovide us\b|\bto the (?:Insurer|Company|Underwriters)\b|\bnotify (?:the )?(?:Insurer|Company|Underwriters)\b"),
                                  ("the claims managers", r"\bclaims managers?\b"), ("law enforcement", r"\blaw enforcement\b")) if re.search(rx, s, re.I)]
    # "With respect to Breach Response Costs, the Insured must notify …": a wording may set one notice duty per cover
    scope = _NOTICE_SCOPE.match(s)
    return [Term("notice", subject, value=deadline, deadline=deadline, deadline_hours=hours, recipient="; ".join(recipients),
                 channel="; ".join(channel), scope=_flat(scope.group(1)) if scope else "", **_cite(c, a, b))]


_NOTICE_SCOPE = re.compile(
    r"\W*(?:With respect to|In respect of|As respects|As regards|In relation to)\s+([^;:]{3,100}?),?\s+"
    r"(?=(?:the\s+(?:Named\s+)?Insured|the\s+Policyholder|you|we)\b)", re.I)
_SHORT_LINE = 80  # a following line this short (an email or phone line) still belongs to the notice address
_CHANNEL = re.compile(r"\bnotices?\b[^.;]{0,80}\b(?:must|shall|should|will) be (?:provided|given|sent|reported|directed)\b[^.;]{0,50}\b(?:to|through|via)\b", re.I)


def _consent(c: Chunk, a: int, b: int, s: str, v: _Vocab) -> list[Term]:
    if not _any(v.consent, s) or _any(v.not_consent, s):
        return []
    cue = next(m for m in (rx.search(s) for rx in v.consent) if m)
    # "pay any ransom … without our consent", not what follows it; a leading "With our prior
    # consent, …" governs the whole sentence.
    scope = s if cue.start() < 30 else s[: cue.end() + 40]
    # "except at your own cost, admit liability, …": the exception is its own phrase, not the rest of the sentence
    cb = re.search(r"\bexcept\b(?:[^.,;]|[.,](?=\d))*", s)  # "$25,000" is one figure
    return [Term("consent", name, carve_back=_flat(cb.group(0)) if cb else "", **_cite(c, a, b))
            for name, rx in v.consent_subjects if rx.search(scope)]


def _vendor_lists(chunks: Sequence[Chunk], v: _Vocab) -> list[Term]:
    """Category headings in a panel document and the short name lines under each (read over the
    whole document: chunking may separate a heading from its list)."""
    doc, base, ordered = _document(chunks)
    out: list[Term] = []
    lines = [(m.start(), m.end(), m.group(0).strip()) for m in re.finditer(r"[^\n]+", doc)]
    i = 0
    while i < len(lines):
        cat = next((name for name, rx in v.panel_categories if rx.search(lines[i][2])), None)
        if not cat:
            i += 1
            continue
        names, j, first = [], i + 1, None
        while j < len(lines) and not any(rx.search(lines[j][2]) for _, rx in v.panel_categories):
            t = lines[j][2]
            if len(t.split()) <= 7 and not t.endswith((".", ":")) and t[:1].isupper() and not re.search(r"\d{3}", t):
                names.append(t)
                first = first if first is not None else j
            elif names and len(t.split()) > 7:
                break  # the list is over; prose follows
            j += 1
        if names:
            hit = _locate(ordered, base, lines[first][0], lines[j - 1][1])
            if hit:
                c, x, y = hit
                out.append(Term("panel", "listed", qualifier=cat, vendors=tuple(names), **_cite(c, x, y)))
        i = max(j, i + 1)
    return out


def _panel(c: Chunk, a: int, b: int, s: str, v: _Vocab) -> list[Term]:
    if not _any(v.panel, s):
        return []
    if _any(v.panel_required, s):
        return [Term("panel", "required", **_cite(c, a, b))]
    cue = next(m for m in (rx.search(s) for rx in v.panel) if m)
    if v.declarations_ref.search(s[cue.start(): cue.end() + 100]):  # "the approved panel providers stated in the Declarations"
        return [Term("panel", "listed", value=IN_DECLARATIONS, **_cite(c, a, b))]
    if _any(v.panel_listed, s):
        return [Term("panel", "listed", **_cite(c, a, b))]
    return []


_VALUE_WINDOW = {"retention": 60, "waiting_period": 60, "coinsurance": 60, "period_of_restoration": 120, "sublimit": 120}
# "The period set forth in Item 5.K of the Declarations will be the waiting period"
_REF_BEFORE = re.compile(r"(?:Declarations|Schedule)\W*(?:will be|is|shall be) the\s+(?:[\w-]+\s+){0,2}$", re.I)


def _money(c: Chunk, a: int, b: int, s: str, v: _Vocab) -> list[Term]:
    if _any(v.not_money, s):
        return []
    out = []
    for role, rx in v.money_roles:
        value, m = "", None
        for m in rx.finditer(s):
            val = v.money_value.search(s, m.end(), min(len(s), m.end() + _VALUE_WINDOW.get(role, 160)))
            # "exceeds the greater of $25,000", "the previous twelve months", "up to $X" after a
            # retention: a threshold or another term's value, not this one's.
            if val and re.search(r"(?:greater of|in excess of|previous|prior|last|the first|up to)\W*(?:\w+\W+)?$", s[max(m.end(), val.start() - 25):val.start()], re.I):
                val = None
            if val:
                value = _flat(val.group(0))
            elif v.declarations_ref.search(s, m.start(), min(len(s), m.end() + 80)) or _REF_BEFORE.search(s[max(0, m.start() - 80):m.start()]):
                value = IN_DECLARATIONS
            if value:
                break
        if not value:
            continue
        qualifier = ""
        if role == "sublimit":
            qualifier = next((q for q, qrx in v.sublimit_subjects if qrx.search(m.group(0))), "")
        out.append(Term("money_time", role, value=value, qualifier=qualifier, **_cite(c, a, b)))
    return out


def _exclusions(c: Chunk, a: int, b: int, s: str, later: str, v: _Vocab) -> list[Term]:
    if not re.search(r"(?:^|\s)(?!(?:of|and|or|the|to|for|by|in|on|a|an|with)\b)[a-z]", s):
        return []  # a heading in title case ("Privacy Regulation Defense and Fines Liability.")
    if re.match(r"\W*(?:[\d.]+\s+[\w ]{0,40}?)?Notwithstanding\b", s):
        return []  # a write-back ("Notwithstanding Exclusion 1.21 (Contract), coverage …")
    cut = v.carve_back.search(s)
    head = s[: cut.start()] if cut else s
    out = []
    carve = _flat(s[cut.start():]) if cut else ""
    if not carve:  # the carve-back often follows in the next sentence of the same clause
        m2 = v.carve_back.search(later)
        carve = later[m2.start():] if m2 else ""
    out = []
    for name, rx, ctrls in v.exclusion_subjects:
        if rx.search(head):
            period = re.search(r"\b\d{1,3}\s+days\b", head)
            out.append(Term("exclusion", name, value=period.group(0) if period else "", carve_back=carve,
                            controls=ctrls, **_cite(c, a, b)))
    return out


# A short line in capitals, or a title-case line that is only a main heading ("Exclusions").
_HEADING_LINE = re.compile(r"^(?:[^a-z\n]{4,80}|(?:[IVX]+\.\s+|Section \w+\s*[-–:]?\s*)?(?:Exclusions|Definitions|(?:General )?Conditions|Notice|Limits? of Liability[\w ]*))\s*$", re.M)
_TITLE_HEADING = re.compile(r"^(?:[IVX]+\.\s+|Section \w+\s*[-–:]?\s*)?(?:Exclusions|Definitions|(?:General )?Conditions|Notice|Limits? of Liability[\w ]*)$", re.I)


def _exclusion_region(chunks: Sequence[Chunk], v: _Vocab) -> set[str]:
    """Chunks that sit under an EXCLUSIONS heading until the next capitalised heading, read in
    document order: section paths are imperfect on real layouts, headings in capitals are not."""
    inside, out = False, set()
    for c in chunks:
        start_inside = inside
        for m in _HEADING_LINE.finditer(c.text):
            line = m.group(0).strip()
            if len(line.split()) > 10 or not (re.search(r"[A-Z]{4}", line) or _TITLE_HEADING.match(line)):
                continue
            if v.exclusion_context.search(line):
                inside = True
            elif re.search(r"DEFINITION|CONDITION|LIMITS? OF|INSURING|COVERAGE|DECLARATION|HOW MUCH|RETENTION|NOTICE|CLAIMS", line, re.I):
                inside = False
        if start_inside or inside:
            out.add(c.id)
    return out


def _is_exclusion_context(c: Chunk, v: _Vocab) -> bool:
    if c.clause_type == "exclusion" or v.exclusion_context.search(c.section or ""):
        return True
    # "System Failure does not include …": exclusions hide inside definitions.
    return bool(re.search(r"this exclusion|(?:shall|will) not be liable|(?:we|insurer|underwriters) will not pay|does not apply to|does not include|no coverage (?:is|will be|shall be) provided|\bexclusions?\b[^.;]{0,40}\b(?:is|are) (?:deleted|amended)\b", c.text, re.I))


# -- the whole document ------------------------------------------------------------------------
def extract_terms(chunks: Sequence[Chunk]) -> tuple[Term, ...]:
    """Every structured term the chunks of one document state, in document order, deduplicated."""
    v = load_vocabulary()
    # A "condition precedent" that introduces a list governs the items under the same heading.
    cp_sections = {_top_section(c.section) for c in chunks if re.search(r"condition precedent", c.text, re.I) and c.section}
    region = _exclusion_region(chunks, v)
    out: list[Term] = []
    policy_chunks = [c for c in chunks if c.kind == "policy"]
    out += _vendor_lists(policy_chunks, v)
    spans = list(document_sentences(policy_chunks))
    in_list = False  # inside the items of "X does not include any:"
    for i, (c, a, b, s) in enumerate(spans):
        if _LEADER.search(s) or len(_TOC_ENTRY.findall(s)) >= 3:
            continue  # a table-of-contents line
        basis_hint = "condition_precedent" if _top_section(c.section) in cp_sections else ""
        in_list = in_list and bool(re.match(r"\(?\w{1,3}[.)]\s", s) or (i and re.search(r"\s\(?\w{1,3}[.)]$", spans[i - 1][3])))
        excl = in_list or c.id in region or _is_exclusion_context(c, v)
        if i and re.search(r"\bmeans:?\s*$", spans[i - 1][3]) and re.match(r"\(?\w{1,3}[.)]\s", s):
            excl = False  # an item of a definition ("Personal Injury means: a) bodily injury …")
        if not excl:
            out += _requirements(c, a, b, s, v, basis_hint)
        out += _notice(c, a, b, s, v, " ".join(x[3] for x in spans[max(0, i - 3):i]), spans[i + 1][3] if i + 1 < len(spans) else "")
        out += _consent(c, a, b, s, v)
        out += _panel(c, a, b, s, v)
        out += _money(c, a, b, s, v)
        if excl:
            later = spans[i + 1][3] if i + 1 < len(spans) and spans[i + 1][0].id == c.id else ""
            out += _exclusions(c, a, b, s, later, v)
        if re.search(r"\b(?:does|shall) not include(?: any)?\s*:\s*$", s, re.I) or (excl and s.rstrip().endswith(":")):
            in_list = True
    order = {c.id: k for k, c in enumerate(policy_chunks)}
    out.sort(key=lambda t: order.get(t.chunk_id, 0))
    return _dedupe(out)


def _document(chunks: Sequence[Chunk]) -> tuple[str, int, list[Chunk]]:
    """The document text rebuilt from its chunks (exact slices at their offsets)."""
    ordered = sorted(chunks, key=lambda c: c.char_start)
    if not ordered:
        return "", 0, []
    base = ordered[0].char_start
    buf = ["\n"] * (max(c.char_end for c in ordered) - base)  # gaps between chunks are line breaks
    for c in ordered:
        buf[c.char_start - base : c.char_start - base + len(c.text)] = c.text
    return "".join(buf), base, ordered


def _locate(ordered: list[Chunk], base: int, a: int, b: int) -> tuple[Chunk, int, int] | None:
    """The chunk holding most of document span [a, b), and the span's part inside it."""
    best, best_len = None, 0
    for c in ordered:
        cs, ce = c.char_start - base, c.char_end - base
        if cs >= b:
            break
        overlap = min(b, ce) - max(a, cs)
        if overlap > best_len:
            best, best_len = c, overlap
    if best is None:
        return None
    x = max(a, best.char_start - base) - (best.char_start - base)
    y = min(b, best.char_end - base) - (best.char_start - base)
    while x < y and best.text[x].isspace():
        x += 1
    while y > x and best.text[y - 1].isspace():
        y -= 1
    return (best, x, y) if y > x else None


def document_sentences(chunks: Sequence[Chunk]):
    """(chunk, start, end, sentence) over the whole document, so a sentence that chunking cut in
    two is read whole. It is cited in the chunk holding most of it; the quote is that part, an
    exact substring of the chunk's text."""
    doc, base, ordered = _document(chunks)
    k = 0
    for a, b in sentences(doc):
        while k < len(ordered) and ordered[k].char_end - base <= a:
            k += 1
        hit = _locate(ordered[k:], base, a, b)
        if hit:
            yield hit[0], hit[1], hit[2], _flat(doc[a:b])


def _dedupe(terms: list[Term]) -> tuple[Term, ...]:
    """One term per (kind, key, value) and page, or per clause for requirements, consents and
    exclusions. For an exclusion the clause's body sentence is kept over its title; a consent keeps
    the carve-back a later sentence of the same clause adds ("except costs in the first 48 hours")."""
    kept: dict[tuple, int] = {}
    out: list[Term] = []
    for t in terms:
        k = (t.kind, t.key, t.value if t.kind in ("money_time", "notice") else "", t.page_start)
        if t.kind in ("requirement", "consent", "exclusion"):
            k = (t.kind, t.key, t.chunk_id)
        if k not in kept:
            kept[k] = len(out)
            out.append(t)
            continue
        old = out[kept[k]]
        if t.kind == "exclusion" and len(old.quote.split()) < _TITLE_WORDS <= len(t.quote.split()):
            out[kept[k]] = replace(t, carve_back=t.carve_back or old.carve_back)
        elif t.kind == "consent" and not old.carve_back and t.carve_back:
            out[kept[k]] = replace(old, carve_back=t.carve_back)
    return tuple(out)


_LEADER = re.compile(r"\.{4,}|…{2,}")
_TOC_ENTRY = re.compile(r"\b\d{1,3}\s+\d{1,2}\.\d{1,2}\s")  # "… Expenses 19 3.6 Recoveries 19 …"
_TITLE_WORDS = 8  # a sentence shorter than this is a clause title ("Betterment.")


# -- storage ----------------------------------------------------------------------------------
def terms_to_json(terms: Sequence[Term]) -> str:
    """Serialise terms with the extractor version, for the index's `terms` table."""
    return json.dumps({"extractor": EXTRACTOR_VERSION, "terms": [asdict(t) for t in terms]}, ensure_ascii=False)


def terms_from_json(raw: str) -> tuple[Term, ...] | None:
    """Terms stored by `terms_to_json`, or None when they came from another extractor version."""
    try:
        data = json.loads(raw)
    except (TypeError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("extractor") != EXTRACTOR_VERSION:
        return None
    return tuple(Term(**{**t, "vendors": tuple(t.get("vendors") or ()), "controls": tuple(t.get("controls") or ())}) for t in data["terms"])
