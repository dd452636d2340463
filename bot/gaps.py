"""Gap analysis = policy terms × the company's posture. One engine for reports, answers and Slack.

Each finding comes from one extracted term (ingestion/terms.py) and cites that term's sentence. A
finding says what the clause says (its control, deadline, consent subject or exclusion) and what the
posture says; nothing else. No posture means every requirement is "not confirmed".
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Iterable, Sequence

from ingestion.guidance import controls_by_id
from ingestion.terms import IN_DECLARATIONS, Term, extract_terms, terms_from_json, terms_to_json
from vectorstore.index import PolicyIndex

from .posture import Posture

REQUIREMENT_STATUSES = ("met", "partial", "missing", "not_confirmed")
# Checklist actions, in the order a reader works through them.
ACTIONS = {
    "fix_control": "Fix or evidence a required control",
    "exclusion": "Reduce exposure to an exclusion",
    "notify": "Incident: notify",
    "consent": "Incident: get the insurer's consent first",
    "panel": "Incident: use the insurer's vendors",
    "review": "Review with your broker",
}
UNASSIGNED = "unassigned"
# Exclusion subjects that turn on the insured's own security; a weak posture on the matched control
# makes them a warning rather than a note.
_POSTURE_WEAK = ("partial", "missing", "unknown", "not_confirmed")
_PRETTY = {
    "claim_or_incident": "a claim or incident", "extortion": "an extortion threat or ransomware",
    "circumstance": "a circumstance that may lead to a claim", "acquisition": "an acquisition or change of control",
    "material_change": "a material change to the risk or security controls", "proof_of_loss": "proof of loss",
}


def policy_terms(index: PolicyIndex, doc_id: str) -> tuple[Term, ...]:
    """The structured terms of one document version: stored at ingest, or computed now and cached
    (versions ingested before terms existed, or by an older extractor)."""
    raw = index.registry.get_terms(doc_id)
    terms = terms_from_json(raw) if raw else None
    if terms is None:
        terms = extract_terms(index.chunks_of(doc_id))
        index.registry.put_terms(doc_id, terms_to_json(terms))
    return terms


@dataclass(frozen=True)
class Finding:
    """One row of the gap report: a term held against the posture, with its citation."""

    id: str
    kind: str  # requirement | exclusion | notice | consent | panel | money_time
    action: str  # a key of ACTIONS
    status: str  # requirement: met|partial|missing|not_confirmed; exclusion: warning|not_confirmed|noted; else: checklist|info
    message: str
    control: str | None
    controls: tuple[str, ...]
    owner: str
    evidence: str
    clause_type: str
    policy: str
    version: str
    file: str
    page_start: int
    page_end: int
    section: str
    quote: str
    term: Term

    @property
    def pages(self) -> str:
        return self.term.pages

    def where(self) -> str:
        sec = self.section.split(" > ")[0] if self.section else ""
        sub = f" §{self.section.split(' > ')[-1]}" if " > " in self.section else ""
        return f"{sec}{sub}, {self.pages}" if sec else self.pages


def _posture_status(posture: Posture | None, cid: str) -> str:
    return posture.status_of(cid) if posture else "not_confirmed"


def _evidence_date(posture: Posture | None, cid: str) -> date | None:
    c = posture.controls.get(cid) if posture else None
    if not c:
        return None
    dates = [d for d in (c.last_tested, c.evidence_date) if d]
    return max(dates) if dates else None


def _owner(posture: Posture | None, cid: str | None) -> str:
    c = posture.controls.get(cid) if (posture and cid) else None
    return (c.owner if c and c.owner else UNASSIGNED)


def _evidence_text(posture: Posture | None, cid: str) -> str:
    c = posture.controls.get(cid) if posture else None
    if not c:
        return ""
    parts = [c.evidence, c.evidence_link, f"dated {_evidence_date(posture, cid)}" if _evidence_date(posture, cid) else ""]
    return "; ".join(p for p in parts if p)


def requirement_status(term: Term, posture: Posture | None, today: date) -> tuple[str, str]:
    """(status, reason) of one requirement: the posture's status, downgraded to partial when the
    clause sets a frequency and the evidence date is older than it (or missing)."""
    status = _posture_status(posture, term.subject)
    if status == "unknown":
        status = "not_confirmed"
    if status == "in_place":
        when = _evidence_date(posture, term.subject)
        if term.frequency_days and when is None:
            return "partial", f"in place, but the posture has no dated evidence of the {term.frequency} test the clause requires"
        if term.frequency_days and (today - when).days > term.frequency_days:
            return "partial", f"in place, but the last evidence is dated {when}, more than {term.frequency} ago"
        return "met", "in place" + (f" (evidence dated {when})" if when else "")
    said = {"not_confirmed": "not confirmed in your posture file" if posture else "not confirmed (no posture file)",
            "partial": "your posture file says 'partial'", "missing": "your posture file says 'missing'"}[status]
    return status, said


def _requirement_message(t: Term, reason: str) -> str:
    ctrl = controls_by_id()[t.subject]
    bits = [f"scope: {t.scope}" if t.scope else "", f"frequency: {t.frequency}" if t.frequency else "",
            f"deadline: {t.deadline}" if t.deadline else ""]
    detail = "; ".join(b for b in bits if b)
    return f"{ctrl.name} — required ({_basis(t)}{'; ' + detail if detail else ''}) — {reason}."


def _basis(t: Term) -> str:
    return {"condition_precedent": "condition precedent", "warranty": "warranty", "application": "application question",
            "obligation": "policy condition"}.get(t.basis, t.basis or "policy condition")


def _exclusion_finding(t: Term, posture: Posture | None, required: set[str]) -> tuple[str, str, tuple[str, ...]]:
    name = t.subject.replace("_", " ")
    controls = t.controls
    if t.subject == "failure_to_maintain_security":
        controls = tuple(sorted(required))
    weak = [(c, _posture_status(posture, c)) for c in controls if _posture_status(posture, c) in _POSTURE_WEAK]
    cb = f" Carve-back: “{t.carve_back}”" if t.carve_back else ""
    if not controls:
        return "noted", f"Exclusion ({name}).{cb}", controls
    if not weak:
        return "noted", f"Exclusion ({name}); your posture has the related control(s) in place.{cb}", controls
    names = ", ".join(f"{controls_by_id()[c].name} ({s.replace('_', ' ')})" for c, s in weak)
    status = "warning" if any(s in ("partial", "missing") for _, s in weak) else "not_confirmed"
    return status, f"Exclusion ({name}) could apply: posture for {names}.{cb}", controls


def _notice_message(t: Term) -> str:
    if t.subject == "hotline":
        how = t.channel or "the number in the Declarations"
        return f"Breach hotline: {how}" + ("; calling it is not notice under the policy." if t.value == "not notice" else ".")
    if t.subject == "channel":
        return f"Where notice goes: {t.value}."
    who = (t.recipient or "the insurer").replace("; ", " and ")
    how = f" ({t.channel})" if t.channel else ""
    scope = f" (for {t.scope})" if t.scope else ""
    return f"Notify {who}{how} of {_PRETTY.get(t.subject, t.subject.replace('_', ' '))}{scope}: {t.deadline}."


_CONSENT_WHAT = {"ransom": "paying a ransom or extortion demand", "settlement": "settling a claim", "admission": "admitting liability",
                 "expenses": "incurring costs or expenses", "vendors": "choosing vendors", "payment": "making any payment",
                 "notification": "notifying affected individuals", "public_relations": "public relations spend",
                 "shutdown": "shutting systems down"}


def consent_message(terms: Sequence[Term]) -> str:
    """One line for the consent terms of one sentence: "Insurer's consent needed before settling a claim, admitting
    liability or making any payment. Exception: “except at your own cost”"."""
    whats = list(dict.fromkeys(_CONSENT_WHAT.get(t.subject, t.subject) for t in terms))
    what = whats[0] if len(whats) == 1 else f"{', '.join(whats[:-1])}, or {whats[-1]}"
    cb = next((t.carve_back for t in terms if t.carve_back), "")
    return f"Insurer's consent needed before {what}." + (f" Exception: “{cb}”" if cb else "")


