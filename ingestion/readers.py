"""Read PDFs, text and Markdown files into cleaned pages.

pypdf is imported only here.
"""
from __future__ import annotations

import hashlib
import logging
import math
import re
import time
from collections import Counter
from pathlib import Path

from .errors import (
    CorruptPDFError,
    EncryptedPDFError,
    NoTextError,
    NotAPDFError,
    TooLargeError,
    TooSlowError,
    UnsupportedFileError,
)
from .types import DocumentText, Page

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
# Caps on what one PDF may cost to decode (a crafted file must fail fast, not hang ingest).
# The largest decoded page content in the 11 specimen policies is 495 kB (a page with
# drawings); text extraction time grows faster than linearly with it (6 MB: ~280 s).
MAX_PAGE_CONTENT_BYTES = 2_000_000
MAX_PAGE_CHARS = 100_000  # extracted text of one page; a dense policy page has about 6,000
PARSE_SECONDS = 120.0  # time budget for extracting the text of one PDF, checked between pages

# pypdf logs every recoverable xref glitch; those are noise to a user.
logging.getLogger("pypdf").setLevel(logging.ERROR)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_document(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES, data: bytes | None = None) -> DocumentText:
    """Read a `.pdf`, `.txt` or `.md` file into pages.

    Raises a subclass of `IngestError` with a message for the user when the file
    is too large, not what its name says, encrypted with a password, corrupt, or
    has no text at all.
    """
    path = Path(path)
    if data is None:
        data = load_bytes(path, max_bytes=max_bytes)
    else:
        _check_size(path.name, len(data), max_bytes)
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return read_pdf_bytes(data, path.name)
    if suffix in TEXT_SUFFIXES:
        return read_text_bytes(data, path.name)
    if data[:5] == b"%PDF-":
        return read_pdf_bytes(data, path.name)
    raise UnsupportedFileError(
        f"{path.name}: only PDF, .txt and .md documents can be indexed (got '{suffix or 'no extension'}')"
    )


