"""Verify the user-language evaluation set (`examples/eval/*/*.yaml`) against the documents' own text.

Checks, for every file found:
- schema: required fields per verdict, known styles/verdicts/clause types, ids unique across all files,
  each dev/test question in the split its id hashes to (sha1(id) % 2: 0 = dev, 1 = test); the holdout split,
  written blind after tuning, is exempt from that parity rule;
- every evidence phrase occurs on one of its gold pages (after normalising case, quotes, dashes,
  hyphenated line breaks and whitespace; a phrase may also run across the break between two listed pages);
- every `figure` occurs on one of the question's evidence pages;
- every `checked_absent` word occurs nowhere in the whole document: a word counts as present when the document
  has it as a whole word or with an inflection ("flood" is found in "floods", "flooding"; "war" is not found in
  "warranty"), so list the other forms that matter ("warlike", "warfare") yourself.

It prints counts by split, style, verdict, clause type and policy, and the mean share of a question's content
words that appear in its evidence phrases (lower is better: users do not speak the policy's words).

Usage: python examples/eval/verify.py [--corpus DIR] [--eval-dir DIR]   (exit status 1 on any problem)
"""
from __future__ import annotations

import argparse
import hashlib
import logging
import re
import sys
import tempfile
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pypdf import PdfReader
from pypdf.errors import PyPdfError

EVAL_DIR = Path(__file__).resolve().parent
REPO = EVAL_DIR.parents[1]
logging.getLogger("pypdf").setLevel(logging.ERROR)  # recoverable glitches in the specimens are not problems of the set
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus"
SPLITS = ("dev", "test", "holdout")
# Only these splits are assigned by id hash; holdout/ is a report-only split written later, outside that rule.
HASHED_SPLITS = ("dev", "test")
STYLES = {"incident", "renewal", "slack", "paraphrase", "multipart"}
VERDICTS = {"yes", "no", "depends", "figure", "not_addressed"}
TYPES = {"requirement", "exclusion", "limit", "notice", "definition", "coverage"}
# An evidence phrase must be long enough to pin one clause and short enough to be a quote, not a page.
EVIDENCE_WORDS = (4, 20)
MAX_EVIDENCE = 3
# A question "speaks the policy's words" when at least this share of its content words is in its evidence.
KEY_TERM_SHARE = 0.5

STOP_WORDS = frozenset(
    """a about above after again against all am an and any are aren as at be because been before being
    below between both but by can cant could did didnt do does doesnt doing dont down during each few for
    from further get got had has have having he her here hers him his how i id if im in into is isnt it its
    itself ive just let lets like me might more most much must my no nor not now of off on once only or
    other our ours ourselves out over own re s same shall she should so some such t than that thats the
    their theirs them then there these they theyre this those through to too under until up us very was
    we were weve what whats when where which while who whom why will with wont would you your yours
    r u ur pls plz hey hi ok okay anyone anybody someone guys also still even really""".split()
)


def split_of(qid: str) -> str:
    """The dev/test split a question belongs to, decided by its id alone."""
    return HASHED_SPLITS[int(hashlib.sha1(qid.encode()).hexdigest(), 16) % len(HASHED_SPLITS)]


