"""Check h-eval2's half of the user-language evaluation set against the documents' own text.

Reads `examples/eval/dev/eval2.yaml` and `examples/eval/test/eval2.yaml` (or the files given) and checks:

- schema: required fields for each verdict (`figure` only with verdict figure, `checked_absent` only with
  not_addressed, `parts` only for multipart), known styles / verdicts / clause types, ids unique across
  both files, both files listing the same `documents`;
- the split: each question sits in the file its id hashes to (sha1(id) % 2: 0 = dev, 1 = test);
- every evidence phrase (4-20 words) occurs on one of its gold pages after normalising (lower case,
  curly quotes and dashes straightened, hyphenated line breaks joined, whitespace collapsed); a phrase may
  run across the break between two listed pages;
- every `figure` occurs on one of the question's (or part's) gold pages;
- every `checked_absent` word occurs nowhere in the whole document (a document word that merely starts
  with it counts as present, so absence is claimed conservatively: "patch" is found in "patching");
- at most a quarter of the answerable questions speak the policy's words (>= half of their content words
  found in their evidence phrases).

Prints counts by split / style / verdict / type / policy and the mean share of a question's content words
found in its evidence phrases (lower = further from the clause wording). Exit status 1 on any problem.

Usage: python examples/eval/verify_eval2.py [--corpus DIR] [FILE ...]
"""
from __future__ import annotations

import argparse
import hashlib
import logging
import re
import sys
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml
from pypdf import PdfReader

HERE = Path(__file__).resolve().parent
DEFAULT_FILES = (HERE / "dev" / "eval2.yaml", HERE / "test" / "eval2.yaml")
DEFAULT_CORPUS = HERE.parents[2] / "shared" / "corpus"  # ../shared/corpus from the repository root
SPLITS = ("dev", "test")
logging.getLogger("pypdf").setLevel(logging.ERROR)  # recoverable xref glitches are noise here
STYLES = frozenset({"incident", "renewal", "slack", "paraphrase", "multipart"})
ANSWER_VERDICTS = frozenset({"yes", "no", "depends", "figure"})
VERDICTS = ANSWER_VERDICTS | {"not_addressed"}
TYPES = frozenset({"requirement", "exclusion", "limit", "notice", "definition", "coverage"})
EVIDENCE_WORDS = (4, 20)  # long enough to pin one clause, short enough to be a quote
MAX_EVIDENCE = 3
KEY_TERM_SHARE = 0.5  # a question "uses the policy's words" from this share of its content words up
MAX_KEY_TERM_QUESTIONS = 0.25  # the brief: at most a quarter may use the policy's own key terms

STOP = frozenset(
    """a about after all also am an and any anyone are as at be been being but by can could did do does
    doing dont for from get gets got had has have having he her hey hi how i if im in into is it its just
    me my no not now of on or our ours out pls r so some still than that the their them then there these
    they this those to u ur us was we were what whats when where which who why will with would you your
    yes ok okay guys""".split()
)
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-",
                         "\u2014": "-", "\u00a0": " "})


def split_of(qid: str) -> str:
    return SPLITS[int(hashlib.sha1(qid.encode()).hexdigest(), 16) % 2]


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    text = re.sub(r"(\w)-[ \t]*\n\s*(\w)", r"\1\2", text)  # "compre-\nhensive" -> "comprehensive"
    return re.sub(r"\s+", " ", text).strip().lower()


