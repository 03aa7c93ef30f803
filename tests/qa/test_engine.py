"""Sourcebook as LlamaIndex components (qa/engine.py) over the real seeds index: the query
engine's source nodes are the verified quotes, the chat engine answers follow-ups from its
memory, and the README's example runs as written."""
from __future__ import annotations

import re
from pathlib import Path

from llama_index.core.base.llms.types import ChatMessage

from index import get_article
from index.store import Store
from qa.engine import SourcebookChatEngine, SourcebookQueryEngine

README = Path(__file__).resolve().parents[2] / "README.md"
QUESTION = "Which German company will open a factory in the UK?"


def test_query_engine_sources_are_the_verified_quotes(seeded_pipeline, seeded_settings):
    r = SourcebookQueryEngine(seeded_pipeline, mode="extractive").query(QUESTION)
    assert "Rheinmetall" in str(r) and r.metadata["answered"]
    assert r.source_nodes and [n.node.metadata["n"] for n in r.source_nodes] == [1 + i for i in range(len(r.source_nodes))]
    for hit in r.source_nodes:
        node = hit.node
        text = get_article(node.metadata["source"], settings=seeded_settings.index).text
        assert text[node.start_char_idx:node.end_char_idx] == node.text


def test_query_engine_refuses_and_keeps_to_chosen_articles(seeded_pipeline):
    r = SourcebookQueryEngine(seeded_pipeline, mode="extractive").query("Who won the 2022 FIFA World Cup?")
    assert not r.metadata["answered"] and not r.source_nodes and "don't say" in str(r)
    factory = "000_469921e68f22111a.txt"
    r = SourcebookQueryEngine(seeded_pipeline, mode="extractive", sources=[factory]).query(QUESTION)
    assert {n.node.metadata["source"] for n in r.source_nodes} == {factory}


def test_chat_engine_answers_a_follow_up_from_its_memory(seeded_pipeline):
    chat = SourcebookChatEngine(seeded_pipeline, mode="extractive")
    chat.chat(QUESTION)
    follow = chat.chat("How many jobs will it support?")
    assert "400" in str(follow) and follow.metadata["answer"].standalone_question != "How many jobs will it support?"
    assert [m.role.value for m in chat.chat_history] == ["user", "assistant"] * 2
    streamed = chat.stream_chat("When will it start?")
    assert "".join(streamed.response_gen) and len(chat.chat_history) == 6
    chat.reset()
    assert chat.chat_history == []


def test_chat_engine_takes_a_given_history(seeded_pipeline):
    chat = SourcebookChatEngine(seeded_pipeline, mode="extractive")
    first = seeded_pipeline.ask(QUESTION, mode="extractive")
    r = chat.chat("How many jobs will it support?", chat_history=[ChatMessage(role="user", content=QUESTION),
                                                                   ChatMessage(role="assistant", content=first.text)])
    assert "400" in str(r)


def test_the_readme_example_runs_as_written(seeded_settings, monkeypatch, capsys):
    block = re.search(r"<!-- llamaindex-example -->\n```python\n(.*?)```", README.read_text(), re.S)
    assert block, "README lost its LlamaIndex example"
    monkeypatch.setenv("SOURCEBOOK_HOME", str(seeded_settings.index.home))
    monkeypatch.setenv("SOURCEBOOK_MODE", "extractive")
    exec(compile(block.group(1), "README example", "exec"), {})
    out = capsys.readouterr().out
    assert "Rheinmetall" in out and "400" in out


def test_the_readme_index_example_runs_as_written(seeded_settings, monkeypatch, capsys):
    block = re.search(r"<!-- llamaindex-index-example -->\n```python\n(.*?)```", README.read_text(), re.S)
    assert block, "README lost its LlamaIndex index example"
    monkeypatch.setenv("SOURCEBOOK_HOME", str(seeded_settings.index.home))
    exec(compile(block.group(1), "README index example", "exec"), {})
    out = capsys.readouterr().out
    assert "Rheinmetall" in out
    # Each hit printed as "source start end text": the text is the article's at those offsets.
    store = Store(seeded_settings.index)
    hits = re.findall(r"^(\S+\.txt) (\d+) (\d+) ", out, re.M)
    assert len(hits) == 3
    for source, start, end in hits:
        text = store.get_article(source).text[int(start):int(end)]
        assert f"{source} {start} {end} {text}" in out
