"""The Chat tab: the conversations panel (new, open, rename, delete with undo, export), the
chat with per-answer actions (copy, regenerate, rate, export; stop while answering), the
library filter and the source panel. `layout()` places the components; `wire()` connects
them once the Settings tab's controls exist. Handlers are in conversation_events.py and
chat.py; the page script in theme.py turns the answer's action links into these events.
"""
from __future__ import annotations

import threading
from contextlib import closing
from types import SimpleNamespace

import gradio as gr

from qa import QASettings

from . import answer_actions, render, theme
from . import conversation_events as ev
from .chat import finished, open_citation, respond
from .conversations import ConversationError, ConversationStore
from .turns import messages

PANEL_HINT = "Click a citation card or a [n] marker in an answer to read the article here, with the quote highlighted."
WELCOME = ('<div class="sb-welcome"><div class="sb-welcome-title">Ask about your articles</div>'
           '<div class="sb-welcome-text">Every answer quotes its sources word for word. When the articles '
           "don't say, Sourcebook tells you; when they disagree, it shows both sides.</div></div>")
PRIVATE = {"api_visibility": "private"}
QUICK = {"queue": False, **PRIVATE}
# The browser remembers which conversation is open (only its id; the server checks the owner).
OPEN_KEY = "sourcebook-open-conversation"


def owner(request: gr.Request | None) -> str:
    return getattr(request, "username", None) or ""


def layout(examples: list[dict]) -> SimpleNamespace:
    """The tab's components (call inside `with gr.Tab(...)`)."""
    c = SimpleNamespace()
    with gr.Row(equal_height=False, elem_id="sb-chat-row"):
        with gr.Column(scale=1, min_width=220, elem_id="sb-conv-col"):
            c.new = gr.Button("+ New conversation", size="sm", variant="primary", elem_id="sb-new")
            c.convs = gr.Radio([], label="Conversations", elem_id="sb-convs")
            c.name = gr.Textbox(label="Name", placeholder="Name of the open conversation", max_lines=1,
                                elem_id="sb-conv-name")
            with gr.Row():
                c.rename = gr.Button("Rename", size="sm", elem_id="sb-rename", min_width=80)
                c.delete = gr.Button("Delete", size="sm", variant="stop", elem_id="sb-delete", min_width=80)
            c.undo = gr.Button("Undo delete", size="sm", visible=False, elem_id="sb-undo")
            c.export = gr.Button("Export as Markdown", size="sm", elem_id="sb-export")
            c.download = gr.DownloadButton("Download", visible="hidden", elem_id="sb-download")
            c.note = gr.HTML(elem_id="sb-conv-note", js_on_load=None)
        with gr.Column(scale=3, min_width=420):
            # No LaTeX: "$" in news text is money. No built-in copy: it would copy HTML (each
            # answer has its own Copy action).
            c.chatbot = gr.Chatbot(elem_id="sb-chat", show_label=False, height="max(440px, calc(100vh - 330px))",
                                   latex_delimiters=[], feedback_options=None, buttons=[], layout="panel",
                                   examples=examples or None, placeholder=WELCOME)
            with gr.Row(equal_height=True):
                c.msg = gr.Textbox(placeholder="Ask a question about the articles…", show_label=False, scale=8,
                                   lines=1, max_lines=6, autofocus=True, elem_id="sb-input", container=False)
                c.send = gr.Button("Ask", variant="primary", scale=1, min_width=90, elem_id="sb-send")
                c.stop = gr.Button("Stop", variant="stop", scale=1, min_width=90, visible=False, elem_id="sb-stop")
            c.filter = gr.Dropdown([], value=[], multiselect=True, label="Ask only these articles",
                                   info="None chosen: all articles.", elem_id="sb-filter")
            with gr.Column(visible=False, elem_id="sb-feedback") as c.feedback:
                c.fb_note = gr.HTML(js_on_load=None)
                with gr.Row(equal_height=True):
                    c.fb_comment = gr.Textbox(label="Comment (optional)", max_lines=4, scale=4,
                                              elem_id="sb-fb-comment")
                    c.fb_send = gr.Button("Send comment", scale=1, min_width=120, elem_id="sb-fb-send")
        with gr.Column(scale=2, min_width=340, elem_id="sb-source-col"):
            c.panel = gr.HTML(render.render_panel_message(PANEL_HINT), elem_id="sb-source", js_on_load=None)
    c.cite_box = gr.Textbox(visible="hidden", elem_id="sb-cite-box")
    c.cite_btn = gr.Button("open", visible="hidden", elem_id="sb-cite-open")
    c.act_box = gr.Textbox(visible="hidden", elem_id="sb-act-box")
    c.act = {a: gr.Button(a, visible="hidden", elem_id=f"sb-act-{a}") for a in ("regen", "rate", "export")}
    c.turns = gr.State([])
    c.conv = gr.BrowserState("", storage_key=OPEN_KEY, secret=OPEN_KEY)
    c.deleted = gr.State("")
    c.pending = gr.State("")
    c.regen = gr.State(False)
    c.rated = gr.State([-1, 0])     # [turn index, rating] the comment box is for
    return c


