"""Data that flows out of the answer pipeline."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Citation:
    """A quoted clause: where it is and the sentences that answer."""

    key: str
    chunk_id: str
    policy: str
    version: str
    file: str
    page_start: int
    page_end: int
    section: str
    clause_type: str
    quote: str
    flagged: bool = False  # the passage reads like an instruction to an AI assistant: show it only with a warning

    @property
    def pages(self) -> str:
        return f"p. {self.page_start}" if self.page_start == self.page_end else f"pp. {self.page_start}-{self.page_end}"

    def label(self) -> str:
        """'northwind v2, p. 9, VI. CONDITIONS > A' — the line shown under a quote."""
        sec = f", {self.section}" if self.section else ""
        return f"{self.policy} {self.version}, {self.file}, {self.pages}{sec}"


@dataclass(frozen=True)
class Gap:
    """A warning: a required control not confirmed, or a term that could reduce or void a claim."""

    kind: str  # "requirement" or the clause type of the risk: exclusion, limit, notice
    control: str | None
    status: str  # posture status for requirements (missing, partial, unknown, not_confirmed); "risk" for coverage risks
    clause: str  # citation label of the clause behind it
    message: str
    chunk_id: str = ""


@dataclass(frozen=True)
class Answer:
    """The result of `answer()`: everything a surface needs to render."""

    question: str
    answered: bool
    summary: str
    citations: tuple[Citation, ...] = ()
    gaps: tuple[Gap, ...] = ()
    related: tuple[Citation, ...] = ()
    mode: str = "extractive"
    policy: str | None = None
    notes: tuple[str, ...] = field(default=())
    verdict: str = ""  # yes, no, depends, figure, info or not_addressed
    confidence: float = 0.0  # relevance of the best clause (the answer decision's score)
    parts: tuple["Answer", ...] = ()  # one answer per part of a multi-part question

    def to_json(self) -> dict:
        """The stable JSON contract of `policybot ask --json`."""

        def cite(c: Citation) -> dict:
            return {k: v for k, v in asdict(c).items() if k in ("file", "policy", "version", "page_start", "page_end", "section", "clause_type", "quote", "flagged")}

        return {
            "question": self.question,
            "answered": self.answered,
            "summary": self.summary,
            "policy": self.policy,
            "citations": [cite(c) for c in self.citations],
            "gaps": [{"control": g.control, "status": g.status, "clause": g.clause, "message": g.message, "kind": g.kind} for g in self.gaps],
            "related": [cite(c) for c in self.related],
            "mode": self.mode,
            "notes": list(self.notes),
            "verdict": self.verdict,
            "confidence": round(self.confidence, 4),
            "parts": [p.to_json() for p in self.parts],
        }
