"""What answering reads of an article: of the retrieved sentences, the READ_TOP best by
similarity and plain-word overlap are read closely (spaCy's readings, looked up or read on first
use), and the neighbours they are joined to; never the whole article. Real models, real index."""
import pytest

import qa.evidence as evidence
import qa.readings as readings
from qa.pipeline import Pipeline
from qa.settings import QASettings

QUESTIONS = ["How many jobs will the new plant support?", "Who is the UK defence secretary?",
             "When was the agreement signed?", "What did the minister announce?"]


def _evidence(pipe: Pipeline, question: str):
    ev = pipe.evidence(question)
    return [(q.source, q.start, q.end, q.candidates, round(q.score, 6)) for q in ev.quotes], ev.answerable


def test_answering_annotates_only_the_sentences_it_reads(seeded_settings):
    pipe = Pipeline(QASettings(index=seeded_settings.index, mode="extractive"))
    pipe.ask(QUESTIONS[0])
    views = list(pipe.articles._views.values())
    assert views
    read = sum(len(v._tokens) for v in views)
    total = sum(len(v.spans) for v in views)
    assert 0 < read < total, (read, total)


def test_evidence_does_not_depend_on_what_was_asked_before(seeded_settings):
    """Sentences are annotated one at a time, so an answer is the same whichever sentences
    earlier questions had annotated."""
    settings = QASettings(index=seeded_settings.index, mode="extractive")
    warm = Pipeline(settings)
    for q in QUESTIONS[:-1]:
        warm.ask(q)
    fresh = Pipeline(settings)
    assert _evidence(warm, QUESTIONS[-1]) == _evidence(fresh, QUESTIONS[-1])
    assert _evidence(fresh, QUESTIONS[0]) == _evidence(Pipeline(settings), QUESTIONS[0])


@pytest.fixture
def annotations(monkeypatch):
    """Every batch of readings answering asks for, as (texts, entities looked for), whether
    spaCy reads them now or they were read at indexing (qa/readings.py)."""
    runs = []
    real = readings.Readings.annotate_many

    def recording(self, texts, entities=True):
        runs.append((list(texts), entities))
        return real(self, texts, entities)

    monkeypatch.setattr(readings.Readings, "annotate_many", recording)
    return runs


def test_only_the_best_retrieved_sentences_are_read_closely(seeded_settings, monkeypatch, annotations):
    monkeypatch.setattr(evidence, "READ_TOP", 3)
    ev = Pipeline(QASettings(index=seeded_settings.index, mode="extractive")).evidence(QUESTIONS[3])
    annotated = [t for texts, _ in annotations for t in texts]
    assert len(ev.considered) > 3                    # more sentences retrieved than read closely
    assert 0 < len(annotated) <= 2 * 3, annotated    # each read one, and a neighbour it is joined to
    # The sentences read closely rank above the rest, and only they offer candidates.
    assert all(q.candidates == () for q in ev.considered[3:])
    assert all(q.score > r.score for q in ev.considered[:3] for r in ev.considered[3:])
    assert any(q.text in t or t in q.text for q in ev.considered[:3] for t in annotated)


def test_entities_are_looked_for_only_when_the_question_expects_a_type_of_answer(seeded_settings, annotations):
    """The entity recogniser is most of spaCy's time: an open question runs none; a typed
    question over the same sentences later runs it (and answers as over fresh sentences)."""
    pipe = Pipeline(QASettings(index=seeded_settings.index, mode="extractive"))
    ev = pipe.evidence(QUESTIONS[3])
    assert not ev.question.labels and annotations and not any(e for _, e in annotations)
    # (Readings made at indexing carry entities anyway: a view may hold them at no cost.)
    annotations.clear()
    typed = pipe.evidence(QUESTIONS[0])
    assert typed.question.labels and any(e for _, e in annotations)
    assert typed.best[0].candidates
    fresh = Pipeline(QASettings(index=seeded_settings.index, mode="extractive"))
    assert _evidence(pipe, QUESTIONS[0]) == _evidence(fresh, QUESTIONS[0])


TYPED = ["When was the UK-Germany defence declaration signed?", "Who gave the written answer about joint weapons production?",
         "How many jobs will the new plant support?", "Where was the Joint Defence Declaration signed?",
         "What is the name of the new UK-Germany agreement?"]


@pytest.mark.parametrize("margin", [0.0, 1.0, None])
def test_a_typed_passage_goes_first_only_within_the_fitted_margin(seeded_settings, margin):
    """For a question expecting a type of value, the first passage is the ranker's best, or the
    best passage holding such a value when it scores within the ranker's typed margin of it
    (None: however far below). Under margin 0 the ranker's order stands."""
    from dataclasses import replace

    pipe = Pipeline(QASettings(index=seeded_settings.index, mode="extractive"))
    pipe.ranker = replace(pipe.answer_model().ranker, typed_margin=margin)
    moved = 0
    for question in TYPED:
        ev = pipe.evidence(question)
        assert ev.question.typed, question
        ranked = sorted(ev.considered, key=lambda q: q.score, reverse=True)
        typed = next((q for q in ranked[:evidence.TYPED_TOP] if q.typed), None)
        near = typed is not None and (margin is None or typed.score >= ranked[0].score - margin)
        assert ev.considered[0] is (typed if near else ranked[0]), question
        moved += ev.considered[0] is not ranked[0]
    if margin == 0.0:
        assert moved == 0
    if margin is None:
        assert moved > 0, "the seeds hold a typed question whose typed passage is not the ranker's best"
