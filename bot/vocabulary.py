"""The lay-vocabulary map: how people talk about incidents and cover, mapped to the words wordings use."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Callable, Iterable, Sequence

import yaml

from vectorstore.text import tokens

VOCABULARY_PATH = Path(__file__).parent / "data" / "vocabulary.yaml"


@dataclass(frozen=True)
class Concept:
    """One entry of `data/vocabulary.yaml`: lay phrases (as stem sequences) and the wording's words."""

    users_say: tuple[tuple[str, ...], ...]
    policies_say: tuple[str, ...]
    why: str
    by_name: bool = False  # a peril or cover wordings name when they deal with it: absent by name means not addressed

    @cached_property  # read for every question that names the concept
    def policy_stems(self) -> frozenset[str]:
        return frozenset(t for p in self.policies_say for t in tokens(p))

    @cached_property
    def policy_phrases(self) -> tuple[tuple[str, ...], ...]:
        return tuple(t for t in (tuple(tokens(p)) for p in self.policies_say) if t)

    def named_in(self, df: dict[str, int], texts: Callable[[], Iterable[str]]) -> bool:
        """Whether a wording names the concept: one of its wording phrases occurs in it as consecutive word stems
        ("no claims bonus" is not named by a wording that says "claim" here and "bonus" there). `df` (the wording's
        word counts) settles most cases; `texts` (its clause texts) is read only when every word of a phrase occurs."""
        candidates = [p for p in self.policy_phrases if all(df.get(t, 0) for t in p)]
        if any(len(p) == 1 for p in candidates):
            return True
        if not candidates:
            return False
        for text in texts():
            seq = tokens(text)
            if any(contains(seq, p) for p in candidates):
                return True
        return False

    def named_by(self, seq: Sequence[str]) -> bool:
        """Whether a clause's stems `seq` hold one of the concept's wording phrases, however common its words."""
        return any(contains(seq, p) for p in self.policy_phrases)

    def named_specifically(self, seq: Sequence[str], df: dict[str, int], n: int, rare: float) -> bool:
        """Whether a clause's stems `seq` hold one of the concept's wording phrases that says something specific: a
        phrase of several words, or one word found in at most `rare` of the wording's `n` clauses ("war" names the
        war peril; "claim" or "state", in most clauses, names nothing)."""
        return any(contains(seq, p) for p in self.policy_phrases if len(p) > 1 or df.get(p[0], 0) <= rare * n)