def wire(c: SimpleNamespace, settings: QASettings, store: ConversationStore, mode, n_quotes,
         after_answer: list[dict]) -> list[dict]:
    """Connects the tab's events; returns the load-time events for build_app."""
    shown = [c.chatbot, c.turns, c.conv, c.convs, c.name, c.note]

    def show(view: ev.View):
        items = gr.skip() if view.listing is None else gr.Radio(choices=view.listing, value=view.conv or None)
        return messages(view.turns), view.turns, view.conv, items, view.title, view.note

    def restore(cid, request: gr.Request):
        return show(ev.open_conversation(store, owner(request), cid))

    def new(request: gr.Request):
        try:
            view = ev.View(listing=ev.listing(store, owner(request)))
        except ConversationError as exc:   # a broken file: the chat still starts afresh
            view = ev.View(note=ev.note(str(exc), False))
        return *show(view), gr.Column(visible=False), render.render_panel_message(PANEL_HINT)

    def rename(cid, title, request: gr.Request):
        view = ev.rename(store, owner(request), cid, title)
        items = gr.skip() if view.listing is None else gr.Radio(choices=view.listing, value=cid)
        return items, view.title or gr.skip(), view.note

    def delete(cid, request: gr.Request):
        view, gone = ev.delete(store, owner(request), cid)
        if not gone:
            return *(gr.skip(),) * 5, view.note, gr.skip(), gr.skip()
        return *show(view), gr.Button(visible=True), gone

    def undo(gone, request: gr.Request):
        return *show(ev.undelete(store, owner(request), gone)), gr.Button(visible=False), ""

    c.convs.input(restore, [c.convs], shown, **QUICK)
    c.new.click(new, None, [*shown, c.feedback, c.panel], **QUICK)
    # One clear control: the chat's own bin (hidden by CSS) would do the same as New.
    c.chatbot.clear(new, None, [*shown, c.feedback, c.panel], **QUICK)
    c.rename.click(rename, [c.conv, c.name], [c.convs, c.name, c.note], **QUICK)
    c.name.submit(rename, [c.conv, c.name], [c.convs, c.name, c.note], **QUICK)
    c.delete.click(delete, [c.conv], [*shown, c.undo, c.deleted], **QUICK)
    c.undo.click(undo, [c.deleted], [*shown, c.undo, c.deleted], **QUICK)

    # Answering: take the question, stream the turn (saved as it goes), then the list and buttons.
    def take(message):
        return "", message, False, gr.Button(visible=False), gr.Button(visible=True), gr.Column(visible=False)

    # Each page's running answer has a stop signal. Gradio re-sends a generator's last update when
    # it ends, so an answer that sees the signal ends on the stopped turn itself.
    running_answers: dict[str, threading.Event] = {}

    def answer(question, turns, cid, regen, mode_now, quotes, sources, request: gr.Request):
        user, turns, note, old = owner(request), list(turns or []), "", None
        if not (question or "").strip():
            return
        page = getattr(request, "session_hash", None) or ""
        stop = running_answers[page] = threading.Event()
        if regen and turns:
            old, turns = turns[-1], turns[:-1]
        tid = old["id"] if old is not None else None
        saved, shown = "pending", [*turns, old] if old is not None else turns   # what the page shows
        try:
            with closing(respond(question, turns, mode_now, quotes, sources or None, settings=settings)) as stream:
                for now in stream:
                    if stop.is_set():
                        break
                    if old is None and saved == "pending" and tid is None:
                        shown = now
                        yield messages(now), now, cid, note     # the status first: saving never delays it
                        cid, tid, note = ev.start_turn(store, user, cid, question)
                    now[-1]["id"] = tid
                    status = now[-1]["status"]
                    if old is not None and status == "error" and old.get("answer"):   # keep the answer there was
                        kept = [*turns, old]
                        yield messages(kept), kept, cid, ev.note(f"Regenerate failed: {now[-1]['error']} "
                                                                 "The previous answer is kept.", False)
                        return
                    # a regeneration replaces the saved answer only once the new one is complete
                    if status != saved and status in (("done",) if old is not None else ("draft", "done", "error")):
                        note = ev.save_turn(store, user, finished(now[-1])) or note
                        saved = status
                    shown = now
                    yield messages(now), now, cid, note
            if stop.is_set():
                shown, stopped_note = ev.stop(store, user, shown)
                yield messages(shown), shown, cid, stopped_note or note
        finally:
            if running_answers.get(page) is stop:
                del running_answers[page]

    def settle(cid, request: gr.Request):
        try:
            listed = ev.listing(store, owner(request))
            items = gr.Radio(choices=listed, value=cid or None)
            title = next((t for t, i in listed if i == cid), gr.skip())
        except ConversationError:   # the note already says the file is unusable
            items = title = gr.skip()
        return items, title, gr.Button(visible=True), gr.Button(visible=False)

    answer_args = dict(fn=answer, inputs=[c.pending, c.turns, c.conv, c.regen, mode, n_quotes, c.filter],
                       outputs=[c.chatbot, c.turns, c.conv, c.note], show_progress="hidden",
                       concurrency_limit=8, concurrency_id="answer", **PRIVATE)
    settle_args = dict(fn=settle, inputs=[c.conv], outputs=[c.convs, c.name, c.send, c.stop], **QUICK)

    def chain(first):
        # Ask comes back last, once the header and suggestions have followed the answer too.
        running = tail = first.then(**answer_args)
        for step in after_answer:
            tail = tail.then(**step)
        tail.then(**settle_args)
        return running

    def pick_example(evt: gr.SelectData):
        text = (evt.value or {}).get("text", "") if isinstance(evt.value, dict) else str(evt.value or "")
        return text, False, gr.Button(visible=False), gr.Button(visible=True), gr.Column(visible=False)

    ask_out = [c.msg, c.pending, c.regen, c.send, c.stop, c.feedback]
    running = [chain(c.msg.submit(take, [c.msg], ask_out, **QUICK)),
               chain(c.send.click(take, [c.msg], ask_out, **QUICK)),
               chain(c.chatbot.example_select(pick_example, None, ask_out[1:], **QUICK))]

    def regenerate(value, turns):
        try:
            act, i = render.parse_action(value)
        except ValueError:
            return "", False, gr.skip(), gr.skip(), gr.skip()
        if i != len(turns) - 1 or turns[i].get("status") in ("pending", "draft"):
            return "", False, gr.skip(), gr.skip(), gr.skip()
        return turns[i]["question"], True, gr.Button(visible=False), gr.Button(visible=True), gr.Column(visible=False)

    running.append(chain(c.act["regen"].click(regenerate, [c.act_box, c.turns], ask_out[1:], js=theme.JS_TAKE_ACT,
                                              **QUICK)))

    def stopped(turns, request: gr.Request):
        signal = running_answers.get(getattr(request, "session_hash", None) or "")
        if signal is not None:
            signal.set()
        turns, note = ev.stop(store, owner(request), list(turns or []))
        return messages(turns), turns, note, gr.Button(visible=True), gr.Button(visible=False)

    def stopped_again(turns, request: gr.Request):
        # An update the answer yielded just before Stop can reach the turn after Stop read it:
        # the turn shows as still being written. Stop it again; otherwise change nothing.
        if turns and turns[-1].get("status") in ("pending", "draft"):
            return stopped(turns, request)
        return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()

    # Stop goes through the queue, like the answer: its result travels on the page's one event
    # stream after every update the answer sent before it (a direct call's reply could overtake them).
    stop_out = [c.chatbot, c.turns, c.note, c.send, c.stop]
    stop_args = dict(outputs=stop_out, show_progress="hidden", concurrency_limit=None, **PRIVATE)
    c.stop.click(stopped, [c.turns], cancels=running, **stop_args).then(stopped_again, [c.turns], **stop_args)

    answer_actions.wire(c, store, owner)

    c.cite_btn.click(lambda v: open_citation(v, settings=settings), [c.cite_box], [c.panel], js=theme.JS_TAKE_CITE,
                     **QUICK).then(None, None, None, js=theme.SCROLL_TO_MARK, **PRIVATE)
    return [dict(fn=restore, inputs=[c.conv], outputs=shown, **QUICK)]


def filter_choices(settings: QASettings):
    """A refresh function for the library filter: the library's articles, keeping the chosen
    ones that are still there."""
    from index import list_articles

    def refresh(chosen):
        try:
            rows = list_articles(settings=settings.index)
        except Exception:   # the library tab and the header report a broken store
            return gr.skip()
        sources = {r["source"] for r in rows}
        choices = [(f"{r['title']} ({r['source']})", r["source"]) for r in rows]
        return gr.Dropdown(choices=choices, value=[s for s in chosen or [] if s in sources])
    return refresh
