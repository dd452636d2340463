"""The company's control posture: a YAML file the company keeps, validated at the edge."""
from __future__ import annotations

from datetime import date
from enum import Enum
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from ingestion.guidance import controls_by_id, load_catalogue


class Status(str, Enum):
    in_place = "in_place"
    partial = "partial"
    missing = "missing"
    unknown = "unknown"


class ControlPosture(BaseModel):
    """One control: status, and the evidence an insurer would ask for (what, where, when, who)."""

    model_config = ConfigDict(extra="forbid")
    status: Status
    scope: str = ""
    evidence: str = ""
    evidence_link: str = ""
    evidence_date: date | None = None
    owner: str = ""
    last_tested: date | None = None


class Posture(BaseModel):
    """Per control id, what the company has confirmed."""

    model_config = ConfigDict(extra="forbid")
    company: str = ""
    controls: dict[str, ControlPosture] = {}

    @field_validator("controls")
    @classmethod
    def _known_ids(cls, v: dict) -> dict:
        known = controls_by_id()
        unknown = [k for k in v if k not in known]
        if unknown:
            raise ValueError(f"unknown control id(s) {', '.join(unknown)}; known ids: {', '.join(known)}")
        return v

    def status_of(self, control_id: str) -> str:
        """The confirmed status, or 'not_confirmed' when the file does not mention the control."""
        c = self.controls.get(control_id)
        return c.status.value if c else "not_confirmed"


class PostureError(Exception):
    """The posture file is unreadable or invalid; the message says where."""


def load_posture(path: str | Path) -> Posture:
    """Read and validate a posture file, raising PostureError with a specific message."""
    path = Path(path)
    if not path.is_file():
        raise PostureError(f"posture file {path} does not exist (create one with `policybot posture init {path}`)")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise PostureError(f"{path} is not valid YAML: {exc}") from None
    try:
        return Posture.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for e in exc.errors():
            where = ".".join(str(p) for p in e["loc"])
            msg = e["msg"].replace("Value error, ", "")
            if e["type"] == "enum":
                msg = f"status must be one of in_place, partial, missing, unknown (got {e.get('input')!r})"
            elif e["type"].startswith("date"):
                msg = f"{e['loc'][-1]} must be a date like 2026-01-31 (got {e.get('input')!r})"
            problems.append(f"{where}: {msg}")
        raise PostureError(f"{path} is invalid: " + "; ".join(problems)) from None


def posture_template() -> str:
    """A commented posture file listing every control in the catalogue."""
    lines = [
        "# PolicyBot control posture. For each control set status to one of:",
        "#   in_place | partial | missing | unknown",
        "# and record scope, evidence (what), evidence_link (where), evidence_date and last_tested",
        "# (YYYY-MM-DD) and owner where you can. A control the policy requires at a frequency",
        "# (\"tested quarterly\") counts as partial when its last dated evidence is older than that.",
        "# PolicyBot warns about every control the policy requires that is not in_place.",
        "company: Your Company Ltd",
        "controls:",
    ]
    for c in load_catalogue():
        lines += [
            f"  # {c.name}. Insurers typically require: {c.requirement}",
            f"  {c.id}:",
            "    status: unknown",
            '    scope: ""',
            '    evidence: ""',
            '    evidence_link: ""',
            "    evidence_date: null",
            '    owner: ""',
            "    last_tested: null",
        ]
    return "\n".join(lines) + "\n"