def _consent_message(t: Term) -> str:
    return consent_message([t])


def _money_message(t: Term) -> str:
    role = t.subject.replace("_", " ") + (f" ({t.qualifier.replace('_', ' ')})" if t.qualifier else "")
    return f"{role.capitalize()}: {t.value}" + ("" if t.value != IN_DECLARATIONS else " (not part of this wording)") + "."


def findings_for_terms(terms: Sequence[Term], posture: Posture | None, *, policy: str = "", version: str = "",
                       file: str = "", today: date | None = None) -> list[Finding]:
    """Every term as a finding against the posture (in document order)."""
    today = today or date.today()
    required = {t.subject for t in terms if t.kind == "requirement"}
    ir_owner = _owner(posture, "ir_plan")
    out: list[Finding] = []
    for n, t in enumerate(terms, 1):
        control, controls, owner, evidence = None, t.controls, UNASSIGNED, ""
        if t.kind == "requirement":
            status, reason = requirement_status(t, posture, today)
            action, control, owner = "fix_control", t.subject, _owner(posture, t.subject)
            evidence, message = _evidence_text(posture, t.subject), _requirement_message(t, reason)
        elif t.kind == "exclusion":
            status, message, controls = _exclusion_finding(t, posture, required)
            action, owner = ("exclusion" if status != "noted" else "review"), (_owner(posture, controls[0]) if controls else UNASSIGNED)
        elif t.kind == "notice":
            status, action, owner, message = "checklist", "notify", ir_owner, _notice_message(t)
        elif t.kind == "consent":
            status, action, owner, message = "checklist", "consent", ir_owner, _consent_message(t)
        elif t.kind == "panel":
            vendors = f": {', '.join(t.vendors[:8])}{' …' if len(t.vendors) > 8 else ''}" if t.vendors else ""
            label = "must be used" if t.subject == "required" else "listed"
            status, action, owner = "checklist", "panel", ir_owner
            message = f"Insurer's panel vendors {label}{f' ({t.qualifier.replace(chr(95), chr(32))})' if t.qualifier else ''}{vendors}."
        else:
            status, action, message = "info", "review", _money_message(t)
        out.append(Finding(f"F{n:03d}", t.kind, action, status, message, control, tuple(controls), owner, evidence,
                           t.clause_type, policy, version, file, t.page_start, t.page_end, t.section, t.quote, t))
    return out


