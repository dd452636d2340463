"""Data that flows out of ingestion: pages, chunks and the document they came from."""
from __future__ import annotations

from dataclasses import dataclass, field

CLAUSE_TYPES = ("requirement", "exclusion", "limit", "notice", "definition", "coverage", "other")
KINDS = ("policy", "guidance")


@dataclass(frozen=True)
class Page:
    """One page of cleaned text; `number` is the 1-based PDF page position."""

    number: int
    text: str


@dataclass(frozen=True)
class DocumentText:
    """A whole document read from disk, before chunking."""

    file_name: str
    sha256: str
    title: str
    pages: tuple[Page, ...]
    blank_pages: tuple[int, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return PAGE_JOIN.join(p.text for p in self.pages)

    def page_offsets(self) -> list[tuple[int, int, int]]:
        """(page number, start, end) of every page inside `text`."""
        out, pos = [], 0
        for p in self.pages:
            out.append((p.number, pos, pos + len(p.text)))
            pos += len(p.text) + len(PAGE_JOIN)
        return out


PAGE_JOIN = "\n\n"


@dataclass(frozen=True)
class Chunk:
    """A clause-sized piece of a document, with everything needed to cite it."""

    id: str
    doc_id: str
    text: str
    file_name: str
    sha256: str
    title: str
    policy: str
    version: str
    kind: str
    page_start: int
    page_end: int
    section: str
    clause_label: str
    clause_type: str
    char_start: int
    char_end: int
    effective_date: str = ""
    # Rule ids of `ingestion/injection.py` when the chunk holds text addressed to an AI assistant.
    flags: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict, compare=False, hash=False)
