"""Generated bad PDFs for the chaos tests: each is built here, byte by byte, so nothing is stored."""
from __future__ import annotations

import io
import zlib


def build_pdf(pages: list[bytes], *, compress: bool = False, extra_objects: dict[int, bytes] | None = None,
              kids_override: bytes | None = None, prev_loop: bool = False, bad_offsets: bool = False) -> bytes:
    """A minimal PDF with one content stream per page (Helvetica), and ways to break it."""
    objs: dict[int, bytes] = {1: b"<< /Type /Catalog /Pages 2 0 R >>", 3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"}
    kids = []
    n = 4
    for content in pages:
        page_id, stream_id = n, n + 1
        n += 2
        kids.append(f"{page_id} 0 R".encode())
        body = zlib.compress(content) if compress else content
        filt = b" /Filter /FlateDecode" if compress else b""
        objs[page_id] = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents "
                         + f"{stream_id} 0 R".encode() + b" >>")
        objs[stream_id] = b"<< /Length " + str(len(body)).encode() + filt + b" >>\nstream\n" + body + b"\nendstream"
    objs[2] = b"<< /Type /Pages /Kids [" + (kids_override or b" ".join(kids)) + b"] /Count " + str(len(pages)).encode() + b" >>"
    objs.update(extra_objects or {})
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for i in sorted(objs):
        offsets[i] = out.tell()
        out.write(f"{i} 0 obj\n".encode() + objs[i] + b"\nendobj\n")
    xref = out.tell()
    size = max(objs) + 1
    out.write(f"xref\n0 {size}\n0000000000 65535 f \n".encode())
    for i in range(1, size):
        off = offsets.get(i, 0) + (17 if bad_offsets else 0)
        out.write(f"{off:010d} 00000 n \n".encode())
    prev = f" /Prev {xref}" if prev_loop else ""
    out.write(f"trailer\n<< /Size {size} /Root 1 0 R{prev} >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def text_page(lines: list[str]) -> bytes:
    ops = [b"BT /F1 11 Tf 72 740 Td 14 TL"]
    for ln in lines:
        safe = ln.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        ops.append(b"(" + safe.encode("latin-1", "replace") + b") '")
    ops.append(b"ET")
    return b"\n".join(ops)


POLICY_LINES = [
    "SECTION I. INSURING AGREEMENTS",
    "A. We will pay Loss resulting from a Cyber Event first discovered during the Policy Period.",
    "SECTION II. CONDITIONS",
    "A. The Insured shall maintain Multi-Factor Authentication for all remote access to email.",
    "B. The Insured shall notify us of any Claim as soon as practicable and within 60 days.",
]


def good_pdf() -> bytes:
    return build_pdf([text_page(POLICY_LINES), text_page(POLICY_LINES[2:])])


def flate_bomb(decoded_mb: int = 200) -> bytes:
    """A page whose compressed content (about decoded_mb / 1000 MB) inflates to `decoded_mb` MB."""
    comp = zlib.compressobj(9)
    chunk = b"BT /F1 11 Tf 72 740 Td (A) Tj ET\n" * ((1 << 20) // 32)
    body = b"".join(comp.compress(chunk) for _ in range(decoded_mb)) + comp.flush()
    page_id, stream_id = 4, 5
    objs = {
        page_id: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R >>",
        stream_id: b"<< /Length " + str(len(body)).encode() + b" /Filter /FlateDecode >>\nstream\n" + body + b"\nendstream",
    }
    return build_pdf([b""], extra_objects=objs)


def huge_page(mb: float = 6.0) -> bytes:
    """One page with `mb` MB of text (the attacker's 6 MB page)."""
    line = "The Insured shall maintain backups of all Critical Data, tested quarterly and kept offline. "
    n = int(mb * 1e6 / (len(line) + 4))
    return build_pdf([text_page(POLICY_LINES), text_page([line] * n)], compress=True)


def bad_pdfs() -> dict[str, bytes]:
    """name -> bytes of every kind of bad file the chaos suite feeds to ingest."""
    good = good_pdf()
    return {
        "truncated.pdf": good[: len(good) // 2],
        "header-only.pdf": b"%PDF-1.7\n",
        "empty.pdf": b"",
        "flate-bomb.pdf": flate_bomb(),
        "huge-page.pdf": huge_page(),
        "pages-loop.pdf": build_pdf([text_page(POLICY_LINES)], kids_override=b"2 0 R 4 0 R"),
        "xref-prev-loop.pdf": build_pdf([text_page(POLICY_LINES)], prev_loop=True),
        "broken-xref.pdf": build_pdf([text_page(POLICY_LINES)], bad_offsets=True),
        "no-pages.pdf": build_pdf([], kids_override=b""),
        "blank-page.pdf": build_pdf([b""]),
        "png-named.pdf": b"\x89PNG\r\n\x1a\n" + b"\x00" * 200,
        "zip-named.pdf": b"PK\x03\x04" + b"\x00" * 200,
        "html-named.pdf": b"<!DOCTYPE html><html><body>login</body></html>",
        "garbage.pdf": bytes(range(256)) * 40,
    }


def encrypted_pdf(password: str = "secret") -> bytes:
    from pypdf import PdfReader, PdfWriter

    w = PdfWriter()
    for p in PdfReader(io.BytesIO(good_pdf())).pages:
        w.add_page(p)
    w.encrypt(password)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()
