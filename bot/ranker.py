"""A second opinion on the fused candidates: gradient-boosted trees over what the pipeline already knows of each.

Fused retrieval ranks by two similarities alone. The pipeline knows more of each candidate: how much of the question
and of its vocabulary expansion the clause holds, whether its type is the one asked about, whether it defines a term
the question uses, how far behind the leader it is in each list. `policybot eval --fit-ranker` fits small trees on
those features over the dev split (sklearn, at fit time only) and writes them to `bot/data/ranker.json`; answering
reads the trees with numpy.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

RANKER_PATH = Path(__file__).parent / "data" / "ranker.json"
CLAUSE_TYPES = ("definition", "exclusion", "coverage", "condition", "limit", "notice", "other")
QUESTION_KINDS = ("form", "figure", "exclusion", "insurer_right", "coverage", "permission", "obligation", "info")  # verdict.question_asks
NOT_IN_LIST = 150  # the rank given to a clause one retriever did not return (its list goes 100 deep)


@dataclass(frozen=True)
class Signals:
    """What the ranker reads of one fused candidate."""

    score: float  # fused score
    rank: int  # 1-based fused rank
    dense_rank: int  # 0 = not in the dense list
    lexical_rank: int
    cosine: float
    lexical_score: float
    coverage: float
    literal: float
    control: bool
    concepts: int
    clause_type: str
    length: int  # characters
    section_overlap: int  # question words in the clause's section path
    defines_asked_term: bool  # a definition of a term the question uses
    expansion_words: int  # words of the vocabulary expansion (not the question's own) the clause holds
    states_figure: bool  # states the figure the question asks for next to its role's words ("Waiting Period: 12 hours")
    names_subject: bool  # not a definition, and names a subject the question asks about that wordings deal with by name


def feature_names() -> list[str]:
    return (["score", "score_gap", "cosine", "cosine_gap", "lexical_share", "log_rank", "log_dense_rank", "log_lexical_rank",
             "coverage", "literal", "control", "concepts", "wanted_first", "wanted", "log_length", "section_overlap"]
            + [f"type_{t}" for t in CLAUSE_TYPES] + ["question_words", "defines_asked_term", "expansion_words"]
            + [f"asks_{t}" for t in CLAUSE_TYPES] + ["states_figure", "names_subject"] + [f"question_{k}" for k in QUESTION_KINDS])


def features(cands: Sequence[Signals], wants: Sequence[str], question_words: int, asks: str) -> np.ndarray:
    """One row per candidate, columns as `feature_names()`; gaps are measured from the list's best."""
    top = max(c.score for c in cands)
    best_cos = max(c.cosine for c in cands)
    best_lex = max(c.lexical_score for c in cands) or 1.0
    first = wants[0] if wants else ""
    rows = []
    for c in cands:
        rows.append([
            c.score, c.score - top, c.cosine, c.cosine - best_cos, c.lexical_score / best_lex, math.log(c.rank),
            math.log(c.dense_rank or NOT_IN_LIST), math.log(c.lexical_rank or NOT_IN_LIST), c.coverage, c.literal,
            float(c.control), float(min(c.concepts, 3)), float(c.clause_type == first), float(c.clause_type in wants[:2]),
            math.log(max(c.length, 1)), float(min(c.section_overlap, 3)),
            *(float(c.clause_type == t) for t in CLAUSE_TYPES),
            float(question_words), float(c.defines_asked_term), float(min(c.expansion_words, 10)),
            *(float(first == t) for t in CLAUSE_TYPES),
            float(c.states_figure), float(c.names_subject), *(float(asks == k) for k in QUESTION_KINDS),
        ])
    return np.asarray(rows, dtype=np.float64)


@dataclass(frozen=True)
class Ranker:
    """Boosted regression trees: score = baseline + the leaf each tree sends the row to (a log-odds of 'right clause')."""

    names: tuple[str, ...]
    baseline: float
    trees: tuple[dict, ...]  # each: feature, threshold, left, right, leaf (bool), value, as parallel lists
    depth: int  # how many fused candidates it reorders
    fitted: str  # what it was fitted on, for the file's reader

    def scores(self, x: np.ndarray) -> np.ndarray:
        out = np.full(len(x), self.baseline)
        rows = np.arange(len(x))
        for t in self.trees:
            node = np.zeros(len(x), dtype=np.int64)
            while True:
                leaf = t["leaf"][node]
                if leaf.all():
                    break
                f = t["feature"][node]
                go_left = x[rows, f] <= t["threshold"][node]
                nxt = np.where(go_left, t["left"][node], t["right"][node])
                node = np.where(leaf, node, nxt)
            out += t["value"][node]
        return out


def load_ranker(path: str | Path = RANKER_PATH) -> Ranker | None:
    """The fitted trees, or None when the file is absent (fused order is kept) or was fitted on other features."""
    p = Path(path)
    if not p.exists():
        return None
    raw = json.loads(p.read_text(encoding="utf-8"))
    return ranker_from(raw) if raw["names"] == feature_names() else None


def ranker_from(raw: dict) -> Ranker:
    """The trees of a fit (`fit_ranker`'s dict, as the ranker file holds it), ready to score."""
    trees = tuple({
        "feature": np.asarray(t["feature"], dtype=np.int64), "threshold": np.asarray(t["threshold"], dtype=np.float64),
        "left": np.asarray(t["left"], dtype=np.int64), "right": np.asarray(t["right"], dtype=np.int64),
        "leaf": np.asarray(t["leaf"], dtype=bool), "value": np.asarray(t["value"], dtype=np.float64),
    } for t in raw["trees"])
    return Ranker(tuple(raw["names"]), float(raw["baseline"]), trees, int(raw["depth"]), str(raw.get("fitted", "")))


# Chosen by leave-one-question-file-out cross-validation on dev (each file is a set written blind by another author,
# as unseen questions are): deeper or more trees memorised, fewer lost hit@1.
FIT_PARAMS = {"learning_rate": 0.1, "max_iter": 100, "max_leaf_nodes": 15, "min_samples_leaf": 40, "l2_regularization": 1.0}


def fit_ranker(groups: Sequence[tuple[np.ndarray, np.ndarray]], depth: int, fitted: str) -> dict:
    """Fit the trees on (features, is-right-clause) per question; returns the JSON the ranker file holds."""
    from sklearn.ensemble import HistGradientBoostingClassifier  # fit time only: answering needs numpy alone

    x = np.vstack([g[0] for g in groups])
    y = np.concatenate([g[1] for g in groups]).astype(int)
    m = HistGradientBoostingClassifier(random_state=0, **FIT_PARAMS).fit(x, y)
    trees = []
    for (pred,) in m._predictors:
        n = pred.nodes
        trees.append({"feature": n["feature_idx"].tolist(), "threshold": n["num_threshold"].tolist(),
                      "left": n["left"].tolist(), "right": n["right"].tolist(), "leaf": n["is_leaf"].astype(bool).tolist(),
                      "value": n["value"].tolist()})
    baseline = float(np.ravel(m._baseline_prediction)[0])
    out = {"names": feature_names(), "baseline": baseline, "depth": depth, "fitted": fitted, "params": FIT_PARAMS, "trees": trees}
    # the file must score as sklearn does, or the trees were read wrong
    if not np.allclose(ranker_from(out).scores(x[:500]), m.decision_function(x[:500]), atol=1e-6):
        raise RuntimeError("the exported trees do not reproduce sklearn's scores")
    return out
