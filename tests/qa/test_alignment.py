"""Word alignment of questions to passages (qa/align.py) and passages that take in the
neighbour naming their speaker, with the real embedding model and a real index."""
from __future__ import annotations

import numpy as np
import pytest

from index.keyword import KeywordIndex
from qa.align import WordVectors, alignment


def test_word_vectors_are_whole_words_at_unit_length(embedder):
    text = "Rheinmetall, 56, will build barrels in Carlisle."
    [(words, vecs)] = embedder.word_vectors([text])
    # Word pieces ("Rhein", "##metall") come back as one word, in order, cut from the text.
    assert words == ["Rheinmetall", ",", "56", ",", "will", "build", "barrels", "in", "Carlisle", "."]
    assert vecs.shape == (len(words), 384)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)


def test_word_vectors_are_contextual(embedder):
    [(w1, v1), (w2, v2)] = embedder.word_vectors(["She sat on the river bank.", "He robbed the bank on Monday."])
    # The same word in two senses gets two vectors: the model reads its context.
    assert float(v1[w1.index("bank")] @ v2[w2.index("bank")]) < 0.95


def _keywords(texts):
    from index.chunking import Chunk

    return KeywordIndex([Chunk(id=str(i), source=f"{i}.txt", n=0, start=0, end=len(t), text=t, title="")
                         for i, t in enumerate(texts)])


def test_an_answering_passage_aligns_better_than_a_near_miss(embedder):
    passages = ["The site for the new steel plant has not yet been announced by the company.",
                "The company announced record profits for the new financial year.",
                "Heavy rain closed several roads on Tuesday."]
    keywords = _keywords(passages)
    words = WordVectors(embedder)
    q, *ps = words.get(["Where is the new steel plant?"] + passages)
    scores = [alignment(q, p, keywords) for p in ps]
    assert scores[0]["align_mean"] > scores[1]["align_mean"] > scores[2]["align_mean"], scores
    # The rarest question words ("steel", "plant") are in the first passage only: the same word matches fully.
    assert scores[0]["align_rare"] == pytest.approx(1.0)
    assert scores[1]["align_rare"] < 0.9 and scores[2]["align_min"] < scores[0]["align_min"]


def test_alignment_of_nothing_is_zero(embedder):
    keywords = _keywords(["Anything at all."])
    words = WordVectors(embedder)
    q, p = words.get(["Who won?", "the of and"])   # "the of and": no content word
    assert alignment(q, p, keywords) == {"align_mean": 0.0, "align_min": 0.0, "align_rare": 0.0}


def test_a_quote_takes_in_the_next_sentence_that_names_its_speaker(tmp_path, embedder):
    """ "These visits are symbolic …" names no one; the sentence after it says whose words they are."""
    from index import IndexSettings, build_index
    from qa import QASettings
    from qa.pipeline import Pipeline

    folder = tmp_path / "arts"
    folder.mkdir()
    (folder / "visits.txt").write_text(
        "Minister tours northern capitals\n"
        "The minister flew to Oslo on Monday and to Helsinki on Tuesday for talks on energy links.\n"
        "These visits are symbolic; they show how much the government values its northern neighbours.\n"
        "This was according to a statement issued by Ingrid Solberg on Wednesday.\n"
        "Officials said a new power cable could be laid by 2030.\n")
    settings = QASettings(index=IndexSettings(home=tmp_path / "d"), mode="extractive")
    build_index([folder], settings=settings.index, embedder=embedder)
    ev = Pipeline(settings, embedder=embedder).evidence("What did Ingrid Solberg say the visits were meant to show?")
    joined = [q for q in ev.considered if "symbolic" in q.text and "Ingrid Solberg" in q.text]
    assert joined, [q.text for q in ev.considered]
    q = joined[0]
    # One verbatim span over both sentences, with a similarity between theirs.
    assert q.article_text[q.start:q.end] == q.text and q.joined
    assert "symbolic" in ev.best[0].text
