"""The whole-policy gap analysis and the renewal diff between two versions."""
from __future__ import annotations

import csv
import difflib
import io
import json
import re
from dataclasses import asdict, dataclass, replace
from datetime import date
from typing import Sequence

from ingestion.chunking import split_sentences
from ingestion.figures import amount
from ingestion.terms import IN_DECLARATIONS, Term
from ingestion.types import Chunk
from vectorstore.index import PolicyIndex

from .extract import amounts
from .gaps import ACTIONS, consent_message, incident_deadlines, policy_terms, requirement_counts, top_risks
from .gaps import Finding as GapFinding
from .gaps import findings_for_terms
from .posture import Posture

REVIEWED = ("requirement", "exclusion", "limit", "notice")
SCHEMA = "policybot.gaps/2"
CSV_COLUMNS = ("id", "kind", "action", "status", "control", "controls", "owner", "message", "evidence", "policy", "version",
               "file", "page_start", "page_end", "section", "clause_type", "quote")


@dataclass(frozen=True)
class Finding:
    """One clause of the policy that matters for a claim (used by the sentence diff)."""

    clause_type: str
    policy: str
    version: str
    file: str
    page_start: int
    page_end: int
    section: str
    quote: str
    controls: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    figures: tuple[str, ...] = ()


def _quote(text: str, limit: int = 700) -> str:
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    out = ""
    for a, b in split_sentences(flat):
        if len(out) + (b - a) > limit and out:
            break
        out = flat[: b]
    return (out or flat[:limit]).rstrip() + " …"


def _finding(c: Chunk, posture: Posture | None) -> Finding:
    return Finding(c.clause_type, c.policy, c.version, c.file_name, c.page_start, c.page_end, c.section,
                   _quote(c.text), (), (), tuple(amounts(c.text)[:4]))


@dataclass(frozen=True)
class GapReport:
    """The whole-policy gap analysis: terms × posture, with a summary and a grouped checklist.

    JSON schema (`policybot gaps --format json`, "schema": "policybot.gaps/2"):
      policy, version, file, schema, posture ("none" or the company name), today (YYYY-MM-DD)
      summary: {requirements: {met, partial, missing, not_confirmed},   # one per control, its worst status
                top_risks: [finding id], incident_deadlines: [finding id]}
      findings: [{id, kind (requirement|exclusion|notice|consent|panel|money_time), action, status,
                  message, control, controls, owner, evidence, clause_type, quote, page_start, page_end,
                  section, policy, version, file, term: {the extracted term's normalised fields}}]
      checklist: [{action, action_title, owner, items: [finding id]}]     # actionable findings only
      status_counts: the requirement counts again (kept for older readers)
    Every finding's quote is a verbatim sentence of the cited clause.
    """

    policy: str
    version: str
    file: str
    findings: tuple[GapFinding, ...]
    has_posture: bool
    today: str

    @property
    def status_counts(self) -> dict:
        return requirement_counts(self.findings)

    @property
    def checklist(self) -> list[dict]:
        """Actionable findings grouped by action, then owner."""
        groups: dict[tuple[str, str], list[GapFinding]] = {}
        for f in self.findings:
            if f.kind == "money_time" or (f.kind == "requirement" and f.status == "met") or (f.kind == "exclusion" and f.status == "noted"):
                continue
            groups.setdefault((f.action, f.owner), []).append(f)
        order = list(ACTIONS)
        return [{"action": a, "action_title": ACTIONS[a], "owner": o, "items": [f.id for f in fs]}
                for (a, o), fs in sorted(groups.items(), key=lambda kv: (order.index(kv[0][0]), kv[0][1]))]

    def to_json(self) -> dict:
        return {
            "schema": SCHEMA, "policy": self.policy, "version": self.version, "file": self.file,
            "posture": "yes" if self.has_posture else "none", "today": self.today,
            "summary": {"requirements": requirement_counts(self.findings),
                        "top_risks": [f.id for f in top_risks(self.findings)],
                        "incident_deadlines": [f.id for f in incident_deadlines(self.findings)]},
            "findings": [_finding_json(f) for f in self.findings],
            "checklist": self.checklist,
            "status_counts": self.status_counts,
        }


def _finding_json(f: GapFinding) -> dict:
    d = {k: getattr(f, k) for k in ("id", "kind", "action", "status", "message", "control", "owner", "evidence", "clause_type",
                                     "quote", "page_start", "page_end", "section", "policy", "version", "file")}
    d["controls"] = list(f.controls)
    d["term"] = {k: v for k, v in asdict(f.term).items() if k not in ("quote", "chunk_id", "clause_type") and v not in ("", None, (), [])}
    return d


