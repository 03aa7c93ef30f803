"""The conversations file (SQLite): saved, renamed, deleted with undo, restored by a new
process; owners kept apart; a damaged or locked file gives a clear error and loses nothing.
Answers come from the real pipeline (extractive) so the stored JSON is what the chat stores."""
from __future__ import annotations

import json
import sqlite3

import pytest

from evaluation.golden import load_golden
from ui import chat
from ui.conversation_events import export, open_conversation, rate, start_turn, save_turn, stop
from ui.conversations import ConversationError, ConversationStore
from ui.feedback import export_rated
from ui.turns import answer_from_dict, answer_markdown, conversation_markdown, history, messages

JOBS = "How many jobs will the new Rheinmetall factory in the UK support?"
SIGNED = "When was the UK-Germany defence declaration signed?"


@pytest.fixture
def store(tmp_path):
    return ConversationStore(tmp_path / "conversations.db", timeout=0.2)


def answered(question, ui_settings, before=()):
    *_, turns = chat.respond(question, list(before), "extractive", 3, settings=ui_settings)
    return turns


def saved_conversation(store, ui_settings, user=""):
    cid, tid, note = start_turn(store, user, "", JOBS)
    assert note == "" and tid is not None
    turns = answered(JOBS, ui_settings)
    turns[-1]["id"] = tid
    assert save_turn(store, user, chat.finished(turns[-1])) == ""
    return cid, turns


def test_a_conversation_is_saved_as_structured_answers_and_restored(store, ui_settings, tmp_path):
    cid, turns = saved_conversation(store, ui_settings)
    again = ConversationStore(tmp_path / "conversations.db")      # another process, after a restart
    conv = again.get("", cid)
    assert conv["title"] == JOBS and len(conv["turns"]) == 1
    stored = conv["turns"][0]
    assert stored["status"] == "done" and stored["answer"] == json.loads(json.dumps(turns[-1]["answer"]))
    c = stored["answer"]["citations"][0]
    assert set(c) >= {"n", "source", "title", "quote", "start", "end"} and "<" not in stored["answer"]["text"]
    raw = sqlite3.connect(tmp_path / "conversations.db").execute("SELECT answer FROM turns").fetchone()[0]
    assert "sb-answer" not in raw and "<div" not in raw                # JSON, never HTML
    # the chat shown after a reload is rendered from the stored turns, and follow-ups use them
    view = open_conversation(again, "", cid)
    assert messages(view.turns) == messages([{k: v for k, v in turns[-1].items() if k != "note"}])
    assert history(view.turns)[0][1] == turns[-1]["answer"]["text"]
    assert answer_from_dict(stored["answer"]).citations[0].quote == c["quote"]


def test_rename_refuses_empty_and_delete_can_be_undone(store):
    cid = store.create("", "First")
    other = store.create("", "Second")
    with pytest.raises(ValueError, match="needs a name"):
        store.rename("", cid, "   ")
    assert store.get("", cid)["title"] == "First"
    assert store.rename("", cid, "  Jobs   at Rheinmetall ") == "Jobs at Rheinmetall"
    store.add_turn("", cid, "q?")
    store.delete("", cid)
    assert [c["id"] for c in store.list("")] == [other]
    with pytest.raises(KeyError):
        store.get("", cid)
    store.undelete("", cid)
    conv = store.get("", cid)
    assert conv["title"] == "Jobs at Rheinmetall" and [t["question"] for t in conv["turns"]] == ["q?"]
    assert {c["id"] for c in store.list("")} == {cid, other}


def test_conversations_belong_to_their_owner(store):
    cid = store.create("alice", "Alice's")
    assert store.list("bob") == [] and [c["title"] for c in store.list("alice")] == ["Alice's"]
    for act in (lambda: store.get("bob", cid), lambda: store.rename("bob", cid, "x"), lambda: store.delete("bob", cid),
                lambda: store.add_turn("bob", cid, "q")):
        with pytest.raises(KeyError):
            act()
    assert open_conversation(store, "bob", cid).turns == []       # a stale id in bob's browser: a new chat


def test_a_damaged_file_is_reported_and_left_as_it_was(tmp_path):
    path = tmp_path / "conversations.db"
    junk = b"this is not a database, but it is somebody's file\n" * 100
    path.write_bytes(junk)
    store = ConversationStore(path)
    with pytest.raises(ConversationError, match="cannot be read.*move it aside"):
        store.list("")
    with pytest.raises(ConversationError):
        store.create("", "new")
    assert path.read_bytes() == junk
    # the chat still answers, unsaved, and says why
    cid, tid, note = start_turn(store, "", "", "q?")
    assert tid is None and "Not saved" in note and "cannot be read" in note
    view = open_conversation(store, "", "whatever")
    assert view.turns == [] and "cannot be read" in view.note


def test_a_locked_file_is_reported_and_nothing_is_lost(store, tmp_path):
    cid = store.create("", "Kept")
    store.add_turn("", cid, "first question")
    holder = sqlite3.connect(tmp_path / "conversations.db")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(ConversationError, match="in use by another program.*Nothing was changed"):
            store.rename("", cid, "Lost?")
        with pytest.raises(ConversationError, match="locked"):
            store.add_turn("", cid, "second question")
    finally:
        holder.rollback()
        holder.close()
    conv = store.get("", cid)
    assert conv["title"] == "Kept" and [t["question"] for t in conv["turns"]] == ["first question"]


