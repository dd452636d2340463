"""The user-language evaluation set is grounded in the documents' own text (examples/eval/verify.py)."""
import importlib.util
import sys
from pathlib import Path

import pytest

from .conftest import SPECIMENS

EVAL_DIR = Path(__file__).resolve().parents[1] / "examples" / "eval"
# h-eval1 wrote about half the set; the lead raises this to 200 once h-eval2's half is merged.
MIN_QUESTIONS = 200  # the issue asks for at least 200, over all 11 specimens and the sample


def _verifier():
    spec = importlib.util.spec_from_file_location("eval_verify", EVAL_DIR / "verify.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file executes
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def verify():
    if not SPECIMENS.exists():
        pytest.skip(f"{SPECIMENS} not available (../shared/corpus is read beside the checkout)")
    return _verifier()


def test_eval_set_is_grounded_in_the_documents(verify):
    report = verify.check(EVAL_DIR, SPECIMENS.parent)
    assert report.problems == []
    assert len(report.questions) >= MIN_QUESTIONS
    assert {q["_split"] for q in report.questions} == {"dev", "test", "holdout"}
    assert sum(not q["answerable"] for q in report.questions) >= 40  # the issue asks for at least 40 the named policy does not address


def test_the_readme_states_the_split_sizes_the_files_hold(verify):
    import re

    report = verify.check(EVAL_DIR, SPECIMENS.parent)
    readme = " ".join((EVAL_DIR.parents[1] / "README.md").read_text(encoding="utf-8").split())
    m = re.search(r"dev now has (\d+) questions and test (\d+)", readme)
    assert m, "README no longer states the split sizes"
    sizes = {s: sum(q["_split"] == s for q in report.questions) for s in ("dev", "test")}
    assert (int(m.group(1)), int(m.group(2))) == (sizes["dev"], sizes["test"])


def test_verifier_reports_a_phrase_missing_from_its_page(verify, tmp_path):
    """An unquoted yes, a wrong page, a present 'absent' word, a question in the wrong split, a repeated question
    and an answered part of an unanswerable question are each reported."""
    qid = next(f"probe-{i}" for i in range(100) if verify.split_of(f"probe-{i}") == "dev")
    wrong_split = next(f"probe-{i}" for i in range(100) if verify.split_of(f"probe-{i}") == "test")
    other = next(f"probe-{i}" for i in range(100) if verify.split_of(f"probe-{i}") == "dev" and f"probe-{i}" != qid)
    (tmp_path / "dev").mkdir()
    (tmp_path / "dev" / "x.yaml").write_text(f"""
documents:
  - {{policy: hiscox, corpus: cyber-policies/hiscox_tech_professional_liability_DPL-P001-CW.pdf}}
questions:
  - {{id: {qid}, q: "do they cover us?", policy: hiscox, style: slack, answerable: true, verdict: yes,
      type: coverage, pages: [1], evidence: ["this phrase is not in the hiscox wording at all"]}}
  - {{id: {wrong_split}, q: "earthquake?", policy: hiscox, style: slack, answerable: false,
      verdict: not_addressed, checked_absent: ["insurance"]}}
  - {{id: {other}, q: "Earthquake? ", policy: hiscox, style: multipart, answerable: false,
      verdict: not_addressed, checked_absent: ["earthquake"],
      parts: [{{verdict: not_addressed, checked_absent: ["seismic"]}}, {{verdict: "no", pages: [6], evidence: ["x"]}}]}}
""")
    report = verify.check(tmp_path, SPECIMENS.parent)
    text = "\n".join(report.problems)
    assert f"{qid}: evidence not found on pages [1]" in text
    assert f"{wrong_split}: checked_absent word 'insurance' occurs" in text
    assert f"{wrong_split}: belongs in test/" in text
    assert f"{qid}: verdict parsed as True: write it quoted" in text
    assert f"{other}: same question text as {wrong_split}" in text
    assert f"{other} part 2: an unanswerable question has only not_addressed parts" in text
    assert len(report.problems) == 6


def test_normalise_joins_hyphenated_breaks_and_quotes():
    v = _verifier()
    assert v.normalise("Cyber \u201cExtor-\n tion\u201d  Loss") == 'cyber "extortion" loss'


def test_holdout_split_is_exempt_from_the_id_hash(verify, tmp_path):
    """Holdout questions are accepted whichever split their ids hash to; a dev id filed under test/ is still refused."""
    to_dev = [f"ho-probe-{i}" for i in range(100) if verify.split_of(f"ho-probe-{i}") == "dev"][:2]
    to_test = next(f"ho-probe-{i}" for i in range(100) if verify.split_of(f"ho-probe-{i}") == "test")
    for folder, ids in (("holdout", (to_dev[0], to_test)), ("test", (to_dev[1],))):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x.yaml").write_text(
            "documents:\n  - {policy: hiscox, corpus: cyber-policies/hiscox_tech_professional_liability_DPL-P001-CW.pdf}\n"
            "questions:\n" + "".join(
                f'  - {{id: {qid}, q: "earthquake {qid}?", policy: hiscox, style: slack, answerable: false,'
                f' verdict: not_addressed, checked_absent: ["earthquake"]}}\n' for qid in ids))
    report = verify.check(tmp_path, SPECIMENS.parent)
    assert sorted(q["_split"] for q in report.questions) == ["holdout", "holdout", "test"]
    assert report.problems == [f"{to_dev[1]}: belongs in dev/ by its id hash, found in test/"]
