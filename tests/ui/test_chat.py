"""The chat handlers on the real pipeline (extractive; one generative test behind `slow`)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from index import get_article
from ui import evaluate, render
from ui import chat
from ui.chat import ask_api, open_citation
from ui.turns import history, messages

from htmltext import answer_text_of, plain_text

JOBS = "How many jobs will the new Rheinmetall factory in the UK support?"


def last(items):
    out = None
    for out in items:
        pass
    return out


def respond(*args, **kwargs):
    """The chat as the page shows it: each step's turns rendered to messages."""
    for turns in chat.respond(*args, **kwargs):
        yield messages(turns)


def test_respond_streams_then_renders_cards(ui_settings):
    steps = list(respond(JOBS, [], "extractive", 3, settings=ui_settings))
    assert len(steps) >= 2
    first, final = steps[0], steps[-1]
    assert first[-2]["role"] == "user" and "sb-pending" in first[-1]["content"]   # shown at once
    assert [m["role"] for m in final] == ["user", "assistant"]
    html = final[-1]["content"]
    assert 'class="sb-answer"' in html and "sb-card" in html and "400" in answer_text_of(html)
    assert len(re.findall(r'class="sb-card"', html)) <= 3


def test_the_first_status_says_when_the_models_are_still_loading(ui_settings):
    from qa.pipeline import default_pipeline
    from ui.chat import session_settings

    pipe = default_pipeline(session_settings(ui_settings, 3))
    was = pipe.ready.is_set()
    try:
        pipe.ready.clear()
        first = next(iter(respond(JOBS, [], "extractive", 3, settings=ui_settings)))
        assert "Loading the models" in first[-1]["content"]
        pipe.ready.set()
        first = next(iter(respond(JOBS, [], "extractive", 3, settings=ui_settings)))
        assert "Searching the articles" in first[-1]["content"]
    finally:
        pipe.ready.set() if was else pipe.ready.clear()


def test_follow_up_history_comes_from_the_structured_turns(ui_settings):
    turns = last(chat.respond("What will the joint venture RBSL build?", [], "extractive", 3, settings=ui_settings))
    assert turns[-1]["status"] == "done" and turns[-1]["answer"]["citations"]
    pairs = history(turns)
    assert len(pairs) == 1 and pairs[0][0] == "What will the joint venture RBSL build?"
    assert "Boxer" in pairs[0][1] and "[1]" in pairs[0][1] and "<" not in pairs[0][1]
    follow = last(chat.respond("Where does it build them?", turns, "extractive", 3, settings=ui_settings))
    assert len(follow) == 2 and follow[0] == turns[0]
    assert "Telford" in follow[-1]["answer"]["text"] and "Telford" in messages(follow)[-1]["content"]


def test_a_refusal_shows_its_message_once_and_is_not_history(ui_settings):
    said = last(respond("Who won the 2022 FIFA World Cup?", [], "extractive", 3, settings=ui_settings))
    shown = plain_text(said[-1]["content"])
    assert "sb-abstain" in said[-1]["content"]
    assert shown.count(render.ABSTAIN_TITLE) == 1 and shown.count("don't") == 1, shown
    assert "None of the indexed articles" not in shown
    turns = last(chat.respond("Who won the 2022 FIFA World Cup?", [], "extractive", 3, settings=ui_settings))
    assert turns[-1]["answer"]["answered"] is False and history(turns) == []


def test_respond_shows_errors_and_ignores_blank_input(ui_settings):
    assert list(respond("   ", [], "extractive", 3, settings=ui_settings)) == []
    final = last(respond("x" * 2500, [], "extractive", 3, settings=ui_settings))
    assert "sb-error" in final[-1]["content"] and "limit is 2,000" in final[-1]["content"]
    turns = last(chat.respond("x" * 2500, [], "extractive", 3, settings=ui_settings))
    assert turns[-1]["status"] == "error" and history(turns) == []   # a failed turn is not history


def test_missing_model_falls_back_to_extractive_with_a_note(ui_settings, tmp_path):
    no_llm = ui_settings.with_(llm_model=tmp_path / "missing.gguf", mode=None)
    final = last(respond(JOBS, [], "generative", 3, settings=no_llm))
    html = final[-1]["content"]
    assert "sb-card" in html and "The local model is not available" in html and "extractive ·" in html


def test_open_citation_highlights_the_quote(ui_settings):
    answer = ask_api(JOBS, "extractive", settings=ui_settings)
    c = answer["citations"][0]
    out = open_citation("#" + render.cite_ref(c["source"], c["start"], c["end"], c["n"]), settings=ui_settings)
    m = re.search(r'<mark id="sb-hl-\d+" class="sb-hl">(.*?)</mark>', out, re.S)
    assert m and plain_text(m.group(1)) == c["quote"]
    assert "Click a citation" in open_citation("garbage", settings=ui_settings)
    gone = open_citation("#" + render.cite_ref("nope.txt", 0, 5, 1), settings=ui_settings)
    assert "no longer in the library" in gone


def test_hostile_article_is_answered_and_shown_as_text(ui_settings, hostile):
    answer = ask_api(hostile["question"], "extractive", settings=ui_settings)
    assert answer["answered"]
    c = next(c for c in answer["citations"] if c["source"] == hostile["source"])
    panel = open_citation("#" + render.cite_ref(c["source"], c["start"], c["end"], c["n"]), settings=ui_settings)
    assert "<script" not in panel and "<img" not in panel
    assert "&lt;script&gt;" in panel and "&lt;img src=x onerror=" in panel


