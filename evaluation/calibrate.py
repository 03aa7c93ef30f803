"""Fit the answer-or-refuse model: `python -m evaluation.calibrate [--data DIR]`.

Evidence features are collected for every `dev` question of the development sets
(`shared/data/newsqa-dev`, `shared/data/squad2-dev`; never their `check` splits) and every
question of the shipped golden set, each set weighted equally. A logistic regression
(scikit-learn) is fitted on "answerable or not"; the threshold is then chosen to maximise
the mean, over the sets, of the accuracy the product would get: an answerable question
counts when the top quote holds a gold answer from the gold story, an unanswerable one when
it is refused. With `--select-features`, the features are selected first: backward elimination
on held-out accuracy (each set scored under a fit on the others), so a feature the sets disagree
on is left out. Writes qa/answerability.json (kept in the repo).

Between the ranker and answer-or-refuse, the ranker's typed margin is fitted: how far below the
best passage a passage holding a value of the asked-for type may score and still go first
(`--margin-only` fits it alone, onto the weights as they are; `--evidence-only` fits answer-or-refuse
alone, under the ranker and margin as they are).

With `--judge-only`, a second combination is fitted for generative answers, onto the ranker and
evidence model as they are: the evidence model's probability and the LLM's own probability of
replying "not in the articles" to the answer prompt (one prompt evaluation per question with the
installed model: ~15 min on 2 cores). A refit keeps it.
"""
from __future__ import annotations

import argparse
import json
import logging
from dataclasses import replace
from pathlib import Path

import numpy as np

from qa import answerability
from qa.condense import condense
from qa.evidence import TYPED_TOP, typed_first
from .golden import default_golden, load_golden
from .corpus import answer_matches, corpus_pipeline, load_questions, locate
from qa.pipeline import Pipeline
from qa.settings import QASettings

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data"
SETS = ("newsqa-dev", "squad2-dev")
SMOOTH = 5     # grid steps (of 0.01) the threshold's accuracy curve is averaged over, each side
MAX_MARGIN = 5.0     # the typed margin's grid: 0 to 5 in steps of 0.25, then any margin
SMOOTH_MARGIN = 2    # grid steps the typed margin's curve is averaged over, each side


def _row(name: str, ev, answerable: bool, answers: list[str], story: str | None) -> dict:
    top = ev.best[0] if ev.best else None
    hit = bool(top and answerable and answer_matches(" ".join(q.text for q in ev.best), answers)
               and (story is None or any(q.source == story for q in ev.best)))
    return {"set": name, "question": ev.question.text, "answerable": answerable, "hit": hit,
            "features": ev.features}


def _items(data: Path, settings: QASettings):
    """(set name, pipeline, question, answerable, answers, gold sources) for every dev question."""
    from tqdm import tqdm

    for name in SETS:
        folder = data / name
        if not folder.is_dir():
            raise SystemExit(f"{folder} not found: pass --data with the folder holding {', '.join(SETS)}")
        corpus, qfile = locate(folder, None)
        pipe = corpus_pipeline(corpus, settings)
        for item in tqdm(load_questions(qfile, "dev"), desc=name, unit="q"):
            story = item.get("story")
            yield name, pipe, item["question"], item["answerable"], item["answers"], {story} if story else set()
    golden = default_golden()
    pipe = corpus_pipeline(golden.parent, settings)
    for item in tqdm(load_golden(golden), desc="golden", unit="q"):
        history = [tuple(h) for h in item.get("history") or []]
        answers = list(item["facts"][0]) if item["facts"] else []
        yield ("golden", pipe, condense(item["question"], history, None, pipe.nlp), item["kind"] != "unanswerable", answers,
               {e["source"] for e in item["evidence"]})


def collect(data: Path, settings: QASettings, ranker) -> tuple[list[dict], list[dict]]:
    """Question rows (answerability) and passage rows (ranking) with `ranker` scoring passages."""
    rows, passages = [], []
    pipes = {}
    for name, pipe, question, answerable, answers, sources in _items(data, settings):
        pipes[id(pipe)] = pipe
        pipe.ranker = ranker
        ev = pipe.evidence(question)
        row = _row(name, ev, answerable, answers, None)
        row["hit"] = row["hit"] and (not sources or any(q.source in sources for q in ev.best))
        if answerable and ev.question.typed:
            # The passages in the ranker's order, for the typed margin (fit_typed_margin).
            ranked = sorted(ev.considered, key=lambda q: q.score, reverse=True)[:TYPED_TOP]
            row["ranked"] = [(q.score, bool(q.typed), _holds(q, answers, sources)) for q in ranked]
        rows.append(row)
        if answerable:
            for q in ev.considered:
                if not q.align:
                    continue       # the ranker only re-ranks the aligned head (evidence.ALIGN_TOP)
                passages.append({"set": name, "label": _holds(q, answers, sources), "f": q.rank_features(ev.question)})
    return rows, passages


