"""The Gradio app: `build_app()` lays out the tabs and wires events; `serve()` runs it.

Handlers live in chat.py, library.py and evaluate.py; HTML in render.py; CSS in style.py
(colours in palette.py), theme and JS in theme.py. Answers (chat and /ask) run side by side in
their own queue ("answer"): retrieval and extractive work never wait behind another user's
generation, and generated answers take their turn at the one local model (qa/llm.py), their
place shown in the chat. Indexing and evaluation share one slot ("model").
"""
from __future__ import annotations

import logging
import socket
import sys
import threading

import gradio as gr
from starlette.middleware import Middleware

from qa import QASettings
from qa.modes import llm_problem, resolve_mode

from . import render, style, suggest, theme, upload_guard
from .auth_guard import LoginThrottle
from . import chat_tab
from .chat import ask_api
from .conversations import ConversationStore, default_store
from .library import MAX_UPLOAD_BYTES
from .tabs import evaluate_tab, library_tab, settings_tab

log = logging.getLogger(__name__)
MODEL = {"concurrency_limit": 1, "concurrency_id": "model"}
ANSWER = {"concurrency_limit": 8, "concurrency_id": "answer"}


def header_html(n_articles: int | None, mode: str) -> str:
    if n_articles is None:
        status = "index unavailable"
    else:
        status = f"{n_articles} article{'s' if n_articles != 1 else ''} indexed · {mode}"
    return ('<div id="sb-header"><div class="sb-brand"><div class="sb-logo">S</div><div><h1>Sourcebook</h1>'
            '<div class="sb-tagline">Answers from your news articles — every claim backed by a verbatim quote</div>'
            f'</div></div><div class="sb-status"><span class="sb-dot"></span>{render.esc(status)}</div></div>')


def examples(settings: QASettings) -> list[dict]:
    """The chat's example questions, from the articles indexed now ([] when none or unreadable)."""
    from index import list_articles

    try:
        rows = list_articles(settings=settings.index)
    except Exception:  # the chat and the header report a broken store
        return []
    return [{"text": q, "display_text": q} for q in suggest.suggestions(rows)]


def default_mode(settings: QASettings) -> str:
    """The mode answers will come in: the settings', else generative when a model is installed
    (extractive when none is, as the chat falls back)."""
    return resolve_mode(None, settings.mode, lambda: llm_problem(settings), fallback=True).mode.value


def build_app(settings: QASettings, *, conversations: ConversationStore | None = None) -> gr.Blocks:
    """The app over these settings; `conversations`: where chats are saved (default: the data
    folder's conversations.db)."""
    start_mode = default_mode(settings)

    def ask(question: str, mode: str | None = None, sources: list[str] | None = None) -> dict:
        """Answer a question from the articles (only `sources`, as the library lists them, when
        given); returns the Answer (text, answered, citations, conflicts)."""
        return ask_api(question, mode, sources, settings=settings)

    first_examples = examples(settings)
    store = conversations or default_store(settings.index.home)
    with gr.Blocks(title="Sourcebook", analytics_enabled=False) as demo:
        with gr.Row(equal_height=True):
            header = gr.HTML(header_html(None, start_mode), js_on_load=None, scale=1)
            # Gradio's /logout ends the session; shown only to a signed-in user (--auth).
            signout = gr.Button("Sign out", link="logout", size="sm", variant="secondary", visible=False, scale=0,
                                min_width=90, elem_id="sb-signout")
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"):
                chat = chat_tab.layout(first_examples)
            library_view, refresh_library, library_outputs = library_tab(settings, MODEL)
            mode, n_quotes = settings_tab(settings, start_mode)
            evaluate_tab(settings, mode, n_quotes, MODEL)

        suggested = gr.State(first_examples)   # the examples this page shows
        private = {"api_visibility": "private"}

        def status(mode_now=None):
            from index import list_articles

            try:
                n = len(list_articles(settings=settings.index))
            except Exception:  # the chat reports the details; the header only says it
                n = None
            return header_html(n, mode_now or start_mode)

        def resuggest(shown):
            # An update to the chat re-renders the page (a number being typed in another tab is
            # lost): only when the suggestions really changed.
            now = examples(settings)
            return (gr.skip(), shown) if now == shown else (gr.Chatbot(examples=now or None), now)

        # The header and the example questions follow the library: after each answer (the first
        # question may have indexed seeds/), an upload or a removal.
        recount = dict(fn=status, inputs=[mode], outputs=[header], queue=False, **private)
        suggest_again = dict(fn=resuggest, inputs=[suggested], outputs=[chat.chatbot, suggested], queue=False,
                             **private)
        refilter = dict(fn=chat_tab.filter_choices(settings), inputs=[chat.filter], outputs=[chat.filter],
                        queue=False, **private)
        load_events = chat_tab.wire(chat, settings, store, mode, n_quotes, [recount, suggest_again])

        def signed_in(request: gr.Request):
            return gr.Button(visible=bool(getattr(request, "username", None)))

        demo.load(**recount)
        demo.load(signed_in, None, [signout], queue=False, **private)
        demo.load(refresh_library, None, library_outputs, queue=False, **private)
        demo.load(**refilter)
        for event in load_events:
            demo.load(**event)
        library_view.change(**recount).then(**suggest_again).then(**refilter)
        mode.change(**recount)
        gr.api(ask, api_name="ask", **ANSWER)
    return demo


