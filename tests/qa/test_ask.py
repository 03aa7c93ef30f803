"""ask() over a real index of the seed articles (real Chroma, real embeddings), extractive
mode; the real LLM is exercised in test_generative.py."""
import json

import pytest

from index import get_article
from qa import Answer
from qa.pipeline import clean_question


def _verbatim(answer, settings):
    for c in answer.citations:
        assert get_article(c.source, settings=settings.index).text[c.start:c.end] == c.quote


def test_answer_with_a_verbatim_citation(seeded_pipeline, seeded_settings):
    a = seeded_pipeline.ask("Which German company will open a factory in the UK?")
    assert a.answered and "Rheinmetall" in a.text
    assert a.citations and a.citations[0].n == 1 and "[1]" in a.text
    assert a.citations[0].source == "000_469921e68f22111a.txt"
    assert set(a.timings) >= {"retrieve", "select", "verify", "total"}
    _verbatim(a, seeded_settings)


def test_out_of_corpus_and_near_miss_questions_abstain(seeded_pipeline):
    for q in ("Who won the 2022 FIFA World Cup?", "What is the capital of Australia?",
              "How much will the new Rheinmetall barrel factory cost?",
              "How many drones will the UK and Germany develop together?"):
        a = seeded_pipeline.ask(q)
        assert not a.answered, q
        assert not a.citations and "don't say" in a.text


def test_not_yet_announced_is_an_answer(seeded_pipeline):
    a = seeded_pipeline.ask("Where will the new Rheinmetall factory be located?")
    assert a.answered and "not yet been announced" in a.text


def test_a_definite_description_brings_its_antecedent(seeded_pipeline, seeded_settings):
    # "... produced by Sheffield Forgemasters. The steelmaker was recently acquired by the UK Government."
    a = seeded_pipeline.ask("Who recently bought Sheffield Forgemasters?")
    assert a.answered and "UK Government" in a.text and "Sheffield Forgemasters" in a.citations[0].quote
    _verbatim(a, seeded_settings)


def test_a_headline_is_not_a_who_answer(seeded_pipeline):
    a = seeded_pipeline.ask("Who gave the written answer about the UK's joint weapons production with European allies?")
    assert a.answered and "Eagle" in a.text


def test_a_relation_must_be_stated_in_one_sentence(seeded_pipeline):
    # The E5 sentence names Italy and the next one names Donald Trump: no Italian minister.
    assert not seeded_pipeline.ask("Who is Italy's defence minister?").answered
    a = seeded_pipeline.ask("Who is Germany's defence minister according to the articles?")
    assert a.answered and "Pistorius" in a.text


def test_a_demonym_in_the_question_finds_the_place(seeded_pipeline):
    a = seeded_pipeline.ask("From which Scottish base will German surveillance aircraft operate?")
    assert a.answered and "Lossiemouth" in a.text


def test_how_many_wants_a_count_of_the_asked_noun(seeded_pipeline):
    """A number of something else ("400 jobs") is no answer to "how many drones"; the noun
    a number counts comes from spaCy, the likeness of nouns from the embedding model."""
    a = seeded_pipeline.ask("How many jobs will the new factory support?")
    assert a.answered and "400" in a.text
    ev = seeded_pipeline.evidence("How many drones will the UK and Germany develop together?")
    assert not any("400" in q.candidates for q in ev.considered)


def test_conflicting_dates_are_both_stated(seeded_pipeline, seeded_settings):
    a = seeded_pipeline.ask("When was the UK-Germany defence declaration signed?")
    assert a.conflicts, a.text
    sides = a.conflicts[0].sides
    assert len({s.source for s in sides}) == 2
    # The text is the answer alone; display() states the conflict after it, each side cited.
    assert "disagree" not in a.text and a.display().startswith(a.text)
    assert "24 July 2024" in a.display() and "25th September" in a.display()
    assert a.display().endswith(f"{a.conflicts[0].describe()}.")
    cited = {c.n: c for c in a.citations}
    for s in sides:
        assert cited[s.n].source == s.source and s.value in cited[s.n].quote
    _verbatim(a, seeded_settings)


