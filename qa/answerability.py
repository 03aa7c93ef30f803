"""Answer or refuse: a logistic regression over evidence features, fitted on real news Q&A
(`python -m evaluation.calibrate`, which writes `answerability.json` beside this file).

Similarity alone cannot make the call (a near-miss scores as high as a true answer), so the
model also reads whether a value of the asked-for type was found, whether the question's
names occur in the answering article and quote, and how much of the question the
collection knows at all. The weights and the decision threshold come from the fit.

When the LLM writes the answer, a second fitted combination (`Judge`) also reads the LLM's
own probability of replying "not in the articles" to the prompt it answers from: a reader
of the quotes that the evidence features are not (`--judge-only` in evaluation/calibrate.py).
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from .align import FEATURES as ALIGN_FEATURES

WEIGHTS_FILE = Path(__file__).with_name("answerability.json")
FEATURES = ("sim", "fit", "article_fit", "typed_question", "typed_found", "typed_missing", "open_question",
            "entity_cover_article", "entity_cover_quote", "has_entities", "unknown_terms", "sim_margin", "missing_rare", "typed_near",
            "entity_absent", *ALIGN_FEATURES)


def expand(feats: dict[str, float], names: tuple[str, ...] = FEATURES) -> list[float]:
    """Feature vector in `names` order (with the derived interaction terms)."""
    f = dict(feats)
    f["typed_missing"] = f.get("typed_question", 0.0) * (1.0 - f.get("typed_found", 0.0))
    return [float(f.get(name, 0.0)) for name in names]


RANK_FEATURES = ("sim", "fit", "typed", "typed_in_typed_question", "lead", "log_words", "joined", "sim_open",
                 "fit_open", *ALIGN_FEATURES)


@dataclass(frozen=True)
class Ranker:
    """Linear passage score, fitted on which passages hold the gold answer (evaluation/calibrate.py).

    `typed_margin`: for a question expecting a type of value, the best passage holding a value
    of that type goes first when it scores within this margin of the best passage (None: however
    far below). spaCy's entities miss values ("the Pliocene period", "two thirds"), so a passage
    the ranker puts far ahead wins without one; the margin is fitted on the same data."""
    coef: tuple[float, ...]
    typed_margin: float | None = None

    def score(self, feats: dict[str, float]) -> float:
        return sum(c * feats.get(name, 0.0) for c, name in zip(self.coef, RANK_FEATURES))


def logit(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


@dataclass(frozen=True)
class Judge:
    """Answer or refuse when the LLM writes the answer: the evidence model's probability and the
    LLM's own probability of replying "not in the articles" to the answer prompt, combined by a
    logistic regression fitted on the same data (`python -m evaluation.calibrate --judge-only`)."""
    coef: tuple[float, float]       # on logit(evidence probability), logit(P(model refuses))
    intercept: float
    threshold: float

    def probability(self, evidence_p: float, refusal_p: float) -> float:
        z = self.intercept + self.coef[0] * logit(evidence_p) + self.coef[1] * logit(refusal_p)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def decide(self, evidence_p: float, refusal_p: float) -> tuple[bool, float]:
        p = self.probability(evidence_p, refusal_p)
        return p >= self.threshold, p

    def could_answer(self, evidence_p: float) -> bool:
        """Whether some reading of the LLM's would answer at this evidence probability: when
        none would (the evidence is that weak), the reading need not be asked for."""
        return any(self.decide(evidence_p, r)[0] for r in (0.0, 1.0))


@dataclass(frozen=True)
class AnswerabilityModel:
    features: tuple[str, ...]       # the FEATURES the fit kept (evaluation/calibrate.py selects them)
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float
    ranker: Ranker | None = None
    judge: Judge | None = None

    def probability(self, feats: dict[str, float]) -> float:
        x = expand(feats, self.features)
        z = self.intercept + sum(c * (v - m) / s for c, v, m, s in zip(self.coef, x, self.mean, self.scale))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def decide(self, feats: dict[str, float]) -> tuple[bool, float]:
        p = self.probability(feats)
        return p >= self.threshold, p

    def to_json(self) -> dict:
        out = {"features": list(self.features), "mean": list(self.mean), "scale": list(self.scale),
               "coef": list(self.coef), "intercept": self.intercept, "threshold": self.threshold}
        if self.ranker is not None:
            out["ranker"] = {"features": list(RANK_FEATURES), "coef": list(self.ranker.coef),
                             "typed_margin": self.ranker.typed_margin}
        if self.judge is not None:
            out["judge"] = {"coef": list(self.judge.coef), "intercept": self.judge.intercept,
                            "threshold": self.judge.threshold}
        return out


def load(path: Path = WEIGHTS_FILE) -> AnswerabilityModel:
    if not path.is_file():
        raise RuntimeError(f"answerability weights {path} are missing: run `python -m evaluation.calibrate`")
    data = json.loads(path.read_text())
    if not set(data["features"]) <= set(FEATURES) or len(data["features"]) != len(data["coef"]):
        raise RuntimeError(f"{path} was fitted on other features: re-run `python -m evaluation.calibrate`")
    ranker = None
    if "ranker" in data and tuple(data["ranker"]["features"]) == RANK_FEATURES:
        ranker = Ranker(tuple(data["ranker"]["coef"]), data["ranker"].get("typed_margin"))
    judge = None
    if "judge" in data:
        j = data["judge"]
        judge = Judge(tuple(float(c) for c in j["coef"]), float(j["intercept"]), float(j["threshold"]))
    return AnswerabilityModel(tuple(data["features"]), tuple(data["mean"]), tuple(data["scale"]),
                              tuple(data["coef"]), float(data["intercept"]), float(data["threshold"]), ranker, judge)
