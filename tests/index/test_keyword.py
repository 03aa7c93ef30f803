"""The keyword index: LlamaIndex's BM25Retriever over the chunks, persisted in the data folder
and reloaded on the next start, rebuilt when the chunks change or the files are damaged."""
from __future__ import annotations

import logging

import pytest

from index import IndexSettings, build_index
from index.keyword import KeywordIndex, tokenize
from index.store import open_store


@pytest.fixture
def store(tmp_path, seeds_copy, embedder):
    settings = IndexSettings(home=tmp_path / "home")
    build_index([seeds_copy], settings=settings, embedder=embedder)
    return open_store(settings)


def test_search_ranks_chunks_with_the_query_words(store):
    found = store.keywords().search("Rheinmetall artillery barrels factory", 5)
    chunks = store.chunks_by_id([i for i, _ in found])
    assert found and all(s > 0 for _, s in found)
    assert "Rheinmetall" in chunks[found[0][0]].text
    assert [s for _, s in found] == sorted((s for _, s in found), reverse=True)
    assert store.keywords().search("the of and", 5) == []          # stop words match nothing


@pytest.mark.parametrize("words", [("die", "died", "dies"), ("flow", "flows", "flowing"), ("study", "studies"),
                                   ("rough", "roughly")])
def test_the_evidence_word_folding_agrees_across_inflections(words):
    # A question's lemma ("die") must meet the article's word ("died"); 'news' is not a plural.
    assert len({tuple(tokenize(w)) for w in words}) == 1, [tokenize(w) for w in words]
    assert tokenize("news") != tokenize("new")


def test_sources_filter_and_an_empty_choice(store):
    some = store.list_articles()[1]["source"]
    found = store.keywords().search("Rheinmetall factory jobs Germany", 10, frozenset([some]))
    assert found and {c.source for c in store.chunks_by_id([i for i, _ in found]).values()} == {some}
    assert store.keywords().search("Rheinmetall", 10, frozenset()) == []


def test_persisted_and_reloaded_without_rebuilding(store, caplog):
    chunks = store.all_chunks()
    folder = store.settings.home / "bm25"
    first = KeywordIndex(chunks, folder).search("Rheinmetall barrels", 3)
    assert (folder / "chunks.sha256").is_file()
    with caplog.at_level(logging.INFO, logger="index.keyword"):
        again = KeywordIndex(chunks, folder).search("Rheinmetall barrels", 3)
    assert again == first and "building the keyword index" not in caplog.text


def test_changed_chunks_or_damaged_files_rebuild(store, caplog):
    chunks = store.all_chunks()
    folder = store.settings.home / "bm25"
    expected = KeywordIndex(chunks, folder).search("Rheinmetall barrels", 3)
    (folder / "vocab.index.json").write_text("{not json")
    with caplog.at_level(logging.INFO, logger="index.keyword"):
        assert KeywordIndex(chunks, folder).search("Rheinmetall barrels", 3) == expected
    assert "unreadable" in caplog.text and "building the keyword index" in caplog.text
    fewer = [c for c in chunks if "Rheinmetall" not in c.text]
    assert KeywordIndex(fewer, folder).search("Rheinmetall", 3) == []