def gap_report(index: PolicyIndex, policy: str, posture: Posture | None = None, today: date | None = None) -> GapReport:
    """Review the active version of `policy`: every extracted term against the posture."""
    docs = index.select_docs(policy=policy, kind="policy")
    doc = docs[-1]
    today = today or date.today()
    fs = findings_for_terms(policy_terms(index, doc.doc_id), posture, policy=doc.policy, version=doc.version,
                            file=doc.file_name, today=today)
    return GapReport(doc.policy, doc.version, doc.file_name, tuple(fs), posture is not None, today.isoformat())


def render_gaps(report: GapReport, fmt: str = "md") -> str:
    """The gap report as Markdown (summary, checklist, clauses), CSV (one row per finding) or JSON."""
    if fmt == "json":
        return json.dumps(report.to_json(), indent=2, ensure_ascii=False)
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(CSV_COLUMNS)
        for f in report.findings:
            row = {**{k: getattr(f, k) for k in CSV_COLUMNS if k != "controls"}, "controls": ";".join(f.controls)}
            w.writerow([row[k] if row[k] is not None else "" for k in CSV_COLUMNS])
        return buf.getvalue()
    by_id = {f.id: f for f in report.findings}
    counts = requirement_counts(report.findings)
    out = [f"# Gap report: {report.policy} {report.version} ({report.file})", "",
           "## Summary", "",
           f"**Requirements:** {counts['met']} met · {counts['partial']} partial · {counts['missing']} missing · "
           f"{counts['not_confirmed']} not confirmed" + ("" if report.has_posture else " (no posture file: pass --posture)"), ""]
    risks = top_risks(report.findings)
    out += ["**Top risks:**"] + ([f"{i}. {f.message} — {f.where()}" for i, f in enumerate(risks, 1)] or ["- none found"]) + [""]
    dls = incident_deadlines(report.findings)
    out += ["**Deadlines in an incident:**"] + ([f"- {f.message} — {f.where()}" for f in dls] or ["- the policy states no notice deadline"]) + [""]
    out += ["## Renewal checklist and incident actions", ""]
    for g in report.checklist:
        out.append(f"### {g['action_title']} — owner: {g['owner']}")
        # the consent terms of one sentence ("without our consent, admit liability, make any payment, settle…") are one item
        merged: dict[tuple, list] = {}
        for fid in g["items"]:
            f = by_id[fid]
            key = (f.term.chunk_id, f.term.quote) if f.kind == "consent" else (fid,)
            merged.setdefault(key, []).append(f)
        for fs in merged.values():
            f = fs[0]
            message = consent_message([x.term for x in fs]) if f.kind == "consent" else f.message
            out.append(f"- [ ] [{f.status.replace('_', ' ')}] {message} ({f.where()})")
        out.append("")
    titles = {"requirement": "Requirements", "exclusion": "Exclusions", "money_time": "Limits, sublimits, retentions and periods",
              "notice": "Notice", "consent": "Consent", "panel": "Panel vendors"}
    out += ["## Clauses", ""]
    for kind, title in titles.items():
        fs = [f for f in report.findings if f.kind == kind]
        if not fs:
            continue
        out += [f"### {title} ({len(fs)})", ""]
        for f in fs:
            out.append(f"- **{f.id}** {f.where()} · {f.section or '—'} · {f.message}\n  > {' '.join(f.quote.split())}")
        out.append("")
    return "\n".join(out)


@dataclass(frozen=True)
class Change:
    change: str  # added, removed, changed
    clause_type: str
    section: str
    old: Finding | None
    new: Finding | None

    def figures_changed(self) -> str:
        """'$500,000 → $250,000' when the money, percentages or periods changed, else ''."""
        if self.old and self.new and self.old.figures != self.new.figures:
            return f"{', '.join(self.old.figures) or '—'} → {', '.join(self.new.figures) or '—'}"
        return ""


def _key(c: Chunk) -> str:
    return re.sub(r"\s+", " ", c.section.lower())


def _pick_versions(index: PolicyIndex, policy: str, from_version: str | None, to_version: str | None):
    versions = index.versions(policy)
    by_v = {d.version: d for d in versions}
    if len(versions) < 2 and not (from_version and to_version):
        raise ValueError(f"policy '{policy}' has only one version ({versions[0].version}); ingest the renewal with --policy {policy} first")
    for v in (from_version, to_version):
        if v and v not in by_v:
            raise ValueError(f"policy '{policy}' has no version '{v}'; versions: {', '.join(by_v)}")
    return (by_v[from_version] if from_version else versions[-2]), (by_v[to_version] if to_version else versions[-1]), by_v


