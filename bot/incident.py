"""The incident playbook: what the policy says to do when you have been hit, step by step, cited.

Every step comes from an extracted term or a sentence of the wording, with its verbatim quote and
page; where the wording says nothing, the step says plainly that the policy is silent.
"""
from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from typing import Sequence

from ingestion.guidance import controls_by_id
from ingestion.terms import Term, document_sentences
from vectorstore.index import PolicyIndex

from .gaps import incident_deadlines, findings_for_terms, policy_terms

# What to ask consent for, in the order an incident needs it; the five come first.
CONSENT_STEPS = (
    ("ransom", "paying a ransom or extortion demand"),
    ("vendors", "hiring forensic, legal or other vendors"),
    ("public_relations", "public relations spend"),
    ("settlement", "settling any claim"),
    ("admission", "admitting liability"),
    ("expenses", "incurring costs or expenses"),
    ("payment", "making any payment"),
    ("notification", "notifying affected individuals"),
    ("shutdown", "shutting systems down"),
)
REQUIRED_CONSENT_TOPICS = ("ransom", "vendors", "public_relations", "settlement", "admission")
# Evidence a forensic investigation and the insurer will ask for, from the control catalogue.
EVIDENCE_CONTROLS = ("logging", "edr", "ir_plan", "backups")
_PRESERVE = re.compile(r"\bpreserv\w*\b[^.]{0,80}\b(?:logs?|images?|evidence|records)\b|\bsystem logs\b|\bsecure and provide evidence\b", re.I)
_FORENSIC = re.compile(r"\b(?:allow|permit|give)\b[^.]{0,60}\bforensic\w*\b|\bpreserv\w*\b[^.]{0,60}\bimages\b|\bmalicious code\b[^.]{0,80}\bremoved prior to\b", re.I)


@dataclass(frozen=True)
class Step:
    """One step of the playbook and the clause behind it (empty quote = the policy is silent)."""

    part: str  # notify | deadline | consent | panel | evidence | dont
    title: str
    text: str
    silent: bool = False
    quote: str = ""
    page_start: int = 0
    page_end: int = 0
    section: str = ""

    @property
    def pages(self) -> str:
        return "" if self.silent else (f"p. {self.page_start}" if self.page_start == self.page_end else f"pp. {self.page_start}-{self.page_end}")


@dataclass(frozen=True)
class Playbook:
    policy: str
    version: str
    file: str
    steps: tuple[Step, ...]

    def to_json(self) -> dict:
        return {"policy": self.policy, "version": self.version, "file": self.file, "steps": [asdict(s) for s in self.steps]}


def _cited(part: str, title: str, text: str, t: Term) -> Step:
    return Step(part, title, text, False, t.quote, t.page_start, t.page_end, t.section)


def _silent(part: str, title: str, text: str) -> Step:
    return Step(part, title, text, True)


def incident_playbook(index: PolicyIndex, policy: str) -> Playbook:
    """The playbook for the active version of `policy`."""
    doc = index.select_docs(policy=policy, kind="policy")[-1]
    terms = policy_terms(index, doc.doc_id)
    steps = build_steps(terms, index.chunks_of(doc.doc_id))
    return Playbook(doc.policy, doc.version, doc.file_name, tuple(steps))


