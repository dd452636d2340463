"""LLM answers through LangChain, with citation keys validated against the retrieved clauses."""
from __future__ import annotations

import re
from typing import Sequence

from prompts import NO_ANSWER, load
from vectorstore.index import Hit

from .extract import assess, cite
from .types import Citation

_KEY = re.compile(r"\[(C\d+)\]")
_INSTALL_HINT = {
    "openai": "langchain-openai", "anthropic": "langchain-anthropic", "ollama": "langchain-ollama",
    "google_genai": "langchain-google-genai", "mistralai": "langchain-mistralai", "groq": "langchain-groq",
}


def make_chat_model(spec: str):
    """A chat model from a `provider:model` spec via `init_chat_model`, with an install hint when missing."""
    from langchain.chat_models import init_chat_model

    provider = spec.split(":", 1)[0] if ":" in spec else ""
    try:
        return init_chat_model(spec, temperature=0)
    except ImportError as exc:
        pkg = _INSTALL_HINT.get(provider, f"langchain-{provider}" if provider else "the provider's langchain package")
        extra = provider if provider in ("openai", "anthropic", "ollama") else None
        hint = f"pip install 'policybot[{extra}]'" if extra else f"pip install {pkg}"
        raise RuntimeError(f"The LLM '{spec}' needs {pkg}: {hint}  ({exc})") from None


def _as_data(text: str) -> str:
    # Document text must not be able to close the <clauses> block or forge a key.
    return re.sub(r"</?\s*clauses\s*>", "", text, flags=re.I).replace("[C", "[ C")


def build_messages(question: str, hits: Sequence[Hit]) -> list[tuple[str, str]]:
    blocks = []
    for i, h in enumerate(hits, 1):
        c = h.chunk
        blocks.append(f"[C{i}] ({c.policy} {c.version}, p. {c.page_start}, {c.section}, {c.clause_type})\n{_as_data(' '.join(c.text.split()))}")
    system = load("answer_system").format(no_answer=NO_ANSWER)
    user = load("answer_user").format(question=_as_data(question), clauses="\n\n".join(blocks))
    return [("system", system), ("human", user)]


def llm_answer(question: str, hits: Sequence[Hit], chat_model, qt, df, n) -> tuple[str, list[Citation], str] | None:
    """(summary, citations, mode), or None when the model cited nothing we retrieved."""
    reply = chat_model.invoke(build_messages(question, hits))
    text = reply.content if hasattr(reply, "content") else str(reply)
    if isinstance(text, list):
        text = " ".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in text)
    valid = {f"C{i}": h for i, h in enumerate(hits, 1)}
    used = [k for k in dict.fromkeys(_KEY.findall(text)) if k in valid]
    cleaned = _KEY.sub(lambda m: m.group(0) if m.group(1) in valid else "", text)
    cleaned = re.sub(r"\s+([.,;])", r"\1", re.sub(r"[ \t]{2,}", " ", cleaned)).strip()
    if not used:
        return None
    return cleaned, [cite(assess(valid[k].chunk, qt, df, n), k) for k in used], "llm"
