"""BM25 over the same chunks as the vector store (bm25s), built once per index version
and reused across queries."""
from __future__ import annotations

import re
import threading

import numpy as np

from .chunking import Chunk

_STOP = set("""a an and are as at be been but by did do does for from had has have he her his how i if in into
is it its of on or she so than that the their them then there these they this those to was were what when
where which who whom whose why will with would you your about after also can could may might must our
shall should us we""".split())
_TOKEN = re.compile(r"[a-z0-9]+")


def tokenize(text: str) -> list[str]:
    """Lower-case words without stop words, folded to a crude singular ('tanks' -> 'tank')."""
    out = []
    for w in _TOKEN.findall(text.lower().replace("’", "'")):
        if w in _STOP:
            continue
        out.append(_stem(w))
    return out


def _stem(w: str) -> str:
    """A light suffix folding ('meetings', 'meeting', 'meet' -> 'meet'); the same on both sides."""
    if len(w) > 4 and w.endswith("ies"):
        w = w[:-3] + "y"
    elif len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
        w = w[:-1]
    if len(w) > 5 and w.endswith("ing"):
        w = w[:-3]
    elif len(w) > 4 and w.endswith("ed"):
        w = w[:-2]
    if len(w) > 3 and w.endswith("e"):
        w = w[:-1]
    return w


class KeywordIndex:
    def __init__(self, chunks: list[Chunk]) -> None:
        import logging

        import bm25s

        # bm25s forces its logger to DEBUG at import; keep it quiet unless asked.
        logging.getLogger("bm25s").setLevel(logging.WARNING)

        self.ids = [c.id for c in chunks]
        self._sources = np.array([c.source for c in chunks], dtype=object)
        corpus = [tokenize(f"{c.title}\n{c.text}") for c in chunks]
        self._vocab_ids: dict[str, int] = {}
        ids = [[self._vocab_ids.setdefault(w, len(self._vocab_ids)) for w in doc] for doc in corpus]
        df: dict[int, int] = {}
        for doc in ids:
            for t in set(doc):
                df[t] = df.get(t, 0) + 1
        self._df, self._n = df, max(1, len(ids))
        self._bm25 = bm25s.BM25()
        if chunks:
            self._bm25.index(bm25s.tokenization.Tokenized(ids=ids, vocab=self._vocab_ids), show_progress=False)

    def __contains__(self, word: str) -> bool:
        return word in self._vocab_ids

    def idf(self, word: str) -> float:
        """Inverse document frequency of a token; words the collection never uses weigh most."""
        import math

        df = self._df.get(self._vocab_ids.get(word, -1), 0)
        return math.log((self._n + 1) / (df + 0.5)) + 0.1

    def search(self, query: str, k: int, sources: frozenset[str] | None = None) -> list[tuple[str, float]]:
        """The k best chunks for a query by BM25; with `sources`, only chunks of those articles."""
        q = [self._vocab_ids[w] for w in tokenize(query) if w in self._vocab_ids]
        if not q or not self.ids:
            return []
        scores = self._bm25.get_scores(q)
        if sources is not None:
            scores = np.where(np.isin(self._sources, list(sources)), scores, 0.0)
        k = min(k, len(self.ids))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [(self.ids[i], float(scores[i])) for i in top if scores[i] > 0]


_cache: dict[tuple, KeywordIndex] = {}
_lock = threading.Lock()


def keyword_index(store) -> KeywordIndex:
    """The BM25 index of a store at its current version (rebuilt only when it changed)."""
    key = (str(store.settings.home.resolve()), store.settings.chroma_host, store.version(), store.count_chunks())
    with _lock:
        idx = _cache.get(key)
        if idx is None:
            _cache.clear()
            idx = _cache[key] = KeywordIndex(store.all_chunks())
        return idx
