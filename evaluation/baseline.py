"""The baseline Sourcebook is measured against: a tutorial LlamaIndex pipeline.

Default splitter, a vector index over the same articles, `CitationQueryEngine` with
similarity_top_k=3 and otherwise default settings, the same MiniLM embeddings and the
same local LLM (wrapped as LlamaIndex components, so the models are shared, not reloaded).
"""
from __future__ import annotations

import re
import time
from typing import Any

from index.embed import Embedder
from index.nodes import embed_model

from qa.llm import LLM
from qa.types import Answer, Citation


def _llama_index_models(llm: LLM, embedder: Embedder):
    from llama_index.core.llms import CompletionResponse, CustomLLM, LLMMetadata
    from llama_index.core.llms.callbacks import llm_completion_callback
    from pydantic import PrivateAttr

    class SharedLLM(CustomLLM):
        _llm: Any = PrivateAttr()

        def __init__(self, inner: LLM) -> None:
            super().__init__()
            self._llm = inner

        @property
        def metadata(self) -> LLMMetadata:
            return LLMMetadata(context_window=2048, num_output=256, model_name=self._llm.name)

        @llm_completion_callback()
        def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
            text = "".join(self._llm.stream([{"role": "user", "content": prompt}], max_tokens=256))
            return CompletionResponse(text=text)

        @llm_completion_callback()
        def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any):
            acc = ""
            for delta in self._llm.stream([{"role": "user", "content": prompt}], max_tokens=256):
                acc += delta
                yield CompletionResponse(text=acc, delta=delta)

    return SharedLLM(llm), embed_model(embedder)


class Baseline:
    def __init__(self, articles: list, llm: LLM, embedder: Embedder, top_k: int = 3) -> None:
        from llama_index.core import Document, VectorStoreIndex
        from llama_index.core.query_engine import CitationQueryEngine

        li_llm, li_embed = _llama_index_models(llm, embedder)
        docs = [Document(text=a.text, metadata={"source": a.source, "title": a.title}) for a in articles]
        index = VectorStoreIndex.from_documents(docs, embed_model=li_embed)
        self.engine = CitationQueryEngine.from_args(index, llm=li_llm, similarity_top_k=top_k)

    def ask(self, question: str, history: list[tuple[str, str]] | None = None) -> Answer:
        # The tutorial way to handle a follow-up: paste the history into the query.
        query = " ".join([q for q, _ in (history or [])] + [question])
        t0 = time.perf_counter()
        resp = self.engine.query(query)
        took = time.perf_counter() - t0
        cites = []
        for n, node in enumerate(resp.source_nodes, 1):
            text = re.sub(r"^Source \d+:\s*", "", node.node.get_content()).strip()
            src = node.node.metadata.get("source", "")
            cites.append(Citation(n, src, node.node.metadata.get("title", ""), None, text, -1, -1))
        text = str(resp.response or "").strip()
        refused = bool(re.search(r"\b(?:not (?:mentioned|provided|specified|stated)|no information|does not "
                                 r"(?:mention|say|provide)|cannot be determined|don't know|do not know)\b", text, re.I))
        return Answer(text=text, answered=not refused, citations=cites, timings={"total": took},
                      question=question, standalone_question=query, mode="baseline")