def diff_versions(index: PolicyIndex, policy: str, from_version: str | None = None, to_version: str | None = None) -> tuple[str, str, list[Change]]:
    """What changed between two versions of a policy (default: the previous and the active one)."""
    old_doc, new_doc, _ = _pick_versions(index, policy, from_version, to_version)
    old = [c for c in index.chunks_of(old_doc.doc_id) if c.clause_type in REVIEWED]
    new = [c for c in index.chunks_of(new_doc.doc_id) if c.clause_type in REVIEWED]
    old_by = {}
    for c in old:
        old_by.setdefault(_key(c), []).append(c)
    changes: list[Change] = []
    matched_old: set[str] = set()
    for c in new:
        cands = [o for o in old_by.get(_key(c), []) if o.id not in matched_old]
        if not cands:  # sections renumbered: fall back to the most similar clause text
            cands = sorted((o for o in old if o.id not in matched_old), key=lambda o: -_sim(o.text, c.text))[:1]
            cands = [o for o in cands if _sim(o.text, c.text) > 0.75]
        if not cands:
            changes.append(Change("added", c.clause_type, c.section, None, _finding(c, None)))
            continue
        o = max(cands, key=lambda o: _sim(o.text, c.text))
        matched_old.add(o.id)
        if " ".join(o.text.split()) != " ".join(c.text.split()):
            old_q, new_q = _changed_sentences(o.text, c.text)
            changes.append(Change("changed", c.clause_type, c.section,
                                  replace(_finding(o, None), quote=old_q, figures=tuple(amounts(old_q))),
                                  replace(_finding(c, None), quote=new_q, figures=tuple(amounts(new_q)))))
    for o in old:
        if o.id not in matched_old:
            changes.append(Change("removed", o.clause_type, o.section, _finding(o, None), None))
    return old_doc.version, new_doc.version, changes


def _changed_sentences(old: str, new: str) -> tuple[str, str]:
    """Only the sentences that differ, so a changed figure is not buried in a long clause."""
    def sents(t: str) -> list[str]:
        return [" ".join(t[a:b].split()) for a, b in split_sentences(t)]

    a, b = sents(old), sents(new)
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    oa, nb = [], []
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag != "equal":
            oa += a[i1:i2]
            nb += b[j1:j2]
    return " ".join(oa) or _quote(old), " ".join(nb) or _quote(new)


def _sim(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, " ".join(a.split()), " ".join(b.split()), autojunk=False).ratio()


_NUM = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*(million|m\b|k\b)?")


def _number(value: str) -> float | None:
    """$250,000 → 250000; 30% → 30; 12 hours → 12; None when the value has no number."""
    m = _NUM.search(value or "")
    if not m:
        return None
    return amount(m.group(1), m.group(2))


@dataclass(frozen=True)
class TermChange:
    """A change in a structured term between two versions (sublimit lowered, deadline shortened…)."""

    change: str  # added | removed | lowered | raised | shortened | lengthened | more_frequent | less_frequent | changed
    kind: str
    key: str
    summary: str
    old: Term | None
    new: Term | None


_SHORTER_IS = {"waiting_period": ("shortened", "lengthened"), "period_of_restoration": ("shortened", "lengthened")}


def _pair_key(t: Term) -> tuple:
    return (t.kind, t.key, " ".join(t.section.lower().split()))


def _comparable(terms: Sequence[Term]) -> list[Term]:
    # "shown in the Declarations" restates where a value lives; the stated values are what change.
    return [t for t in terms if not (t.kind == "money_time" and t.value == IN_DECLARATIONS)
            and not (t.kind == "notice" and t.subject in ("hotline", "channel"))]


