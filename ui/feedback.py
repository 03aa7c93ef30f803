"""Rated chat answers as golden-set lines (the format of seeds/golden.jsonl, read by
evaluation.golden.load_golden), for a person to review before adding them to a golden set.

Each line keeps the question, the answer as given, its quotes as evidence, the turns before
it as history, and under "review" the rating, the comment and the answer's mode. A rating
cannot say which facts make an answer right, so "facts" is left empty for the reviewer (and
"kind" is a guess: unanswerable for a refusal, followup when there was history, else fact).
"""
from __future__ import annotations

import json
from pathlib import Path

from .conversations import ConversationStore

RATINGS = {"up": (1,), "down": (-1,), "all": (1, -1)}


def golden_line(rating: dict) -> dict:
    answer = rating["answer"]
    if not answer.get("answered"):
        kind = "unanswerable"
    else:
        kind = "followup" if rating["history"] else "fact"
    line = {"id": f"rated-{rating['turn']}-{'up' if rating['rating'] > 0 else 'down'}",
            "question": rating["question"], "kind": kind, "answer": answer.get("text", ""), "facts": [],
            "evidence": [] if kind == "unanswerable" else
            [{"source": c["source"], "quote": c["quote"]} for c in answer.get("citations") or []],
            "review": {"rating": "helpful" if rating["rating"] > 0 else "not helpful", "comment": rating["comment"],
                       "mode": answer.get("mode"), "owner": rating["owner"]}}
    if rating["history"]:
        line["history"] = [list(pair) for pair in rating["history"]]
    return line


def export_rated(store: ConversationStore, out: str | Path, which: str = "all") -> int:
    """Writes the rated answers (`which`: up, down or all) as JSON lines; returns how many."""
    if which not in RATINGS:
        raise ValueError(f"which must be one of {', '.join(RATINGS)}")
    lines = [golden_line(r) for r in store.ratings() if r["rating"] in RATINGS[which]]
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as f:
        for line in lines:
            f.write(json.dumps(line, ensure_ascii=False) + "\n")
    return len(lines)
