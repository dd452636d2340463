"""`policybot eval` scoring, on the golden questions about our sample policy."""
from pathlib import Path

import pytest
import yaml

from bot.evaluation import EvalPart, EvalQuestion, _figure_in, _matches, _verdict_right, load_eval, render_report, run_eval
from bot.types import Answer
from vectorstore.index import PolicyIndex

GOLDEN = Path(__file__).resolve().parents[1] / "examples" / "golden.yaml"


def test_golden_file_is_valid_and_large_enough():
    g = load_eval(GOLDEN)
    assert len(g.questions) >= 40
    assert sum(not q.answerable for q in g.questions) >= 8


@pytest.mark.parametrize("figure, summary, right", [
    ("six (6) years", "sixty (60) days (POLICY FORM §B, p. 26).", False),  # a digit inside another number
    ("$1,000,000", "$1,000,000 (I. Insuring Agreements §5, p. 2).", True),
    ("30 days", "within 300 days", False),
    ("2.5%", "2.5% of the annual premium", True),
    ("as soon as practicable", "As soon as practicable — the wording sets no fixed number of days", True),
])
def test_a_figure_is_right_only_as_a_whole_number(figure, summary, right):
    assert _figure_in(figure, summary) is right


def test_right_clause_needs_the_page_and_the_evidence():
    text = "E. Ransomware.\nThe Insured shall bear 30% of all\nCyber Extortion Loss in excess of the Retention."
    assert _matches(text, [7], 7, 7, ["30% of all Cyber Extortion Loss"])
    assert not _matches(text, [8], 7, 7, ["30% of all Cyber Extortion Loss"])  # right words, wrong page
    assert not _matches(text, [7], 7, 7, ["20% of all Cyber Extortion Loss"])
    # a phrase cut by a chunk boundary still counts when two thirds of it are in the clause
    assert _matches(text, [7], 6, 7, ["Cyber Extortion Loss in excess of the Retention and the Waiting Period"])


def test_a_multi_part_verdict_needs_every_part_answered():
    """A two-figure question answered with one figure is wrong, however right that figure is; split the same way,
    each part is judged on its own; one "yes" answers a question whose every part is yes."""
    two = EvalQuestion(q="how long is the run-off and what does it cost?", policy="p", verdict="figure", pages=[11], evidence=["x"], parts=[
        EvalPart(pages=[11], evidence=["x"], verdict="figure", figure="90 days"),
        EvalPart(pages=[11], evidence=["x"], verdict="figure", figure="100%")])
    one = Answer(two.q, True, "90 days (§1.10, p. 11).", verdict="figure")
    assert _verdict_right(two, one) is False
    both = Answer(two.q, True, "(1) 90 days (2) 100%", verdict="figure", parts=(
        Answer("a", True, "90 days (§1.10, p. 11).", verdict="figure"), Answer("b", True, "100% (§b, p. 11).", verdict="figure")))
    assert _verdict_right(two, both) is True
    wrong = Answer(two.q, True, "(1) 90 days (2) 20%", verdict="figure", parts=(
        both.parts[0], Answer("b", True, "20% (§6.10, p. 25).", verdict="figure")))
    assert _verdict_right(two, wrong) is False
    yes_yes = EvalQuestion(q="does the form ask about caps and about knock-on losses?", policy="p", verdict="yes", pages=[7], evidence=["x"], parts=[
        EvalPart(verdict="yes", pages=[7], evidence=["x"]), EvalPart(verdict="yes", pages=[7], evidence=["x"])])
    assert _verdict_right(yes_yes, Answer(yes_yes.q, True, "Yes — the application asks this.", verdict="yes")) is True


@pytest.mark.slow
def test_sample_policy_questions_meet_targets(tmp_path, minilm):
    raw = yaml.safe_load(GOLDEN.read_text())
    raw["documents"] = [d for d in raw["documents"] if d["policy"] == "northwind"]
    raw["questions"] = [q for q in raw["questions"] if q["policy"] == "northwind"]
    small = tmp_path / "golden.yaml"
    small.write_text(yaml.safe_dump(raw))
    report = run_eval({"golden": [small]}, tmp_path / "no-corpus", PolicyIndex(tmp_path / "d", minilm), with_retrieval=False)
    s = report["splits"]["golden"]
    assert s["questions"] == len(raw["questions"])
    assert s["fabricated_quotes"] == 0
    assert s["cited_right"] >= 0.85 and s["false_abstentions"] <= 2
    # Declining out-of-scope questions is the known weak side (issue 7): the figure is reported, not asserted here.
    assert 0.0 <= s["abstention_recall"] <= 1.0 and s["unanswerable"] == 4
    text = render_report(report)
    assert "right clause cited" in text and "fabricated quotes: 0" in text