def test_stop_keeps_the_quotes_found_so_far(store, ui_settings):
    cid, tid, _ = start_turn(store, "", "", JOBS)
    done = answered(JOBS, ui_settings)[-1]
    streaming = {**done, "id": tid, "status": "draft", "note": "Writing an answer from these quotes…",
                 "partial": "The factory"}
    turns, note = stop(store, "", [streaming])
    assert note == "" and turns[-1]["status"] == "stopped" and "partial" not in turns[-1]
    assert store.get("", cid)["turns"][0]["status"] == "stopped"
    assert "Stopped" in messages(turns)[-1]["content"] and "sb-card" in messages(turns)[-1]["content"]
    early = {"id": tid, "question": JOBS, "answer": None, "status": "pending", "note": "Searching…"}
    turns, _ = stop(store, "", [early])
    assert turns[-1]["status"] == "error" and "Stopped before any quote" in turns[-1]["error"]


def test_ratings_are_stored_with_the_answer_and_export_as_golden_lines(store, ui_settings, tmp_path):
    cid, turns = saved_conversation(store, ui_settings)
    turns, note = rate(store, "", turns, 0, -1)
    assert turns[0]["rating"] == -1 and "rating saved" in note
    turns, note = rate(store, "", turns, 0, -1, "Should say 400 jobs, not the whole paragraph")
    assert "Comment saved" in note
    [r] = store.ratings()
    assert r["rating"] == -1 and r["comment"].startswith("Should say") and r["question"] == JOBS
    assert r["answer"]["citations"][0]["quote"] == turns[0]["answer"]["citations"][0]["quote"]
    assert store.get("", cid)["turns"][0]["rating"] == -1
    # a follow-up rated up carries its history
    tid = store.add_turn("", cid, "Where will it be?")
    follow = answered("Where will the factory be?", ui_settings, turns)
    follow[-1]["id"] = tid
    save_turn(store, "", chat.finished(follow[-1]))
    follow, _ = rate(store, "", follow, 1, 1)
    out = tmp_path / "rated.jsonl"
    assert export_rated(store, out) == 2 and export_rated(store, tmp_path / "up.jsonl", "up") == 1
    items = load_golden(out)          # the golden set's own loader accepts the lines
    assert items[0]["question"] == JOBS and items[0]["review"]["rating"] == "not helpful"
    assert items[0]["evidence"][0]["quote"] == r["answer"]["citations"][0]["quote"]
    assert items[1]["kind"] == "followup" and items[1]["history"][0][0] == JOBS
    assert "rating must be" in rate(store, "", follow, 1, 5)[1]
    assert rate(store, "", [{**follow[0], "id": None}], 0, 1)[1].count("not saved")


def test_markdown_export_has_numbered_sources_and_verbatim_quotes(ui_settings):
    turns = answered(SIGNED, ui_settings)
    a = turns[-1]["answer"]
    md = answer_markdown(turns[-1])
    assert md.startswith(f"## {SIGNED}") and a["text"].strip() in md
    for c in a["citations"]:
        assert f"{c['n']}. **{c['title']}**" in md and f"`{c['source']}`, characters {c['start']}–{c['end']}" in md
        assert "\n".join(f"> {line}".rstrip() for line in c["quote"].splitlines()) in md
    if a["conflicts"]:
        assert "disagree" in md
    whole = conversation_markdown("Defence", turns + answered(JOBS, ui_settings, turns)[-1:])
    assert whole.startswith("# Defence") and whole.count("\n## ") == 2
    path, note = export(turns, "Defence: UK & Germany", None)
    assert note == "" and path.endswith("sourcebook-defence-uk-germany.md")
    assert export([], "x")[0] is None and "Nothing to export" in export([], "x")[1]


def test_sourcebook_eval_exports_the_rated_answers(ui_settings, tmp_path, monkeypatch, capsys):
    import os
    from pathlib import Path

    from sourcebook_cli import main
    from ui.conversations import default_store

    out = tmp_path / "rated.jsonl"
    assert main(["eval", "--export-rated", str(out)]) == 1           # nothing rated yet: said, no file
    assert "no ratings yet" in capsys.readouterr().err and not out.exists()
    store = default_store(Path(os.environ["SOURCEBOOK_HOME"]))
    _, turns = saved_conversation(store, ui_settings)
    rate(store, "", turns, 0, 1, "Right number")
    assert main(["eval", "--export-rated", str(out), "--rated", "up"]) == 0
    assert "1 rated answer written" in capsys.readouterr().out
    [item] = load_golden(out)
    assert item["question"] == JOBS and item["review"] == {"rating": "helpful", "comment": "Right number",
                                                          "mode": "extractive", "owner": ""}
    assert main(["eval", "--export-rated", str(out), "--rated", "down"]) == 0 and load_golden_or_empty(out) == []


def load_golden_or_empty(path):
    return [] if not path.read_text().strip() else load_golden(path)


def test_a_failed_answer_offers_only_regenerate_and_only_when_latest():
    from ui.turns import render_turn

    failed = {"id": 1, "question": "q", "answer": None, "status": "error", "error": "No articles indexed yet."}
    latest = render_turn(failed, 0, last=True)
    assert "sb-error" in latest and "#sb-act/regen/0" in latest
    assert "sb-act-copy" not in latest and "sb-act-up" not in latest and "sb-act-export" not in latest
    assert "sb-act" not in render_turn(failed, 0, last=False)
