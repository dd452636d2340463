"""`policybot eval` scoring, on the golden questions about our sample policy."""
from pathlib import Path

import pytest
import yaml

from bot.evaluation import load_golden, render_report, run_eval
from vectorstore.index import PolicyIndex

pytestmark = pytest.mark.slow
GOLDEN = Path(__file__).resolve().parents[1] / "examples" / "golden.yaml"


def test_golden_file_is_valid_and_large_enough():
    g = load_golden(GOLDEN)
    assert len(g.questions) >= 40
    assert sum(not q.answerable for q in g.questions) >= 8


def test_sample_policy_questions_meet_targets(tmp_path, minilm):
    raw = yaml.safe_load(GOLDEN.read_text())
    raw["documents"] = [d for d in raw["documents"] if d["policy"] == "northwind"]
    raw["questions"] = [q for q in raw["questions"] if q["policy"] == "northwind"]
    small = tmp_path / "golden.yaml"
    small.write_text(yaml.safe_dump(raw))
    report = run_eval(small, tmp_path / "no-corpus", PolicyIndex(tmp_path / "d", minilm))
    assert report["questions"] == len(raw["questions"])
    assert report["fabricated_citations"] == 0
    assert report["citation_hit_rate"] >= 0.85
    assert report["abstention_accuracy"] >= 0.9
    text = render_report(report)
    assert "citation hit rate" in text and "fabricated citations: 0" in text
