"""Block Kit rendering of answers, reports and the App Home, within Slack's limits."""
from __future__ import annotations

from ingestion.injection import FLAGGED_MARKER

from ..types import Answer
from .text import escape as _esc

MAX_BLOCKS = 50
MAX_TEXT = 3000
MAX_MESSAGE = 3500  # fallback `text` is cut well under Slack's 40k; it is what notifications show


def trim(text: str, limit: int = MAX_TEXT) -> str:
    """Cut to `limit` characters with a visible "…", never inside an `&amp;`-style escape."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    amp = cut.rfind("&", max(0, len(cut) - 5))
    if amp >= 0 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut.rstrip() + "…"


def section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": trim(text)}}


def context(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": trim(text)}]}


def answer_blocks(a: Answer, answer_id: int | None = None) -> list[dict]:
    """The answer as blocks: verdict, quoted citations, gap warnings, related clauses, buttons."""
    blocks: list[dict] = [section(f"*{_esc(a.summary)}*")]
    for c in a.citations:
        blocks.append(section("> " + _esc(c.quote).replace("\n", "\n> ")))
        blocks.append(context(f"📄 {_esc(c.label())} · _{c.clause_type}_"))
    if a.gaps:
        blocks.append({"type": "divider"})
        blocks.append(section("*⚠️ Gap warnings*"))
        for g in a.gaps:
            blocks.append(section(f"• {_esc(g.message)}"))
    if a.related:
        blocks.append(section("*Related clauses you should know*"))
        for r in a.related:
            warn = f"*{FLAGGED_MARKER}* " if r.flagged else ""
            blocks.append(context(f"{warn}_{r.clause_type}_ · “{_esc(trim(r.quote, 300))}” — {_esc(r.label())}"))
    for n in a.notes:
        blocks.append(context(_esc(n)))
    buttons = []
    if answer_id is not None:
        buttons += [
            {"type": "button", "action_id": "feedback_helpful", "text": {"type": "plain_text", "text": "👍 Helpful"}, "value": str(answer_id)},
            {"type": "button", "action_id": "feedback_unhelpful", "text": {"type": "plain_text", "text": "👎 Not helpful"}, "value": str(answer_id)},
        ]
    if a.citations:
        buttons.append({"type": "button", "action_id": "show_clause", "text": {"type": "plain_text", "text": "Show full clause"}, "value": a.citations[0].chunk_id})
    return fit(blocks, [{"type": "actions", "elements": buttons}] if buttons else [])


def fit(blocks: list[dict], tail: list[dict]) -> list[dict]:
    """Keep within 50 blocks, always keeping the tail (buttons); say visibly what was cut."""
    room = MAX_BLOCKS - len(tail)
    if len(blocks) > room:
        cut = len(blocks) - (room - 1)
        blocks = blocks[: room - 1] + [context(f"… {cut} more blocks not shown; use `policybot ask --json` for the full answer.")]
    return blocks + tail


def answer_text(a: Answer) -> str:
    """Plain-text fallback for notifications and clients without blocks."""
    parts = [a.summary] + [f"“{c.quote}” ({c.label()})" for c in a.citations]
    return trim(_esc("\n".join(parts)), MAX_MESSAGE)


def text_blocks(markdown: str) -> list[dict]:
    """Long Markdown (reports, quoting document text) escaped and split into section blocks on line boundaries."""
    chunks, cur = [], ""
    for line in _esc(markdown.replace("**", "*")).split("\n"):
        if line.startswith("#"):
            line = "*" + line.lstrip("#").strip() + "*"
        if len(cur) + len(line) + 1 > MAX_TEXT - 10:
            chunks.append(cur)
            cur = ""
        cur += line + "\n"
    if cur.strip():
        chunks.append(cur)
    return fit([section(c) for c in chunks if c.strip()], [])


def help_text(usages: list[str]) -> str:
    """The help message; `usages` are the /policy subcommands' usage lines (e.g. "ask <question>")."""
    commands = " · ".join(f"`/policy {_esc(u)}`" for u in usages)
    return (
        "*PolicyBot* answers questions about your cyber-insurance policy with the exact clauses quoted.\n"
        "• Mention me in a channel or DM me: _does our policy require MFA on email?_ — follow-up questions in the thread need no mention.\n"
        f"• {commands}\n"
        "• Upload a policy PDF in a DM (allowed uploaders only) to index it as a new version; add the policy name in the message, e.g. `northwind`."
    )


HELP = help_text(["ask <question>", "gaps (DM only)", "docs", "diff [policy]", "incident (to your DM)", "status", "help"])


def home_view(docs, counts: dict[str, int], help: str = HELP) -> dict:
    blocks = [section("*PolicyBot* — your cyber-insurance policy, quoted and checked.")]
    policies = [d for d in docs if d.kind == "policy"]
    if not policies:
        blocks.append(section("No policy indexed yet. An allowed uploader can DM me the policy PDF."))
    for d in policies:
        blocks.append(section(f"*{_esc(d.policy)}* {_esc(d.version)} — {d.status} · {_esc(d.file_name)} · {d.pages} pages · indexed {d.ingested_at}"))
    if counts:
        summary = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in sorted(counts.items()))
        blocks.append(section(f"*Gap summary* (required controls by status): {_esc(summary)}"))
    blocks.append(context(help.split("\n", 1)[1]))
    # "We've been hit" sends the incident playbook to the user's DM; kept even when blocks are cut.
    tail = [{"type": "actions", "elements": [{"type": "button", "action_id": "incident_playbook", "style": "danger",
                                             "text": {"type": "plain_text", "text": "We've been hit"}}]}] if policies else []
    return {"type": "home", "blocks": fit(blocks, tail)}
