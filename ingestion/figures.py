"""Reading a number and its unit out of a wording's figure ("sixty (60) days", "six months", "48 hours").

Term extraction (a notice deadline in hours) and the verdict (which option of a list is the largest) both
compare periods; they read them here so the two agree on what "twelve months" is.
"""
from __future__ import annotations

import re

NUMBER_WORDS = {w: i for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve thirteen "
                                            "fourteen fifteen sixteen seventeen eighteen nineteen".split())}
TENS = {w: 10 * i for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), 2)}
# A month is taken as 30 days: the figures are compared, not added to a calendar.
UNIT_HOURS = {"hour": 1.0, "day": 24.0, "week": 24.0 * 7, "month": 24.0 * 30, "year": 24.0 * 365}

_WORDS = re.compile(r"[a-z]+")
_DIGITS = re.compile(r"\d+(?:\.\d+)?")


def unit_hours(word: str) -> float | None:
    """Hours in a unit word ("days" → 24), or None when the word is no unit of time."""
    w = word.lower()
    return next((h for u, h in UNIT_HOURS.items() if w == u or w == u + "s"), None)


def number(text: str, *, last: bool = False) -> float | None:
    """The first (or `last`) number written in digits, else the first number in words up to ninety-nine ("thirty-six");
    None when none."""
    digits = _DIGITS.findall(text.replace(",", ""))
    if digits:
        return float(digits[-1] if last else digits[0])
    words = _WORDS.findall(text.lower())
    for i, w in enumerate(words):
        if w in TENS:
            unit = NUMBER_WORDS.get(words[i + 1], 10) if i + 1 < len(words) else 10
            return float(TENS[w] + (unit if unit < 10 else 0))
        if w in NUMBER_WORDS:
            return float(NUMBER_WORDS[w])
    return None


def period_hours(text: str, *, last: bool = False) -> float | None:
    """A period in hours ("thirty (30) days" → 720), a bare number when no unit of time follows; None when no number."""
    value = number(text, last=last)
    if value is None:
        return None
    unit = next((h for w in _WORDS.findall(text.lower()) if (h := unit_hours(w)) is not None), 1.0)
    return value * unit


# what a word after an amount multiplies it by ("$1.5 million", "18k")
MAGNITUDE = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mm": 1e6, "million": 1e6, "billion": 1e9, "bn": 1e9}


def amount(digits: str, magnitude: str | None = None) -> float:
    """The value of an amount as written: "250,000" → 250000.0; "1.5" with "million" → 1500000.0."""
    return float(digits.replace(",", "")) * MAGNITUDE.get((magnitude or "").lower(), 1.0)


_MONEY_VALUE = re.compile(r"(?:[$£€]|\b(?:USD|GBP|EUR|AUD)\s?)?\b(\d[\d,]*(?:\.\d+)?)\s?(k|m|million|thousand)?\b", re.I)


def money_values(text: str) -> list[float]:
    """The amounts of money a text states, in its units ("$18k" → 18000, "USD 50,000", "$1.5 million"): a number with
    a currency sign or code, or with k / m / thousand / million after it ("wired 18k"); bare numbers are not money."""
    out = []
    for m in _MONEY_VALUE.finditer(text):
        sign = m.group(0)[0] in "$£€" or m.group(0)[:3].upper() in ("USD", "GBP", "EUR", "AUD")
        if sign or m.group(2):
            out.append(amount(m.group(1), m.group(2)))
    return out
