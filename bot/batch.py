"""Batch questions (`policybot ask --file`): renewal questionnaires answered in one process."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from pydantic import BaseModel, ConfigDict, ValidationError


class BatchLine(BaseModel):
    """One line of a `.jsonl` question file."""

    model_config = ConfigDict(extra="forbid")
    id: str | int | None = None
    question: str
    policy: str | None = None


@dataclass(frozen=True)
class BatchItem:
    """A question to answer, or the reason its line could not be read."""

    line: int
    id: str
    question: str = ""
    policy: str | None = None
    error: str = ""


def read_batch(path: Path, default_policy: str | None = None) -> Iterator[BatchItem]:
    """The questions of a `.jsonl` file (`{"id", "question", "policy"}` per line) or a `.txt` file (one per line).

    Blank lines are skipped; a line that cannot be read yields an item with `error` set, so nothing is lost silently.
    """
    text = path.read_text(encoding="utf-8")
    jsonl = path.suffix.lower() in (".jsonl", ".json", ".ndjson")
    for n, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        if not jsonl:
            yield BatchItem(n, str(n), raw.strip(), default_policy)
            continue
        try:
            obj = BatchLine.model_validate(json.loads(raw))
        except json.JSONDecodeError as exc:
            yield BatchItem(n, str(n), error=f"{path.name} line {n} is not valid JSON ({exc.msg} at column {exc.colno})")
            continue
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'line'}: {e['msg']}" for e in exc.errors())
            yield BatchItem(n, str(n), error=f"{path.name} line {n}: {problems}")
            continue
        if not obj.question.strip():
            yield BatchItem(n, str(obj.id if obj.id is not None else n), error=f"{path.name} line {n}: the question is empty")
            continue
        yield BatchItem(n, str(obj.id if obj.id is not None else n), obj.question.strip(), obj.policy or default_policy)
