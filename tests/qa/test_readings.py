"""qa.readings: spaCy's readings of article sentences kept on disk beside the index, read once
after indexing, so that answering runs spaCy on questions only (real spaCy, Chroma, embedder)."""
from __future__ import annotations

import logging

import pytest

from index import IndexSettings, build_index
from qa.nlp import NLP, shared_nlp
from qa.pipeline import Pipeline
from qa.readings import ReadingStore, Readings, read_articles, unread
from qa.settings import QASettings

STORY = ("Harbourside council approved a budget of $4 million on Tuesday.\n\n"
         "Maria Lopez, the mayor, said the plan would create 400 jobs by 2028. "
         "She said work on the new ferry terminal starts in March.")
OTHER = "The library in Elmwood will open on Sundays from next month, its director said."


class CountingNLP(NLP):
    """The real pipeline, counting the texts it reads as article sentences (not questions)."""

    def __init__(self) -> None:
        super().__init__()
        self._nlp = shared_nlp().model
        self.read: list[str] = []

    def annotate_many(self, texts, entities=True):
        self.read.extend(texts)
        return super().annotate_many(texts, entities)


def _library(tmp_path, embedder, articles: dict[str, str]) -> QASettings:
    folder = tmp_path / "arts"
    folder.mkdir(exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    for name, text in articles.items():
        (folder / name).write_text(text)
    settings = QASettings(index=IndexSettings(home=tmp_path / "home"), mode="extractive")
    build_index([folder], settings=settings.index, embedder=embedder)
    return settings


def test_stored_readings_come_back_as_spacy_read_them(tmp_path):
    nlp = shared_nlp()
    texts = ["Maria Lopez said the plan would create 400 jobs.", "The council met on Tuesday in Harbourside."]
    first = ReadingStore(tmp_path / "r.sqlite3")
    first.put_many(dict(zip(texts, nlp.annotate_many(texts))))
    first.close()
    again = ReadingStore(tmp_path / "r.sqlite3").get_many(texts)
    assert [again[t] for t in texts] == nlp.annotate_many(texts)
    assert any(e.label == "CARDINAL" and e.counts == "job" and e.text == "400" for e in again[texts[0]].entities)


def test_only_full_readings_are_kept(tmp_path):
    """A reading without entities (a question that expects no type of answer) is not stored:
    what is stored serves every request."""
    nlp = shared_nlp()
    store = ReadingStore(tmp_path / "r.sqlite3")
    text = "Maria Lopez opened the terminal."
    store.put_many({text: nlp.annotate_many([text], entities=False)[0]})
    assert store.get_many([text]) == {} and store.missing([text, text]) == [text]
    full = nlp.annotate_many([text])[0]
    store.put_many({text: full})
    assert store.get_many([text])[text] == full and store.missing([text]) == []
    empty = "Yes."                                             # no entities at all is still a full reading
    store.put_many({empty: nlp.annotate_many([empty])[0]})
    assert store.missing([empty]) == [] and store.get_many([empty])[empty].entities == []
    r = Readings(CountingNLP(), disk=store)
    assert r.annotate_many([text], entities=False) == [full] and r.nlp.read == []   # a full one serves a bare request


def test_a_reading_kept_on_disk_is_not_read_again_by_another_process(tmp_path):
    texts = ["Maria Lopez said the plan would create 400 jobs.", "Work starts in March."]
    a_nlp, b_nlp = CountingNLP(), CountingNLP()
    a = Readings(a_nlp, disk=ReadingStore(tmp_path / "r.sqlite3"))
    b = Readings(b_nlp, disk=ReadingStore(tmp_path / "r.sqlite3"))   # its own memory, as another process's
    assert a.annotate_many(texts) == b.annotate_many(texts)
    assert a_nlp.read == texts and b_nlp.read == []


def test_indexed_sentences_are_read_once_and_answering_reads_none(tmp_path, embedder):
    settings = _library(tmp_path, embedder, {"council.txt": STORY, "library.txt": OTHER})
    pipe = Pipeline(settings, embedder=embedder, nlp=CountingNLP())
    assert unread(pipe.store, pipe.readings)
    n = read_articles(pipe.store, pipe.readings, shared_nlp())
    assert n == 4 and not unread(pipe.store, pipe.readings)     # three sentences and one
    assert read_articles(pipe.store, pipe.readings, shared_nlp()) == 0      # nothing new
    answer = pipe.ask("How many jobs would the plan create?")
    assert answer.answered and "400" in answer.text
    assert pipe.nlp.read == []          # article sentences came from disk; only the question was parsed


def test_an_index_read_by_another_reading_model_is_read_again(tmp_path, embedder):
    """A new spaCy, or a change to what Sourcebook reads off its output (READING_FORMAT), keys
    readings anew: the index read under the old key counts as unread, and is read whole again."""
    settings = _library(tmp_path, embedder, {"council.txt": STORY, "library.txt": OTHER})
    pipe = Pipeline(settings, embedder=embedder, nlp=CountingNLP())
    assert read_articles(pipe.store, pipe.readings, shared_nlp()) == 4
    newer = ReadingStore(pipe.readings.path, model=pipe.readings.model + " next")
    assert unread(pipe.store, newer)
    assert read_articles(pipe.store, newer, shared_nlp()) == 4 and not unread(pipe.store, newer)


def test_a_pipeline_reads_what_was_indexed_since_before_answering(tmp_path, embedder, caplog):
    settings = _library(tmp_path, embedder, {"council.txt": STORY})
    pipe = Pipeline(settings, embedder=embedder, nlp=CountingNLP())
    with caplog.at_level(logging.INFO, logger="qa.readings"):
        pipe.ask("When does work on the ferry terminal start?")
    assert any("reading 3 new sentences" in r.getMessage() for r in caplog.records)
    assert len(pipe.nlp.read) == 3 and not unread(pipe.store, pipe.readings)
    # An article added later is read when the index has changed, once.
    _library(tmp_path, embedder, {"council.txt": STORY, "library.txt": OTHER})
    pipe.nlp.read.clear()
    pipe.ask("When will the Elmwood library open on Sundays?")
    assert pipe.nlp.read == [OTHER]


def test_readings_of_a_removed_article_are_dropped(tmp_path, embedder):
    settings = _library(tmp_path, embedder, {"council.txt": STORY, "library.txt": OTHER})
    disk = ReadingStore.beside(settings.index.home)
    pipe = Pipeline(settings, embedder=embedder)
    read_articles(pipe.store, disk, shared_nlp())
    assert disk.get_many([OTHER])
    _library(tmp_path, embedder, {"council.txt": STORY})      # library.txt is gone (pruned)
    read_articles(pipe.store, disk, shared_nlp())
    assert disk.get_many([OTHER]) == {}
    assert disk.get_many(["Harbourside council approved a budget of $4 million on Tuesday."])   # still held


@pytest.mark.parametrize("garbage", [b"this is not a database" * 200, b""])
def test_a_broken_readings_file_is_set_aside_and_answers_still_come(tmp_path, embedder, caplog, garbage):
    settings = _library(tmp_path, embedder, {"council.txt": STORY})
    path = settings.index.home / "readings.sqlite3"
    path.write_bytes(garbage)
    pipe = Pipeline(settings, embedder=embedder)
    with caplog.at_level(logging.WARNING, logger="qa.readings"):
        answer = pipe.ask("How many jobs would the plan create?")
    assert answer.answered and "400" in answer.text
    if garbage:
        assert any("cannot be used" in r.getMessage() for r in caplog.records)
        assert path.read_bytes() == garbage          # left as it was: nothing the user had is touched


def test_sourcebook_index_reads_the_new_sentences_before_any_question(tmp_path, monkeypatch, capsys):
    from sourcebook_cli import main

    folder = tmp_path / "arts"
    folder.mkdir()
    (folder / "council.txt").write_text(STORY)
    monkeypatch.setenv("SOURCEBOOK_HOME", str(tmp_path / "home"))
    assert main(["index", str(folder)]) == 0
    held = ReadingStore.beside(tmp_path / "home").get_many(
        ["Harbourside council approved a budget of $4 million on Tuesday.",
         "She said work on the new ferry terminal starts in March."])
    assert len(held) == 2 and all(a.entities for a in held.values())


def test_a_large_unread_library_is_read_in_the_background_while_answers_go_on(tmp_path, embedder, caplog):
    import time

    settings = _library(tmp_path, embedder, {"council.txt": STORY, "library.txt": OTHER})
    pipe = Pipeline(settings, embedder=embedder)
    with caplog.at_level(logging.INFO, logger="qa.readings"):
        assert read_articles(pipe.store, pipe.readings, shared_nlp(), wait_for=2) == 0   # 4 unread > 2
        answer = pipe.ask("How many jobs would the plan create?")     # not held back by the reading
        assert answer.answered and "400" in answer.text
        deadline = time.monotonic() + 60
        while unread(pipe.store, pipe.readings) and time.monotonic() < deadline:
            time.sleep(0.2)
    assert not unread(pipe.store, pipe.readings)
    assert any("in the background" in r.getMessage() for r in caplog.records)
    assert pipe.readings.get_many([OTHER])


def test_reading_over_worker_processes_reads_as_one_process(tmp_path, embedder, monkeypatch):
    import qa.readings as readings

    settings = _library(tmp_path, embedder, {"council.txt": STORY, "library.txt": OTHER})
    pipe = Pipeline(settings, embedder=embedder)
    monkeypatch.setattr(readings, "MANY", 1)          # a library this small is read in-process otherwise
    apart = ReadingStore(tmp_path / "two.sqlite3")
    assert read_articles(pipe.store, apart, shared_nlp(), processes=2) == 4
    alone = ReadingStore(tmp_path / "one.sqlite3")
    read_articles(pipe.store, alone, shared_nlp())
    texts = [OTHER, "She said work on the new ferry terminal starts in March."]
    assert apart.get_many(texts) == alone.get_many(texts) and len(apart.get_many(texts)) == 2