def normalise(text: str) -> str:
    """Lower-case, straight quotes and dashes, hyphenated line breaks joined, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
                                         "\u2013": "-", "\u2014": "-", "\u00a0": " "}))
    text = re.sub(r"(\w)-\s*\n\s*(\w)", r"\1\2", text)
    return re.sub(r"\s+", " ", text).strip().lower()


def stem(word: str) -> str:
    """A crude stem: enough to match 'payments' with 'pay' and 'encrypted' with 'encrypt'."""
    for suffix in ("ations", "ation", "ments", "ment", "ings", "ing", "ions", "ion", "ies", "ed", "es", "ly", "s", "e"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def content_stems(text: str) -> set[str]:
    return {stem(w) for w in re.findall(r"[a-z0-9]+", normalise(text)) if w not in STOP_WORDS and len(w) > 1}


@dataclass(frozen=True)
class Document:
    policy: str
    version: str
    pages: tuple[str, ...]  # normalised text of each page, 1-based page n is pages[n - 1]

    @property
    def whole(self) -> str:
        return " ".join(self.pages)


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    questions: list[dict] = field(default_factory=list)  # each with "_split" and "_file" added


def read_pdf_pages(path: Path) -> tuple[str, ...]:
    reader = PdfReader(str(path))
    if reader.is_encrypted:
        reader.decrypt("")  # the PHLY specimen is AES-encrypted with an empty password
    return tuple(normalise(p.extract_text() or "") for p in reader.pages)


class Documents:
    """Loads each document named in a file's `documents` list once."""

    def __init__(self, corpus: Path, scratch: Path):
        self.corpus = corpus
        self.scratch = scratch  # the sample PDFs are rendered here, fresh each run
        self._cache: dict[tuple[str, str], Path] = {}
        self._texts: dict[Path, tuple[str, ...]] = {}
        self._samples: dict[str, Path] | None = None

    def _sample(self, edition: str) -> Path:
        if self._samples is None:
            sys.path.insert(0, str(REPO))
            from bot.samples import sample_pdfs  # the fictional sample is built, never stored as a PDF

            self._samples = sample_pdfs(self.scratch)
        return self._samples[edition]

    def path(self, entry: dict) -> Path:
        if "sample" in entry:
            return self._sample(str(entry["sample"]))
        return self.corpus / entry["corpus"]

    def load(self, entry: dict) -> Document:
        p = self.path(entry)
        if p not in self._texts:
            self._texts[p] = read_pdf_pages(p)
        return Document(entry["policy"], str(entry.get("version", "")), self._texts[p])


def _phrase_on_pages(phrase: str, pages: list[int], doc: Document) -> bool:
    """The phrase is on a listed page, or runs across the break between two consecutive listed pages."""
    for n in pages:
        if phrase in doc.pages[n - 1]:
            return True
        if n + 1 in pages and phrase in doc.pages[n - 1] + " " + doc.pages[n]:
            return True
    return False


INFLECTIONS = r"(?:s|es|ed|d|ing|ly|ion|ions|ation|ations|er|ers)?"


def _absent(word: str, doc: Document) -> bool:
    return re.search(r"(?<![a-z0-9])" + re.escape(normalise(word)) + INFLECTIONS + r"(?![a-z0-9])", doc.whole) is None


def _figure_on(figure: str, page: str) -> bool:
    """Compared without whitespace: PDF extraction splits figures ("90 day s") as it splits words."""
    return re.sub(r"\s", "", normalise(figure)) in re.sub(r"\s", "", page)


def _check_grounding(where: str, item: dict, doc: Document, problems: list[str], *, figure: str | None) -> None:
    """pages/evidence (and figure) of a question or of one part of a multipart question."""
    pages, evidence = item.get("pages"), item.get("evidence")
    if not isinstance(pages, list) or not pages or not all(isinstance(n, int) for n in pages):
        problems.append(f"{where}: `pages` must be a non-empty list of page numbers")
        return
    if bad := [n for n in pages if not 1 <= n <= len(doc.pages)]:
        problems.append(f"{where}: pages {bad} outside 1..{len(doc.pages)}")
        return
    if not isinstance(evidence, list) or not 1 <= len(evidence) <= MAX_EVIDENCE:
        problems.append(f"{where}: `evidence` must list 1-{MAX_EVIDENCE} phrases")
        return
    for phrase in evidence:
        n_words = len(str(phrase).split())
        if not EVIDENCE_WORDS[0] <= n_words <= EVIDENCE_WORDS[1]:
            problems.append(f"{where}: evidence has {n_words} words (want {EVIDENCE_WORDS[0]}-{EVIDENCE_WORDS[1]}): {phrase!r}")
        if not _phrase_on_pages(normalise(str(phrase)), pages, doc):
            problems.append(f"{where}: evidence not found on pages {pages}: {phrase!r}")
    if figure is not None and not any(_figure_on(str(figure), doc.pages[n - 1]) for n in pages):
        problems.append(f"{where}: figure {figure!r} not on pages {pages}")


