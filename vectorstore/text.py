"""Tokenising for lexical search and for matching questions to clauses."""
from __future__ import annotations

import re

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below between both
    but by can could did do does doing down during each few for from further had has have having he her here hers him
    his how i if in into is it its itself just me more most my myself no nor not now of off on once only or other our
    ours out over own same she should so some such than that the their theirs them then there these they this those
    through to too under until up very was we were what when where which while who whom why will with would you your
    yours shall may must hereby thereof therein herein such per upon""".split()
)
_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")


def stem(w: str) -> str:
    """A light English suffix stripper: enough to match 'patches'/'patching'/'patched'."""
    if len(w) <= 4 or w.isdigit():
        return w
    for suf in ("ations", "ation", "ments", "ment", "ings", "ing", "ies", "ied", "ness", "edly", "ed", "es", "ly", "s"):
        if w.endswith(suf) and len(w) - len(suf) >= 3:
            base = w[: -len(suf)]
            if suf in ("ies", "ied"):
                base += "y"
            return base
    return w


def tokens(text: str, *, keep_stopwords: bool = False) -> list[str]:
    """Lower-cased, stemmed word tokens; hyphenated words also yield their parts."""
    out = []
    for w in _WORD.findall(text.lower()):
        parts = [w] + (re.split(r"[-']", w) if "-" in w else [])
        for p in parts:
            if p and (keep_stopwords or p not in STOPWORDS):
                out.append(stem(p))
    return out
