"""Citation scoring in the evaluator on real answers (real index, real embeddings)."""
from evaluation.golden import score_answer
from qa.verify import split_answer


def test_a_marker_after_the_period_closes_its_sentence():
    parts = split_answer("Quote one ends here. [1] Quote two ends too. [2]")
    assert [(p.text, p.cited) for p in parts] == [("Quote one ends here.", [1]), ("Quote two ends too.", [2])]


def test_a_multi_sentence_quote_counts_as_cited(seeded_pipeline, embedder):
    a = seeded_pipeline.ask("What did Boris Pistorius warn about European security?", mode="extractive")
    assert a.answered and len(split_answer(a.text)) > len(a.citations)  # quotes of more than one sentence
    item = {"id": "t", "kind": "fact", "question": a.question, "answer": "We must not take security in Europe "
            "for granted.", "facts": [["for granted"]], "evidence": []}
    row = score_answer(item, a, 0.0, embedder, seeded_pipeline.store)
    assert row["correct"] and row["verbatim"] and row["citation_recall"] == 1.0 and row["citation_precision"] == 1.0


def test_a_conflict_statement_is_scored_per_side(seeded_pipeline, embedder):
    a = seeded_pipeline.ask("When was the UK-Germany defence declaration signed?", mode="extractive")
    assert a.conflicts
    item = {"id": "t", "kind": "conflict", "question": a.question, "answer": "24 July 2024 or 25th September.",
            "facts": [["24 July 2024"], ["25th September"]], "evidence": []}
    row = score_answer(item, a, 0.0, embedder, seeded_pipeline.store)
    assert row["correct"] and row["citation_recall"] == 1.0 and row["citation_precision"] == 1.0


def test_a_metric_with_no_questions_of_its_kind_is_not_a_number():
    import math

    from evaluation.golden import summarise

    rows = [{"id": "a", "kind": "fact", "answered": True, "correct": True, "latency_s": 1.0, "conflict_found": False}]
    s = summarise(rows, 8)
    assert s["correct"] == 1.0 and math.isnan(s["conflicts_detected"]) and math.isnan(s["abstention_recall"])
