"""The whole-policy gap analysis and the renewal diff between two versions."""
from __future__ import annotations

import csv
import difflib
import io
import json
import re
from dataclasses import asdict, dataclass, replace

from ingestion.chunking import split_sentences
from ingestion.guidance import controls_by_id, controls_in
from ingestion.types import Chunk
from vectorstore.index import PolicyIndex

from .extract import amounts
from .posture import Posture

REVIEWED = ("requirement", "exclusion", "limit", "notice")


@dataclass(frozen=True)
class Finding:
    """One clause of the policy that matters for a claim."""

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
    ctrls = tuple(x.id for x in controls_in(c.text)) if c.clause_type == "requirement" else ()
    statuses = tuple((posture.status_of(i) if posture else "not_confirmed") for i in ctrls)
    return Finding(c.clause_type, c.policy, c.version, c.file_name, c.page_start, c.page_end, c.section,
                   _quote(c.text), ctrls, statuses, tuple(amounts(c.text)[:4]))


@dataclass(frozen=True)
class GapReport:
    policy: str
    version: str
    file: str
    findings: tuple[Finding, ...]
    checklist: tuple[str, ...]
    status_counts: dict

    def to_json(self) -> dict:
        return {"policy": self.policy, "version": self.version, "file": self.file,
                "findings": [asdict(f) for f in self.findings], "checklist": list(self.checklist),
                "status_counts": self.status_counts}


def gap_report(index: PolicyIndex, policy: str, posture: Posture | None = None) -> GapReport:
    """Review the active version of `policy` clause by clause against the posture."""
    docs = index.select_docs(policy=policy, kind="policy")
    doc = docs[-1]
    chunks = index.chunks_of(doc.doc_id)
    findings = [_finding(c, posture) for c in chunks if c.clause_type in REVIEWED]
    catalogue = controls_by_id()
    required: dict[str, list[Finding]] = {}
    for f in findings:
        for cid in f.controls:
            required.setdefault(cid, []).append(f)
    counts: dict[str, int] = {}
    checklist = []
    for cid, fs in required.items():
        status = posture.status_of(cid) if posture else "not_confirmed"
        counts[status] = counts.get(status, 0) + 1
        if status == "in_place":
            continue
        ctrl = catalogue[cid]
        where = ", ".join(sorted({f"p. {f.page_start}" for f in fs}))
        checklist.append(f"[{status}] {ctrl.name} — required at {where}. Have ready: {'; '.join(ctrl.evidence[:3])}.")
    for f in findings:
        if f.clause_type == "notice" and f.figures:
            checklist.append(f"[deadline] Put the notice term on p. {f.page_start} ({', '.join(f.figures[:2])}) in your incident-response plan.")
    limits = [f for f in findings if f.clause_type == "limit" and re.search(r"sub-?limit|coinsurance|waiting period|retention", f.quote, re.I)]
    if limits:
        checklist.append(f"[limits] Review {len(limits)} sublimit, retention, waiting-period or coinsurance terms with your broker before renewal.")
    return GapReport(policy, doc.version, doc.file_name, tuple(findings), tuple(checklist), counts)


def render_gaps(report: GapReport, fmt: str = "md") -> str:
    """The gap report as Markdown, CSV or JSON."""
    if fmt == "json":
        return json.dumps(report.to_json(), indent=2, ensure_ascii=False)
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(["clause_type", "policy", "version", "file", "page_start", "page_end", "section", "controls", "statuses", "figures", "quote"])
        for f in report.findings:
            w.writerow([f.clause_type, f.policy, f.version, f.file, f.page_start, f.page_end, f.section,
                        ";".join(f.controls), ";".join(f.statuses), ";".join(f.figures), f.quote])
        return buf.getvalue()
    titles = {"requirement": "Requirements and conditions", "exclusion": "Exclusions", "limit": "Limits, sublimits, retentions and waiting periods", "notice": "Notice, claims and consent conditions"}
    out = [f"# Gap analysis: {report.policy} {report.version} ({report.file})", ""]
    for t in REVIEWED:
        fs = [f for f in report.findings if f.clause_type == t]
        out += [f"## {titles[t]} ({len(fs)})", ""]
        for f in fs:
            ctrl = "".join(f" **{c}: {s}**" for c, s in zip(f.controls, f.statuses))
            out.append(f"- p. {f.page_start} · {f.section or '—'}{ctrl}\n  > {f.quote}")
        out.append("")
    out += ["## Renewal checklist", ""] + [f"- {c}" for c in report.checklist] + [""]
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


def diff_versions(index: PolicyIndex, policy: str, from_version: str | None = None, to_version: str | None = None) -> tuple[str, str, list[Change]]:
    """What changed between two versions of a policy (default: the previous and the active one)."""
    versions = index.versions(policy)
    by_v = {d.version: d for d in versions}
    if len(versions) < 2 and not (from_version and to_version):
        raise ValueError(f"policy '{policy}' has only one version ({versions[0].version}); ingest the renewal with --policy {policy} first")
    for v in (from_version, to_version):
        if v and v not in by_v:
            raise ValueError(f"policy '{policy}' has no version '{v}'; versions: {', '.join(by_v)}")
    old_doc = by_v[from_version] if from_version else versions[-2]
    new_doc = by_v[to_version] if to_version else versions[-1]
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


def render_diff(policy: str, v1: str, v2: str, changes: list[Change], fmt: str = "md") -> str:
    if fmt == "json":
        return json.dumps({"policy": policy, "from": v1, "to": v2, "changes": [
            {"change": c.change, "clause_type": c.clause_type, "section": c.section,
             "old": asdict(c.old) if c.old else None, "new": asdict(c.new) if c.new else None} for c in changes]}, indent=2, ensure_ascii=False)
    out = [f"# {policy}: changes from {v1} to {v2}", ""]
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