def _check_absent(where: str, item: dict, doc: Document, problems: list[str]) -> None:
    words = item.get("checked_absent")
    if not isinstance(words, list) or not words:
        problems.append(f"{where}: a not_addressed answer needs `checked_absent` words")
        return
    for w in words:
        if not _absent(str(w), doc):
            problems.append(f"{where}: checked_absent word {w!r} occurs in the document")


def _verdict_problem(where: str, verdict: object) -> str | None:
    if isinstance(verdict, bool):  # YAML 1.1 reads a bare yes/no as a boolean
        return f"{where}: verdict parsed as {verdict}: write it quoted, \"yes\" or \"no\""
    if verdict not in VERDICTS:
        return f"{where}: unknown verdict {verdict!r}"
    return None


def check_question(q: dict, docs: dict[str, Document], problems: list[str]) -> None:
    qid = q.get("id", "?")
    for key in ("id", "q", "policy", "style", "answerable", "verdict"):
        if key not in q:
            problems.append(f"{qid}: missing `{key}`")
    if any(key not in q for key in ("policy", "style", "answerable", "verdict")):
        return
    if q["style"] not in STYLES:
        problems.append(f"{qid}: unknown style {q['style']!r}")
    if bad := _verdict_problem(qid, q["verdict"]):
        problems.append(bad)
    key = f"{q['policy']}@{q['version']}" if "version" in q else q["policy"]
    doc = docs.get(key)
    if doc is None:
        problems.append(f"{qid}: policy {key!r} is not in the file's `documents`")
        return
    if not q["answerable"]:
        if q["verdict"] != "not_addressed":
            problems.append(f"{qid}: an unanswerable question has verdict not_addressed")
        if "pages" in q or "evidence" in q:
            problems.append(f"{qid}: an unanswerable question cites no pages or evidence")
        _check_absent(qid, q, doc, problems)
        _check_parts(q, doc, problems, answerable=False)
        return
    if q["verdict"] == "not_addressed":
        problems.append(f"{qid}: an answerable question cannot have verdict not_addressed")
    if q.get("type") not in TYPES:
        problems.append(f"{qid}: `type` must be one of {sorted(TYPES)}")
    if (q["verdict"] == "figure") != ("figure" in q):
        problems.append(f"{qid}: `figure` is given exactly when the verdict is figure")
    _check_grounding(qid, q, doc, problems, figure=q.get("figure"))
    _check_parts(q, doc, problems, answerable=True)


def _check_parts(q: dict, doc: Document, problems: list[str], *, answerable: bool) -> None:
    """A multipart question lists each sub-question with its own verdict and grounding (or absent words)."""
    qid = q["id"]
    if q["style"] != "multipart":
        if "parts" in q:
            problems.append(f"{qid}: only a multipart question has `parts`")
        return
    parts = q.get("parts")
    if not isinstance(parts, list) or len(parts) < 2:
        problems.append(f"{qid}: a multipart question lists >= 2 `parts`")
        return
    for i, part in enumerate(parts, 1):
        where = f"{qid} part {i}"
        if bad := _verdict_problem(where, part.get("verdict")):
            problems.append(bad)
        elif part["verdict"] == "not_addressed":
            _check_absent(where, part, doc, problems)
        elif not answerable:
            problems.append(f"{where}: an unanswerable question has only not_addressed parts")
        else:
            if (part["verdict"] == "figure") != ("figure" in part):
                problems.append(f"{where}: `figure` is given exactly when the verdict is figure")
            _check_grounding(where, part, doc, problems, figure=part.get("figure"))


def check(eval_dir: Path = EVAL_DIR, corpus: Path = DEFAULT_CORPUS) -> Report:
    """Check every `eval_dir/*/*.yaml`; the report lists each problem found and every question read."""
    with tempfile.TemporaryDirectory(prefix="eval-samples-") as scratch:
        return _check_files(eval_dir, Documents(corpus, Path(scratch)))


