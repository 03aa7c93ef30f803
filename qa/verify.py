"""Post-generation checks: every answer sentence must be supported by the quote it cites.

Support test (no NLI model): all numbers and dates of the sentence, and all its names,
occur in the quote, and the sentence is semantically close to it (embedding cosine) or
shares most of its content words. A wrong [n] is re-attributed to a quote that supports
the sentence; a sentence no quote supports is removed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from index.keyword import tokenize
from index.text import sentence_spans

from . import facts

MARKER = re.compile(r"\s*\[(\d+)\]")
SIM_MIN = 0.55
OVERLAP_MIN = 0.6


@dataclass
class Sentence:
    text: str             # without markers
    cited: list[int]      # 1-based quote numbers as the writer gave them


def split_answer(text: str) -> list[Sentence]:
    out = []
    for s, e in sentence_spans(text):
        part = text[s:e]
        cited = [int(n) for n in MARKER.findall(part)]
        clean = MARKER.sub("", part).strip()
        if re.fullmatch(r"[\W\d]*", clean):
            # A marker that slipped past the sentence end belongs to the previous sentence.
            if out and cited:
                out[-1].cited.extend(cited)
            continue
        out.append(Sentence(clean, cited))
    return out


def _norm(s: str) -> str:
    return (s.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
            .replace("–", "-").replace("—", "-").lower())


def hard_facts(sentence: str) -> list[str]:
    vals = facts.numbers(sentence) + facts.dates(sentence) + facts.names(sentence)
    return [v for v in vals if v.strip()]


def facts_in(sentence: str, quote: str, question: str = "") -> bool:
    """Every number, date and name of the sentence is in the quote (or was in the question:
    repeating the question's own words is no claim)."""
    q = _norm(quote)
    asked = _norm(question)
    for v in hard_facts(sentence):
        v = _norm(v)
        if v in q or (asked and v in asked):
            continue
        # Allow a name's parts to be found separately ("Healey" for "John Healey").
        words = [w for w in re.findall(r"[\w']+", v) if w not in {"the", "of", "on", "in", "this"}]
        if not words or not all(re.search(rf"\b{re.escape(w)}", q) for w in words):
            return False
    return True


def overlap(sentence: str, quote: str) -> float:
    a = set(tokenize(sentence))
    return len(a & set(tokenize(quote))) / len(a) if a else 0.0


def supports(sentence: str, quote: str, sim: float, question: str = "") -> bool:
    return facts_in(sentence, quote, question) and (sim >= SIM_MIN or overlap(sentence, quote) >= OVERLAP_MIN)


def verify(sentences: list[Sentence], quotes: list[str], sims: np.ndarray, question: str = "") -> list[tuple[str, list[int]]]:
    """Kept sentences with 0-based indexes of the quotes that support them.
    `sims[i, j]` is the cosine between answer sentence i and quote j."""
    kept = []
    for i, s in enumerate(sentences):
        valid = [n - 1 for n in dict.fromkeys(s.cited) if 1 <= n <= len(quotes)]
        ok = [j for j in valid if supports(s.text, quotes[j], float(sims[i, j]), question)]
        if not ok:
            order = np.argsort(-sims[i]) if len(quotes) else []
            ok = [int(j) for j in order if supports(s.text, quotes[int(j)], float(sims[i, int(j)]), question)][:1]
        if ok:
            kept.append((s.text, ok))
    return kept
