"""The handlers behind the conversations panel and the per-answer actions, as plain functions
of (the store, the signed-in user, the page's state) returning what the page shows. Gradio
types stay in chat_tab.py, which wires these to components.

Every outcome is a `View`: the turns to show, the open conversation, the list, and a note
for the user. Store problems become the note (the chat itself keeps working unsaved).
"""
from __future__ import annotations

import logging
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from . import render, turns as turns_mod
from .conversations import ConversationError, ConversationStore

log = logging.getLogger(__name__)


@dataclass
class View:
    turns: list[dict] = field(default_factory=list)
    conv: str = ""                      # the open conversation's id ("" = a new, unsaved one)
    title: str = ""
    listing: list[tuple[str, str]] | None = None   # (title, id); None = unchanged
    note: str = ""                      # HTML for the panel's note line


def note(message: str, ok: bool | None = None) -> str:
    return render.render_report_line(message, ok) if message else ""


def listing(store: ConversationStore, user: str) -> list[tuple[str, str]]:
    return [(c["title"], c["id"]) for c in store.list(user)]


def open_conversation(store: ConversationStore, user: str, cid: str | None) -> View:
    """The conversation `cid` (a reload, or a click in the list); a new one when it is gone."""
    try:
        items = listing(store, user)
        if not cid:
            return View(listing=items)
        conv = store.get(user, cid)
    except ConversationError as exc:
        return View(listing=[], note=note(str(exc), False))
    except KeyError:   # deleted, another user's, or a file that was replaced
        return View(listing=items)
    return View(conv["turns"], cid, conv["title"], items)


def rename(store: ConversationStore, user: str, cid: str, title: str) -> View:
    if not cid:
        return View(note=note("Ask a question first: a conversation is saved with its first answer.", False))
    try:
        new = store.rename(user, cid, title)
        return View(conv=cid, title=new, listing=listing(store, user), note=note(f"Renamed to “{new}”.", True))
    except ValueError as exc:
        return View(conv=cid, note=note(str(exc), False))
    except (KeyError, ConversationError) as exc:
        return View(conv=cid, note=note(_why(exc), False))


def delete(store: ConversationStore, user: str, cid: str) -> tuple[View, str]:
    """(the view after deleting, the id Undo restores)."""
    if not cid:
        return View(note=note("Nothing to delete: this conversation is not saved yet.")), ""
    try:
        title = store.get(user, cid)["title"]
        store.delete(user, cid)
        return View(listing=listing(store, user), note=note(f"Deleted “{title}”. Undo brings it back.", True)), cid
    except (KeyError, ConversationError) as exc:
        return View(conv=cid, note=note(_why(exc), False)), ""


def undelete(store: ConversationStore, user: str, cid: str) -> View:
    try:
        store.undelete(user, cid)
    except (KeyError, ConversationError) as exc:
        return View(note=note(_why(exc), False))
    view = open_conversation(store, user, cid)
    view.note = note(f"Restored “{view.title}”.", True)
    return view


def _why(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return "That conversation is no longer there (deleted elsewhere?): choose another or start a new one."
    return str(exc)


def start_turn(store: ConversationStore, user: str, cid: str, question: str) -> tuple[str, int | None, str]:
    """Saves a question before it is answered: (conversation id, turn id, note). A new
    conversation is named after its first question. On a store error the turn goes unsaved."""
    try:
        if cid:
            try:
                store.get(user, cid)
            except KeyError:
                cid = ""
        cid = cid or store.create(user, question)
        return cid, store.add_turn(user, cid, question), ""
    except ConversationError as exc:
        log.warning("conversation not saved: %s", exc)
        return cid, None, note(f"Not saved: {exc}", False)


def save_turn(store: ConversationStore, user: str, turn: dict) -> str:
    """Writes a turn's answer as structured JSON; a note when it could not be saved."""
    if turn.get("id") is None:
        return ""
    try:
        store.save_answer(user, turn["id"], turn.get("answer"), turn["status"], turn.get("error"))
    except (KeyError, ConversationError) as exc:
        log.warning("answer not saved: %s", exc)
        return note(f"Not saved: {_why(exc)}", False)
    return ""


def stop(store: ConversationStore, user: str, turns: list[dict]) -> tuple[list[dict], str]:
    """The last turn after Stop: its verified quotes kept (marked stopped), or an error when
    none had arrived yet."""
    if not turns or turns[-1].get("status") not in ("pending", "draft"):
        return turns, ""
    turn = {k: v for k, v in turns[-1].items() if k not in ("note", "partial")}
    if turn.get("answer"):
        turn["status"] = "stopped"
    else:
        turn.update(status="error", error="Stopped before any quote was found: ask again when you are ready.")
    return [*turns[:-1], turn], save_turn(store, user, turn)


def rate(store: ConversationStore, user: str, turns: list[dict], index: int, rating: int,
         comment: str | None = None) -> tuple[list[dict], str]:
    turn = turns[index] if 0 <= index < len(turns) else None
    if turn is None or turn.get("status") not in ("done", "stopped"):
        return turns, note("Only a finished answer can be rated.", False)
    if turn.get("id") is None:
        return turns, note("This answer was not saved, so it cannot be rated (see the note above).", False)
    try:
        store.rate(user, turn["id"], rating, comment)
    except (KeyError, ValueError, ConversationError) as exc:
        return turns, note(_why(exc), False)
    turns = [*turns[:index], {**turn, "rating": rating}, *turns[index + 1:]]
    said = "Comment saved with your rating." if comment else "Thanks: rating saved. Add a comment below if you like."
    return turns, note(said, True)


def export_file(title: str, markdown: str) -> str:
    """A Markdown file for the browser to download, named after the title."""
    name = re.sub(r"[^A-Za-z0-9]+", "-", title).strip("-").lower()[:60] or "conversation"
    folder = Path(tempfile.mkdtemp(prefix="sourcebook-export-"))
    path = folder / f"sourcebook-{name}.md"
    path.write_text(markdown, encoding="utf-8")
    return str(path)


def export(turns: list[dict], title: str, index: int | None = None) -> tuple[str | None, str]:
    """(file path, note): the whole conversation, or the turn at `index`."""
    done = [t for t in turns if t.get("status") not in ("pending", "draft") or t.get("answer")]
    if not done:
        return None, note("Nothing to export yet: ask a question first.", False)
    if index is not None:
        if not 0 <= index < len(turns):
            return None, note("That answer is no longer in the chat.", False)
        turn = turns[index]
        return export_file(turn["question"][:60], turns_mod.answer_markdown(turn, "#")), ""
    return export_file(title or "conversation", turns_mod.conversation_markdown(title or "Conversation", done)), ""
