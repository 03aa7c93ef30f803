"""`evaluate_corpus`: index a folder of articles into its own data folder and score
Sourcebook on its questions file (the NewsQA / SQuAD 2.0 development sets' format).

Scoring rule (the data sets' READMEs): normalise by lowercasing, dropping punctuation and
the articles a/an/the, collapsing whitespace. An answerable question is correct when the
system answers, the answer contains an acceptable answer or reaches token F1 >= 0.6 against
one, and a citation points at the gold story. An unanswerable question is correct when the
system abstains, with no citation offered as support.
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
import statistics
import string
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from index import IndexSettings, build_index

from qa.pipeline import Pipeline
from qa.settings import QASettings
from qa.verify import MARKER

log = logging.getLogger(__name__)
SPLITS = ("dev", "check", "all")


class CorpusEvalError(ValueError):
    pass


def normalise(s: str) -> str:
    s = s.lower().replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    s = "".join(ch for ch in s if ch not in string.punctuation)
    s = re.sub(r"\b(a|an|the)\b", " ", s)
    return " ".join(s.split())


def token_f1(pred: str, gold: str) -> float:
    p, g = normalise(pred).split(), normalise(gold).split()
    common = sum((Counter(p) & Counter(g)).values())
    if not common:
        return 0.0
    prec, rec = common / len(p), common / len(g)
    return 2 * prec * rec / (prec + rec)


def answer_matches(text: str, answers: list[str]) -> bool:
    body = normalise(MARKER.sub("", text))
    golds = [normalise(a) for a in answers]
    return any((g and f" {g} " in f" {body} ") or token_f1(body, g) >= 0.6 for g in golds)


def load_questions(path: Path, split: str = "dev") -> list[dict]:
    if split not in SPLITS:
        raise CorpusEvalError(f"split must be one of {', '.join(SPLITS)}, got {split!r}")
    if not path.is_file():
        raise CorpusEvalError(f"Questions file {path} does not exist (expected JSON lines beside corpus/).")
    items = []
    for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CorpusEvalError(f"{path}, line {no}: not valid JSON ({exc.msg}).") from None
        missing = [k for k in ("id", "question", "answers", "answerable") if k not in item]
        if missing:
            raise CorpusEvalError(f"{path}, line {no}: missing field(s) {', '.join(missing)}.")
        if split == "all" or item.get("split", "dev") == split:
            items.append(item)
    if not items:
        raise CorpusEvalError(f"{path} holds no questions in split {split!r}.")
    return items


def score(item: dict, answer) -> dict:
    cited = {c.source for c in answer.citations}
    if item["answerable"]:
        text_ok = answer.answered and answer_matches(answer.display(), item["answers"])
        cite_ok = item.get("story") in cited
        correct = answer.answered and text_ok and cite_ok
    else:
        text_ok = cite_ok = False
        correct = not answer.answered and not answer.citations
    return {"id": item["id"], "question": item["question"], "answerable": item["answerable"],
            "answered": answer.answered, "correct": bool(correct), "text_ok": bool(text_ok),
            "cite_ok": bool(cite_ok), "answer": answer.display(), "gold": item["answers"][:3],
            "story": item.get("story"), "cited": sorted(cited), "plausible": item.get("plausible", []),
            "notes": list(answer.notes)}


def summarise(rows: list[dict]) -> dict[str, float]:
    ans = [r for r in rows if r["answerable"]]
    una = [r for r in rows if not r["answerable"]]
    refused = [r for r in rows if not r["answered"]]
    lat = [r["latency_s"] for r in rows]
    ratio = lambda a, b: a / b if b else float("nan")  # noqa: E731
    return {
        "questions": len(rows),
        "correct": ratio(sum(r["correct"] for r in rows), len(rows)),
        "correct_answerable": ratio(sum(r["correct"] for r in ans), len(ans)),
        "correct_unanswerable": ratio(sum(r["correct"] for r in una), len(una)),
        "false_refusal_rate": ratio(sum(not r["answered"] for r in ans), len(ans)),
        "abstention_precision": ratio(sum(not r["answerable"] for r in refused), len(refused)),
        "abstention_recall": ratio(sum(not r["answered"] for r in una), len(una)),
        "latency_p50_s": statistics.median(lat) if lat else float("nan"),
    }


@dataclass
class CorpusReport:
    corpus: str
    split: str
    mode: str
    rows: list[dict]
    summary: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"corpus": self.corpus, "split": self.split, "mode": self.mode, "summary": self.summary,
                "rows": self.rows}


def corpus_home(corpus: Path, base: Path) -> Path:
    """Each corpus gets its own data folder, so evaluating never touches the user's index."""
    digest = hashlib.sha1(str(corpus.resolve()).encode()).hexdigest()[:10]
    return base / "eval" / f"{corpus.name}-{digest}"


def corpus_pipeline(corpus: Path, settings: QASettings, **collaborators) -> Pipeline:
    """A pipeline over `corpus` indexed (incrementally) into its own data folder."""
    if not corpus.is_dir():
        raise CorpusEvalError(f"Corpus folder {corpus} does not exist.")
    home = corpus_home(corpus, settings.index.home)
    idx = settings.index.with_(home=home, chroma_host=None)
    report = build_index([corpus], settings=idx, embedder=collaborators.get("embedder"))
    if not report.ok:
        log.warning("some files of %s could not be indexed: %s", corpus, report.failed)
    return Pipeline(settings.with_(index=idx), **collaborators)


def locate(folder: Path, questions: Path | None) -> tuple[Path, Path]:
    """A data set folder holds corpus/ and questions.jsonl; a plain folder needs --questions."""
    corpus = folder / "corpus" if (folder / "corpus").is_dir() else folder
    questions = questions or (folder / "questions.jsonl")
    return corpus, questions


def evaluate_corpus(folder: Path, *, questions: Path | None = None, split: str = "dev", mode: str | None = None,
                    settings: QASettings | None = None, limit: int | None = None,
                    progress: Callable[[int, int], None] | None = None, pipeline: Pipeline | None = None,
                    **collaborators) -> CorpusReport:
    settings = settings or QASettings.from_env()
    corpus, qfile = locate(Path(folder), questions)
    items = load_questions(qfile, split)[:limit]
    pipe = pipeline or corpus_pipeline(corpus, settings, **collaborators)
    mode = pipe.resolve_mode(mode).mode.value
    rows = []
    for i, item in enumerate(items):
        t0 = time.perf_counter()
        answer = pipe.ask(item["question"], None, mode)
        row = score(item, answer)
        row["latency_s"] = time.perf_counter() - t0
        rows.append(row)
        if progress:
            progress(i + 1, len(items))
    return CorpusReport(str(folder), split, mode, rows, summarise(rows))
