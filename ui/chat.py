"""The chat's handlers: `respond` (streams an answer as structured turns), the
citation opener for the side panel, and the `/ask` API function.

No `from __future__ import annotations` here: Gradio reads `ask_api`'s type hints at
runtime to describe the endpoint.
"""
import logging
from typing import Iterator

from index import StoreError, get_article
from qa import Answer, Draft, LLMUnavailable, Partial, QASettings
from qa.pipeline import default_pipeline
from qa.prompts import NOT_FOUND

from . import render
from .turns import history, new_turn

log = logging.getLogger(__name__)
# What a user's input or the set-up can cause (an empty question, no index, no model): the
# user is told, and the log gets one line. Anything else is a bug and logs its traceback.
EXPECTED = (ValueError, StoreError, LLMUnavailable)


def session_settings(settings: QASettings, n_quotes) -> QASettings:
    """The app's settings with the Settings tab's number of quotes (clamped to 1..12)."""
    try:
        n = int(n_quotes) if n_quotes not in (None, "") else settings.n_quotes
    except (TypeError, ValueError):
        n = settings.n_quotes
    return settings.with_(n_quotes=max(1, min(12, n)))


def _draft_status(ahead: int, answered: bool = True) -> str:
    """The line above a draft: what the model is about to do, and how many answers are ahead."""
    queue = f"{ahead} answer{'s' if ahead != 1 else ''} ahead of yours"
    if not answered:   # the evidence found no answer; the model reads the closest passages
        return ("The model is checking the closest passages…" if ahead <= 0
                else f"Waiting for the model to check the closest passages: {queue}…")
    if ahead <= 0:
        return "Writing an answer from these quotes…"
    return f"Waiting for the model: {queue}. Meanwhile, the quotes found so far…"


def _ready(settings: QASettings) -> bool:
    """The models are loaded (a problem opening the pipeline is reported by the answer itself)."""
    try:
        return default_pipeline(settings).ready.is_set()
    except Exception:
        return True


def _sentinel(partial: str) -> bool:
    """True while the model's text is (or starts like) the "not in the articles" reply."""
    head = partial.strip().upper().replace(" ", "_")
    return bool(head) and (NOT_FOUND in head or NOT_FOUND.startswith(head))


def respond(message: str, turns: list[dict] | None, mode: str | None = None, n_quotes: int | None = None,
            sources: list[str] | None = None, *, settings: QASettings) -> Iterator[list[dict]]:
    """Stream one turn: yields the conversation's turns (see ui.turns), the last one growing
    from a status to the final answer as structured data. `sources`: only these articles
    (None or empty: all). Follow-ups are asked with the answered turns before it."""
    before = [dict(t) for t in turns or []]
    message = "" if message is None else str(message)
    if not message.strip():
        return
    settings = session_settings(settings, n_quotes)
    turn = new_turn(message)
    turn["note"] = ("Searching the articles…" if _ready(settings)
                    else "Loading the models: the first answer after start-up takes a few seconds more…")
    yield [*before, dict(turn)]
    only = {"sources": list(sources)} if sources else {}
    try:
        # fallback: without a model the answer is extractive, with a note saying so.
        stream = default_pipeline(settings).stream(message, history(before), mode, drafts=True, fallback=True, **only)
        for item in stream:
            if isinstance(item, Answer):
                turn.pop("partial", None)
                turn.update(answer=item.to_dict(), status="done", note="")
            elif isinstance(item, Draft):
                turn.update(answer=item.answer.to_dict(), status="draft",
                            note=_draft_status(item.ahead, item.answer.answered))
            elif isinstance(item, Partial) and _sentinel(item.text):
                turn.pop("partial", None)
                turn["note"] = "Checking the articles…"
            elif isinstance(item, Partial):
                turn["partial"] = item.text
            else:
                continue
            yield [*before, dict(turn)]
    except EXPECTED as exc:
        log.info("question not answered (%s): %s", type(exc).__name__, exc)
        turn.pop("partial", None)
        turn.update(status="error", error=str(exc))
        yield [*before, dict(turn)]
    except Exception as exc:  # the page must show something rather than hang on a spinner
        log.exception("answering failed")
        turn.pop("partial", None)
        turn.update(status="error", error=f"Something went wrong while answering ({type(exc).__name__}: {exc}). "
                                          "Try again, or check the server log.")
        yield [*before, dict(turn)]


def finished(turn: dict) -> dict:
    """The turn as it is saved: no streaming fields."""
    return {k: v for k, v in turn.items() if k not in ("note", "partial")}


def open_citation(value: str, *, settings: QASettings) -> str:
    """Side-panel HTML for a clicked citation: the article with the quote highlighted."""
    try:
        source, start, end, n = render.parse_cite_ref(value)
    except ValueError:
        return render.render_panel_message("Click a citation to read the article with the quote highlighted.")
    try:
        article = get_article(source, settings=settings.index)
    except KeyError:
        return render.render_panel_message(f"The article {source} is no longer in the library.")
    except StoreError as exc:
        return render.render_panel_message(str(exc))
    return render.render_article(article, start, end, n or None)


def ask_api(question: str, mode: str | None = None, sources: list[str] | None = None, *,
            settings: QASettings) -> dict:
    """Answer one question (no history), over `sources` only when given; the Answer as a JSON
    object. Raises gr.Error for bad input (an unknown source included)."""
    import gradio as gr

    try:
        answer = default_pipeline(settings).ask(question, None, mode, fallback=True, sources=sources or None)
    except EXPECTED as exc:
        log.info("/ask refused (%s): %s", type(exc).__name__, exc)
        raise gr.Error(str(exc), print_exception=False) from None
    return answer.to_dict()
