"""Evidence: the best sentences of the retrieved chunks, as quotes with exact offsets,
and the decision whether they answer the question at all.

A sentence's score mixes its embedding similarity to the question with how many of the
question's content words it contains. Answerability needs more than similarity (see
facts.py): every name in the question must occur in the collection, and for a typed
question (how much / how many / when / who / where) a well-matching sentence must hold a
value of that type, or say that it is not known yet.
"""
from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from index.embed import Embedder
from index.keyword import KeywordIndex, tokenize
from index.store import Store
from index.text import sentence_spans, subtract_spans

from . import facts
from .retrieve import Hit

# Words that say what is asked, not what it is about.
_ASK_WORDS = set(tokenize("name names many much year date day month time happen happened say said according "
                          "article articles mention mentioned report reported tell describe described called "
                          "kind type number exactly specific specifically long ago currently which what whom"))
FIT_MIN = 0.5          # share of the question's content words a typed answer sentence must contain
FIT_MIN_OTHER = 0.5    # the same for untyped questions
SIM_MIN_OTHER = 0.45


@dataclass
class Quote:
    source: str
    title: str
    published: str | None
    text: str
    start: int
    end: int
    sim: float = 0.0
    fit: float = 0.0
    score: float = 0.0
    typed: bool = False


@dataclass
class Evidence:
    quotes: list[Quote]
    answerable: bool
    qtype: str
    reason: str
    best: list[Quote]        # the sentences that answer (for extractive answers), best first


class SentenceVectors:
    """Embeddings of article sentences, cached per process (sentences recur across questions)."""

    def __init__(self, embedder: Embedder, size: int = 50_000) -> None:
        self.embedder, self.size = embedder, size
        self._cache: OrderedDict[tuple, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, keys: list[tuple], texts: list[str]) -> np.ndarray:
        with self._lock:
            missing = [i for i, k in enumerate(keys) if k not in self._cache]
        if missing:
            vecs = self.embedder.encode([texts[i] for i in missing], batch_size=32)
            with self._lock:
                for i, v in zip(missing, vecs):
                    self._cache[keys[i]] = v
                while len(self._cache) > self.size:
                    self._cache.popitem(last=False)
        with self._lock:
            return np.stack([self._cache[k] for k in keys]) if keys else np.zeros((0, 384), np.float32)


def content_terms(question: str) -> list[str]:
    return [t for t in dict.fromkeys(tokenize(question)) if t not in _ASK_WORDS]


def question_entities(question: str) -> list[str]:
    """Capitalised words of the question other than its first word (e.g. 'Australia')."""
    words = re.findall(r"\b[A-Z][\w’'\-]*", question)
    first = re.match(r"\W*(\w+)", question)
    return [w for w in words if not (first and w == first.group(1))]


def candidates(hits: list[Hit], store: Store) -> list[Quote]:
    out: list[Quote] = []
    seen: set[tuple[str, int]] = set()
    articles = {}
    for hit in hits:
        c = hit.chunk
        art = articles.get(c.source) or articles.setdefault(c.source, store.get_article(c.source))
        if art is None:
            continue
        for s, e in subtract_spans(sentence_spans(art.text, c.start, c.end), list(art.boilerplate)):
            if (c.source, s) in seen or e - s < 12:
                continue
            seen.add((c.source, s))
            out.append(Quote(c.source, art.title, art.published, art.text[s:e], s, e))
    return out


def _fit(terms: list[str], sentence: str) -> float:
    if not terms:
        return 0.0
    toks = set(tokenize(sentence))
    return sum(1 for t in terms if t in toks) / len(terms)


def gather(question: str, qvec: np.ndarray, hits: list[Hit], store: Store, vectors: SentenceVectors,
           keywords: KeywordIndex, n_quotes: int) -> Evidence:
    qtype = facts.question_type(question)
    missing = [e for e in question_entities(question) if not any(t in keywords for t in tokenize(e))]
    quotes = candidates(hits, store)
    if not quotes:
        return Evidence([], False, qtype, "nothing retrieved", [])
    terms = content_terms(question)
    vecs = vectors.get([(q.source, q.start, q.end) for q in quotes], [q.text for q in quotes])
    sims = vecs @ qvec
    q_low = question.lower()
    for q, sim in zip(quotes, sims):
        q.sim = float(sim)
        q.fit = _fit(terms, q.text)
        vals = [v for v in facts.values(q.text, qtype) if v.lower() not in q_low]
        q.typed = bool(vals) or facts.says_undecided(q.text)
        q.score = 0.6 * q.sim + 0.4 * q.fit + (0.1 if q.typed and qtype != "other" else 0.0)
    quotes.sort(key=lambda q: q.score, reverse=True)
    shown = quotes[:n_quotes]

    if missing:
        return Evidence(shown, False, qtype, f"the articles never mention {', '.join(missing)}", [])
    if qtype == "other":
        good = [q for q in quotes if q.fit >= FIT_MIN_OTHER or q.sim >= SIM_MIN_OTHER]
    else:
        good = [q for q in quotes if q.typed and q.fit >= FIT_MIN]
    if not good:
        why = "no sentence matches the question" if qtype == "other" else f"no sentence gives the {qtype} asked for"
        return Evidence(shown, False, qtype, why, [])
    best = [good[0]] + [q for q in good[1:2] if q.score >= 0.85 * good[0].score]
    # The answering sentences lead the numbered quotes, so [1] is the best evidence.
    shown = best + [q for q in quotes if q not in best][: max(0, n_quotes - len(best))]
    return Evidence(shown, True, qtype, "", best)
