"""Indexing with the real embedding model and real Chroma: incremental runs, bad files,
crash safety, damaged stores."""
import shutil
import sqlite3
import subprocess
import sys
import time

import pytest

from index import StoreError, build_index, get_article, list_articles
from index.store import Store, forget_store
from tests.conftest import ROOT, SEEDS


def test_incremental_runs(folder, settings, embedder):
    first = build_index(folder, settings=settings, embedder=embedder)
    assert sorted(first.added) == sorted(p.name for p in folder.glob("*.txt"))
    assert first.chunks_embedded == first.chunks_total > 0
    store = Store(settings)
    before = {a["source"]: set(store.chunk_ids(a["source"])) for a in list_articles(settings=settings)}

    again = build_index(folder, settings=settings, embedder=embedder)
    assert again.chunks_embedded == 0 and len(again.unchanged) == 4 and not again.added

    f = folder / "000_469921e68f22111a.txt"
    f.write_text(f.read_text().replace("supporting 400 jobs", "supporting 450 jobs"))
    edited = build_index(folder, settings=settings, embedder=embedder)
    assert edited.updated == [f.name] and 0 < edited.chunks_embedded < first.chunks_embedded
    after = {a["source"]: set(store.chunk_ids(a["source"])) for a in list_articles(settings=settings)}
    assert all(after[s] == before[s] for s in before if s != f.name)
    assert after[f.name] != before[f.name]
    assert "450 jobs" in get_article(f.name, settings=settings).text

    (folder / "002_100169222cfc808a.txt").unlink()
    pruned = build_index(folder, settings=settings, embedder=embedder)
    assert pruned.removed == ["002_100169222cfc808a.txt"]
    with pytest.raises(KeyError):
        get_article("002_100169222cfc808a.txt", settings=settings)
    assert store.collection.count() == store.count_chunks()


def test_bad_files_are_named_and_the_rest_indexed(folder, settings, embedder):
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02\xff" * 100)
    (folder / "latin1.txt").write_bytes("Café society in Zürich welcomed the defence pact.".encode("cp1252"))
    (folder / "big.txt").write_bytes(b"word " * 300_000)
    (folder / "notes.docx").write_bytes(b"PK")
    report = build_index(folder, settings=settings.with_(max_file_bytes=1_000_000), embedder=embedder)
    assert not report.ok
    assert set(report.failed) == {"empty.txt", "binary.txt", "big.txt"}
    assert "too large" in report.failed["big.txt"]
    assert "notes.docx" in report.skipped
    assert "latin1.txt" in report.added and get_article("latin1.txt", settings=settings).text.startswith("Café")
    assert len(report.added) == 5


def test_symlink_outside_is_not_followed(folder, settings, embedder, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("Private notes that must not be indexed.")
    (folder / "link.txt").symlink_to(secret)
    report = build_index(folder, settings=settings, embedder=embedder)
    assert "link.txt" in report.skipped and "link.txt" not in report.added


def test_missing_vectors_give_a_rebuild_hint(folder, settings, embedder):
    from chromadb.api.client import SharedSystemClient

    build_index(folder, settings=settings, embedder=embedder)
    forget_store(settings)
    SharedSystemClient.clear_system_cache()  # as a new process would see it
    shutil.rmtree(settings.chroma_path)
    with pytest.raises(StoreError, match="sourcebook index --rebuild"):
        Store(settings).check()


def test_corrupt_article_store_gives_a_rebuild_hint(settings):
    settings.home.mkdir(parents=True)
    settings.db_path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="rebuild"):
        Store(settings).db


def _big_folder(path, n=200):
    path.mkdir()
    base = (SEEDS / "000_469921e68f22111a.txt").read_text()
    for i in range(n):
        (path / f"gen_{i:04d}.txt").write_text(f"Report number {i}.\n" + base.replace("400", str(400 + i)))


def test_kill_during_indexing_leaves_the_previous_index_answering(folder, settings, embedder, tmp_path):
    build_index(folder, settings=settings, embedder=embedder)
    store = Store(settings)
    chunks_before, version_before = store.count_chunks(), store.version()
    store.close()
    big = tmp_path / "big"
    _big_folder(big)
    env = {"SOURCEBOOK_HOME": str(settings.home), "PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "sourcebook_cli", "index", str(big)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            with sqlite3.connect(settings.db_path) as db:
                if db.execute("SELECT 1 FROM meta WHERE key='dirty'").fetchone():
                    break
            assert proc.poll() is None, "the indexer finished before it could be killed"
            time.sleep(0.05)
        time.sleep(1.5)  # let it write some vectors
        assert proc.poll() is None
    finally:
        proc.kill()
        proc.wait()

    from qa import QASettings
    from qa.pipeline import Pipeline

    store = Store(settings)
    assert store.count_chunks() == chunks_before and store.version() == version_before
    assert len(list_articles(settings=settings)) == 4
    answer = Pipeline(QASettings(index=settings, mode="extractive"), store=store, embedder=embedder).ask(
        "Which German company will open a factory in the UK?")
    assert answer.answered and "Rheinmetall" in answer.text
    assert store.collection.count() >= chunks_before  # orphans from the killed run are ignored

    report = build_index(big, settings=settings, embedder=embedder, store=store)
    assert len(report.added) == 200
    assert store.collection.count() == store.count_chunks()