def _holds(q, answers: list[str], sources: set[str]) -> bool:
    return bool(answer_matches(q.text, answers) and (not sources or q.source in sources))


def _typed_first(ranked: list[tuple[float, bool, bool]], margin: float | None) -> bool:
    """Whether the passage evidence puts first under `margin` holds the answer."""
    return ranked[typed_first([(score, typed) for score, typed, _ in ranked], margin)][2]


def fit_typed_margin(rows: list[dict]) -> float | None:
    """The margin (Ranker.typed_margin) under which the first passage of typed answerable
    questions most often holds the answer, each set weighted equally; the curve is averaged
    over +-SMOOTH_MARGIN grid steps, as it is jagged. None (any margin) when that is best."""
    grid: list[float | None] = [round(m, 2) for m in np.arange(0.0, MAX_MARGIN + 1e-9, 0.25)] + [None]
    typed = [r for r in rows if r.get("ranked")]
    sets = list(dict.fromkeys(r["set"] for r in typed))
    means = np.array([np.mean([np.mean([_typed_first(r["ranked"], m) for r in typed if r["set"] == s]) for s in sets])
                      for m in grid])
    k = SMOOTH_MARGIN
    smooth = np.convolve(np.pad(means, k, mode="edge"), np.ones(2 * k + 1) / (2 * k + 1), "valid")
    return grid[int(np.argmax(smooth))]


def fit_ranker(passages: list[dict]) -> answerability.Ranker:
    from sklearn.linear_model import LogisticRegression

    X = np.array([[p["f"][k] for k in answerability.RANK_FEATURES] for p in passages])
    y = np.array([p["label"] for p in passages], dtype=int)
    sets = [p["set"] for p in passages]
    weight = np.array([1.0 / sets.count(s) for s in sets])
    clf = LogisticRegression(C=1.0, max_iter=2000).fit(X, y, sample_weight=weight * len(sets) / len(set(sets)))
    return answerability.Ranker(tuple(float(c) for c in clf.coef_[0]))


def _correct(rows: list[dict], answered: np.ndarray) -> np.ndarray:
    """Whether each outcome is right, for `answered` of shape (..., questions): an answerable
    question answered from a quote holding its answer, an unanswerable one refused."""
    answerable = np.array([r["answerable"] for r in rows], dtype=bool)
    hit = np.array([r["hit"] for r in rows], dtype=bool)
    answered = np.asarray(answered, dtype=bool)
    return np.where(answerable, answered & hit, ~answered)


def _per_set(rows: list[dict], ok: np.ndarray) -> dict[str, np.ndarray]:
    """Each set's mean of `ok` over its questions (the last axis)."""
    sets = np.array([r["set"] for r in rows])
    return {name: ok[..., sets == name].mean(-1) for name in dict.fromkeys(sets.tolist())}


def accuracy(rows: list[dict], answered: np.ndarray) -> dict[str, float]:
    return {name: float(v) for name, v in _per_set(rows, _correct(rows, answered)).items()}


def _logistic(rows: list[dict], X: np.ndarray):
    """A logistic regression on "answerable", each set weighted equally."""
    from sklearn.linear_model import LogisticRegression

    y = np.array([r["answerable"] for r in rows], dtype=int)
    sets = [r["set"] for r in rows]
    weight = np.array([1.0 / sets.count(s) for s in sets])
    return LogisticRegression(C=1.0, max_iter=2000).fit(X, y, sample_weight=weight * len(rows) / len(set(sets)))


def _threshold(rows: list[dict], probs: np.ndarray) -> float:
    grid = np.arange(0.05, 0.96, 0.01)
    answered = probs[None, :] >= grid[:, None]                      # thresholds x questions
    means = np.mean(list(_per_set(rows, _correct(rows, answered)).values()), axis=0)
    # The accuracy curve of a few hundred questions is jagged: a threshold a single question
    # moves is chance. Take the best of the curve averaged over +-SMOOTH around each point.
    smooth = np.convolve(np.pad(means, SMOOTH, mode="edge"), np.ones(2 * SMOOTH + 1) / (2 * SMOOTH + 1), "valid")
    return round(float(grid[int(np.argmax(smooth))]), 2)


