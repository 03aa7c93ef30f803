"""Asking over chosen articles only (`sources=`): retrieval, ask() and its errors, over a
real index of the seeds (real Chroma, real embeddings, real BM25)."""
import pytest

from qa import ask

FACTORY = "000_469921e68f22111a.txt"          # the Rheinmetall barrel-factory article
OTHERS = ["001_b844504321f5a661.txt", "002_100169222cfc808a.txt", "003_7a58e549412a915d.txt"]
QUESTION = "Which German company will open a factory in the UK?"


def test_retrieval_keeps_to_the_chosen_articles(seeded_pipeline):
    everything = seeded_pipeline.retriever.retrieve(QUESTION)
    assert {h.chunk.source for h in everything} > {FACTORY}          # the filter has something to remove
    chosen = frozenset(OTHERS[:2])
    hits = seeded_pipeline.retriever.retrieve(QUESTION, sources=chosen)
    assert hits and {h.chunk.source for h in hits} <= chosen
    store = seeded_pipeline.store
    dense = store.query_vectors(seeded_pipeline.embedder.encode([QUESTION])[0], 20, chosen)
    assert dense and {c.source for c in store.chunks_by_id([i for i, _ in dense]).values()} <= chosen


def test_ask_over_one_article_cites_only_it(seeded_pipeline):
    a = seeded_pipeline.ask(QUESTION, sources=[FACTORY])
    assert a.answered and "Rheinmetall" in a.text
    assert {c.source for c in a.citations} == {FACTORY}
    elsewhere = seeded_pipeline.ask(QUESTION, sources=OTHERS)
    assert all(c.source in OTHERS for c in elsewhere.citations)


def test_a_single_source_may_be_given_as_a_string(seeded_pipeline):
    assert seeded_pipeline.library_filter(FACTORY) == frozenset([FACTORY])
    assert seeded_pipeline.library_filter(None) is None


@pytest.mark.parametrize("sources, message", [([], "No articles chosen"),
                                               (["nope.txt"], "Not in the library: nope.txt"),
                                               ([FACTORY, "gone.md"], "Not in the library: gone.md")])
def test_bad_choices_are_clear_errors(seeded_pipeline, sources, message):
    with pytest.raises(ValueError, match=message):
        seeded_pipeline.ask(QUESTION, sources=sources)


def test_public_ask_takes_sources(seeded_settings):
    a = ask(QUESTION, settings=seeded_settings, sources=[FACTORY])
    assert {c.source for c in a.citations} == {FACTORY}
    with pytest.raises(ValueError, match="index --list"):
        ask(QUESTION, settings=seeded_settings, sources=["missing.txt"])