def _check_files(eval_dir: Path, loader: Documents) -> Report:
    report = Report()
    seen: dict[str, str] = {}
    texts: dict[str, str] = {}
    files = sorted(eval_dir.glob("*/*.yaml"))
    if not files:
        report.problems.append(f"no evaluation files under {eval_dir}/*/")
    for path in files:
        rel = path.relative_to(eval_dir)
        split = path.parent.name
        if split not in SPLITS:
            report.problems.append(f"{rel}: files live in {'/ or '.join(SPLITS)}/")
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            report.problems.append(f"{rel}: not valid YAML ({exc})")
            continue
        docs: dict[str, Document] = {}
        for entry in data.get("documents") or []:
            try:
                doc = loader.load(entry)
            except (KeyError, OSError, PyPdfError) as exc:
                report.problems.append(f"{rel}: document {entry} cannot be read ({exc})")
                continue
            docs[f"{doc.policy}@{doc.version}"] = doc
            docs[doc.policy] = doc  # without `version` a question means the last listed (active) edition
        for q in data.get("questions") or []:
            qid = str(q.get("id", "?"))
            if qid in seen:
                report.problems.append(f"{qid}: id used twice ({seen[qid]} and {rel})")
            seen[qid] = str(rel)
            text = " ".join(str(q.get("q", "")).lower().split())
            if not text:
                report.problems.append(f"{qid}: empty question")
            elif text in texts:
                report.problems.append(f"{qid}: same question text as {texts[text]}")
            texts.setdefault(text, qid)
            if split in HASHED_SPLITS and split_of(qid) != split:
                report.problems.append(f"{qid}: belongs in {split_of(qid)}/ by its id hash, found in {split}/")
            check_question(q, docs, report.problems)
            report.questions.append({**q, "_split": split, "_file": str(rel)})
    return report


def evidence_of(q: dict) -> list[str]:
    phrases = list(q.get("evidence") or [])
    for part in q.get("parts") or []:
        phrases += part.get("evidence") or []
    return phrases


def keyword_overlap(q: dict) -> float | None:
    """Share of the question's content words (stemmed) found in its evidence phrases."""
    words, evidence = content_stems(q["q"]), set().union(*map(content_stems, evidence_of(q)), set())
    if not words or not evidence:
        return None
    return len(words & evidence) / len(words)


def summary(report: Report) -> str:
    qs = report.questions
    lines = [f"{len(qs)} questions, {len(report.problems)} problems"]
    for label, key in (("split", "_split"), ("style", "style"), ("verdict", "verdict"), ("type", "type"), ("policy", "policy")):
        counts = Counter(str(q.get(key, "-")) for q in qs)
        lines.append(f"  by {label:8s} " + ", ".join(f"{k}={v}" for k, v in sorted(counts.items())))
    by_split = Counter((q["_split"], q.get("answerable")) for q in qs)
    lines.append("  unanswerable " + ", ".join(f"{s}={by_split[(s, False)]}" for s in SPLITS))
    overlaps = [o for q in qs if (o := keyword_overlap(q)) is not None]
    if overlaps:
        heavy = sum(o >= KEY_TERM_SHARE for o in overlaps)
        lines.append(
            f"  keyword overlap question→evidence: mean {sum(overlaps) / len(overlaps):.3f} over {len(overlaps)} "
            f"answerable questions; {heavy} ({heavy / len(overlaps):.0%}) share >= {KEY_TERM_SHARE:.0%} of their words"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="folder holding cyber-policies/ (default ../shared/corpus)")
    ap.add_argument("--eval-dir", type=Path, default=EVAL_DIR, help="folder holding dev/, test/ and holdout/")
    args = ap.parse_args(argv)
    report = check(args.eval_dir, args.corpus)
    for p in report.problems:
        print("PROBLEM", p)
    print(summary(report))
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
