"""Slack text in and out: normalise what users type, escape what we echo."""
from __future__ import annotations

import html
import re

# One Slack "angle bracket" token: <@U123>, <#C123|general>, <!here>, <https://x|label>, <mailto:a@b>.
_TOKEN = re.compile(r"<([^<>]*)>")
_SPACES = re.compile(r"[ \t]+")


def _plain(match: re.Match) -> str:
    inner = match.group(1)
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        return ""  # user mentions (the bot's own name included) say nothing about the question
    if target.startswith("#"):
        return f"#{label}" if label else ""
    if target.startswith("!"):
        # <!channel>, <!here>, <!everyone>, <!subteam^S1|@team> are pings; <!date^…|fallback> carries text.
        return label if target.startswith("!date") else ""
    return label or target  # links: the label when there is one, else the URL itself


def normalise(text: str | None) -> str:
    """Slack message markup as plain text for the answer pipeline.

    `<@U123>` and `<!channel>`/`<!here>`/`<!subteam^…>` are removed, `<#C123|general>` becomes `#general`,
    `<https://x|label>` becomes `label` and `<https://x>` the URL; `&amp; &lt; &gt;` are unescaped last,
    so text a user typed as `<b>` stays literal.
    """
    out = _TOKEN.sub(_plain, text or "")
    out = html.unescape(out) if "&" in out else out
    return "\n".join(_SPACES.sub(" ", line).strip() for line in out.strip().splitlines()).strip()


def escape(text: str) -> str:
    """Make document or user text inert in Slack mrkdwn: no pings, mentions or disguised links."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