def parse_auth(auth: str | None) -> tuple[str, str] | None:
    """'USER:PASS' -> (user, password); ValueError with an example otherwise."""
    if auth is None or auth == "":
        return None
    user, sep, password = auth.partition(":")
    if not sep or not user.strip() or not password:
        raise ValueError("--auth must be USER:PASS, e.g. --auth alice:s3cret (the password may contain ':')")
    return user.strip(), password


def port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def launch(demo: gr.Blocks, host: str = "127.0.0.1", port: int = 7860, auth: tuple[str, str] | None = None,
           share: bool = False, block: bool = True):
    """Queue and start the app with the theme, CSS and script; returns Gradio's (app, url, share_url)."""
    demo.queue(max_size=64)
    throttle = {"middleware": [Middleware(LoginThrottle)]} if auth else None
    return demo.launch(server_name=host, server_port=port, auth=auth, share=share, prevent_thread_lock=not block,
                       app_kwargs=throttle,
                       quiet=True, show_error=True, ssr_mode=False, max_file_size=MAX_UPLOAD_BYTES, footer_links=["api"],
                       theme=theme.theme(), css=style.CSS,
                       js=f"() => {{ ({theme.JS})(); ({theme.COPY})(); ({upload_guard.SCRIPT})(); }}",
                       auth_message="Sign in to Sourcebook.")


def _warm_up(settings: QASettings) -> None:
    """Models and caches load while the page opens, not on the first question."""
    from qa.pipeline import default_pipeline

    try:
        took = default_pipeline(settings).warm_up()
        print(f"Models loaded in {took:.1f} s: ready for questions.", flush=True)
    except Exception as exc:  # the first question will report the problem to the user
        logging.getLogger(__name__).warning("warm-up failed: %s", exc)


def serve(host: str = "127.0.0.1", port: int = 7860, auth: str | None = None, share: bool = False) -> int:
    """Serve the chat until interrupted. 1 when the port is taken, 2 for a malformed --auth."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        credentials = parse_auth(auth)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not port_free(host, port):
        print(f"error: port {port} on {host} is already in use: choose another with --port", file=sys.stderr)
        return 1
    settings = QASettings.from_env()       # the one place the chat server reads the environment
    demo = build_app(settings)
    try:
        launch(demo, host, port, credentials, share, block=False)
    except OSError as exc:
        print(f"error: cannot serve on {host}:{port} ({exc}): choose another with --port", file=sys.stderr)
        return 1
    print("Loading the models in the background (about 10 s) ...", flush=True)
    threading.Thread(target=_warm_up, args=(settings,), daemon=True).start()
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    print(f"Sourcebook is running at http://{shown}:{port}  (Ctrl+C to stop)", flush=True)
    if host in ("0.0.0.0", "::"):
        print("note: listening on every network interface; use --auth USER:PASS on shared networks", flush=True)
    if share and getattr(demo, "share_url", None):
        print(f"Public share link: {demo.share_url}", flush=True)
    try:
        demo.block_thread()
    except KeyboardInterrupt:
        pass
    finally:
        demo.close()
    return 0


if __name__ == "__main__":
    sys.exit(serve())
