"""`evaluate`: run a golden Q&A set through Sourcebook (and optionally the LlamaIndex
baseline) and measure correctness, citation quality, retrieval, abstention and latency.

Citation support (no NLI model): an answer sentence is supported by a cited quote when
every number, date and name of the sentence occurs in the quote and the two are close
(embedding cosine >= 0.55 or >= 60% of the sentence's content words in the quote) — the
same test verify.py applies. Recall = supported sentences / sentences;
precision = supporting citations / citations.
"""
from __future__ import annotations

import json
import logging
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from qa.pipeline import Pipeline, default_pipeline
from qa.settings import QASettings
from qa.types import Answer
from qa.verify import MARKER, split_answer, supports

log = logging.getLogger(__name__)
# "open": what did X say, why, summarise (seeds/golden_open.jsonl); scored by its facts like the rest.
KINDS = {"fact", "list", "unanswerable", "conflict", "followup", "open"}
REQUIRED = ("id", "question", "kind", "answer", "facts", "evidence")


class GoldenError(ValueError):
    pass


def _norm(s: str) -> str:
    for a, b in (("’", "'"), ("‘", "'"), ("“", '"'), ("”", '"'), ("–", "-"), ("—", "-")):
        s = s.replace(a, b)
    return " ".join(s.lower().split())


def default_golden() -> Path:
    for p in (Path("seeds/golden.jsonl"), Path(__file__).resolve().parent.parent / "seeds" / "golden.jsonl"):
        if p.is_file():
            return p
    raise GoldenError("No golden set found: pass --golden FILE (JSON lines, see seeds/golden.jsonl).")


def load_golden(path: str | Path, known_sources: set[str] | None = None) -> list[dict]:
    """Parse and validate every line before any question is asked."""
    path = Path(path)
    if not path.is_file():
        raise GoldenError(f"Golden file {path} does not exist.")
    items, ids = [], set()
    for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}, line {no}"
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise GoldenError(f"{where}: not valid JSON ({exc.msg}).") from None
        if not isinstance(item, dict):
            raise GoldenError(f"{where}: each line must be a JSON object.")
        missing = [k for k in REQUIRED if k not in item]
        if missing:
            raise GoldenError(f"{where}: missing field(s) {', '.join(missing)}.")
        if item["kind"] not in KINDS:
            raise GoldenError(f"{where}: kind {item['kind']!r} is not one of {', '.join(sorted(KINDS))}.")
        if item["id"] in ids:
            raise GoldenError(f"{where}: duplicate id {item['id']!r}.")
        ids.add(item["id"])
        if not isinstance(item["facts"], list) or not all(isinstance(f, list) and f for f in item["facts"]):
            raise GoldenError(f"{where}: facts must be a list of non-empty lists of acceptable strings.")
        for ev in item["evidence"]:
            if not isinstance(ev, dict) or "source" not in ev or "quote" not in ev:
                raise GoldenError(f"{where}: each evidence needs source and quote.")
            if known_sources is not None and ev["source"] not in known_sources:
                raise GoldenError(f"{where}: unknown source {ev['source']!r} (not in the index).")
        items.append(item)
    if not items:
        raise GoldenError(f"{path} holds no questions.")
    return items


@dataclass
class EvalReport:
    rows: list[dict]
    summary: dict[str, float]
    baseline_rows: list[dict] = field(default_factory=list)
    baseline_summary: dict[str, float] = field(default_factory=dict)
    mode: str = ""

    def to_dict(self) -> dict:
        return {"mode": self.mode, "summary": self.summary, "baseline_summary": self.baseline_summary,
                "rows": self.rows, "baseline_rows": self.baseline_rows}


