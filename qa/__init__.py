"""Sourcebook's answering layer: `ask()` returns an `Answer` whose citations are verbatim
quotes with exact offsets. Never imports `ui`."""
from __future__ import annotations

from typing import Iterable, Iterator

from .llm import LLMUnavailable
from .modes import Mode
from .settings import QASettings
from .types import Answer, Citation, Conflict, ConflictSide, Draft, Partial

__all__ = ["Answer", "Citation", "Conflict", "ConflictSide", "Draft", "LLMUnavailable", "Mode", "Partial", "QASettings",
           "ask", "stream_ask", "warm_up"]


def ask(question: str, *, history: list[tuple[str, str]] | None = None, mode: Mode | str | None = None,
        settings: QASettings | None = None, fallback: bool = False, sources: Iterable[str] | None = None) -> Answer:
    """Answer a question from the indexed articles (indexing seeds/ first if the index is empty).

    `mode`: "generative", "extractive" (or a `Mode`); None takes the settings' mode, else
    generative when a model is installed. Raises ValueError for an empty or over-long question
    or an unknown mode, index.StoreError when there is no usable index, LLMUnavailable when
    generative is asked for and no model is installed, unless `fallback=True`: then the answer
    is extractive, with a note saying why.

    `sources`: ask over these articles only (source ids as `index.list_articles()` gives
    them); None asks over the whole library. An empty list or an unknown source raises
    ValueError."""
    from .pipeline import default_pipeline

    pipe = default_pipeline(settings or QASettings.from_env())
    return pipe.ask(question, history, mode, fallback=fallback, sources=sources)


def stream_ask(question: str, *, history: list[tuple[str, str]] | None = None, mode: Mode | str | None = None,
               settings: QASettings | None = None, drafts: bool = False,
               fallback: bool = False, sources: Iterable[str] | None = None) -> Iterator[Partial | Draft | Answer]:
    """Like `ask`, but yields the answer text as it is generated (each a `Partial`, which is a
    `str`: the whole text so far); the last item is the Answer.
    With `drafts=True`, whenever the model takes part a `Draft` comes first, to show at once
    while the model reads and writes: what the evidence alone says, its verified quotes (an
    extractive answer) or its refusal. The final Answer may differ (the model's reading takes
    part in the decision): a refusal after quotes, an answer after a refusal. `sources` as for `ask`."""
    from .pipeline import default_pipeline

    pipe = default_pipeline(settings or QASettings.from_env())
    return pipe.stream(question, history, mode, drafts, fallback=fallback, sources=sources)


def warm_up(settings: QASettings | None = None, progress=None) -> float:
    """Load the models and caches now rather than on the first question (~8 s with the LLM).
    Logs each step (and calls `progress(message)` if given); returns the seconds it took."""
    from .pipeline import default_pipeline

    return default_pipeline(settings or QASettings.from_env()).warm_up(progress)
