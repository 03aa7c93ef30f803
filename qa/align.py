"""Word-by-word alignment of a question to a passage, from the embedding model's contextual
word vectors: each content word of the question is matched to its closest word in the
passage. A passage that answers matches every question word, the rare ones above all ("the
new factory" matches "the site for the new factory"); a near-miss matches most words but
not the one that matters. The passage ranker reads these figures (weights fitted in
evaluation/calibrate.py).
"""
from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from index.embed import Embedder
from index.keyword import KeywordIndex, tokenize

FEATURES = ("align_mean", "align_min", "align_rare")
WORD_BATCH = 1   # texts per encoder call (see WordVectors.get; 1 to 6 time alike)


class WordVectors:
    """Content words of a text with their contextual vectors, cached per text."""

    def __init__(self, embedder: Embedder, size: int = 4096) -> None:
        self.embedder, self.size = embedder, size
        self._cache: OrderedDict[str, tuple[list[str], np.ndarray]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, texts: list[str]) -> list[tuple[list[str], np.ndarray]]:
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            # Shortest first, one at a time: a batch pads every text to its longest, and the
            # encoder's time goes with the tokens it runs, padding included (eleven passages of
            # mixed length, alone: 150 ms in one batch, ~100 ms one by one; in a cold answer over
            # the bench corpus, where ~6 passages are new, p50 113 -> 110 ms).
            missing.sort(key=len)
            found = [v for b in range(0, len(missing), WORD_BATCH)
                     for v in self.embedder.word_vectors(missing[b:b + WORD_BATCH])]
            for text, found_words in zip(missing, found):
                self.put(text, found_words)
        with self._lock:
            return [self._cache[t] for t in texts]

    def put(self, text: str, found: tuple[list[str], np.ndarray]) -> None:
        """Keep a text's word vectors made elsewhere (a question's, in the pass that embeds it)."""
        words, vecs = found
        keep = [i for i, w in enumerate(words) if tokenize(w)]
        with self._lock:
            self._cache[text] = ([tokenize(words[i])[0] for i in keep], vecs[keep].astype(np.float16))
            while len(self._cache) > self.size:
                self._cache.popitem(last=False)


def alignment(question: tuple[list[str], np.ndarray], passage: tuple[list[str], np.ndarray],
              keywords: KeywordIndex, named: set[str] = frozenset()) -> dict[str, float]:
    """IDF-weighted mean of the question words' best matches, the weakest match, and the
    match of the rarest question word; `named`: words of a question name the passage refers to
    otherwise (a person by surname), which match in full."""
    qwords, qvecs = question
    pwords, pvecs = passage
    if not qwords or not pwords:
        return dict.fromkeys(FEATURES, 0.0)
    best = (qvecs.astype(np.float32) @ pvecs.astype(np.float32).T).max(axis=1)
    # The same word counts as a full match, whatever its context.
    present = set(pwords) | named
    same = np.array([w in present for w in qwords])
    best = np.where(same, 1.0, np.clip(best, 0.0, 1.0))
    idf = np.array([keywords.idf(w) for w in qwords])
    return {"align_mean": float(best @ idf / idf.sum()), "align_min": float(best.min()),
            "align_rare": float(best[int(np.argmax(idf))])}
