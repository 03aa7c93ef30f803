"""Sourcebook's answering as LlamaIndex components, for use inside a LlamaIndex application:

- `SourcebookQueryEngine`: a `CustomQueryEngine`; its `Response` is the verified answer and
  its `source_nodes` are the verified quotes (offsets into the article, source, title, date);
- `SourcebookChatEngine`: a chat engine over the same pipeline, with a LlamaIndex
  `ChatMemoryBuffer` holding the conversation, so follow-ups ("When will it start?") are
  answered in context.

Both answer through `Pipeline`, so every guarantee of `ask()` holds: verbatim quotes,
"the articles don't say" rather than a guess, conflicts kept apart (`display()` in the text,
`Answer` in the response's metadata)."""
from __future__ import annotations

import asyncio
from typing import Any, Iterator

from llama_index.core.base.llms.types import ChatMessage, ChatResponse, MessageRole
from llama_index.core.base.response.schema import Response
from llama_index.core.chat_engine.types import AgentChatResponse, BaseChatEngine, StreamingAgentChatResponse
from llama_index.core.memory import ChatMemoryBuffer
from llama_index.core.query_engine import CustomQueryEngine
from llama_index.core.schema import NodeWithScore, TextNode

from .types import Answer


def quote_nodes(answer: Answer) -> list[NodeWithScore]:
    """The answer's citations as LlamaIndex source nodes: the quote as text, its offsets into
    the article as start/end_char_idx, [n], source, title and date as metadata."""
    return [NodeWithScore(node=TextNode(id_=f"{c.source}#{c.start}-{c.end}", text=c.quote, start_char_idx=c.start,
                                        end_char_idx=c.end, metadata={"n": c.n, "source": c.source, "title": c.title,
                                                                      "published": c.published}),
                          score=None)
            for c in answer.citations]


def _pipeline(pipeline):
    """The pipeline given, else the default one for the environment's settings (an entry point)."""
    if pipeline is None:
        from .pipeline import default_pipeline
        from .settings import QASettings

        pipeline = default_pipeline(QASettings.from_env())
    return pipeline


class SourcebookQueryEngine(CustomQueryEngine):
    """`SourcebookQueryEngine().query("What did the minister announce?")`.

    `mode`: "generative" or "extractive" (None: the settings' mode); without a model installed a
    generative answer falls back to extractive, with a note in `metadata["answer"].notes`.
    `sources`: ask over these articles only."""

    pipeline: Any = None
    mode: str | None = None
    sources: list[str] | None = None

    def __init__(self, pipeline=None, **kwargs: Any) -> None:
        super().__init__(pipeline=_pipeline(pipeline), **kwargs)

    def custom_query(self, query_str: str) -> Response:
        answer = self.pipeline.ask(query_str, None, self.mode, fallback=True, sources=self.sources)
        return Response(response=answer.display(), source_nodes=quote_nodes(answer),
                        metadata={"answer": answer, "answered": answer.answered})


class SourcebookChatEngine(BaseChatEngine):
    """A conversation over the articles: each message is answered with the conversation so far
    (kept in a `ChatMemoryBuffer`) as context for follow-up questions."""

    def __init__(self, pipeline=None, mode: str | None = None, sources: list[str] | None = None,
                 memory: ChatMemoryBuffer | None = None) -> None:
        self.pipeline, self.mode, self.sources = _pipeline(pipeline), mode, sources
        self.memory = memory or ChatMemoryBuffer.from_defaults(token_limit=3000)

    @property
    def chat_history(self) -> list[ChatMessage]:
        return self.memory.get_all()

    def reset(self) -> None:
        self.memory.reset()

    def _history(self, chat_history: list[ChatMessage] | None) -> list[tuple[str, str]]:
        """(question, answer) pairs from the memory, or from `chat_history` when given."""
        if chat_history is not None:
            self.memory.set(chat_history)
        pairs, question = [], None
        for m in self.memory.get_all():
            if m.role == MessageRole.USER:
                question = m.content
            elif m.role == MessageRole.ASSISTANT and question is not None:
                pairs.append((question, m.content))
                question = None
        return pairs

    def _answer(self, message: str, chat_history: list[ChatMessage] | None) -> AgentChatResponse:
        answer = self.pipeline.ask(message, self._history(chat_history), self.mode, fallback=True,
                                   sources=self.sources)
        self.memory.put(ChatMessage(role=MessageRole.USER, content=message))
        self.memory.put(ChatMessage(role=MessageRole.ASSISTANT, content=answer.text))
        return AgentChatResponse(response=answer.display(), source_nodes=quote_nodes(answer),
                                 metadata={"answer": answer, "answered": answer.answered})

    def chat(self, message: str, chat_history: list[ChatMessage] | None = None) -> AgentChatResponse:
        return self._answer(message, chat_history)

    def stream_chat(self, message: str, chat_history: list[ChatMessage] | None = None) -> StreamingAgentChatResponse:
        """Streams the answer once it is verified (a model's raw words are never shown: a sentence
        its quotes do not support is dropped before anything is streamed)."""
        done = self._answer(message, chat_history)

        def stream() -> Iterator[ChatResponse]:
            yield ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT, content=done.response),
                               delta=done.response)

        return StreamingAgentChatResponse(chat_stream=stream(), source_nodes=done.source_nodes,
                                          is_writing_to_memory=False)

    async def achat(self, message: str, chat_history: list[ChatMessage] | None = None) -> AgentChatResponse:
        return await asyncio.to_thread(self._answer, message, chat_history)

    async def astream_chat(self, message: str,
                           chat_history: list[ChatMessage] | None = None) -> StreamingAgentChatResponse:
        return await asyncio.to_thread(self.stream_chat, message, chat_history)
