"""The trees that reorder the fused candidates: read as sklearn scores them, fitted so they pay, and used by retrieval."""
import json
import re
from dataclasses import replace

import numpy as np
import pytest

from bot.evaluation import ranker_cv
from bot.pipeline import DEFAULT_TUNING, _cosines, question_terms, ranker_features, retrieve
from bot.ranker import RANKER_PATH, Ranker, feature_names, features, fit_ranker, load_ranker, ranker_from


def _tree(**cols):
    return {k: np.asarray(v) for k, v in cols.items()}


def test_trees_are_read_split_by_split():
    # node 0 splits on feature 1 at 0.5; node 1 (left) splits on feature 0 at 2.0; nodes 2, 3, 4 are leaves
    t = _tree(feature=[1, 0, 0, 0, 0], threshold=[0.5, 2.0, 0, 0, 0], left=[1, 2, 0, 0, 0], right=[4, 3, 0, 0, 0],
              leaf=[False, False, True, True, True], value=[0, 0, -1.0, 0.5, 3.0])
    r = Ranker(("a", "b"), 0.25, (t, t), 30, "")
    x = np.array([[1.0, 0.0], [5.0, 0.0], [1.0, 9.0]])
    assert r.scores(x).tolist() == [0.25 - 2.0, 0.25 + 1.0, 0.25 + 6.0]


def test_the_shipped_trees_read_todays_features():
    # a change to the features without a refit (`policybot eval --fit-ranker`) would silently rank by stale trees
    raw = json.loads(RANKER_PATH.read_text(encoding="utf-8"))
    assert raw["names"] == feature_names()
    assert DEFAULT_TUNING.ranker is not None and DEFAULT_TUNING.ranker.depth == raw["depth"] == 30
    assert "dev split" in raw["fitted"] and "left out" in raw["fitted"]
    # the README's cross-validated figures are the ones the shipped trees were fitted with
    cv = [dict(re.findall(r"'(hit@\d)': ([\d.]+)", v)) for v in re.findall(r"\{[^}]*\}", raw["fitted"])]
    readme = " ".join((RANKER_PATH.parents[2] / "README.md").read_text(encoding="utf-8").split())
    three = r" / ".join([r"(\d\.\d+)"] * 3)
    m = re.search(rf"hit@1 / hit@3 / hit@5 {three} for the fused order, {three} for the trees alone and {three} for the blend", readme)
    assert m, "README no longer states the ranker's cross-validated figures"
    assert [float(x) for x in m.groups()] == [float(c[h]) for c in cv for h in ("hit@1", "hit@3", "hit@5")]
    assert f"fused + {DEFAULT_TUNING.ranker_weight} x trees" in raw["fitted"] and DEFAULT_TUNING.ranker_weight == 1.0


def test_trees_fitted_on_other_features_are_not_used(tmp_path):
    raw = json.loads(RANKER_PATH.read_text(encoding="utf-8"))
    raw["names"] = raw["names"][:-1]
    f = tmp_path / "ranker.json"
    f.write_text(json.dumps(raw), encoding="utf-8")
    assert load_ranker(f) is None
    assert load_ranker(tmp_path / "absent.json") is None


def _question(rng, gold_at: int, n: int = 12) -> tuple[np.ndarray, np.ndarray]:
    """Candidates in fused order whose right clause sits at `gold_at` and alone is of the asked type."""
    from bot.ranker import Signals

    cands = [Signals(score=2.0 - 0.1 * i, rank=i + 1, dense_rank=i + 1, lexical_rank=i + 1, cosine=0.6 - 0.01 * i,
                       lexical_score=10.0 - i, coverage=float(rng.uniform(0.2, 0.6)), literal=0.3, control=False, concepts=0,
                       clause_type="exclusion" if i == gold_at else "coverage", length=400, section_overlap=0,
                       defines_asked_term=False, expansion_words=1, states_figure=False, names_subject=False) for i in range(n)]
    y = np.zeros(n, dtype=bool)
    y[gold_at] = True
    return features(cands, ("exclusion",), 8, "coverage"), y


