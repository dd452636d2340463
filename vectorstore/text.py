"""Tokenising for lexical search and for matching questions to clauses."""
from __future__ import annotations

import re
import threading

import Stemmer

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below between both
    but by can could did do does doing down during each few for from further had has have having he her here hers him
    his how i if in into is it its itself just me more most my myself no nor not now of off on once only or other our
    ours out over own same she should so some such than that the their theirs them then there these they this those
    through to too under until up very was we were what when where which while who whom why will with would you your
    yours another shall may must hereby thereof therein herein such per upon""".split()
)
# Bumped whenever tokens() changes, so stored BM25 tables are rebuilt rather than scored with other tokens.
TOKENIZER_VERSION = 2  # 2: Snowball (PyStemmer) stems
_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")


_local = threading.local()


def _stemmer():
    # A Snowball stemmer keeps internal state, so each thread gets its own.
    st = getattr(_local, "stemmer", None)
    if st is None:
        st = _local.stemmer = Stemmer.Stemmer("english")
    return st


def stem(w: str) -> str:
    """The Snowball English stem of a lower-case word ("insured"/"insurer" -> "insur", "patches" -> "patch")."""
    return w if w.isdigit() else _stemmer().stemWord(w)


def tokens(text: str, *, keep_stopwords: bool = False) -> list[str]:
    """Lower-cased, stemmed word tokens; hyphenated words also yield their parts."""
    out = []
    for w in _WORD.findall(text.lower().replace("\u2019", "'")):
        w = w.split("'")[0]  # "insurer's" -> "insurer", "what's" -> "what"
        parts = [w] + (re.split(r"[-']", w) if "-" in w else [])
        for p in parts:
            if p and (keep_stopwords or p not in STOPWORDS):
                out.append(stem(p))
    return out
