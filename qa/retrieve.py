"""Hybrid retrieval: dense (Chroma) and BM25 over the same chunks, fused by reciprocal
rank fusion. Returns chunks; choosing sentences from them is evidence.py's job."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from index.chunking import Chunk
from index.embed import Embedder
from index.keyword import keyword_index
from index.store import Store

RRF_K = 60


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float          # fused RRF score


class HybridRetriever:
    def __init__(self, store: Store, embedder: Embedder, top_k: int = 8) -> None:
        if top_k <= 0:
            raise ValueError("top_k must be positive")
        self.store, self.embedder, self.top_k = store, embedder, top_k

    def retrieve(self, query: str, query_vector: np.ndarray | None = None,
                 sources: frozenset[str] | None = None) -> list[Hit]:
        """The top chunks for a query; with `sources`, only chunks of those articles."""
        if query_vector is None:
            query_vector = self.embedder.encode([query])[0]
        depth = self.top_k * 3
        dense = self.store.query_vectors(query_vector, depth, sources)
        sparse = keyword_index(self.store).search(query, depth, sources)
        fused: dict[str, float] = {}
        for ranked in (dense, sparse):
            for rank, (cid, _) in enumerate(ranked):
                fused[cid] = fused.get(cid, 0.0) + 1.0 / (RRF_K + rank + 1)
        best = sorted(fused, key=fused.get, reverse=True)[: self.top_k]
        chunks = self.store.chunks_by_id(best)
        return [Hit(chunks[c], fused[c]) for c in best if c in chunks]