def test_fitted_trees_learn_what_the_fused_order_missed_and_cross_validation_says_so():
    rng = np.random.default_rng(0)
    table = [(f"set{i % 4}", *_question(rng, gold_at=int(rng.integers(1, 6)))) for i in range(200)]
    fit = fit_ranker([(x, y) for _, x, y in table], 12, "synthetic")  # raises if the exported trees score unlike sklearn
    r = ranker_from(fit)
    x, y = _question(rng, gold_at=4)
    assert int(np.argmax(r.scores(x))) == 4
    cv = ranker_cv(table, 12, 0.5)
    assert cv["fused"]["hit@1"] == 0.0 and cv["trees"]["hit@1"] == 1.0 and cv["blended"]["hit@1"] > 0.5


@pytest.mark.parametrize("question", ["do they pay if we didn't turn on 2fa for email?", "how long do we have to report a breach?"])
def test_retrieval_ranks_by_the_trees_and_scores_with_them(sample_index, question):
    tuning = DEFAULT_TUNING
    assert tuning.ranker is not None
    hits = retrieve(question, index=sample_index, policy="northwind", tuning=tuning, k=8)
    fused = retrieve(question, index=sample_index, policy="northwind", tuning=replace(tuning, ranker=None), k=tuning.ranker.depth)
    qt = question_terms(question, sample_index, "northwind", sample_index.term_stats(policy="northwind", kind="policy")[0])
    qv = sample_index.embed_query(question)
    x = ranker_features(question, fused, _cosines(sample_index, qv, fused), qt, sample_index, "northwind", tuning.reading)
    want = np.array([h.score for h in fused]) + tuning.ranker_weight * tuning.ranker.scores(x)
    order = sorted(range(len(fused)), key=lambda i: (-want[i], i))[:8]
    assert [h.chunk.id for h in hits] == [fused[i].chunk.id for i in order]
    assert [h.score for h in hits] == pytest.approx([want[i] for i in order])
    # dense-only and lexical-only searches (the eval's single-retriever figures) keep their own order
    dense = retrieve(question, index=sample_index, policy="northwind", tuning=tuning, k=8, dense_weight=1.0, lexical_weight=0.0)
    assert [h.dense_rank for h in dense] == sorted(h.dense_rank for h in dense)


@pytest.mark.slow
def test_the_fit_table_holds_each_answerable_question_with_its_right_clause(tmp_path, minilm):
    # what `policybot eval --fit-ranker` fits on: the golden questions about the sample policy, as a one-file dev split
    import yaml

    from bot.evaluation import index_documents, load_eval, ranker_table
    from vectorstore.index import PolicyIndex

    raw = yaml.safe_load((RANKER_PATH.parents[2] / "examples" / "golden.yaml").read_text(encoding="utf-8"))
    raw["documents"] = [d for d in raw["documents"] if d["policy"] == "northwind"]
    raw["questions"] = [q for q in raw["questions"] if q["policy"] == "northwind"]
    small = tmp_path / "golden.yaml"
    small.write_text(yaml.safe_dump(raw), encoding="utf-8")
    ix = PolicyIndex(tmp_path / "d", minilm)
    index_documents(load_eval([small]).documents, tmp_path / "no-corpus", ix)
    table = ranker_table({"dev": [small]}, ix, DEFAULT_TUNING, 30)
    answerable = [q for q in raw["questions"] if q.get("answerable", True)]
    assert len(table) == len(answerable) and {f for f, _, _ in table} == {"golden"}
    assert all(x.shape == (len(y), len(feature_names())) and len(y) <= 30 for _, x, y in table)
    # the fused top 30 holds a right clause for nearly every golden question: there is something to learn to lift
    assert sum(bool(y.any()) for _, _, y in table) >= 0.9 * len(table)
    fit = fit_ranker([(x, y) for _, x, y in table], 30, "golden subset")
    f = tmp_path / "ranker.json"
    f.write_text(json.dumps(fit), encoding="utf-8")
    back = load_ranker(f)
    assert back is not None and back.depth == 30 and back.fitted == "golden subset" and len(back.trees) >= 1
