"""Sweep one of the answer core's cost settings over the development sets:
`python -m evaluation.sweep READ_TOP 4 6 8 10 12 16 [--data DIR] [--mode generative]`.

Each value is set on `qa.evidence` and the extractive answers are scored on the `dev` splits
of NewsQA and SQuAD 2.0 (never `check`) and on the shipped golden sets (factoid and open), in
one process (one index each, read once). Prints, per value, each set's share of correct answers and the mean
latency, so the smallest value that loses no answer can be read off. Cost settings (how many
sentences are read closely, how many passages are aligned) trade time for nothing when large
enough; this is how their values were chosen (recorded beside each setting in qa/evidence.py).
"""
from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

import qa.evidence as evidence
from qa.settings import QASettings

from .calibrate import DEFAULT_DATA, SETS
from .corpus import corpus_pipeline, evaluate_corpus, locate
from .golden import evaluate

log = logging.getLogger(__name__)
OPEN_GOLDEN = Path(__file__).resolve().parent.parent / "seeds" / "golden_open.jsonl"
SWEEPABLE = ("READ_TOP", "ALIGN_TOP", "MAX_OPEN_QUOTES", "OPEN_MARGIN")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("setting", choices=SWEEPABLE)
    ap.add_argument("values", type=float, nargs="+")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--mode", choices=("extractive", "generative"), default="extractive")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    missing = [s for s in SETS if not (args.data / s).is_dir()]
    if missing:
        raise SystemExit(f"Development sets missing under {args.data}: {', '.join(missing)} (pass --data DIR).")
    settings = QASettings.from_env(mode=args.mode)
    pipes = {name: corpus_pipeline(locate(args.data / name, None)[0], settings) for name in SETS}
    before = getattr(evidence, args.setting)
    print(f"{args.setting:>16} " + " ".join(f"{n:>12}" for n in (*SETS, "golden", "open")) + "   mean ms")
    try:
        for value in args.values:
            value = type(before)(value)
            setattr(evidence, args.setting, value)
            scores, t0, n = [], time.perf_counter(), 0
            for name, pipe in pipes.items():
                report = evaluate_corpus(args.data / name, split="dev", mode=args.mode, pipeline=pipe)
                scores.append(report.summary["correct"])
                n += len(report.rows)
            for path in (None, OPEN_GOLDEN):
                golden = evaluate(path, mode=args.mode, settings=settings)
                scores.append(golden.summary["correct"])
                n += len(golden.rows)
            ms = (time.perf_counter() - t0) / n * 1000
            print(f"{value:>16} " + " ".join(f"{s:>12.3f}" for s in scores) + f"   {ms:7.1f}", flush=True)
    finally:
        setattr(evidence, args.setting, before)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
