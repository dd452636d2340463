"""Prompt text and fixed sentences, kept as files the team can read and edit."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

_DIR = Path(__file__).parent

# The one sentence every surface uses when the indexed policy does not address a question.
NO_ANSWER = "The indexed policy does not address this."


@lru_cache(maxsize=None)
def load(name: str) -> str:
    """The text of `prompts/<name>.txt`."""
    return (_DIR / f"{name}.txt").read_text(encoding="utf-8")