def fit(rows: list[dict], features: tuple[str, ...] = answerability.FEATURES) -> answerability.AnswerabilityModel:
    X = np.array([answerability.expand(r["features"], features) for r in rows], dtype=float)
    mean, scale = X.mean(0), X.std(0)
    scale[scale == 0] = 1.0
    clf = _logistic(rows, (X - mean) / scale)
    probs = clf.predict_proba((X - mean) / scale)[:, 1]
    return answerability.AnswerabilityModel(tuple(features), tuple(mean.tolist()), tuple(scale.tolist()),
                                            tuple(clf.coef_[0].tolist()), float(clf.intercept_[0]),
                                            _threshold(rows, probs))


def select_features(rows: list[dict], features: tuple[str, ...] = answerability.FEATURES,
                    report=print) -> tuple[str, ...]:
    """Backward elimination on held-out accuracy: while leaving one feature out raises the mean,
    over the sets, of each set's accuracy under a fit on the others (`held_out`), leave out the
    one that raises it most. A feature whose weight the sets disagree on (it helps the fit on two
    sets and misleads on the third) goes; what an unseen corpus would gain from is kept."""
    def score(fs: tuple[str, ...]) -> float:
        return float(np.mean(list(held_out(rows, features=fs).values())))

    kept, best = tuple(features), score(tuple(features))
    report(f"feature selection: all {len(kept)} features, held-out mean {100 * best:.1f}%")
    while len(kept) > 1:
        trials = {f: score(tuple(k for k in kept if k != f)) for f in kept}
        drop = max(trials, key=trials.get)
        if trials[drop] <= best:
            break
        kept, best = tuple(k for k in kept if k != drop), trials[drop]
        report(f"  without {drop}: held-out mean {100 * best:.1f}%")
    return kept


def _judge_inputs(rows: list[dict], model: answerability.AnswerabilityModel) -> np.ndarray:
    logit = answerability.logit
    return np.array([[logit(model.probability(r["features"])), logit(r["refusal"])] for r in rows])


def judge_answers(rows: list[dict], model: answerability.AnswerabilityModel) -> np.ndarray:
    """Which questions the evidence model and its fitted judge answer, as Pipeline.judge decides:
    no evidence, refused; a name no retrieved article mentions, or no reading from the model
    (a prompt too long), the evidence model decides."""
    def answered(r: dict) -> bool:
        if not r.get("has_evidence", r["refusal"] is not None):
            return False
        p = model.probability(r["features"])
        if r["refusal"] is None or r["features"].get("entity_absent"):
            return p >= model.threshold
        return model.judge.decide(p, r["refusal"])[0]
    return np.array([answered(r) for r in rows])


def fit_judge(rows: list[dict], model: answerability.AnswerabilityModel) -> answerability.Judge:
    """The combination of the evidence model's probability and the LLM's refusal probability;
    rows without evidence (refusal None) are refused whatever the fit, and count so."""
    judged = [r for r in rows if r["refusal"] is not None]
    clf = _logistic(judged, _judge_inputs(judged, model))
    judge = answerability.Judge((float(clf.coef_[0][0]), float(clf.coef_[0][1])), float(clf.intercept_[0]), 0.5)
    probs = np.array([judge.probability(model.probability(r["features"]), r["refusal"]) if r["refusal"] is not None
                      else 0.0 for r in rows])
    return answerability.Judge(judge.coef, judge.intercept, _threshold(rows, probs))


def held_out(rows: list[dict], judge: bool = False,
             features: tuple[str, ...] = answerability.FEATURES) -> dict[str, float]:
    """Each set's accuracy under a model fitted on the other sets alone, threshold included
    (with `judge`, the evidence model and the judge both): what to expect on a corpus the fit
    never saw (the in-sample figures overstate it)."""
    out = {}
    for name in dict.fromkeys(r["set"] for r in rows):
        train = [r for r in rows if r["set"] != name]
        if len({r["answerable"] for r in train}) < 2:
            continue
        model = fit(train, features)
        test = [r for r in rows if r["set"] == name]
        if judge:
            model = replace(model, judge=fit_judge(train, model))
            answered = judge_answers(test, model)
        else:
            answered = np.array([model.probability(r["features"]) >= model.threshold for r in test])
        out[name] = accuracy(test, answered)[name]
    return out


