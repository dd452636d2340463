"""The labelled check of term extraction: precision and recall per kind, and what it reports."""
import shutil
from pathlib import Path

import yaml

from bot.terms_eval import render_terms_eval, run_terms_eval

LABELS = Path(__file__).resolve().parents[1] / "examples" / "terms"


def test_sample_labels_score_and_a_wrong_label_is_caught(index, sample_pdfs, tmp_path):
    d = tmp_path / "labels"
    d.mkdir()
    shutil.copy(LABELS / "northwind-2026.yaml", d)
    index.data_dir.joinpath("samples").mkdir(parents=True, exist_ok=True)
    for p in sample_pdfs.values():
        shutil.copy(p, index.data_dir / "samples" / p.name)
    rep = run_terms_eval(index, d, tmp_path / "no-corpus")
    req = rep["per_kind"]["requirement"]
    assert req["labels"] == 9 and req["precision"] == 1.0 and req["recall"] == 1.0
    assert rep["overall"]["precision"] >= 0.95 and rep["overall"]["recall"] >= 0.85
    # A label on the wrong page is reported as missed, and the term it should match as not labelled.
    spec = yaml.safe_load((d / "northwind-2026.yaml").read_text())
    for lab in spec["terms"]:
        if lab["kind"] == "notice" and lab["key"] == "extortion":
            lab["pages"] = [3]
    (d / "northwind-2026.yaml").write_text(yaml.safe_dump(spec))
    rep2 = run_terms_eval(index, d, tmp_path / "no-corpus")
    doc = rep2["documents"][0]
    assert {"kind": "notice", "key": "extortion", "pages": [3]} in doc["missed"]
    assert any(f["key"] == "extortion" and f["page"] == 10 for f in doc["false_positives"])
    assert rep2["per_kind"]["notice"]["recall"] < rep["per_kind"]["notice"]["recall"]
    table = render_terms_eval(rep2, verbose=True)
    assert "requirement" in table and "- notice extortion pp. [3]" in table


def test_missing_specimen_is_a_clear_error(index, tmp_path):
    d = tmp_path / "labels"
    d.mkdir()
    shutil.copy(LABELS / "cfc.yaml", d)
    import pytest

    with pytest.raises(ValueError, match="cfc.yaml: .*cfc_technology_v4.1_us_specimen.pdf not found"):
        run_terms_eval(index, d, tmp_path / "nowhere")
