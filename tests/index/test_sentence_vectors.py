"""Sentence vectors stored at index time (one model pass with the chunk's), so answering embeds
no article text: real embedding model, real Chroma, real pipeline."""
import logging

import numpy as np

from index import build_index
from index.chunking import article_sentences
from index.store import Store
from qa.pipeline import Pipeline
from qa.settings import QASettings


def test_every_sentence_has_a_vector_close_to_its_own(folder, settings, embedder):
    build_index(folder, settings=settings, embedder=embedder)
    store = Store(settings)
    for f in sorted(folder.glob("*.txt")):
        art = store.get_article(f.name)
        stored = store.sentence_vectors(f.name)
        spans = article_sentences(art)
        assert set(stored) == set(spans), f.name
        texts = [art.text[s:e] for s, e in spans]
        alone = embedder.encode(texts)
        read = np.stack([stored[sp] for sp in spans])
        assert np.allclose(np.linalg.norm(read, axis=1), 1.0, atol=1e-3)
        # Read in its chunk, a sentence keeps its own meaning: close to its own vector, and for
        # nearly every sentence among the three closest of the article's (seeds: median cosine
        # 0.72-0.82; among the top three for 90-100% of sentences).
        sims = read @ alone.T
        above = (sims > np.diag(sims)[:, None]).sum(1)
        assert np.median(np.diag(sims)) >= 0.65, f.name
        assert (above < 3).mean() >= 0.85, f.name


def test_answering_embeds_no_article_text(seeded_settings, embedder):
    seen: list[str] = []

    class Counting:
        """The real embedder, recording what it is asked to encode."""
        def __init__(self, inner):
            self.inner = inner

        def __getattr__(self, name):
            return getattr(self.inner, name)

        def encode(self, texts, *a, **k):
            seen.extend(texts)
            return self.inner.encode(texts, *a, **k)

    settings = QASettings(index=seeded_settings.index, mode="extractive")
    pipe = Pipeline(settings, embedder=Counting(embedder))
    store = pipe.store
    sentences = {store.get_article(a["source"]).text[s:e] for a in store.list_articles()
                 for s, e in article_sentences(store.get_article(a["source"]))}
    answer = pipe.ask("How many jobs will the new plant support?")
    assert answer.citations
    assert not [t for t in seen if t in sentences]


def test_deleting_and_editing_keep_sentence_vectors_in_step(folder, settings, embedder):
    build_index(folder, settings=settings, embedder=embedder)
    store = Store(settings)
    (folder / "002_100169222cfc808a.txt").unlink()
    f = folder / "000_469921e68f22111a.txt"
    f.write_text(f.read_text().replace("supporting 400 jobs", "supporting 450 jobs"))
    build_index(folder, settings=settings, embedder=embedder)
    orphans = store.db.execute("SELECT count(*) FROM sentence_vectors WHERE chunk_id NOT IN "
                               "(SELECT id FROM chunks)").fetchone()[0]
    assert orphans == 0
    assert store.sentence_vectors("002_100169222cfc808a.txt") == {}
    art = store.get_article(f.name)
    assert set(store.sentence_vectors(f.name)) == set(article_sentences(art))


def test_an_index_without_sentence_vectors_gets_them_once(folder, settings, embedder, caplog):
    first = build_index(folder, settings=settings, embedder=embedder)
    store = Store(settings)
    store.db.execute("DELETE FROM sentence_vectors")      # as an index made before they were stored
    with caplog.at_level(logging.INFO, logger="index.build"):
        again = build_index(folder, settings=settings, embedder=embedder)
    assert "predates stored sentence vectors" in caplog.text
    assert again.chunks_embedded == first.chunks_total
    assert store.count_chunks() == store.collection.count()
    assert build_index(folder, settings=settings, embedder=embedder).chunks_embedded == 0
    for a in store.list_articles():
        assert set(store.sentence_vectors(a["source"])) == set(article_sentences(store.get_article(a["source"])))
