"""A conversation as structured turns, and everything made from them: the chat's messages,
the history a follow-up is asked with, and the Markdown export.

A turn is a dict: {"id": int | None (its row in the conversations file), "question": str,
"answer": Answer.to_dict() or None, "status": "pending" | "draft" | "done" | "stopped" |
"error", "error": str | None, "rating": 1 | -1 | None}, plus while it streams "partial"
(the model's text so far) and "note" (what the chat is doing). The chat's HTML is always
rendered from turns and never read back.
"""
from __future__ import annotations

from qa import Answer, Citation
from qa.types import Conflict, ConflictSide

from . import render

STOPPED_NOTE = "Stopped: these are the verified quotes found before you stopped the answer."
INTERRUPTED = "This answer was interrupted (the page was closed or the server stopped): ask again."


def answer_from_dict(d: dict) -> Answer:
    citations = [Citation(**c) for c in d.get("citations") or []]
    conflicts = [Conflict(c["fact"], tuple(ConflictSide(**s) for s in c["sides"])) for c in d.get("conflicts") or []]
    keep = ("text", "answered", "timings", "question", "standalone_question", "mode", "notes")
    return Answer(citations=citations, conflicts=conflicts, **{k: d[k] for k in keep if k in d})


def new_turn(question: str) -> dict:
    return {"id": None, "question": question, "answer": None, "status": "pending", "error": None, "rating": None}


def history(turns: list[dict]) -> list[tuple[str, str]]:
    """(question, answer text) of the answered turns, for follow-ups: a refusal, an error or an
    unfinished answer is not context."""
    return [(t["question"], t["answer"]["text"]) for t in turns
            if t.get("status") in ("done", "stopped") and t.get("answer") and t["answer"].get("answered")]


def render_turn(turn: dict, index: int, last: bool = True) -> str:
    """The assistant message of one turn; finished answers carry their actions."""
    status, a = turn.get("status"), turn.get("answer")
    if status == "error":   # the latest can be asked again
        retry = render.render_actions(index, turn, last, only=("regen",)) if last else ""
        return render.render_error(turn.get("error") or "Something went wrong.") + retry
    if status in ("pending", "draft") and "note" not in turn and "partial" not in turn:
        # loaded from the file but never finished: the server stopped mid-answer
        if a is None:
            return render.render_error(INTERRUPTED)
        return render.render_answer(answer_from_dict(a), [INTERRUPTED]) + render.render_actions(index, turn, last)
    if "partial" in turn:
        return render.render_partial(turn["partial"], answer_from_dict(a) if a else None)
    if status == "draft" and a:
        return render.render_draft(answer_from_dict(a), turn.get("note") or "")
    if status == "pending" or a is None:
        return render.render_status(turn.get("note") or "Searching the articles…")
    notes = [STOPPED_NOTE] if status == "stopped" else []
    return render.render_answer(answer_from_dict(a), notes) + render.render_actions(index, turn, last)


def messages(turns: list[dict]) -> list[dict]:
    """The Chatbot's message list."""
    out: list[dict] = []
    for i, t in enumerate(turns or []):
        out.append({"role": "user", "content": render.render_question(t["question"])})
        out.append({"role": "assistant", "content": render_turn(t, i, last=i == len(turns) - 1)})
    return out


def _quote(text: str) -> str:
    return "\n".join(f"> {line}".rstrip() for line in text.splitlines() or [""])


def answer_markdown(turn: dict, heading: str = "##") -> str:
    """One turn as Markdown: the question, the answer with its [n] markers, any disagreement,
    then each numbered source with its title, date, file, offsets and verbatim quote."""
    out = [f"{heading} {turn['question'].strip()}", ""]
    a = turn.get("answer")
    if not a:
        out.append(f"_{turn.get('error') or 'No answer.'}_")
        return "\n".join(out) + "\n"
    answer = answer_from_dict(a)
    if not answer.answered:
        out.append(f"_{render.ABSTAIN_TITLE}._ {render.refusal_reason(answer.text)}".rstrip())
    else:
        out.append(answer.text.strip())
    for c in answer.conflicts:
        out += ["", f"**{c.describe()}.**"]
    if turn.get("status") == "stopped":
        out += ["", f"_{STOPPED_NOTE}_"]
    if answer.citations:
        out += ["", "Sources:", ""]
        for c in answer.citations:
            date = f", {c.published[:10]}" if c.published else ""
            out += [f"{c.n}. **{c.title}**{date} — `{c.source}`, characters {c.start}–{c.end}", "",
                    _quote(c.quote), ""]
    out.append(f"_Answered in {answer.mode} mode by Sourcebook._")
    return "\n".join(out).rstrip() + "\n"


def conversation_markdown(title: str, turns: list[dict]) -> str:
    parts = [f"# {title.strip() or 'Conversation'}", ""]
    parts += [answer_markdown(t) for t in turns]
    return "\n".join(parts)
