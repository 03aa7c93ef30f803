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
        rows.append({"set": name, "answerable": answerable, "hit": answerable, "features": feats})
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


def _judge_rows(name: str, n: int = 60) -> list[dict]:
    """The evidence features say nothing; the LLM's refusal probability tells the answerable
    questions apart (low when answerable). One question has no evidence at all."""
    rows = []
    for v in np.linspace(0.02, 0.98, n):
        answerable = bool(v < 0.5)
        feats = {"sim": 0.5}
        rows.append({"set": name, "answerable": answerable, "hit": answerable, "features": feats, "refusal": float(v)})
    rows.append({"set": name, "answerable": True, "hit": False, "features": {"sim": 0.5}, "refusal": None})
    return rows


def test_the_judge_learns_what_the_llm_knows():
    from dataclasses import replace

    from evaluation.calibrate import accuracy, fit_judge, judge_answers

    rows = _judge_rows("a") + _judge_rows("b")
    model = fit(rows)
    plain = accuracy(rows, np.array([model.probability(r["features"]) >= model.threshold for r in rows]))
    assert all(v < 0.6 for v in plain.values()), plain      # the evidence alone is at chance
    model = replace(model, judge=fit_judge(rows, model))
    p = model.probability({"sim": 0.5})
    assert model.judge.decide(p, 0.1)[0] and not model.judge.decide(p, 0.9)[0]
    answered = judge_answers(rows, model)
    assert not answered[-1], "a question without evidence is refused"
    assert all(v > 0.95 for v in accuracy(rows, answered).values())
    assert all(v > 0.95 for v in held_out(rows, judge=True).values())


def test_the_judge_round_trips_through_the_weights_file(tmp_path):
    import json
    from dataclasses import replace

    from evaluation.calibrate import fit_judge

    rows = _judge_rows("a") + _judge_rows("b")
    model = fit(rows)
    model = replace(model, judge=fit_judge(rows, model))
    path = tmp_path / "answerability.json"
    path.write_text(json.dumps(model.to_json()))
    assert answerability.load(path).judge == model.judge


def test_the_llm_is_not_asked_when_no_reading_could_answer():
    """`could_answer` is False exactly where no LLM reading, however sure, turns a refusal
    into an answer: over a grid of evidence probabilities, checked against every reading."""
    judge = answerability.load(answerability.WEIGHTS_FILE).judge
    readings = np.linspace(0.0, 1.0, 201)
    verdicts = set()
    for p in np.geomspace(1e-5, 0.999, 80):
        some = any(judge.decide(float(p), float(r))[0] for r in readings)
        assert judge.could_answer(float(p)) == some, p
        verdicts.add(some)
    assert verdicts == {True, False}, "the grid holds both hopeless and open cases"


def _ranked_rows(name: str, gap: float, n: int = 20) -> list[dict]:
    """Typed questions whose best-scored passage holds no value of the asked-for type: in half
    of them it holds the answer all the same (spaCy missed its value) and a typed passage scores
    `gap` below it; in the other half the typed passage, just below the first, holds it."""
    rows = []
    for k in range(n):
        if k % 2:
            ranked = [(5.0, False, True), (5.0 - gap, True, False), (1.0, False, False)]
        else:
            ranked = [(5.0, False, False), (4.8, True, True), (1.0, False, False)]
        rows.append({"set": name, "ranked": ranked})
    return rows


def test_the_typed_margin_separates_near_typed_passages_from_far_ones():
    from evaluation.calibrate import _typed_first, fit_typed_margin

    rows = _ranked_rows("a", gap=3.0) + _ranked_rows("b", gap=3.0)
    margin = fit_typed_margin(rows)
    assert margin is not None and 0.2 <= margin < 3.0, margin
    assert all(_typed_first(r["ranked"], margin) for r in rows)
    assert not all(_typed_first(r["ranked"], None) for r in rows)   # any margin loses the far half


def test_any_margin_is_kept_when_typed_passages_always_hold_the_answer():
    from evaluation.calibrate import fit_typed_margin

    rows = [{"set": s, "ranked": [(9.0, False, False), (1.0, True, True)]} for s in "ab" for _ in range(10)]
    assert fit_typed_margin(rows) is None


def test_the_typed_margin_round_trips_through_the_weights_file(tmp_path):
    import json
    from dataclasses import replace

    model = answerability.load(answerability.WEIGHTS_FILE)
    path = tmp_path / "answerability.json"
    for margin in (None, 1.25):
        fitted = replace(model, ranker=replace(model.ranker, typed_margin=margin))
        path.write_text(json.dumps(fitted.to_json()))
        assert answerability.load(path).ranker == fitted.ranker


def test_fitting_the_evidence_model_alone_needs_a_ranker_to_collect_under(tmp_path):
    import json

    import pytest

    from evaluation.calibrate import main

    data = json.loads(answerability.WEIGHTS_FILE.read_text())
    data.pop("ranker")
    path = tmp_path / "answerability.json"
    path.write_text(json.dumps(data))
    with pytest.raises(SystemExit, match="has no passage ranker"):
        main(["--evidence-only", "--out", str(path), "--data", str(tmp_path)])
    assert json.loads(path.read_text()) == data      # the weights file is left as it was


def test_feature_selection_leaves_out_what_one_set_contradicts():
    """`sim` tells answerable questions apart in every set (noisily); `fit` does so exactly in
    two sets and backwards in the third: a fit that has seen the two answers the third
    backwards, so selection by held-out accuracy leaves `fit` out and keeps `sim`."""
    from evaluation.calibrate import held_out, select_features

    rng = np.random.default_rng(0)
    rows = []
    for name, sign in (("a", 1.0), ("b", 1.0), ("c", -1.0)):
        for v in np.linspace(-1.0, 1.0, 80):
            feats = {"sim": float(v + rng.normal(0, 0.4)), "fit": float(sign * v)}
            rows.append({"set": name, "answerable": bool(v > 0), "hit": bool(v > 0), "features": feats})
    both = held_out(rows, features=("sim", "fit"))
    assert both["c"] < 0.5, both          # the third set is misled by `fit`
    assert select_features(rows, ("sim", "fit"), report=lambda _: None) == ("sim",)
    assert held_out(rows, features=("sim",))["c"] > 0.7
