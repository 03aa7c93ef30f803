"""Hybrid retrieval with LlamaIndex retrievers: dense (the store's Chroma collection) and
BM25 (`BM25Retriever`) over the same chunks, fused by `QueryFusionRetriever` in distance-
based score mode with no generated sub-queries. Returns chunks; choosing sentences from them is
evidence.py's job."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
# LlamaIndex is imported here, once, when the answering layer loads: imported for the first time
# by several request threads at once, its circular imports fail ("partially initialized module").
import llama_index.retrievers.bm25  # noqa: F401  (index/keyword.py's BM25Retriever)
from llama_index.core.llms import MockLLM
from llama_index.core.retrievers import BaseRetriever, QueryFusionRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle
from llama_index.core.vector_stores import FilterOperator  # noqa: F401  (index/keyword.py's filters)

from index.chunking import Chunk
from index.embed import Embedder
from index.nodes import chunk_node
from index.store import Store


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float          # fused score


class ChunkVectorRetriever(BaseRetriever):
    """A LlamaIndex retriever of the k chunks nearest the query in the store's vector
    collection (the query bundle's embedding when it has one); with `sources`, only chunks
    of those articles."""

    def __init__(self, store: Store, embedder: Embedder, k: int, sources: frozenset[str] | None = None) -> None:
        super().__init__()
        self.store, self.embedder, self.k, self.sources = store, embedder, k, sources

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        vector = query_bundle.embedding
        vector = np.asarray(vector, dtype=np.float32) if vector is not None else \
            self.embedder.encode([query_bundle.query_str])[0]
        found = self.store.query_vectors(vector, self.k, self.sources)
        chunks = self.store.chunks_by_id([i for i, _ in found])
        return [NodeWithScore(node=chunk_node(chunks[i]), score=s) for i, s in found if i in chunks]


class HybridRetriever:
    def __init__(self, store: Store, embedder: Embedder, top_k: int = 8) -> None:
        if top_k <= 0:
            raise ValueError("top_k must be positive")
        self.store, self.embedder, self.top_k = store, embedder, top_k

    def fusion(self, sources: frozenset[str] | None = None):
        """The LlamaIndex retriever this answers with: dense and BM25, each `3 × top_k` deep,
        fused into the top_k chunks by their scores, each retriever's normalised by its spread
        (mean ± 3 standard deviations): BM25's clear first is kept when dense retrieval missed it,
        where reciprocal rank let chunks both held at middling ranks push it out (README)."""
        depth = self.top_k * 3
        return QueryFusionRetriever(
            [ChunkVectorRetriever(self.store, self.embedder, depth, sources),
             self.store.keywords().retriever(depth, sources)],
            mode="dist_based_score", similarity_top_k=self.top_k, num_queries=1, use_async=False,
            # num_queries=1: no generated sub-queries, so the fusion never calls its LLM.
            llm=MockLLM())

    def retrieve(self, query: str, query_vector: np.ndarray | None = None,
                 sources: frozenset[str] | None = None) -> list[Hit]:
        """The top chunks for a query; with `sources`, only chunks of those articles."""
        if sources is not None and not sources:
            return []
        if self.store.count_chunks() == 0:
            return []
        if query_vector is None:
            query_vector = self.embedder.encode([query])[0]
        found = self.fusion(sources).retrieve(QueryBundle(query, embedding=query_vector.tolist()))
        chunks = self.store.chunks_by_id([n.node.node_id for n in found])
        return [Hit(chunks[n.node.node_id], float(n.score)) for n in found if n.node.node_id in chunks]