def load_bytes(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """A file's bytes, refusing a missing or over-size file before loading it."""
    path = Path(path)
    if not path.is_file():
        raise UnsupportedFileError(f"{path}: no such file")
    _check_size(path.name, path.stat().st_size, max_bytes)
    return path.read_bytes()


def _check_size(name: str, size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise TooLargeError(
            f"{name} is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit "
            "(raise POLICYBOT_MAX_FILE_MB to accept it)"
        )


def read_text_bytes(data: bytes, file_name: str) -> DocumentText:
    """A text document is one page whose offsets are those of the file itself."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnsupportedFileError(f"{file_name} is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    if not text.strip():
        raise NoTextError(f"{file_name} is empty")
    return DocumentText(
        file_name=file_name,
        sha256=sha256_bytes(data),
        title=_guess_title([text], file_name),
        pages=(Page(1, text),),
    )


def read_pdf_bytes(data: bytes, file_name: str) -> DocumentText:
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError, DependencyError

    head = data[:1024]
    if b"%PDF-" not in head:
        kind = _sniff(head)
        raise NotAPDFError(f"{file_name} is not a PDF ({kind}); export or print it to PDF and try again")
    import io

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except DependencyError:
                raise EncryptedPDFError(
                    f"{file_name} is encrypted and reading it needs the 'cryptography' package (pip install 'pypdf[crypto]')"
                ) from None
            if not ok:
                raise EncryptedPDFError(
                    f"{file_name} is protected with a password; remove the password (or ask the broker for an unlocked copy) and upload it again"
                )
        try:
            raw_pages = _extract_pages(reader, file_name)
        except FileNotDecryptedError:
            raise EncryptedPDFError(f"{file_name} is protected with a password") from None
        meta_title = ""
        try:
            meta_title = (reader.metadata.title or "") if reader.metadata else ""
        except Exception:  # metadata is optional and often malformed
            meta_title = ""
    except (EncryptedPDFError, NotAPDFError):
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError) as exc:
        raise CorruptPDFError(f"{file_name} looks like a PDF but is damaged and cannot be read ({exc})") from None
    if not raw_pages:
        raise CorruptPDFError(f"{file_name} has no pages")

    texts = [_clean_page(t) for t in raw_pages]
    texts = _strip_running_lines(texts)
    texts = _join_spaced_words(texts)
    blank = tuple(i + 1 for i, t in enumerate(texts) if len(t.strip()) < 20)
    pages = tuple(Page(i + 1, t) for i, t in enumerate(texts) if (i + 1) not in blank)
    if not pages:
        raise NoTextError(
            f"{file_name} has no text layer on any of its {len(texts)} pages; scanned pages are not read — "
            "run OCR on it (e.g. ocrmypdf) and upload the result"
        )
    warnings = tuple(f"page {n} has no text; scanned pages are not read" for n in blank)
    title = meta_title.strip() if _plausible_title(meta_title) else _guess_title([p.text for p in pages], file_name)
    return DocumentText(
        file_name=file_name,
        sha256=sha256_bytes(data),
        title=title,
        pages=pages,
        blank_pages=blank,
        warnings=warnings,
    )


def _extract_pages(reader, file_name: str, *, max_page_bytes: int = MAX_PAGE_CONTENT_BYTES,
                   max_page_chars: int = MAX_PAGE_CHARS, budget_s: float = PARSE_SECONDS) -> list[str]:
    """Each page's raw text, refusing a page whose decoded content or text is over the caps
    and a document that takes longer than `budget_s` to read."""
    from pypdf.errors import LimitReachedError

    start = time.monotonic()
    out: list[str] = []
    try:
        for n, page in enumerate(reader.pages, 1):
            size = _page_content_bytes(page)
            if size > max_page_bytes:
                raise TooLargeError(
                    f"{file_name}: page {n} holds {size / 1e6:.1f} MB of page content once decoded, over the "
                    f"{max_page_bytes / 1e6:.0f} MB a page may have; it is not a normal document page (print the "
                    "document to PDF again, or split out that page)"
                )
            text = page.extract_text() or ""
            if len(text) > max_page_chars:
                raise TooLargeError(
                    f"{file_name}: page {n} has {len(text):,} characters of text, over the {max_page_chars:,} a page "
                    "may have; it is not a normal document page"
                )
            out.append(text)
            if time.monotonic() - start > budget_s:
                raise TooSlowError(
                    f"{file_name}: reading stopped after {budget_s:.0f} s at page {n}; the file is too slow to "
                    "parse (print it to PDF again, or split it) and nothing was indexed"
                )
    except LimitReachedError as exc:
        from pypdf.filters import ZLIB_MAX_OUTPUT_LENGTH

        raise TooLargeError(
            f"{file_name}: a compressed stream in it expands to more than {ZLIB_MAX_OUTPUT_LENGTH / 1e6:.0f} MB "
            "(a decompression bomb, or a badly broken file); it is rejected"
        ) from None
    except RecursionError:
        raise CorruptPDFError(f"{file_name} looks like a PDF but its structure loops back on itself; it cannot be read") from None
    return out


def _page_content_bytes(page) -> int:
    """Decoded size of a page's content streams (pypdf itself refuses any stream over its own limits)."""
    contents = page.get_contents()
    if contents is None:
        return 0
    return len(contents.get_data())


def _sniff(head: bytes) -> str:
    if head.startswith(b"PK"):
        return "it is a ZIP or Office document"
    if head[:3] == b"\xff\xd8\xff" or head.startswith(b"\x89PNG"):
        return "it is an image"
    if head.lstrip().lower().startswith((b"<!doctype html", b"<html")):
        return "it is an HTML page"
    try:
        head.decode("utf-8")
        return "it is plain text"
    except UnicodeDecodeError:
        return "unknown binary content"


_HYPHEN_BREAK = re.compile(r"(\w)-[ \t]*\n[ \t]*([a-z])")
_TRAILING_WS = re.compile(r"[ \t]+\n")
_MANY_BLANKS = re.compile(r"\n{3,}")


# Some PDFs draw a line's first letters as a separate text run, and pypdf breaks the line after them:
# "Var\nious provisions", "In c\nonsideration", "CLAI\nM EXPENSES". A fragment line is short and ends
# mid-word; the next line carries on the same word in the same case.
_SPLIT_LOWER = re.compile(
    r"^((?:[A-Za-z]+ )?(?!(?:and|or|the|of|to|an?|in|on|for|by|as|at|is|be|if|any|all|not|nor)\n)[A-Za-z]?[a-z]?[a-z])\n(?=[a-z])", re.M
)
_SPLIT_UPPER = re.compile(r"^((?!(?:[IVXLC]+)\n)[A-Z]{2,4})\n(?=[A-Z]+\b)", re.M)
SPLIT_MIN_PER_PAGE = 2  # a lone short line is often a real one ("and", "NSW"); the fault repeats down the page


def _join_split_words(text: str) -> str:
    """Rejoin words pypdf split after their first letters, on a page where that happens repeatedly."""
    if len(_SPLIT_LOWER.findall(text)) < SPLIT_MIN_PER_PAGE:
        return text
    return _SPLIT_UPPER.sub(r"\1", _SPLIT_LOWER.sub(r"\1", text))


_WORD = re.compile(r"[A-Za-z]+")
SPACED_MIN_WHOLE = 3  # the joined word must occur whole at least this often in the document


def _join_spaced_words(pages: list[str]) -> list[str]:
    """Join words some PDFs print with a space inside ("Priv acy", "Insure d", "s ubrogation").

    The document itself is the dictionary: two neighbours are joined when the joined word occurs whole in it at
    least `SPACED_MIN_WHOLE` times and more often than split, and the second half is no word of the document on
    its own (which keeps "any one", "a part", "can not", "net profit" apart)."""
    words = [[(m.group(0), m.start(), m.end()) for m in _WORD.finditer(t)] for t in pages]
    counts: dict[str, int] = {}
    labels: dict[str, int] = {}  # "(d)", "d.": a letter used as a label is not a word
    for t, ws in zip(pages, words):
        for w, a, b in ws:
            lw = w.lower()
            counts[lw] = counts.get(lw, 0) + 1
            if len(w) == 1 and (t[a - 1 : a] == "(" or t[b : b + 1] in (".", ")")):
                labels[lw] = labels.get(lw, 0) + 1

    def neighbours(t: str, ws):
        return ((x, y) for x, y in zip(ws, ws[1:]) if t[x[2] : y[1]] == " ")

    split: dict[str, int] = {}
    for t, ws in zip(pages, words):
        for x, y in neighbours(t, ws):
            whole = (x[0] + y[0]).lower()
            if counts.get(whole, 0) >= SPACED_MIN_WHOLE:
                split[whole] = split.get(whole, 0) + 1
    if not split:
        return pages
    out = []
    for t, ws in zip(pages, words):
        cuts = []
        for x, y in neighbours(t, ws):
            whole, tail = x[0] + y[0], y[0].lower()
            n_split = split.get(whole.lower(), 0)
            alone = counts.get(tail, 0) - labels.get(tail, 0) - n_split
            same_case = whole[1:].islower() or whole[1:].isupper()
            if same_case and alone <= 0 and counts.get(whole.lower(), 0) >= max(SPACED_MIN_WHOLE, n_split + 1):
                cuts.append(x[2])  # the space after x goes
        for at in reversed(cuts):
            t = t[:at] + t[at + 1 :]
        out.append(t)
    return out


def _clean_page(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ").replace("\x00", "")
    text = _join_split_words(text)
    text = _HYPHEN_BREAK.sub(r"\1\2", text)
    text = _TRAILING_WS.sub("\n", text)
    text = _MANY_BLANKS.sub("\n\n", text)
    return text.strip()


def _line_key(line: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", " ", line.strip().lower()))


# "Page 13 of 33", "CYBUK CYGBP-00PF-0622-00 Page 13 of 33", "Page 4/12": page furniture wherever it sits.
_PAGE_OF_LINE = re.compile(r"^(?:\S.{0,60}?\s)?page\s+\d{1,4}\s*(?:of|/)\s*\d{1,4}$", re.I)
_PAGE_SUFFIX = re.compile(r"\s*page #(?:\s*(?:of|/)\s*#)?$")
RUNNING_SHARE = 0.4  # a line (digits ignored) on at least this share of pages is a running header or footer
RUNNING_EDGE_LINES = 4  # how many lines at the top and bottom of a page a short running line may sit in
RUNNING_MIN_LETTERS = 6  # below this a repeated line ("A.", "or", "1") may be body text, so only edges count
RUNNING_MAX_CHARS = 120  # longer lines are prose, not furniture


def _strip_running_lines(pages: list[str]) -> list[str]:
    """Remove running headers and footers: "Page N of M" lines, and lines that repeat on many pages.

    A line repeating (digits ignored) on at least `RUNNING_SHARE` of the pages is furniture: anywhere
    on the page when it has some words (pypdf often puts a form number mid-page), only at the page's
    edges when it is as short as a label or a number.
    """
    split = [[ln for ln in text.split("\n")] for text in pages]
    running_any: set[str] = set()
    running_edge: set[str] = set()
    if len(pages) >= 3:
        anywhere: Counter[str] = Counter()
        edges: Counter[str] = Counter()
        for lines in split:
            nonblank = [ln for ln in lines if ln.strip()]
            anywhere.update({_line_key(ln) for ln in nonblank if len(ln.strip()) <= RUNNING_MAX_CHARS})
            edges.update({_line_key(ln) for ln in nonblank[:RUNNING_EDGE_LINES] + nonblank[-RUNNING_EDGE_LINES:]})
        threshold = max(3, math.ceil(RUNNING_SHARE * len(pages)))
        running_any = {k for k, c in anywhere.items() if c >= threshold and sum(ch.isalpha() for ch in k) >= RUNNING_MIN_LETTERS}
        # the form number of a "TRD 050 0619 Page 7" footer, printed alone on pages without a number
        running_any |= {f for f in (_PAGE_SUFFIX.sub("", k) for k in running_any) if f and "#" in f and any(ch.isalpha() for ch in f)}
        running_edge = {k for k, c in edges.items() if c >= threshold and k}
    out = []
    for lines in split:
        kept = [ln for ln in lines if not (_PAGE_OF_LINE.match(ln.strip()) or _line_key(ln) in running_any)]
        # short running lines (a bare page number, a form code) only where they sit at the edges
        for _ in range(2):
            nonblank = [i for i, ln in enumerate(kept) if ln.strip()]
            edge = set(nonblank[:RUNNING_EDGE_LINES] + nonblank[-RUNNING_EDGE_LINES:])
            drop = {i for i in edge if _line_key(kept[i]) in running_edge}
            kept = [ln for i, ln in enumerate(kept) if i not in drop]
        out.append(_MANY_BLANKS.sub("\n\n", "\n".join(kept)).strip())
    return out


def _plausible_title(title: str) -> bool:
    t = title.strip()
    return 6 <= len(t) <= 120 and not re.search(r"\.(docx?|pdf|indd)$|^microsoft|^untitled", t, re.I)


def _guess_title(page_texts: list[str], file_name: str) -> str:
    for text in page_texts[:2]:
        for line in text.split("\n")[:15]:
            s = line.strip().strip("#").strip()
            if 8 <= len(s) <= 100 and sum(c.isalpha() for c in s) > 0.6 * len(s):
                return s
    return Path(file_name).stem.replace("_", " ")