def requirement_counts(findings: Iterable[Finding]) -> dict[str, int]:
    """Requirements met / partial / missing / not confirmed, one per control (its worst status)."""
    worst: dict[str, str] = {}
    for f in findings:
        if f.kind == "requirement" and f.control:
            cur = worst.get(f.control)
            if cur is None or REQUIREMENT_STATUSES.index(f.status) > REQUIREMENT_STATUSES.index(cur):
                worst[f.control] = f.status
    return {s: sum(1 for v in worst.values() if v == s) for s in REQUIREMENT_STATUSES}


def top_risks(findings: Sequence[Finding], n: int = 5) -> list[Finding]:
    """Missing or partial requirements and exclusion warnings first, then unconfirmed ones."""
    rank = {("requirement", "missing"): 0, ("exclusion", "warning"): 1, ("requirement", "partial"): 2,
            ("exclusion", "not_confirmed"): 3, ("requirement", "not_confirmed"): 4}
    risky = [f for f in findings if (f.kind, f.status) in rank]
    seen, out = set(), []
    for f in sorted(risky, key=lambda f: rank[(f.kind, f.status)]):
        key = (f.kind, f.control or f.term.subject)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out[:n]


def incident_deadlines(findings: Sequence[Finding]) -> list[Finding]:
    """Notice duties that run from an incident, the shortest numeric deadline first."""
    ds = [f for f in findings if f.kind == "notice" and f.term.subject in ("extortion", "claim_or_incident", "proof_of_loss", "circumstance")]
    return sorted(ds, key=lambda f: (f.term.deadline_hours is None, f.term.deadline_hours or 0))


def answer_gaps(terms: Sequence[Term], posture: Posture | None, asked_controls: Sequence[str] = (), today: date | None = None) -> list[Finding]:
    """Findings worth showing under an answer: requirements not met, exclusion warnings, and the
    notice, consent and money terms of the cited clauses (asked-about controls first)."""
    fs = findings_for_terms(terms, posture, today=today)
    # "Coinsurance: in the Declarations" says nothing once the Declarations' own figure is among them.
    stated = {(t.subject, t.qualifier) for t in terms if t.kind == "money_time" and t.value and t.value != IN_DECLARATIONS}
    keep = [f for f in fs if not (f.kind == "requirement" and f.status == "met") and f.kind != "panel"
            and not (f.kind == "exclusion" and f.status == "noted" and not f.term.controls and f.term.subject == "")
            and not (f.kind == "money_time" and f.term.value == IN_DECLARATIONS and (f.term.subject, f.term.qualifier) in stated)]
    keep.sort(key=lambda f: (f.control not in asked_controls, f.kind != "requirement"))
    return keep


def control_cue_matches(term_or_quote, control_id: str) -> bool:
    """True when the quote names the control (by the term vocabulary's cue or the catalogue's names)."""
    from ingestion.terms import load_vocabulary

    quote = term_or_quote if isinstance(term_or_quote, str) else term_or_quote.quote
    flat = " ".join(quote.split())
    cue = dict(load_vocabulary().controls).get(control_id)
    return bool((cue and cue.search(flat)) or controls_by_id()[control_id].matches(flat) or re.search(re.escape(control_id), flat, re.I))