def build_steps(terms: Sequence[Term], chunks) -> list[Step]:
    steps: list[Step] = []
    notices = [t for t in terms if t.kind == "notice"]
    # 1. Who to tell first, and how.
    hotlines = sorted((t for t in notices if t.subject == "hotline"), key=lambda t: not t.channel)
    for i, t in enumerate(hotlines):
        extra = " Calling it is not notice under the policy: also give the written notice below." if t.value == "not notice" else ""
        title = "Call the insurer's breach hotline" if i == 0 else "The hotline and notice"
        steps.append(_cited("notify", title, f"Hotline: {t.channel or 'the number in the Declarations'}.{extra}", t))
    for t in (t for t in notices if t.subject == "channel"):
        steps.append(_cited("notify", "Where notice goes", f"Send notice: {t.value}.", t))
    main = [t for t in notices if t.subject in ("claim_or_incident", "extortion")]
    for t in main:
        who = (t.recipient or "the insurer").replace("; ", " and ")
        how = f" ({t.channel})" if t.channel else ""
        what = "an extortion threat or ransomware" if t.subject == "extortion" else "the claim or incident"
        scope = f" (for {t.scope})" if t.scope else ""
        steps.append(_cited("notify", f"Notify {who}", f"Notify {who}{how} of {what}{scope}: {t.deadline}.", t))
    if main and not any(t.channel for t in main) and not any(t.subject in ("hotline", "channel") for t in notices):
        steps.append(_silent("notify", "How to give notice", "The policy is silent on where or how to send notice "
                             "(no address, email, hotline or form is given in this wording)."))
    if not main:
        steps.append(_silent("notify", "Notify the insurer", "The policy is silent on when and how to notify the insurer of an incident "
                             "(look for the notice condition in the Declarations or the main policy form)."))
    # 2. Deadlines that run from the incident, shortest first.
    fs = findings_for_terms([t for t in terms if t.kind == "notice"], None)
    for f in incident_deadlines(fs):
        what = {"extortion": "extortion or ransomware", "claim_or_incident": "claim or incident", "proof_of_loss": "proof of loss",
                "circumstance": "circumstances that may lead to a claim"}[f.term.subject]
        scope = f" (for {f.term.scope})" if f.term.scope else ""
        steps.append(_cited("deadline", f"Deadline: {what}{scope}", f"{f.term.deadline}.", f.term))
    if not any(s.part == "deadline" for s in steps):
        steps.append(_silent("deadline", "Deadline", "The policy states no notice deadline."))
    # 3. Consent before spending or paying.
    # Prefer the condition that forbids acting without consent over a definition that mentions it.
    consents: dict[str, Term] = {}
    for t in sorted((t for t in terms if t.kind == "consent"), key=_prohibitive_first):
        consents.setdefault(t.subject, t)
    for subject, what in CONSENT_STEPS:
        t = consents.get(subject)
        if t:
            cb = f" Exception: {t.carve_back}." if t.carve_back else ""
            steps.append(_cited("consent", f"Consent before {what}", f"Get the insurer's consent before {what}.{cb}", t))
        elif subject in REQUIRED_CONSENT_TOPICS:
            if subject == "ransom" and "payment" in consents:
                t = consents["payment"]
                steps.append(_cited("consent", "Consent before paying a ransom",
                                    "The policy has no ransom-specific consent clause; it requires consent before making any payment.", t))
            else:
                steps.append(_silent("consent", f"Consent before {what}", f"The policy is silent on consent before {what}."))
    # 4. Panel vendors.
    panels = [t for t in terms if t.kind == "panel"]
    for t in sorted(panels, key=lambda t: (t.subject != "required", not re.search(r"\b(?:shall|must)\b", t.quote))):
        names = f" Listed: {', '.join(t.vendors)}." if t.vendors else ""
        cat = f" ({t.qualifier.replace('_', ' ')})" if t.qualifier else ""
        title = "Use the insurer's panel vendors" if t.subject == "required" else f"Panel vendors{cat}"
        steps.append(_cited("panel", title, ("The policy requires its panel vendors." if t.subject == "required" else "The policy lists panel vendors.") + names, t))
    if not panels:
        steps.append(_silent("panel", "Panel vendors", "The policy is silent on panel vendors."))
    # 5. Evidence to preserve.
    sentences = list(document_sentences([c for c in chunks if c.kind == "policy"]))
    catalogue = controls_by_id()
    items = [e for cid in EVIDENCE_CONTROLS for e in catalogue[cid].evidence]
    keep = "Preserve logs, a timeline of events, forensic images of affected systems and all communications (including with the attacker). "
    keep += "From the control catalogue, also keep: " + "; ".join(items[:8]) + "."
    hit = next(((c, a, b) for c, a, b, s in sentences if _PRESERVE.search(s)), None)
    steps.append(_sentence_step("evidence", "Evidence to preserve", keep, hit) if hit else
                 _silent("evidence", "Evidence to preserve", "The policy is silent on preserving evidence. " + keep))
    # 6. What not to do.
    if "admission" in consents:
        steps.append(_cited("dont", "Do not admit liability", "Do not admit liability without the insurer's consent.", consents["admission"]))
    else:
        steps.append(_silent("dont", "Do not admit liability", "The policy is silent on admissions of liability."))
    ransom = consents.get("ransom") or consents.get("payment")
    if ransom:
        steps.append(_cited("dont", "Do not pay a ransom without consent", "Do not pay a ransom (or any payment) without the insurer's consent.", ransom))
    else:
        steps.append(_silent("dont", "Do not pay a ransom without consent", "The policy is silent on ransom payments."))
    for t in (t for t in notices if t.subject == "hotline" and t.value == "not notice"):
        steps.append(_cited("dont", "Do not treat the hotline call as notice", "Calling the hotline does not count as notice.", t))
        break
    fhit = next(((c, a, b) for c, a, b, s in sentences if _FORENSIC.search(s)), None)
    if fhit:
        steps.append(_sentence_step("dont", "Do not wipe systems before forensics",
                                    "Do not wipe or rebuild affected systems before the forensic investigation the policy expects.", fhit))
    else:
        steps.append(_silent("dont", "Do not wipe systems before forensics",
                             "The policy is silent on forensic access to systems; keep images before rebuilding anyway."))
    return steps


def _prohibitive_first(t: Term) -> tuple:
    q = " ".join(t.quote.split())
    return (not re.search(r"\b(?:shall not|must not|will not|not\b[^.]{0,80}\bwithout)\b", q, re.I), t.clause_type == "definition")


def _sentence_step(part: str, title: str, text: str, hit) -> Step:
    c, a, b = hit
    return Step(part, title, text, False, c.text[a:b], c.page_start, c.page_end, c.section)


def render_playbook(pb: Playbook, fmt: str = "md") -> str:
    """Markdown (numbered steps with quotes) or JSON."""
    if fmt == "json":
        return json.dumps(pb.to_json(), indent=2, ensure_ascii=False)
    titles = {"notify": "Who to notify first, and how", "deadline": "Deadlines", "consent": "Ask the insurer's consent before you spend or pay",
              "panel": "Vendors", "evidence": "Evidence to preserve", "dont": "What not to do"}
    out = [f"# We've been hit: incident playbook for {pb.policy} {pb.version} ({pb.file})", ""]
    n = 0
    shown: dict[str, int] = {}  # a sentence quoted once is referred to after (a notice sets the deadline too)
    for part, title in titles.items():
        ss = [s for s in pb.steps if s.part == part]
        if not ss:
            continue
        out += [f"## {title}", ""]
        for s in ss:
            n += 1
            if s.silent:
                out.append(f"{n}. **{s.title}** — {s.text}")
            else:
                quote = " ".join(s.quote.split())
                said = f"   (quoted at step {shown[quote]})" if quote in shown else f"   > {quote}"
                shown.setdefault(quote, n)
                out.append(f"{n}. **{s.title}** — {s.text} ({s.section or '—'}, {s.pages})\n{said}")
        out.append("")
    return "\n".join(out)