def _stem(word: str) -> str:
    for suffix in ("ations", "ation", "ments", "ment", "ings", "ing", "ions", "ion", "ies", "ed", "es", "s", "e"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def content_words(text: str) -> set[str]:
    return {_stem(w) for w in re.findall(r"[a-z0-9]+", normalise(text)) if w not in STOP and len(w) > 1}


@dataclass(frozen=True)
class Doc:
    pages: tuple[str, ...]  # normalised; page n is pages[n - 1]

    def has_phrase(self, phrase: str, pages: list[int]) -> bool:
        for i, n in enumerate(pages):
            if phrase in self.pages[n - 1]:
                return True
            if i + 1 < len(pages) and phrase in self.pages[n - 1] + " " + self.pages[pages[i + 1] - 1]:
                return True
        return False

    def has_word(self, word: str) -> bool:
        return re.search(r"(?<![a-z0-9])" + re.escape(normalise(word)), " ".join(self.pages)) is not None


def load_doc(path: Path) -> Doc:
    reader = PdfReader(str(path))
    if reader.is_encrypted:
        reader.decrypt("")
    return Doc(tuple(normalise(p.extract_text() or "") for p in reader.pages))


class Checker:
    def __init__(self, corpus: Path):
        self.corpus = corpus
        self.problems: list[str] = []
        self.questions: list[dict] = []
        self._docs: dict[str, Doc] = {}

    def problem(self, msg: str) -> None:
        self.problems.append(msg)

    def doc(self, rel: str) -> Doc:
        if rel not in self._docs:
            self._docs[rel] = load_doc(self.corpus / rel)
        return self._docs[rel]

    def grounding(self, where: str, item: dict, doc: Doc) -> None:
        pages, evidence = item.get("pages"), item.get("evidence")
        if not (isinstance(pages, list) and pages and all(isinstance(n, int) for n in pages)):
            return self.problem(f"{where}: `pages` must be a non-empty list of page numbers")
        if bad := [n for n in pages if not 1 <= n <= len(doc.pages)]:
            return self.problem(f"{where}: pages {bad} outside 1..{len(doc.pages)}")
        if not (isinstance(evidence, list) and 1 <= len(evidence) <= MAX_EVIDENCE):
            return self.problem(f"{where}: `evidence` must list 1-{MAX_EVIDENCE} phrases")
        for phrase in evidence:
            n = len(str(phrase).split())
            if not EVIDENCE_WORDS[0] <= n <= EVIDENCE_WORDS[1]:
                self.problem(f"{where}: evidence of {n} words (want {EVIDENCE_WORDS[0]}-{EVIDENCE_WORDS[1]}): {phrase!r}")
            if not doc.has_phrase(normalise(str(phrase)), pages):
                self.problem(f"{where}: evidence not on pages {pages}: {phrase!r}")
        verdict = item.get("verdict")
        if (verdict == "figure") != ("figure" in item):
            self.problem(f"{where}: `figure` is required with verdict figure and only then")
        if "figure" in item and not any(normalise(str(item["figure"])) in doc.pages[n - 1] for n in pages):
            self.problem(f"{where}: figure {item['figure']!r} not on pages {pages}")

    def absence(self, where: str, item: dict, doc: Doc) -> None:
        words = item.get("checked_absent")
        if not (isinstance(words, list) and words):
            return self.problem(f"{where}: not_addressed needs `checked_absent` words")
        for w in words:
            if doc.has_word(str(w)):
                self.problem(f"{where}: checked_absent word {w!r} occurs in the document")
        if "pages" in item or "evidence" in item or "figure" in item:
            self.problem(f"{where}: a not_addressed answer cites no pages, evidence or figure")

    def question(self, q: dict, docs: dict[str, Doc]) -> None:
        qid = str(q.get("id", "?"))
        missing = [k for k in ("id", "q", "policy", "style", "answerable", "verdict") if k not in q]
        if missing:
            return self.problem(f"{qid}: missing {missing}")
        if not isinstance(q["q"], str) or len(q["q"].split()) < 3:
            self.problem(f"{qid}: `q` must be a question of a few words")
        if q["style"] not in STYLES:
            self.problem(f"{qid}: unknown style {q['style']!r}")
        if q["verdict"] not in VERDICTS:
            return self.problem(f"{qid}: unknown verdict {q['verdict']!r}")
        doc = docs.get(q["policy"])
        if doc is None:
            return self.problem(f"{qid}: policy {q['policy']!r} is not in `documents`")
        if q["answerable"] is False:
            if q["verdict"] != "not_addressed":
                self.problem(f"{qid}: an unanswerable question has verdict not_addressed")
            if "type" in q or "parts" in q:
                self.problem(f"{qid}: an unanswerable question has no `type` or `parts`")
            return self.absence(qid, q, doc)
        if q["answerable"] is not True:
            return self.problem(f"{qid}: `answerable` must be true or false")
        if q["verdict"] not in ANSWER_VERDICTS:
            self.problem(f"{qid}: an answerable question needs one of {sorted(ANSWER_VERDICTS)}")
        if q.get("type") not in TYPES:
            self.problem(f"{qid}: `type` must be one of {sorted(TYPES)}")
        if "checked_absent" in q:
            self.problem(f"{qid}: `checked_absent` belongs to unanswerable questions")
        self.grounding(qid, q, doc)
        parts = q.get("parts")
        if q["style"] != "multipart":
            if parts is not None:
                self.problem(f"{qid}: only a multipart question has `parts`")
            return
        if not (isinstance(parts, list) and len(parts) >= 2):
            return self.problem(f"{qid}: a multipart question lists >= 2 `parts`")
        for i, part in enumerate(parts, 1):
            where = f"{qid} part {i}"
            if part.get("verdict") not in VERDICTS:
                self.problem(f"{where}: unknown verdict {part.get('verdict')!r}")
            elif part["verdict"] == "not_addressed":
                self.absence(where, part, doc)
            else:
                self.grounding(where, part, doc)

    def file(self, path: Path, seen: dict[str, str]) -> list[dict] | None:
        split = path.parent.name
        if split not in SPLITS:
            self.problem(f"{path}: must live in dev/ or test/")
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        documents = data.get("documents") or []
        docs: dict[str, Doc] = {}
        for entry in documents:
            try:
                docs[entry["policy"]] = self.doc(entry["corpus"])
            except (KeyError, TypeError, OSError) as exc:
                self.problem(f"{path.name}: document {entry!r} cannot be read ({exc})")
        for q in data.get("questions") or []:
            qid = str(q.get("id", "?"))
            if qid in seen:
                self.problem(f"{qid}: id used twice ({seen[qid]} and {path})")
            seen[qid] = str(path)
            if split in SPLITS and split_of(qid) != split:
                self.problem(f"{qid}: belongs in {split_of(qid)}/ by its id hash, found in {split}/")
            self.question(q, docs)
            self.questions.append({**q, "_split": split})
        return documents


def evidence_of(q: dict) -> list[str]:
    phrases = list(q.get("evidence") or [])
    for part in q.get("parts") or []:
        phrases += part.get("evidence") or []
    return phrases


def overlap(q: dict) -> float | None:
    """Share of the question's content words found (stemmed) in its evidence phrases."""
    words = content_words(q["q"])
    found = set().union(*(content_words(p) for p in evidence_of(q)))
    return len(words & found) / len(words) if words and found else None


def duplicate_evidence(questions: list[dict]) -> list[str]:
    """Two questions answered by the same phrase ask the same thing twice."""
    by_phrase: dict[tuple[str, str], list[str]] = {}
    for q in questions:
        for phrase in set(map(normalise, map(str, evidence_of(q)))):
            by_phrase.setdefault((q["policy"], phrase), []).append(q["id"])
    return [f"{ids} share evidence {p!r}" for (_, p), ids in by_phrase.items() if len(ids) > 1]


def summary(c: Checker) -> list[str]:
    qs = c.questions
    lines = [f"{len(qs)} questions, {len(c.problems)} problems"]
    for label, key in (("split", "_split"), ("style", "style"), ("verdict", "verdict"), ("type", "type"), ("policy", "policy")):
        counts = Counter(str(q.get(key, "-")) for q in qs)
        lines.append(f"  by {label:8s} " + ", ".join(f"{k}={v}" for k, v in sorted(counts.items())))
    for s in SPLITS:
        sq = [q for q in qs if q["_split"] == s]
        lines.append(f"  {s}: {len(sq)} questions, {sum(q.get('answerable') is False for q in sq)} not addressed, "
                     f"styles " + ", ".join(f"{k}={v}" for k, v in sorted(Counter(q['style'] for q in sq).items())))
    overlaps = [o for q in qs if q.get("answerable") and (o := overlap(q)) is not None]
    if overlaps:
        heavy = sum(o >= KEY_TERM_SHARE for o in overlaps)
        lines.append(f"  keyword overlap question->evidence: mean {sum(overlaps) / len(overlaps):.3f} over "
                     f"{len(overlaps)} answerable; {heavy} ({heavy / len(overlaps):.0%}) with >= {KEY_TERM_SHARE:.0%} of their words")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", type=Path, default=list(DEFAULT_FILES))
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="folder holding cyber-policies/")
    args = ap.parse_args(argv)
    c = Checker(args.corpus)
    seen: dict[str, str] = {}
    doc_lists = []
    for path in args.files:
        if not path.is_file():
            c.problem(f"{path}: no such file")
            continue
        doc_lists.append(c.file(path, seen))
    if len({yaml.safe_dump(d) for d in doc_lists}) > 1:
        c.problem("the files list different `documents`")
    answerable = [q for q in c.questions if q.get("answerable")]
    heavy = [q["id"] for q in answerable if (o := overlap(q)) is not None and o >= KEY_TERM_SHARE]
    if answerable and len(heavy) > MAX_KEY_TERM_QUESTIONS * len(answerable):
        c.problem(f"{len(heavy)} of {len(answerable)} answerable questions use the policy's words "
                  f"(>= {KEY_TERM_SHARE:.0%} overlap; at most {MAX_KEY_TERM_QUESTIONS:.0%} allowed): {heavy}")
    for msg in duplicate_evidence(c.questions):
        c.problem(msg)
    for p in c.problems:
        print("PROBLEM", p)
    print("\n".join(summary(c)))
    return 1 if c.problems else 0


if __name__ == "__main__":
    sys.exit(main())