@lru_cache(maxsize=4)
def _read(path: str | Path) -> dict:
    """The vocabulary file, parsed once per process (with libyaml's C parser where installed): the concepts, the
    shorthand, the places and the typo word list all come from it, and the pure-Python parser took 0.3 s a read."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(Path(path).read_text(encoding="utf-8"), Loader=loader)


@lru_cache(maxsize=4)
def load_vocabulary(path: str | Path = VOCABULARY_PATH) -> tuple[Concept, ...]:
    """Every concept of the vocabulary file; an entry without a reason is refused."""
    raw = _read(path)
    out = []
    for i, e in enumerate(raw["entries"]):
        if not str(e.get("why", "")).strip():
            raise ValueError(f"{path}: entry {i} has no 'why'")
        # Phrases keep their small words: "how much" and "pay them" mean something only as a whole.
        phrases = tuple(t for t in (tuple(tokens(str(p), keep_stopwords=True)) for p in e["users_say"]) if t)
        # a user who says the wording's own name for it ("social engineering", "funds transfer fraud") names it too;
        # one word of the wording ("breach", "limit") is too general to say which concept is meant
        own = tuple(t for t in (tuple(tokens(str(p), keep_stopwords=True)) for p in e["policies_say"]) if len(t) > 1)
        phrases += tuple(t for t in own if t not in phrases)
        out.append(Concept(phrases, tuple(str(p) for p in e["policies_say"]), str(e["why"]).strip(), bool(e.get("by_name", False))))
    return tuple(out)


def contains(seq: list[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(tuple(seq[i : i + n]) == phrase for i in range(len(seq) - n + 1))


def concepts_in(text: str, vocabulary: tuple[Concept, ...] | None = None) -> list[tuple[Concept, tuple[str, ...]]]:
    """The concepts whose lay phrases occur in `text`, each with the stems of the phrase that matched."""
    seq = tokens(text, keep_stopwords=True)
    starts: dict[str, list[int]] = {}
    for i, t in enumerate(seq):
        starts.setdefault(t, []).append(i)
    found = []  # (concept, the spans of its phrases in seq)
    for c in vocabulary if vocabulary is not None else load_vocabulary():
        spans = [(i, i + len(p)) for p in c.users_say for i in starts.get(p[0], ()) if tuple(seq[i : i + len(p)]) == p]
        if spans:
            found.append((c, spans))

    # the longer phrase says what its words mean: "holding our data hostage" is ransomware, not a kidnap, and a concept
    # all of whose matches lie inside another concept's longer match is not named
    def inside(a: int, b: int, others: list[tuple[int, int]]) -> bool:
        return any(x <= a and b <= y and y - x > b - a for x, y in others)

    out = []
    for c, spans in found:
        others = [sp for d, sps in found if d is not c for sp in sps]
        if not all(inside(a, b, others) for a, b in spans):
            a, b = max(spans, key=lambda sp: sp[1] - sp[0])
            out.append((c, tuple(seq[a:b])))
    return out


@lru_cache(maxsize=4)
def load_shorthand(path: str | Path = VOCABULARY_PATH) -> tuple[tuple[re.Pattern, str], ...]:
    """The chat shorthand of the vocabulary file ("hw" -> "how", "b4" -> "before"), each as (pattern, meaning);
    an entry without a reason is refused."""
    raw = _read(path)
    out = []
    for i, e in enumerate(raw.get("shorthand") or ()):
        if not str(e.get("why", "")).strip():
            raise ValueError(f"{path}: shorthand entry {i} has no 'why'")
        says = "|".join(re.escape(str(w)) for w in e["says"])
        after = rf"(?=\s+{e['when_followed_by']})" if e.get("when_followed_by") else ""
        # a figure's own unit stays ("10 %"), where the entry says so
        before = r"(?<!\d)(?<!\d\s)" if e.get("not_after_number") else ""
        # a whole word: not inside another ("our"), an abbreviation ("U.S.") or a compound ("R&D", "w/o" kept whole)
        out.append((re.compile(before + rf"(?<![\w'’/&.])(?:{says})(?![\w'’/&]|\.\w)" + after, re.I), str(e["means"])))
    return tuple(out)


def expand_shorthand(text: str) -> str:
    """`text` with chat shorthand written out: "hw long do we have b4 we tell them" -> "how long do we have before we tell them"."""
    for rx, means in load_shorthand():
        text = rx.sub(means, text)
    return text


@lru_cache(maxsize=2)
def _vocabulary_words(path: str | Path = VOCABULARY_PATH) -> frozenset[str]:
    """The words of the vocabulary's and the control catalogue's phrases: what a misspelling is corrected to."""
    from ingestion.guidance import load_catalogue

    raw = _read(path)
    phrases = [str(p) for e in raw["entries"] for p in list(e["users_say"]) + list(e["policies_say"])]
    phrases += [p for c in load_catalogue() for p in c.synonyms + c.users_say]
    return frozenset(w.lower() for p in phrases for w in re.findall(r"[A-Za-z]+", p))


@lru_cache(maxsize=1)
def _english():
    from spellchecker import SpellChecker  # its word list ships inside the package: nothing is downloaded

    return SpellChecker()


def proper_names(text: str, among: Callable[[str], bool] = lambda stem: True) -> frozenset[str]:
    """The stems of the words of `text` that are no English word (brands, products, firms: "CrowdStrike", "Kivu"), of
    those whose stem `among` accepts (the word list, 0.2 s to load, is read only when some word is left to check)."""
    words = [w for w in re.findall(r"(?<![\w'’-])[A-Za-z][A-Za-z0-9]+(?![\w'’-])", text)
             if len(w) > 2 and any(among(t) for t in tokens(w))]
    if not words:
        return frozenset()
    unknown = _english().unknown([w.lower() for w in words])
    return frozenset(t for w in words if w.lower() in unknown for t in tokens(w))


def correct_typos(text: str, *, cutoff: float = 0.85, min_length: int = 6) -> str:
    """`text` with misspelt vocabulary words written right ("ransomwear" -> "ransomware", "phised" -> "phished").

    A word of at least `min_length` letters is corrected only when it is close to a word of the vocabulary (same first
    letter, difflib similarity `cutoff`), is not merely another form of it (same stem) and is no English word
    ("compliant" stays, though close to "complaint")."""
    import difflib

    words = _vocabulary_words()

    def fix(m: re.Match) -> str:
        w = m.group(0)
        lw = w.lower()
        if len(lw) < min_length or lw in words:
            return w
        near = difflib.get_close_matches(lw, [v for v in words if v[0] == lw[0] and len(v) >= min_length], n=1, cutoff=cutoff)
        if not near or tokens(near[0]) == tokens(lw) or _english().known([lw]):
            return w
        return near[0]

    return re.sub(r"(?<![\w'’-])[A-Za-z]+(?![\w'’-])", fix, text)


@lru_cache(maxsize=2)
def _places(path: str | Path = VOCABULARY_PATH) -> tuple[tuple[str, re.Pattern, tuple[str, ...]], ...]:
    """(place, pattern of its words, regions it lies in) for each place of the vocabulary file."""
    raw = _read(path)
    out = []
    for e in raw.get("places") or ():
        words = sorted((str(w) for w in e["says"]), key=len, reverse=True)
        alts = [(f"(?-i:{re.escape(w)})" if w.isupper() or w.replace(".", "").isupper() else re.escape(w).replace(r"\ ", r"\s+"))
                for w in words]
        out.append((str(e["place"]), re.compile(rf"(?<![\w.])(?:{'|'.join(alts)})(?![\w])", re.I), tuple(e.get("within") or ())))
    return tuple(out)


def places_in(text: str, regions: bool = True) -> set[str]:
    """The places `text` names, with the regions they lie in unless `regions` is false ("a German court" -> germany,
    europe, european union)."""
    hits = sorted(((m.end() - m.start(), m.start(), m.end(), place, within) for place, rx, within in _places() for m in rx.finditer(text)),
                  reverse=True)
    taken: list[tuple[int, int]] = []
    found: set[str] = set()
    for _, a, b, place, within in hits:  # the longest name wins: "North America" is no "America"
        if any(a < y and x < b for x, y in taken):
            continue
        taken.append((a, b))
        found.add(place)
        if regions:
            found.update(within)
    return found


def regions_of(place: str) -> tuple[str, ...]:
    """The regions a place of the vocabulary lies in."""
    return next((within for p, _, within in _places() if p == place), ())