def score_answer(item: dict, answer: Answer, latency: float, embedder, store=None) -> dict:
    """Per-question metrics; with `store`, also whether every citation is verbatim at its offsets.

    Scored on `answer.display()`, the text with its conflicts stated, so a conflict question
    counts both values and each side is checked against its own quote."""
    shown = answer.display()
    text = _norm(MARKER.sub("", shown))
    unanswerable = item["kind"] == "unanswerable"
    facts_ok = all(any(_norm(v) in text for v in fact) for fact in item["facts"])
    correct = (not answer.answered) if unanswerable else (answer.answered and facts_ok)
    row = {"id": item["id"], "kind": item["kind"], "question": item["question"], "answer": shown,
           "answered": answer.answered, "correct": bool(correct), "latency_s": latency,
           "conflicts": len(answer.conflicts), "citations": len(answer.citations), "notes": list(answer.notes)}
    if answer.answered and not unanswerable:
        vecs = embedder.encode([MARKER.sub("", shown), item["answer"]])
        row["similarity"] = float(vecs[0] @ vecs[1])
        quotes = {c.n: c.quote for c in answer.citations}
        sents = split_answer(shown)
        # A marker after a run of sentences cites the run ("Quote sentence one. Two. [1]").
        for i in range(len(sents) - 2, -1, -1):
            if not sents[i].cited:
                sents[i].cited = list(sents[i + 1].cited)
        conflict_sides = {c.describe().split(":")[0]: c.sides for c in answer.conflicts}
        supported, pairs, good_pairs = 0, 0, 0
        for s in sents:
            cited = [quotes[n] for n in s.cited if n in quotes]
            if not cited:
                continue
            sides = next((v for k, v in conflict_sides.items() if s.text.startswith(k)), None)
            if sides is not None:
                # "The articles disagree on the date: A [1] vs B [2]": each value against its own quote.
                ok = [_norm(side.value) in _norm(quotes.get(side.n, "")) for side in sides]
                pairs += len(ok)
                good_pairs += sum(ok)
                supported += all(ok)
                continue
            sv = embedder.encode([s.text] + cited)
            ok = [supports(s.text, q, float(sv[0] @ sv[i + 1]), answer.standalone_question or item["question"]) for i, q in enumerate(cited)]
            pairs += len(ok)
            good_pairs += sum(ok)
            supported += any(ok)
        row["citation_recall"] = supported / len(sents) if sents else 0.0
        row["citation_precision"] = good_pairs / pairs if pairs else 0.0
    if store is not None:
        def exact(c) -> bool:
            art = store.get_article(c.source)
            return art is not None and c.start >= 0 and art.text[c.start:c.end] == c.quote

        row["verbatim"] = all(exact(c) for c in answer.citations)
    return row


def retrieval_rank(pipe: Pipeline, item: dict, standalone: str) -> int | None:
    """1-based rank of the first retrieved chunk that holds a gold evidence quote."""
    hits = pipe.retriever.retrieve(standalone)
    for rank, h in enumerate(hits, 1):
        for ev in item["evidence"]:
            if h.chunk.source == ev["source"] and (ev["quote"] in h.chunk.text or h.chunk.text in ev["quote"]):
                return rank
    return None


def summarise(rows: list[dict], k: int) -> dict[str, float]:
    def mean(key, subset=None):
        vals = [r[key] for r in (rows if subset is None else subset) if key in r and r[key] is not None]
        return sum(vals) / len(vals) if vals else float("nan")

    unans = [r for r in rows if r["kind"] == "unanswerable"]
    abstained = [r for r in rows if not r["answered"]]
    ans = [r for r in rows if r["kind"] != "unanswerable"]
    lat = sorted(r["latency_s"] for r in rows)
    ranked = [r for r in rows if "rank" in r]
    out = {
        "questions": len(rows),
        "correct": mean("correct"),
        "correct_answerable": mean("correct", ans),
        "false_refusals": sum(1 for r in ans if not r["answered"]),
        "similarity": mean("similarity"),
        "citation_recall": mean("citation_recall"),
        "citation_precision": mean("citation_precision"),
        "verbatim": mean("verbatim"),
        "abstention_precision": (sum(1 for r in abstained if r["kind"] == "unanswerable") / len(abstained)) if abstained else float("nan"),
        "abstention_recall": (sum(1 for r in unans if not r["answered"]) / len(unans)) if unans else float("nan"),
        "conflicts_detected": mean("conflict_found", [r for r in rows if r["kind"] == "conflict"]),
        "latency_p50_s": statistics.median(lat) if lat else float("nan"),
        "latency_p95_s": lat[min(len(lat) - 1, int(round(0.95 * (len(lat) - 1))))] if lat else float("nan"),
    }
    if ranked:
        out[f"retrieval_recall@{k}"] = sum(1 for r in ranked if r["rank"]) / len(ranked)
        out["mrr"] = sum(1 / r["rank"] for r in ranked if r["rank"]) / len(ranked)
    return out


