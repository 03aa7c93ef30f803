"""The chat's handlers: `respond` (streams an answer into the message list), the
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

log = logging.getLogger(__name__)
Messages = list[dict]
# What a user's input or the set-up can cause (an empty question, no index, no model): the
# user is told, and the log gets one line. Anything else is a bug and logs its traceback.
EXPECTED = (ValueError, StoreError, LLMUnavailable)


def _text_of(content) -> str:
    """A message's text whether Gradio hands it over normalised (a list of parts) or not."""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return str(content.get("text") or content.get("content") or "")
    if isinstance(content, (list, tuple)):
        return "".join(_text_of(part) for part in content)
    return ""


def qa_history(messages: Messages | None) -> list[tuple[str, str]]:
    """(question, answer text) pairs of the finished turns of a chat, for follow-ups."""
    pairs: list[tuple[str, str]] = []
    question = None
    for m in messages or []:
        text = _text_of(m.get("content"))
        if m.get("role") == "user":
            question = render.plain_text(text).strip()
        elif m.get("role") == "assistant" and question:
            answer = render.answer_text_of(text)
            # Neither a failed turn nor a refusal is context for a follow-up.
            if answer and not any(f'class="sb-answer {kind}"' in text for kind in ("sb-error", "sb-abstain")):
                pairs.append((question, answer))
            question = None
    return pairs


def session_settings(settings: QASettings | None, n_quotes) -> QASettings:
    """The app's settings with the Settings tab's number of quotes (clamped to 1..12)."""
    settings = settings or QASettings.from_env()
    try:
        n = int(n_quotes) if n_quotes not in (None, "") else settings.n_quotes
    except (TypeError, ValueError):
        n = settings.n_quotes
    return settings.with_(n_quotes=max(1, min(12, n)))


def _draft_status(ahead: int) -> str:
    if ahead <= 0:
        return "Writing an answer from these quotes…"
    return (f"Waiting for the model: {ahead} answer{'s' if ahead != 1 else ''} ahead of yours. "
            f"These quotes answer meanwhile…")


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


def respond(message: str, history: Messages | None, mode: str | None = None, n_quotes: int | None = None,
            *, settings: QASettings | None = None) -> Iterator[Messages]:
    """Stream the chat: yields the whole message list, last the assistant's rendered answer."""
    history = list(history or [])
    message = "" if message is None else str(message)
    if not message.strip():
        return
    turns = qa_history(history)
    settings = session_settings(settings, n_quotes)
    status = ("Searching the articles…" if _ready(settings)
              else "Loading the models: the first answer after start-up takes a few seconds more…")
    messages = history + [{"role": "user", "content": render.render_question(message)},
                          {"role": "assistant", "content": render.render_status(status)}]
    yield [*messages]
    draft = None   # the verified quotes, shown at once while the model writes
    try:
        # fallback: without a model the answer is extractive, with a note saying so.
        for item in default_pipeline(settings).stream(message, turns, mode, drafts=True, fallback=True):
            if isinstance(item, Answer):
                content = render.render_answer(item)
            elif isinstance(item, Draft):
                draft = item.answer
                content = render.render_draft(draft, _draft_status(item.ahead))
            elif isinstance(item, Partial) and _sentinel(item.text):
                content = (render.render_draft(draft, "Checking the articles…") if draft is not None
                           else render.render_status("Checking the articles…"))
            elif isinstance(item, Partial):
                content = render.render_partial(item.text, draft)
            else:
                continue
            messages[-1] = {"role": "assistant", "content": content}
            yield [*messages]
    except EXPECTED as exc:
        log.info("question not answered (%s): %s", type(exc).__name__, exc)
        messages[-1] = {"role": "assistant", "content": render.render_error(str(exc))}
        yield [*messages]
    except Exception as exc:  # the page must show something rather than hang on a spinner
        log.exception("answering failed")
        messages[-1] = {"role": "assistant", "content": render.render_error(
            f"Something went wrong while answering ({type(exc).__name__}: {exc}). Try again, or check the server log.")}
        yield [*messages]


def open_citation(value: str, *, settings: QASettings | None = None) -> str:
    """Side-panel HTML for a clicked citation: the article with the quote highlighted."""
    settings = settings or QASettings.from_env()
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


def ask_api(question: str, mode: str | None = None, *, settings: QASettings | None = None) -> dict:
    """Answer one question (no history); the Answer as a JSON object. Raises gr.Error for bad input."""
    import gradio as gr

    try:
        answer = default_pipeline(settings or QASettings.from_env()).ask(question, None, mode, fallback=True)
    except EXPECTED as exc:
        log.info("/ask refused (%s): %s", type(exc).__name__, exc)
        raise gr.Error(str(exc), print_exception=False) from None
    return answer.to_dict()
