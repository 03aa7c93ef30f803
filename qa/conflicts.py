"""Disagreements between articles: quotes from different articles that give different
values for the fact a question asks about (dates first; counts and amounts too)."""
from __future__ import annotations

from typing import Callable

from . import facts
from .evidence import Quote, relevance

# Two articles often word one event differently ("the declaration was signed" / "the pact
# inked by both ministers"), so a dated quote that matches the question poorly still speaks
# of the same event when it is this close (cosine) to the answering quote.
SAME_EVENT_MIN = 0.40


def _key(kind: str, value: str):
    if kind == "date":
        day, month, year = facts.normalise_date(value)
        return (day, month) if day and month else None
    digits = "".join(ch for ch in value if ch.isdigit())
    return digits or value.lower()


def _keyed(kind: str, q: Quote) -> str | None:
    # A count is a number the evidence read as counting what the question asks about (its
    # candidates): "three weeks" in a quote on the same plant is no rival to "300 workers".
    found = q.candidates if kind == "count" else facts.values(q.text, kind)
    return next((v for v in found if _key(kind, v) is not None), None)


def find_conflicts(qtype: str, quotes: list[Quote], min_relevance: float = 0.42,
                   similarity: Callable[[Quote, Quote], float] | None = None) -> list[tuple[str, list[tuple[str, int]]]]:
    """Facts on which well-matching quotes from different articles disagree, as
    (fact, [(value, index into quotes), ...]) with one side per article. `similarity`
    (quote to quote) lets a dated quote about the same event count though it shares few
    of the question's words."""
    if qtype not in ("date", "count", "amount"):
        return []
    by_source: dict[str, tuple[str, int]] = {}
    anchor: Quote | None = None
    for i, q in enumerate(quotes):
        if q.source in by_source:
            continue
        v = _keyed(qtype, q)
        if v is None:
            continue
        close = relevance(q) >= min_relevance
        if not close and anchor is not None and similarity is not None and qtype == "date":
            close = similarity(anchor, q) >= SAME_EVENT_MIN
        if close:
            by_source[q.source] = (v, i)
            anchor = anchor or q
    if len({_key(qtype, v) for v, _ in by_source.values()}) < 2:
        return []
    return [(qtype, sorted(by_source.values(), key=lambda s: s[1]))]