def evaluate(golden: str | Path | None = None, *, mode: str | None = None, settings: QASettings | None = None,
             baseline: bool = False, limit: int | None = None,
             progress: Callable[[int, int], None] | None = None, pipeline: Pipeline | None = None) -> EvalReport:
    pipe = pipeline or default_pipeline(settings or QASettings.from_env())
    pipe.ensure_index()
    known = {a["source"] for a in pipe.store.list_articles()}
    items = load_golden(golden or default_golden(), known)[:limit]
    mode = pipe.resolve_mode(mode).mode.value
    total = len(items) * (2 if baseline else 1)
    rows = []
    for i, item in enumerate(items):
        history = [tuple(h) for h in item.get("history") or []]
        t0 = time.perf_counter()
        answer = pipe.ask(item["question"], history, mode)
        row = score_answer(item, answer, time.perf_counter() - t0, pipe.embedder, pipe.store)
        row["conflict_found"] = bool(answer.conflicts)
        if item["evidence"]:
            row["rank"] = retrieval_rank(pipe, item, answer.standalone_question)
        rows.append(row)
        if progress:
            progress(i + 1, total)
    report = EvalReport(rows, summarise(rows, pipe.settings.top_k), mode=mode)
    if baseline:
        from .baseline import Baseline

        base = Baseline([pipe.store.get_article(s) for s in sorted(known)], pipe.llm(required=True), pipe.embedder)
        for j, item in enumerate(items):
            history = [tuple(h) for h in item.get("history") or []]
            t0 = time.perf_counter()
            answer = base.ask(item["question"], history)
            row = score_answer(item, answer, time.perf_counter() - t0, pipe.embedder)
            # The baseline gives no offsets: count a citation verbatim when its text occurs in the article.
            row["verbatim"] = all(c.quote in getattr(pipe.store.get_article(c.source), "text", "")
                                  for c in answer.citations)
            row["conflict_found"] = False
            report.baseline_rows.append(row)
            if progress:
                progress(len(items) + j + 1, total)
        report.baseline_summary = summarise(report.baseline_rows, 3)
    return report


def main(args) -> int:
    from .report import print_corpus_table, print_table, write_reports

    settings = QASettings.from_env(**({"mode": args.mode} if args.mode else {}))
    from tqdm import tqdm

    bar = tqdm(total=0, unit="q", desc="Evaluating")

    def tick(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()

    if getattr(args, "corpus", None):
        from .corpus import evaluate_corpus

        report = evaluate_corpus(Path(args.corpus), questions=Path(args.questions) if args.questions else None,
                                 split=args.split, mode=args.mode, settings=settings, limit=args.limit, progress=tick)
        bar.close()
        print_corpus_table(report)
        paths = write_reports(report, Path(args.out), html_page=False)
        print("reports: " + ", ".join(str(p) for p in paths))
        return 0
    report = evaluate(args.golden, mode=args.mode, settings=settings, baseline=args.baseline, limit=args.limit,
                      progress=tick)
    bar.close()
    print_table(report)
    paths = write_reports(report, Path(args.out))
    print("reports: " + ", ".join(str(p) for p in paths))
    return 0
