"""The answer's Rate and Export actions and the comment box, wired to the Chat tab's
components (`c`, from chat_tab.layout). The action links in each answer reach these through
hidden buttons (theme.JS_TAKE_ACT hands over which action, on which turn); Regenerate and Stop
belong with the answering chain in chat_tab.
"""
from __future__ import annotations

from types import SimpleNamespace
from typing import Callable

import gradio as gr

from . import conversation_events as ev
from . import render, theme
from .conversations import ConversationStore
from .turns import messages

PRIVATE = {"api_visibility": "private"}
QUICK = {"queue": False, **PRIVATE}


def wire(c: SimpleNamespace, store: ConversationStore, owner: Callable) -> None:
    # Ratings: a thumb saves at once; the comment box then offers to say why.
    def rate(value, turns, request: gr.Request):
        try:
            act, i = render.parse_action(value)
        except ValueError:
            return (gr.skip(),) * 6
        rating = 1 if act == "up" else -1
        turns, note = ev.rate(store, owner(request), list(turns), i, rating)
        return messages(turns), turns, gr.Column(visible=True), note, [i, rating], ""

    def comment(text, rated, turns, request: gr.Request):
        i, rating = rated
        if not (text or "").strip():
            return gr.skip(), gr.skip(), render.render_report_line("Type a comment first (or leave it: the rating "
                                                                   "is already saved).", False), gr.skip()
        turns, note = ev.rate(store, owner(request), list(turns), i, rating, text.strip())
        return turns, messages(turns), note, ""

    c.act["rate"].click(rate, [c.act_box, c.turns], [c.chatbot, c.turns, c.feedback, c.fb_note, c.rated,
                                                     c.fb_comment], js=theme.JS_TAKE_ACT, **QUICK)
    c.fb_send.click(comment, [c.fb_comment, c.rated, c.turns], [c.turns, c.chatbot, c.fb_note, c.fb_comment],
                    **QUICK)
    c.fb_comment.submit(comment, [c.fb_comment, c.rated, c.turns], [c.turns, c.chatbot, c.fb_note, c.fb_comment],
                        **QUICK)

    # Export: the file goes to the hidden download button, which the page then clicks.
    def export_one(value, turns):
        try:
            _, i = render.parse_action(value)
        except ValueError:
            return gr.skip(), gr.skip()
        path, note = ev.export(turns, "", i)
        return (gr.DownloadButton(value=path) if path else gr.skip()), note

    def export_all(turns, title):
        path, note = ev.export(turns, title)
        return (gr.DownloadButton(value=path) if path else gr.skip()), note

    c.act["export"].click(export_one, [c.act_box, c.turns], [c.download, c.note], js=theme.JS_TAKE_ACT,
                          **QUICK).then(None, None, None, js=theme.CLICK_DOWNLOAD, **PRIVATE)
    c.export.click(export_all, [c.turns, c.name], [c.download, c.note], **QUICK).then(
        None, None, None, js=theme.CLICK_DOWNLOAD, **PRIVATE)