def collect_judge(data: Path, settings: QASettings, ranker) -> list[dict]:
    """Question rows with the LLM's probability of refusing the answer prompt (None: no evidence)."""
    from qa.compose import answer_messages
    from qa.llm import opening_probability
    from qa.prompts import NOT_FOUND

    rows = []
    for name, pipe, question, answerable, answers, sources in _items(data, settings):
        pipe.ranker = ranker
        ev = pipe.evidence(question)
        row = _row(name, ev, answerable, answers, None)
        row["hit"] = row["hit"] and (not sources or any(q.source in sources for q in ev.best))
        row["has_evidence"] = bool(ev.best)
        row["refusal"] = (opening_probability(pipe.llm(required=True), answer_messages(ev, question),
                                              NOT_FOUND) if ev.best else None)
        rows.append(row)
    return rows


def _report_judge(rows: list[dict], model: answerability.AnswerabilityModel) -> None:
    j = model.judge
    print(f"judge (generative): {j.coef[0]:+.3f} x logit(evidence) {j.coef[1]:+.3f} x logit(LLM refuses) "
          f"{j.intercept:+.3f}, threshold {j.threshold:.2f}; dev accuracy " + ", ".join(
              f"{k} {100 * v:.1f}%" for k, v in accuracy(rows, judge_answers(rows, model)).items()))
    plain = np.array([model.probability(r["features"]) >= model.threshold for r in rows])
    print("the evidence model alone on the same rows: " + ", ".join(
        f"{k} {100 * v:.1f}%" for k, v in accuracy(rows, plain).items()))
    print("judge held out (expect this on an unseen corpus): " + ", ".join(
        f"{k} {100 * v:.1f}%" for k, v in held_out(rows, judge=True, features=model.features).items()))
    print("the evidence model alone, held out: " + ", ".join(
        f"{k} {100 * v:.1f}%" for k, v in held_out(rows, features=model.features).items()))


