"""A store of N chunks (100,000 for the full run) for retrieval at scale, without
embedding N chunks: the real corpus index is copied over and over, each copy's articles under
new names and titles, and its vectors perturbed by small noise (re-normalised). Rows go in
through the Store's own APIs (add_vectors + commit), as build_index writes them.

The vectors are produced once and cached (`vectors.npy` + `chunks.json`) next to the stores
built from them: an embedded store and, on demand, a Chroma server's data folder.
"""
from __future__ import annotations

import json
import shutil
import sqlite3
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from index import IndexSettings
from index.chunking import Chunk
from index.loaders import Article
from index.store import Store, open_store

SYNTH_VERSION = 2   # 2: chunks written as LlamaIndex nodes (index/nodes.py)
NOISE = 0.01  # per dimension; cosine to the original vector ~0.98


def _log(msg: str) -> None:
    from .progress import log

    log(msg)


def _read_vectors(store: Store, ids: list[str]) -> np.ndarray:
    out = []
    for i in range(0, len(ids), 1000):
        part = ids[i:i + 1000]
        got = store.collection.get(ids=part, include=["embeddings"])
        pos = {cid: j for j, cid in enumerate(got["ids"])}
        emb = np.asarray(got["embeddings"], dtype=np.float32)
        out.append(emb[[pos[c] for c in part]])
    return np.concatenate(out) if out else np.zeros((0, 384), np.float32)


def _plan(real: Store, n_target: int, seed: int = 0):
    """Yield (articles-with-chunks, vectors) batches, copy after copy, until n_target chunks."""
    chunks = real.all_chunks()
    if not chunks:
        raise RuntimeError("the real index is empty: nothing to scale up")
    vecs = _read_vectors(real, [c.id for c in chunks])
    by_source: dict[str, list[int]] = {}
    for i, c in enumerate(chunks):
        by_source.setdefault(c.source, []).append(i)
    articles = {s: real.get_article(s) for s in by_source}
    rng = np.random.default_rng(seed)
    total, copy = 0, 0
    while total < n_target:
        batch_upserts, batch_idx, batch_chunks = [], [], []
        for source, idxs in by_source.items():
            if total >= n_target:
                break
            art: Article = articles[source]
            new_source = f"c{copy:02d}/{source}"
            title = art.title if copy == 0 else f"{art.title} ({copy + 1})"
            new_chunks = [Chunk(f"{new_source}:{chunks[i].id.rsplit(':', 1)[-1]}:{chunks[i].n}", new_source,
                                chunks[i].n, chunks[i].start, chunks[i].end, chunks[i].text, title) for i in idxs]
            batch_upserts.append((replace(art, source=new_source, title=title), "/bench/synthetic", new_chunks))
            batch_idx.extend(idxs)
            batch_chunks.extend(new_chunks)
            total += len(idxs)
        v = vecs[batch_idx]
        if copy > 0:
            v = v + rng.normal(0, NOISE, v.shape).astype(np.float32)
            v /= np.linalg.norm(v, axis=1, keepdims=True)
        yield batch_upserts, batch_chunks, v.astype(np.float32)
        copy += 1


def build_synthetic(real: Store, home: Path, n_target: int) -> Store:
    """An embedded store of >= n_target chunks at `home` (reused when already built)."""
    stamp = home / "synthetic.json"
    settings = IndexSettings(home=home)
    if stamp.is_file() and json.loads(stamp.read_text()).get("version") == SYNTH_VERSION:
        store = open_store(settings)
        if store.count_chunks() >= n_target and store.collection.count() >= store.count_chunks():
            return store
    from chromadb.api.client import SharedSystemClient

    from index.store import forget_store

    forget_store(settings)
    SharedSystemClient.clear_system_cache()
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    store = open_store(settings)
    t0 = last = time.perf_counter()
    all_ids, all_vecs = [], []
    for upserts, chunks, vecs in _plan(real, n_target):
        store.add_vectors(chunks, vecs)
        store.commit(upserts, [])
        all_ids.extend(c.id for c in chunks)
        all_vecs.append(vecs)
        if len(all_ids) >= n_target or time.perf_counter() - last >= 10:
            last = time.perf_counter()
            _log(f"  synthetic store: {len(all_ids):,}/{n_target:,} chunks ({last - t0:.0f} s)")
    np.save(home / "vectors.npy", np.concatenate(all_vecs))
    (home / "chunk_ids.json").write_text(json.dumps(all_ids))
    stamp.write_text(json.dumps({"version": SYNTH_VERSION, "chunks": len(all_ids),
                                 "seconds": round(time.perf_counter() - t0, 1)}))
    return store


def server_store(synth: Store, home: Path, port: int) -> Store:
    """A store whose vectors live on the Chroma server at `port` (its data folder persists
    between runs) with the same chunk rows as `synth`; vectors are uploaded when missing."""
    # The collection is named for the synthetic data's version: the server's data folder
    # persists between runs, and an older version's vectors are not what this one measures.
    settings = IndexSettings(home=home, chroma_host="127.0.0.1", chroma_port=port,
                             collection=f"sourcebook_synth_v{SYNTH_VERSION}")
    from index.store import forget_store

    forget_store(settings)
    home.mkdir(parents=True, exist_ok=True)
    db_path = settings.db_path
    for p in (db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm")):
        p.unlink(missing_ok=True)
    with sqlite3.connect(synth.settings.db_path) as src, sqlite3.connect(db_path) as dst:
        src.backup(dst)
    store = open_store(settings)
    n = store.count_chunks()
    if store.collection.count() != n:
        _log(f"  uploading {n:,} vectors to the Chroma server ...")
        try:
            store.collection._client.delete_collection(settings.collection)  # a partial upload: start over
        except Exception:
            pass
        store._collection = store._vector_store = None
        ids = json.loads((synth.settings.home / "chunk_ids.json").read_text())
        vecs = np.load(synth.settings.home / "vectors.npy")
        rows = synth.chunks_by_id(ids)
        t0 = time.perf_counter()
        step = 5000
        for i in range(0, len(ids), step):
            store.add_vectors([rows[c] for c in ids[i:i + step]], vecs[i:i + step])
            _log(f"  server upload: {min(i + step, len(ids)):,}/{len(ids):,} ({time.perf_counter() - t0:.0f} s)")
    return store
