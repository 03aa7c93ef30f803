"""Sourcebook's answering layer: `ask()` returns an `Answer` whose citations are verbatim
quotes with exact offsets. Never imports `ui`."""
from __future__ import annotations

from typing import Iterator

from .llm import LLMUnavailable
from .settings import QASettings
from .types import Answer, Citation, Conflict, ConflictSide

__all__ = ["Answer", "Citation", "Conflict", "ConflictSide", "LLMUnavailable", "QASettings", "ask", "stream_ask"]


def ask(question: str, *, history: list[tuple[str, str]] | None = None, mode: str | None = None,
        settings: QASettings | None = None) -> Answer:
    """Answer a question from the indexed articles (indexing seeds/ first if the index is empty).

    Raises ValueError for an empty or over-long question, index.StoreError when there is no
    usable index, LLMUnavailable when mode="generative" and no model is installed."""
    from .pipeline import default_pipeline

    return default_pipeline(settings).ask(question, history, mode)


def stream_ask(question: str, *, history: list[tuple[str, str]] | None = None, mode: str | None = None,
               settings: QASettings | None = None) -> Iterator[str | Answer]:
    """Like `ask`, but yields the answer text as it is generated; the last item is the Answer."""
    from .pipeline import default_pipeline

    return default_pipeline(settings).stream(question, history, mode)
