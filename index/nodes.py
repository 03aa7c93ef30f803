"""Chunks as LlamaIndex nodes: a `TextNode` per chunk, its id the chunk id, its character
offsets pointing into the article text, its source and title as metadata."""
from __future__ import annotations

from .chunking import Chunk


def chunk_node(chunk: Chunk):
    from llama_index.core.schema import TextNode

    # The title is read with the text (it is embedded with it too); the source id is not.
    return TextNode(id_=chunk.id, text=chunk.text, start_char_idx=chunk.start, end_char_idx=chunk.end,
                    metadata={"source": chunk.source, "title": chunk.title},
                    excluded_embed_metadata_keys=["source"], excluded_llm_metadata_keys=["source"])
