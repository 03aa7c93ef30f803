"""Disagreements between articles: quotes from different articles that give different
values for the fact a question asks about (dates first; counts and amounts too)."""
from __future__ import annotations

from . import facts
from .evidence import Quote, relevance


def _key(kind: str, value: str):
    if kind == "date":
        day, month, year = facts.normalise_date(value)
        return (day, month) if day and month else None
    digits = "".join(ch for ch in value if ch.isdigit())
    return digits or value.lower()


def find_conflicts(qtype: str, quotes: list[Quote], min_relevance: float = 0.42) -> list[tuple[str, list[tuple[str, int]]]]:
    """Facts on which well-matching quotes from different articles disagree, as
    (fact, [(value, index into quotes), ...]) with one side per article."""
    if qtype not in ("date", "count", "amount"):
        return []
    by_source: dict[str, tuple[str, int]] = {}
    for i, q in enumerate(quotes):
        if relevance(q) < min_relevance or q.source in by_source:
            continue
        for v in facts.values(q.text, qtype):
            if _key(qtype, v) is not None:
                by_source[q.source] = (v, i)
                break
    if len({_key(qtype, v) for v, _ in by_source.values()}) < 2:
        return []
    return [(qtype, sorted(by_source.values(), key=lambda s: s[1]))]
