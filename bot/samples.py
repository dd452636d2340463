"""Build the fictional sample policy PDFs (two editions) from their Markdown source."""
from __future__ import annotations

import re
from pathlib import Path

import yaml

SAMPLE_DIR = Path(__file__).resolve().parents[1] / "examples" / "sample-policy"
SOURCE = SAMPLE_DIR / "northwind-cyber-policy.md"
EDITIONS = SAMPLE_DIR / "editions.yaml"
_LATIN1 = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2014": "-", "\u2013": "-"})


def render_markdown(edition: str) -> tuple[str, dict]:
    """The policy text of one edition, and its front matter."""
    values = yaml.safe_load(EDITIONS.read_text(encoding="utf-8"))[edition]
    raw = SOURCE.read_text(encoding="utf-8")
    _, front, body = raw.split("---", 2)
    meta = yaml.safe_load(front)
    meta = {k: str(v).format(**values) for k, v in meta.items()}
    return body.format(**values).strip() + "\n", meta


def build_pdf(edition: str, out: Path) -> Path:
    """Write one edition as a PDF with a running footer on every page."""
    from fpdf import FPDF

    text, meta = render_markdown(edition)

    class PolicyPDF(FPDF):
        def footer(self) -> None:
            self.set_y(-15)
            self.set_font("Helvetica", size=8)
            self.cell(0, 10, f"{meta['footer']} - Page {self.page_no()}", align="C")

    pdf = PolicyPDF(format="Letter")
    pdf.set_title(meta["title"])
    pdf.set_author("PolicyBot sample (fictional)")
    pdf.set_creation_date(__import__("datetime").datetime(2025, 1, 1))
    pdf.set_auto_page_break(True, margin=20)
    pdf.set_margins(22, 20, 22)
    pdf.add_page()
    for block in re.split(r"\n\s*\n", text):
        block = block.strip().translate(_LATIN1)
        if not block:
            continue
        if block == "<!-- pagebreak -->":
            pdf.add_page()
            continue
        if block.startswith("<!-- pagebreak -->"):
            pdf.add_page()
            block = block[len("<!-- pagebreak -->"):].strip()
        if block.startswith("# "):
            pdf.set_font("Helvetica", "B", 15)
            pdf.multi_cell(0, 8, block[2:], align="C")
        elif block.startswith("## "):
            pdf.set_font("Helvetica", "B", 12.5)
            pdf.multi_cell(0, 7, block[3:])
        else:
            pdf.set_font("Helvetica", size=11)
            pdf.multi_cell(0, 5.6, block)
        pdf.ln(3.5)
    out.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(out))
    return out


def sample_pdfs(out_dir: Path) -> dict[str, Path]:
    """Both editions as PDFs in `out_dir` (built once, then reused)."""
    paths = {}
    for edition in ("2025", "2026"):
        p = out_dir / f"northwind-cyber-{edition}.pdf"
        if not p.exists():
            build_pdf(edition, p)
        paths[edition] = p
    return paths