def test_follow_up_uses_the_history(seeded_pipeline):
    history = [("Which German company will open a factory in the UK?",
                "Rheinmetall will open a new factory in the UK to manufacture barrels for artillery guns. [1]")]
    a = seeded_pipeline.ask("How many jobs will its factory support?", history=history)
    assert a.standalone_question == "How many jobs will Rheinmetall's factory support?"
    assert a.answered and "400" in a.text


def test_stream_yields_the_answer_last(seeded_pipeline):
    items = list(seeded_pipeline.stream("How many jobs will the factory support?"))
    assert isinstance(items[-1], Answer) and "400" in items[-1].text


def test_answer_serialises_to_json(seeded_pipeline):
    d = json.loads(json.dumps(seeded_pipeline.ask("Who is Germany's defence minister?").to_dict()))
    assert d["answered"] and "Pistorius" in d["text"]
    assert {"n", "source", "title", "published", "quote", "start", "end"} <= set(d["citations"][0])


def test_overlong_question_is_refused_clearly(seeded_pipeline):
    with pytest.raises(ValueError, match="limit is 2,000"):
        seeded_pipeline.ask("why " * 30_000)


def test_control_characters_and_other_languages(seeded_pipeline):
    assert clean_question("Who\x07 is\u200b Germany's\r\n minister?") == "Who is Germany's minister?"
    a = seeded_pipeline.ask("Wer ist der deutsche Verteidigungsminister? 谁是德国国防部长?")
    assert isinstance(a, Answer)  # answered or not, it never crashes; any citation is verbatim
    for c in a.citations:
        assert c.quote in get_article(c.source, settings=seeded_pipeline.settings.index).text


def test_no_index_and_no_seeds_is_a_clear_error(tmp_path, embedder):
    from index import IndexSettings, StoreError
    from qa import QASettings
    from qa.pipeline import Pipeline

    empty = tmp_path / "no-articles"
    empty.mkdir()
    settings = QASettings(index=IndexSettings(home=tmp_path / "d"), mode="extractive", seeds_dir=empty)
    with pytest.raises(StoreError, match="sourcebook index PATH"):
        Pipeline(settings, embedder=embedder).ask("Anything?")


def test_ask_indexes_seeds_when_the_index_is_empty(tmp_path, monkeypatch, seeds_copy):
    from qa import QASettings, ask

    monkeypatch.setenv("SOURCEBOOK_HOME", str(tmp_path / "fresh"))
    monkeypatch.setenv("SOURCEBOOK_SEEDS", str(seeds_copy))
    a = ask("Which German company will open a factory in the UK?", mode="extractive",
            settings=QASettings.from_env())
    assert a.answered and "Rheinmetall" in a.text


def test_golden_set_quality_extractive(seeded_pipeline):
    """The shipped golden set, end to end: a regression gate on quality."""
    from evaluation.golden import evaluate
    from tests.conftest import SEEDS

    report = evaluate(SEEDS / "golden.jsonl", mode="extractive", pipeline=seeded_pipeline)
    s = report.summary
    assert s["verbatim"] == 1.0
    # Floors under the general answer core (measured 79.4%, 5 false refusals, abstention recall
    # 73% (11 of 15), 2026-12-03, with sentence similarities read in their chunks: SQuAD dev
    # +6.5 points, golden -4.4); the old seed-tuned core reached 98.5%, see the README.
    assert s["correct"] >= 0.78, [r["id"] for r in report.rows if not r["correct"]]
    assert s["false_refusals"] <= 5
    assert s["abstention_recall"] >= 0.7


def test_warm_up_says_what_it_loads_and_marks_the_pipeline_ready(seeded_settings, embedder, caplog):
    import logging

    from qa.pipeline import Pipeline

    pipe = Pipeline(seeded_settings.with_(mode="extractive"), embedder=embedder)
    assert not pipe.ready.is_set()
    said: list[str] = []
    with caplog.at_level(logging.INFO, logger="qa.pipeline"):
        took = pipe.warm_up(said.append)
    assert pipe.ready.is_set() and took > 0
    assert said[:2] == ["loading the article index", "loading the embedding model"] and len(said) == 5
    assert any("warm-up: ready in" in r.getMessage() for r in caplog.records)
