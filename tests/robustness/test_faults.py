"""Faults: a damaged vector store, a missing or truncated model, a full disk."""
import errno
import shutil

import pytest

from index import IndexSettings, StoreError, build_index, list_articles
from index.store import Store, forget_store
from qa import LLMUnavailable, QASettings
from qa.llm import LocalLlama
from qa.pipeline import Pipeline
from tests.conftest import SEEDS


@pytest.fixture
def built(tmp_path, embedder):
    folder = tmp_path / "a"
    shutil.copytree(SEEDS, folder, ignore=shutil.ignore_patterns("*.jsonl"))
    settings = IndexSettings(home=tmp_path / "h")
    build_index(folder, settings=settings, embedder=embedder)
    return folder, settings


def test_corrupt_chroma_folder_gives_the_rebuild_command(built):
    from chromadb.api.client import SharedSystemClient

    _, settings = built
    forget_store(settings)
    SharedSystemClient.clear_system_cache()
    for f in settings.chroma_path.rglob("*"):
        if f.is_file():
            f.write_bytes(b"garbage" * 64)
    with pytest.raises(StoreError, match="sourcebook index --rebuild"):
        s = Store(settings)
        s.check()
        s.query_vectors(__import__("numpy").ones(384, dtype="float32") / 384 ** 0.5, 3)


def test_rebuild_after_damage_restores_answers(built, embedder):
    from chromadb.api.client import SharedSystemClient

    folder, settings = built
    forget_store(settings)
    SharedSystemClient.clear_system_cache()
    shutil.rmtree(settings.chroma_path)
    Store(settings).reset()
    report = build_index(folder, settings=settings, embedder=embedder, store=Store(settings))
    assert len(report.added) == 4
    a = Pipeline(QASettings(index=settings, mode="extractive"), store=Store(settings), embedder=embedder).ask(
        "How many jobs will the factory support?")
    assert a.answered and "400" in a.text


def test_missing_and_truncated_model_keep_extractive_working(built, tmp_path, embedder):
    _, settings = built
    with pytest.raises(LLMUnavailable, match="make setup"):
        LocalLlama(tmp_path / "nope.gguf").warm_up()
    truncated = tmp_path / "truncated.gguf"
    truncated.write_bytes(b"GGUF" + b"\0" * 4096)
    with pytest.raises(LLMUnavailable, match="truncated"):
        LocalLlama(truncated).warm_up()
    qs = QASettings(index=settings, llm_model=tmp_path / "nope.gguf")
    pipe = Pipeline(qs, embedder=embedder)
    assert pipe.resolve_mode(None).mode == "extractive"  # the default falls back
    with pytest.raises(LLMUnavailable):
        pipe.ask("How many jobs?", mode="generative")
    assert pipe.ask("How many jobs will the factory support?").answered


def test_disk_full_while_indexing_keeps_the_previous_index(built, embedder, monkeypatch, tmp_path):
    folder, settings = built
    store = Store(settings)
    before = (store.count_chunks(), store.version(), [a["source"] for a in list_articles(settings=settings)])
    (folder / "new.txt").write_text("A new article about the E5 defence ministers meeting in Rome in June.")
    (folder / "000_469921e68f22111a.txt").write_text("Rewritten: the factory will employ 999 people.")

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Store, "add_vectors", full)
    with pytest.raises(OSError, match="No space left"):
        build_index(folder, settings=settings, embedder=embedder, store=store)
    monkeypatch.undo()
    assert (store.count_chunks(), store.version(), [a["source"] for a in list_articles(settings=settings)]) == before
    a = Pipeline(QASettings(index=settings, mode="extractive"), store=store, embedder=embedder).ask(
        "How many jobs will the factory support?")
    assert a.answered and "400" in a.text
    report = build_index(folder, settings=settings, embedder=embedder, store=store)  # space is back
    assert report.added == ["new.txt"] and report.updated == ["000_469921e68f22111a.txt"]
