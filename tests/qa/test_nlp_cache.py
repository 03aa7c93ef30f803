"""qa.readings.Readings: the NLP's readings kept per text, with the real spaCy model."""
from __future__ import annotations

import pytest

from qa.nlp import NLP, shared_nlp
from qa.readings import Readings

TEXTS = ["The council approved a budget of $4 million on Tuesday.",
         "Maria Lopez, the mayor of Springfield, said the plan would create 400 jobs."]


class CountingNLP(NLP):
    """The real pipeline, counting the texts it reads."""

    def __init__(self) -> None:
        super().__init__()
        self._nlp = shared_nlp().model      # loaded once for the module
        self.read: list[str] = []

    def annotate_many(self, texts, entities=True):
        self.read.extend(texts)
        return super().annotate_many(texts, entities)


def readings(size: int = 8192) -> tuple[Readings, CountingNLP]:
    nlp = CountingNLP()
    return Readings(nlp, size), nlp


@pytest.fixture(scope="module")
def fresh():
    return shared_nlp()


def test_a_text_read_before_is_not_read_again_and_reads_the_same(fresh):
    r, nlp = readings()
    first = r.annotate_many(TEXTS)
    again = r.annotate_many([TEXTS[1], TEXTS[0], TEXTS[1]])
    assert nlp.read == TEXTS                      # the second call read nothing
    assert again == [first[1], first[0], first[1]]
    assert first == fresh.annotate_many(TEXTS)    # cached or not, the same reading
    assert any(e.label == "MONEY" for e in first[0].entities)


def test_a_reading_without_entities_does_not_serve_a_request_for_them():
    r, nlp = readings()
    bare = r.annotate_many(TEXTS[:1], entities=False)
    assert bare[0].entities is None
    full = r.annotate_many(TEXTS[:1])
    assert nlp.read == [TEXTS[0], TEXTS[0]] and full[0].entities
    assert r.annotate_many(TEXTS[:1], entities=False) == full   # a fuller reading serves a bare request
    assert len(nlp.read) == 2


def test_the_cache_keeps_the_most_recently_used_texts():
    r, nlp = readings(size=2)
    r.annotate_many(["One sentence.", "Two sentences."])
    r.annotate_many(["One sentence."])          # now the most recent
    r.annotate_many(["Three sentences."])       # evicts "Two sentences."
    nlp.read.clear()
    r.annotate_many(["One sentence.", "Two sentences.", "Three sentences."])
    assert nlp.read == ["Two sentences."]


def test_duplicates_in_one_batch_are_read_once():
    r, nlp = readings()
    out = r.annotate_many([TEXTS[0], TEXTS[0]])
    assert nlp.read == [TEXTS[0]] and out[0] is out[1]


def test_each_pipeline_reads_with_its_own_cache(seeded_settings):
    """As its word vectors: a fresh Pipeline starts cold (what the bench's passes measure)."""
    from qa.pipeline import Pipeline
    from qa.settings import QASettings

    a, b = (Pipeline(QASettings(index=seeded_settings.index, mode="extractive")) for _ in range(2))
    assert a.articles.nlp is not b.articles.nlp and a.nlp is b.nlp
