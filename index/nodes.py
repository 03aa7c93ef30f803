"""Chunks as LlamaIndex nodes: a `TextNode` per chunk, its id the chunk id, its character
offsets pointing into the article text, its source and title (and, in the vector store, its
published date) as metadata. The vector store holds them as `ChromaVectorStore` writes nodes,
so a LlamaIndex application can open it (README: "Sourcebook's index in LlamaIndex")."""
from __future__ import annotations

from typing import Sequence

from .chunking import Chunk


def chunk_node(chunk: Chunk, published: str | None = None, embedding: Sequence[float] | None = None):
    from llama_index.core.schema import TextNode

    metadata = {"source": chunk.source, "title": chunk.title}
    if published is not None:
        metadata["published"] = published
    # The title is read with the text (it is embedded with it too); the source id is not.
    return TextNode(id_=chunk.id, text=chunk.text, start_char_idx=chunk.start, end_char_idx=chunk.end,
                    metadata=metadata, embedding=list(map(float, embedding)) if embedding is not None else None,
                    excluded_embed_metadata_keys=["source", "published"], excluded_llm_metadata_keys=["source"])


def node_record(node, keep_text: bool = False) -> tuple[dict, str]:
    """A node's metadata and document as `ChromaVectorStore.add` writes them. With `keep_text`
    the metadata holds the text too, for an update of the metadata alone (a node rebuilt from it
    reads the same when the record has no document)."""
    from llama_index.core.schema import MetadataMode
    from llama_index.core.vector_stores.utils import node_to_metadata_dict

    meta = {k: ("" if v is None else v) for k, v in
            node_to_metadata_dict(node, remove_text=not keep_text, flat_metadata=True).items()}
    return meta, node.get_content(metadata_mode=MetadataMode.NONE)


def embed_model(embedder):
    """The index's encoder as a LlamaIndex embedding model (`BaseEmbedding`), for LlamaIndex
    code over the vector store: `VectorStoreIndex.from_vector_store(store.vector_store,
    embed_model=embed_model(embedder))`. Queries embed alone, as Sourcebook's retrieval does."""
    from typing import Any

    from llama_index.core.base.embeddings.base import BaseEmbedding
    from pydantic import PrivateAttr

    class SourcebookEmbedding(BaseEmbedding):
        _embedder: Any = PrivateAttr()

        def __init__(self, inner) -> None:
            super().__init__(model_name=inner.id)
            self._embedder = inner

        def _get_query_embedding(self, query: str) -> list[float]:
            return self._embedder.encode([query])[0].tolist()

        def _get_text_embedding(self, text: str) -> list[float]:
            return self._embedder.encode([text])[0].tolist()

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return self._embedder.encode(texts).tolist()

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

    return SourcebookEmbedding(embedder)