def term_changes(old_terms: Sequence[Term], new_terms: Sequence[Term]) -> list[TermChange]:
    """Compare two versions' terms: values, deadlines and frequencies that moved, terms added or removed."""
    old, new = _comparable(old_terms), _comparable(new_terms)
    used: set[int] = set()
    pairs: list[tuple[Term | None, Term | None]] = []
    for t in new:
        cand = [i for i, o in enumerate(old) if i not in used and _pair_key(o) == _pair_key(t)]
        cand = cand or [i for i, o in enumerate(old) if i not in used and (o.kind, o.key) == (t.kind, t.key)]
        if cand:
            used.add(cand[0])
            pairs.append((old[cand[0]], t))
        else:
            pairs.append((None, t))
    pairs += [(o, None) for i, o in enumerate(old) if i not in used]
    out: list[TermChange] = []
    for o, n in pairs:
        t = n or o
        label = re.sub(r":(.+)$", r" (\1)", t.key).replace("_", " ")
        if o is None or n is None:
            ch = "added" if o is None else "removed"
            out.append(TermChange(ch, t.kind, t.key, f"{t.kind.replace('_', ' ')}: {label}", o, n))
            continue
        if t.kind == "money_time" and o.value != n.value:
            a, b = _number(o.value), _number(n.value)
            if a is not None and b is not None and a != b:
                ch = (_SHORTER_IS.get(t.subject, ("lowered", "raised")))[0 if b < a else 1]
            else:
                ch = "changed"
            out.append(TermChange(ch, t.kind, t.key, f"{label}: {o.value} → {n.value}", o, n))
        elif t.kind in ("notice", "requirement") and o.deadline_hours and n.deadline_hours and o.deadline_hours != n.deadline_hours:
            ch = "shortened" if n.deadline_hours < o.deadline_hours else "lengthened"
            out.append(TermChange(ch, t.kind, t.key, f"{label} deadline: {o.deadline} → {n.deadline}", o, n))
        elif t.kind == "requirement" and o.frequency_days and n.frequency_days and o.frequency_days != n.frequency_days:
            ch = "more_frequent" if n.frequency_days < o.frequency_days else "less_frequent"
            out.append(TermChange(ch, t.kind, t.key, f"{label} frequency: {o.frequency} → {n.frequency}", o, n))
        elif t.kind == "exclusion" and o.value != n.value:
            a, b = _number(o.value), _number(n.value)
            ch = ("shortened" if b < a else "lengthened") if a is not None and b is not None else "changed"
            out.append(TermChange(ch, t.kind, t.key, f"{label} exclusion period: {o.value or '—'} → {n.value or '—'}", o, n))
    return out


def diff_terms(index: PolicyIndex, policy: str, from_version: str | None = None, to_version: str | None = None) -> list[TermChange]:
    """Term changes between two versions (default: the previous and the active one)."""
    v1, v2, _ = _pick_versions(index, policy, from_version, to_version)
    return term_changes(policy_terms(index, v1.doc_id), policy_terms(index, v2.doc_id))


def render_diff(policy: str, v1: str, v2: str, changes: list[Change], fmt: str = "md", terms: Sequence[TermChange] = ()) -> str:
    """The renewal diff: term changes first, then the changed sentences."""
    if fmt == "json":
        def tj(t: Term | None):
            return None if t is None else {"value": t.value, "deadline": t.deadline, "frequency": t.frequency, "quote": t.quote,
                                           "page_start": t.page_start, "page_end": t.page_end, "section": t.section, "clause_type": t.clause_type}
        return json.dumps({"policy": policy, "from": v1, "to": v2,
            "term_changes": [{"change": c.change, "kind": c.kind, "key": c.key, "summary": c.summary, "old": tj(c.old), "new": tj(c.new)} for c in terms],
            "changes": [
            {"change": c.change, "clause_type": c.clause_type, "section": c.section,
             "old": asdict(c.old) if c.old else None, "new": asdict(c.new) if c.new else None} for c in changes]}, indent=2, ensure_ascii=False)
    out = [f"# {policy}: changes from {v1} to {v2}", "", "## Term changes", ""]
    if not terms:
        out.append("No structured term changed.")
    for c in terms:
        where = f"{v2} {c.new.pages}" if c.new else f"{v1} {c.old.pages}"
        out.append(f"- **{c.change.replace('_', ' ')}** {c.summary} ({where})")
        if c.old and c.new:
            out.append(f"  - {v1}: > {' '.join(c.old.quote.split())}")
            out.append(f"  - {v2}: > {' '.join(c.new.quote.split())}")
        else:
            out.append(f"  > {' '.join((c.new or c.old).quote.split())}")
    out += ["", "## Changed sentences", ""]
    if not changes:
        out.append("No requirement, exclusion, limit or notice clause changed.")
    for c in changes:
        out.append(f"- **{c.change}** {c.clause_type} · {c.section or '—'}")
        if c.old:
            out.append(f"  - {v1} p. {c.old.page_start}: > {c.old.quote}")
        if c.new:
            out.append(f"  - {v2} p. {c.new.page_start}: > {c.new.quote}")
        if c.figures_changed():
            out.append(f"  - figures: {c.figures_changed()}")
    return "\n".join(out) + "\n"
