"""The external data sets' scoring rule, and `sourcebook eval --corpus` on a real index."""
from __future__ import annotations

import json

import pytest

from evaluation.corpus import CorpusEvalError, answer_matches, load_questions, normalise, token_f1


def test_normalise_drops_case_punctuation_and_articles():
    assert normalise("The  U.S. Army's   tanks!") == "us armys tanks"


def test_answer_matches_contains_or_f1():
    assert answer_matches("It happened in the spring of 2009 [1].", ["spring of 2009"])
    assert answer_matches("issued his first military orders", ["issued his first military orders as leader"])
    assert not answer_matches("He said nothing about it.", ["Molotov cocktails, rocks and glass"])
    assert token_f1("a b c", "d e") == 0.0


def test_load_questions_validates(tmp_path):
    bad = tmp_path / "q.jsonl"
    bad.write_text('{"id": "x", "question": "Q?"}\n')
    with pytest.raises(CorpusEvalError, match="missing field"):
        load_questions(bad)
    good = tmp_path / "g.jsonl"
    good.write_text("\n".join(json.dumps({"id": str(i), "question": "Q?", "answers": [], "answerable": False,
                                          "split": s}) for i, s in enumerate(["dev", "check", "dev"])))
    assert len(load_questions(good, "dev")) == 2 and len(load_questions(good, "all")) == 3
    with pytest.raises(CorpusEvalError, match="split"):
        load_questions(good, "test")


def test_eval_corpus_on_a_small_folder(tmp_path, embedder):
    """Indexes the folder into its own data folder and scores by the data sets' rule."""
    from qa import QASettings
    from evaluation.corpus import evaluate_corpus

    corpus = tmp_path / "set" / "corpus"
    corpus.mkdir(parents=True)
    (corpus / "a.txt").write_text("Harbour town opens museum\n\nThe harbour museum in Port Ellis opened on "
                                  "Saturday after a three-year restoration. It cost 4 million dollars, the "
                                  "council said.\n")
    (corpus / "b.txt").write_text("Cyclists ride for charity\n\nMore than 300 cyclists rode from Alden to Brook "
                                  "on Sunday to raise money for the children's hospital.\n")
    rows = [{"id": "1", "question": "How many cyclists rode to raise money for the hospital?", "story": "b.txt",
             "answers": ["More than 300"], "answerable": True, "split": "dev"},
            {"id": "2", "question": "Who designed the new opera house in Vienna?", "story": None,
             "answers": [], "answerable": False, "split": "dev"}]
    (tmp_path / "set" / "questions.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    settings = QASettings.from_env(mode="extractive")
    report = evaluate_corpus(tmp_path / "set", settings=settings, embedder=embedder)
    assert report.summary["questions"] == 2
    by_id = {r["id"]: r for r in report.rows}
    assert by_id["1"]["correct"], by_id["1"]
    assert by_id["2"]["correct"], by_id["2"]
    # Its own data folder: the user's index stays empty.
    assert (settings.index.home / "eval").is_dir()
