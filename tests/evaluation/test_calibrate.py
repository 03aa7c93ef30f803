"""The answer-or-refuse fit (evaluation/calibrate.py) on rows whose answer is known."""
import numpy as np

from evaluation.calibrate import fit, held_out
from qa import answerability


def _rows(name: str, sign: float, n: int = 60) -> list[dict]:
    """Answerable exactly when sign * sim > 0; an answerable question's top quote holds its answer."""
    rows = []
    for v in np.linspace(-1.0, 1.0, n):
        feats = {"sim": float(v)}
        answerable = bool(sign * v > 0)
        rows.append({"set": name, "answerable": answerable, "hit": answerable, "features": feats,
                     "x": answerability.expand(feats)})
    return rows


def test_the_fit_learns_what_every_set_agrees_on():
    rows = _rows("a", 1.0) + _rows("b", 1.0) + _rows("c", 1.0)
    model = fit(rows)
    assert model.probability({"sim": 0.9}) > model.threshold > model.probability({"sim": -0.9})
    assert all(v > 0.9 for v in held_out(rows).values())


def test_held_out_accuracy_never_sees_the_set_it_scores():
    """Two sets that say opposite things: each, scored under a fit on the other alone, is
    answered backwards (a fit that had seen both would be at chance on each)."""
    scores = held_out(_rows("a", 1.0) + _rows("c", -1.0))
    assert scores["a"] < 0.2 and scores["c"] < 0.2, scores