def _read_rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _write_rows(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


def _judge_only(args) -> int:
    """Fit the judge onto the weights file's ranker and evidence model, leaving them as they are."""
    model = answerability.load(args.out)
    if args.refit:
        if not args.judge_rows.is_file():
            raise SystemExit(f"no kept judge rows at {args.judge_rows}: run --judge-only without --refit first")
        rows = _read_rows(args.judge_rows)
    else:
        rows = collect_judge(args.data, QASettings.from_env(mode="generative"), model.ranker)
        _write_rows(args.judge_rows, rows)
        _write_rows(args.features, [{k: v for k, v in r.items() if k != "refusal"} for r in rows])
    model = replace(model, judge=fit_judge(rows, model))
    args.out.write_text(json.dumps(model.to_json(), indent=1) + "\n")
    _report_judge(rows, model)
    print(f"wrote {args.out} (the judge; ranker and evidence model unchanged; {len(rows)} questions)")
    return 0


def _with_typed_margin(args, ranker: answerability.Ranker) -> answerability.Ranker:
    """The ranker with its typed margin fitted on the order it gives the passages of the dev questions."""
    rows, _ = collect(args.data, QASettings.from_env(mode="extractive"), replace(ranker, typed_margin=None))
    fitted = replace(ranker, typed_margin=fit_typed_margin(rows))
    typed = [r for r in rows if r.get("ranked")]
    print(f"typed margin {fitted.typed_margin}: typed answerable questions whose first passage holds the answer, "
          "under it / under any margin: " + ", ".join(
              f"{s} {100 * np.mean([_typed_first(r['ranked'], fitted.typed_margin) for r in typed if r['set'] == s]):.1f}"
              f" / {100 * np.mean([_typed_first(r['ranked'], None) for r in typed if r['set'] == s]):.1f}%"
              for s in dict.fromkeys(r["set"] for r in typed)))
    return fitted


def _margin_only(args) -> int:
    """Fit the typed margin onto the weights file's ranker, leaving everything else as it is."""
    model = answerability.load(args.out)
    if model.ranker is None:
        raise SystemExit(f"{args.out} has no passage ranker: run `python -m evaluation.calibrate` first")
    model = replace(model, ranker=_with_typed_margin(args, model.ranker))
    args.out.write_text(json.dumps(model.to_json(), indent=1) + "\n")
    print(f"wrote {args.out} (the typed margin; ranker coefficients, evidence model and judge unchanged)")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m evaluation.calibrate", description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder holding newsqa-dev/ and squad2-dev/")
    p.add_argument("--out", type=Path, default=answerability.WEIGHTS_FILE)
    p.add_argument("--features", type=Path, default=Path("eval-out/calibration.jsonl"),
                   help="where to keep the collected features (for inspection)")
    p.add_argument("--refit", action="store_true",
                   help="refit answer-or-refuse on the kept features (--features) and the current ranker, "
                        "without collecting them again")
    p.add_argument("--evidence-only", action="store_true",
                   help="fit only answer-or-refuse, on features collected under the ranker and typed margin of "
                        "--out as they are")
    p.add_argument("--margin-only", action="store_true",
                   help="fit only the ranker's typed margin, onto the ranker, evidence model and judge of --out "
                        "as they are")
    p.add_argument("--select-features", action="store_true",
                   help="fit answer-or-refuse on the features backward elimination on held-out accuracy keeps, "
                        "not on all of them")
    p.add_argument("--judge-rows", type=Path, default=Path("eval-out/judge.jsonl"),
                   help="where to keep the rows with the LLM's refusal probabilities")
    p.add_argument("--judge-only", action="store_true",
                   help="fit only the judge, onto the ranker and evidence model of --out as they are "
                        "(collects the LLM's refusal probabilities; also rewrites --features); with --refit, "
                        "refits it on the kept rows (--judge-rows)")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    if args.judge_only:
        return _judge_only(args)
    if args.margin_only:
        return _margin_only(args)
    if args.refit:
        rows = _read_rows(args.features)
        ranker = answerability.load(args.out).ranker
    else:
        settings = QASettings.from_env(mode="extractive")
        if args.evidence_only:
            ranker = answerability.load(args.out).ranker
            if ranker is None:
                raise SystemExit(f"{args.out} has no passage ranker: run `python -m evaluation.calibrate` first")
        else:
            # Pass 1: passages scored by similarity and overlap; fit the passage ranker on them.
            _, passages = collect(args.data, settings, None)
            ranker = fit_ranker(passages)
            # Pass 2: passages ranked by the fitted ranker; fit the typed margin on their order.
            ranker = _with_typed_margin(args, ranker)
        # Pass 3: evidence chosen by ranker and margin; fit answer-or-refuse on its features.
        rows, _ = collect(args.data, settings, ranker)
        _write_rows(args.features, rows)
    features = select_features(rows) if args.select_features else answerability.FEATURES
    model = replace(fit(rows, features), ranker=ranker)
    try:
        previous = answerability.load(args.out).judge
    except (RuntimeError, KeyError, ValueError):
        previous = None
    judge_rows = None
    if previous is not None and args.refit and args.judge_rows.is_file():
        # A refit keeps the judge: refitted on its kept rows (their passages chosen by the same
        # ranker), under the refitted evidence model.
        judge_rows = _read_rows(args.judge_rows)
    elif previous is not None:
        # No kept rows to refit it on, or a new ranker chose other passages than they hold.
        model = replace(model, judge=previous)
        print("kept the previous judge as it was (fitted under the previous ranker and evidence model): "
              "run `--judge-only` to refit it under these")
    if judge_rows is not None:
        model = replace(model, judge=fit_judge(judge_rows, model))
    args.out.write_text(json.dumps(model.to_json(), indent=1) + "\n")
    answered = np.array([model.probability(r["features"]) >= model.threshold for r in rows])
    print(f"threshold {model.threshold:.2f}; dev accuracy (answer when answerable and the top quote holds it, "
          f"refuse otherwise): " + ", ".join(f"{k} {100 * v:.1f}%" for k, v in accuracy(rows, answered).items()))
    print("held out, each set under a fit on the others (expect this on an unseen corpus): " + ", ".join(
        f"{k} {100 * v:.1f}%" for k, v in held_out(rows, features=model.features).items()))
    print("hit rate of the top quote on answerable questions: " + ", ".join(
        f"{s} {100 * np.mean([r['hit'] for r in rows if r['set'] == s and r['answerable']]):.1f}%"
        for s in dict.fromkeys(r["set"] for r in rows)))
    for name, c in zip(model.features, model.coef):
        print(f"  {name:22s} {c:+.3f}")
    if judge_rows is not None:
        _report_judge(judge_rows, model)
    print("passage ranker: " + ", ".join(f"{n} {c:+.2f}" for n, c in zip(answerability.RANK_FEATURES, ranker.coef))
          + f"; typed margin {ranker.typed_margin}")
    left_out = [f for f in answerability.FEATURES if f not in model.features]
    print(f"wrote {args.out} ({len(rows)} questions, {len(model.features)} features"
          + (f"; left out: {', '.join(left_out)})" if left_out else ")"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