def test_ask_api_returns_verbatim_citations_and_rejects_bad_input(ui_settings):
    import gradio as gr

    answer = ask_api(JOBS, None, settings=ui_settings)
    assert answer["answered"] and answer["citations"]
    for c in answer["citations"]:
        assert get_article(c["source"], settings=ui_settings.index).text[c["start"]:c["end"]] == c["quote"]
    with pytest.raises(gr.Error, match="empty"):
        ask_api("  ", None, settings=ui_settings)
    with pytest.raises(gr.Error, match="mode"):
        ask_api(JOBS, "creative", settings=ui_settings)


def test_evaluate_tab_runs_the_evaluator(ui_settings, monkeypatch):
    # As when served: the settings come from SOURCEBOOK_HOME (evaluation checks quotes against it).
    monkeypatch.setenv("SOURCEBOOK_HOME", str(ui_settings.index.home))
    calls = []
    summary, headers, rows, status = evaluate.run("extractive", 2, ui_settings, lambda d, t: calls.append((d, t)))
    assert "Evaluated 2 questions" in status, status
    assert len(rows) == 2 and "question" in headers and calls[-1] == (2, 2)
    assert "<table" in summary


@pytest.mark.slow
@pytest.mark.skipif(not (Path.home() / ".cache/sourcebook/models").is_dir(), reason="no local model installed")
def test_generative_answer_streams_partial_text(ui_settings):
    steps = list(respond(JOBS, [], "generative", 4, settings=ui_settings.with_(mode=None)))
    contents = [s[-1]["content"] for s in steps]
    final = contents[-1]
    assert 'class="sb-answer' in final and "generative" in final
    if "sb-card" in final:  # an answer (not a fallback): text arrived in pieces before it
        assert any("sb-streaming" in c for c in contents[:-1])


@pytest.mark.slow
@pytest.mark.skipif(not (Path.home() / ".cache/sourcebook/models").is_dir(), reason="no local model installed")
def test_the_quotes_show_before_the_model_writes(ui_settings):
    """Answers at once: the verified quotes replace the spinner before the first generated word."""
    steps = [s[-1]["content"] for s in respond(JOBS, [], "generative", 3, settings=ui_settings.with_(mode=None))]
    drafts = [i for i, c in enumerate(steps) if "sb-draft" in c]
    assert drafts, steps[:3]
    first_draft = steps[drafts[0]]
    assert "400" in first_draft and "sb-card" in first_draft and "Writing an answer" in first_draft
    streamed = [i for i, c in enumerate(steps) if "sb-streaming" in c]
    assert not streamed or drafts[0] < streamed[0]
    # While the text streams, the quotes stay on screen; the final answer has no draft left.
    assert all("sb-card" in steps[i] for i in streamed)
    assert "sb-draft" not in steps[-1] and "sb-streaming" not in steps[-1]


def test_a_draft_renders_its_quotes_with_live_markers(ui_settings):
    from qa.pipeline import Pipeline

    answer = Pipeline(ui_settings.with_(mode="extractive")).ask(JOBS)
    html = render.render_draft(answer, "Writing an answer from these quotes…")
    assert "sb-draft" in html and "Writing an answer from these quotes…" in html
    assert html.count('class="sb-card"') == len(answer.citations) and "400" in html
    partial = render.render_partial("The factory will support", answer)
    assert "sb-streaming" in partial and "Quotes found" in partial and "The factory will support" in partial
    assert "Quotes found" not in render.render_partial("The factory will support")


def test_a_draft_says_how_many_answers_are_ahead():
    from ui.chat import _draft_status

    assert _draft_status(0) == "Writing an answer from these quotes…"
    assert "1 answer ahead of yours" in _draft_status(1) and "3 answers ahead" in _draft_status(3)
    # A provisional refusal says the model is still checking, never that quotes were found.
    assert _draft_status(0, answered=False) == "The model is checking the closest passages…"
    assert "2 answers ahead of yours" in _draft_status(2, answered=False)
    assert "quotes found" not in _draft_status(2, answered=False)


def test_the_not_found_sentinel_never_shows_while_streaming():
    from ui.chat import _sentinel

    assert _sentinel("NOT_IN") and _sentinel("NOT_IN_ARTICLES") and _sentinel(" not in articles")
    assert not _sentinel("") and not _sentinel("NATO said") and not _sentinel("Nothing was")


def test_the_library_filter_reaches_the_pipeline_and_a_gone_article_is_named(ui_settings, hostile):
    *_, turns = chat.respond(JOBS, [], "extractive", 3, ["000_469921e68f22111a.txt"], settings=ui_settings)
    assert {c["source"] for c in turns[-1]["answer"]["citations"]} == {"000_469921e68f22111a.txt"}
    *_, turns = chat.respond(JOBS, [], "extractive", 3, [hostile["source"]], settings=ui_settings)
    assert {c["source"] for c in turns[-1]["answer"]["citations"]} <= {hostile["source"]}
    # an article removed after it was chosen: the user is told which, nothing is answered from others
    *_, turns = chat.respond(JOBS, [], "extractive", 3, ["gone.txt"], settings=ui_settings)
    assert turns[-1]["status"] == "error" and "gone.txt" in turns[-1]["error"]
    assert "gone.txt" in messages(turns)[-1]["content"] and "sb-error" in messages(turns)[-1]["content"]
