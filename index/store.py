"""The article store (SQLite) and the vector store (Chroma), kept consistent.

SQLite is the source of truth: it holds each article (text, metadata, content hash) and
its live chunks. Chroma holds one vector per chunk id. A run writes new vectors first and
then commits all article changes in one SQLite transaction, so a crash at any point leaves
the previous, complete index answering; vectors that no committed chunk references are
ignored by queries and collected by the next run.
"""
from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from pathlib import Path

import numpy as np

from .chunking import Chunk
from .embed_base import DIM
from .loaders import Article
from .runtime import RUNTIME, Runtime
from .settings import IndexSettings

log = logging.getLogger(__name__)
REBUILD_HINT = "rebuild it with `sourcebook index --rebuild PATH` (your article files are not touched)"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    source TEXT PRIMARY KEY, root TEXT NOT NULL, title TEXT NOT NULL, published TEXT,
    text TEXT NOT NULL, hash TEXT NOT NULL, kind TEXT NOT NULL, boilerplate TEXT NOT NULL,
    indexed_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS chunks (
    id TEXT PRIMARY KEY, source TEXT NOT NULL, n INTEGER NOT NULL, start INTEGER NOT NULL,
    "end" INTEGER NOT NULL, text TEXT NOT NULL, title TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS chunks_source ON chunks(source);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sentence_vectors (
    chunk_id TEXT PRIMARY KEY, spans TEXT NOT NULL, vecs BLOB NOT NULL);
"""


_MISSING_SENTENCE_VECTORS = "FROM chunks WHERE id NOT IN (SELECT chunk_id FROM sentence_vectors)"


class StoreError(RuntimeError):
    """The index is missing, corrupt or unreachable; the message says what to do."""


class Store:
    def __init__(self, settings: IndexSettings) -> None:
        self.settings = settings
        self._local = threading.local()   # one SQLite connection per thread (Gradio answers in threads)
        self._conns: list[sqlite3.Connection] = []
        self._collection = None
        self._vector_store = None
        self._lock = threading.RLock()
        self._keywords: tuple[tuple[int, int], object] | None = None   # ((version, chunks), KeywordIndex)
        self._keywords_lock = threading.Lock()

    # -- opening -------------------------------------------------------------------------
    @property
    def db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            self.settings.home.mkdir(parents=True, exist_ok=True)
            new = not self.settings.db_path.exists()
            try:
                db = sqlite3.connect(self.settings.db_path, check_same_thread=False, timeout=30,
                                     isolation_level=None)
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
                db.executescript(_SCHEMA)
                if new:   # a store made now writes its chunks as nodes from the first (see migrate_nodes)
                    db.execute("INSERT OR IGNORE INTO meta VALUES ('nodes', '1')")
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"The article store {self.settings.db_path} is corrupt ({exc}): {REBUILD_HINT}.") from None
            self._local.db = db
            with self._lock:
                self._conns.append(db)
        return db

    @property
    def collection(self):
        with self._lock:
            return self._open_collection()

    def _open_collection(self):
        if self._collection is None:
            import chromadb
            from chromadb.config import Settings as ChromaSettings

            chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
            try:
                if self.settings.chroma_host:
                    client = chromadb.HttpClient(host=self.settings.chroma_host, port=self.settings.chroma_port,
                                                 settings=chroma_settings)
                else:
                    client = chromadb.PersistentClient(path=str(self.settings.chroma_path), settings=chroma_settings)
                self._collection = client.get_or_create_collection(self.settings.collection)
            except Exception as exc:  # chromadb raises many types for a bad folder or server
                where = (f"the Chroma server at {self.settings.chroma_host}:{self.settings.chroma_port}"
                         if self.settings.chroma_host else f"the vector store {self.settings.chroma_path}")
                hint = "start it (`chroma run --path DIR --port PORT`) or unset SOURCEBOOK_CHROMA_HOST" \
                    if self.settings.chroma_host else REBUILD_HINT
                raise StoreError(f"Cannot open {where} ({type(exc).__name__}: {exc}): {hint}.") from None
        return self._collection

    @property
    def vector_store(self):
        """The chunk vectors as LlamaIndex's `ChromaVectorStore`: one `TextNode` a chunk
        (index/nodes.py), written through it; LlamaIndex code can query it (README)."""
        with self._lock:
            if self._vector_store is None:
                from llama_index.vector_stores.chroma import ChromaVectorStore

                self._vector_store = ChromaVectorStore(chroma_collection=self._open_collection())
            return self._vector_store

    def close(self) -> None:
        with self._lock:
            for db in self._conns:
                db.close()
            self._conns.clear()
            self._local = threading.local()
        self._collection = None
        self._vector_store = None

    # -- reading -------------------------------------------------------------------------
    def version(self) -> int:
        row = self.db.execute("SELECT value FROM meta WHERE key='version'").fetchone()
        return int(row[0]) if row else 0

    def encoder(self) -> str | None:
        """Which encoder made this index's vectors (embed.py's `Embedder.id`); None when it holds
        no chunks yet. Indexes made before encoders were recorded were all made by torch."""
        row = self.db.execute("SELECT value FROM meta WHERE key='encoder'").fetchone()
        if row:
            return row[0]
        from .embed_base import TORCH_ID

        return TORCH_ID if self.count_chunks() else None

    def set_encoder(self, encoder_id: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES ('encoder', ?)", (encoder_id,))

    def article_hashes(self) -> dict[str, tuple[str, str]]:
        return {s: (h, r) for s, h, r in self.db.execute("SELECT source, hash, root FROM articles")}

    def get_article(self, source: str) -> Article | None:
        row = self.db.execute(
            "SELECT source, title, published, text, hash, kind, boilerplate FROM articles WHERE source=?",
            (source,)).fetchone()
        if row is None:
            return None
        return Article(row[0], row[1], row[2], row[3], row[4], row[5],
                       tuple(tuple(x) for x in json.loads(row[6])))

    def list_articles(self) -> list[dict]:
        rows = self.db.execute(
            "SELECT a.source, a.title, a.published, a.kind, length(a.text), a.root, a.indexed_at, "
            "(SELECT count(*) FROM chunks c WHERE c.source = a.source) "
            "FROM articles a ORDER BY a.source").fetchall()
        keys = ("source", "title", "published", "kind", "chars", "root", "indexed_at", "chunks")
        return [dict(zip(keys, r)) for r in rows]

    def chunk_ids(self, source: str | None = None) -> list[str]:
        if source is None:
            return [r[0] for r in self.db.execute("SELECT id FROM chunks")]
        return [r[0] for r in self.db.execute("SELECT id FROM chunks WHERE source=?", (source,))]

    def all_chunks(self) -> list[Chunk]:
        rows = self.db.execute('SELECT id, source, n, start, "end", text, title FROM chunks ORDER BY source, n')
        return [Chunk(*r) for r in rows]

    def _rows_in(self, select: str, ids: list[str]):
        """Rows of `select` (a query ending in `IN`) for ids, in batches under SQLite's limit."""
        for i in range(0, len(ids), 900):
            part = ids[i:i + 900]
            yield from self.db.execute(f"{select} ({','.join('?' * len(part))})", part)

    def chunks_by_id(self, ids: list[str]) -> dict[str, Chunk]:
        return {r[0]: Chunk(*r) for r in self._rows_in(
            'SELECT id, source, n, start, "end", text, title FROM chunks WHERE id IN', ids)}

    def keywords(self):
        """This store's keyword index (index/keyword.py) at its current version: rebuilt only when
        the chunks changed, its BM25 part persisted in the data folder so a restart loads it."""
        from .keyword import KeywordIndex

        key = (self.version(), self.count_chunks())
        with self._keywords_lock:
            if self._keywords is None or self._keywords[0] != key:
                self._keywords = (key, KeywordIndex(self.all_chunks(), self.settings.home / "bm25"))
            return self._keywords[1]

    def count_chunks(self) -> int:
        return self.db.execute("SELECT count(*) FROM chunks").fetchone()[0]

    def check(self) -> None:
        """Raise StoreError when the vector store lost vectors the article store relies on."""
        n = self.count_chunks()
        if n and self.collection.count() < n:
            raise StoreError(f"The vector store holds fewer vectors ({self.collection.count()}) than the index has "
                             f"chunks ({n}): it is damaged or was replaced; {REBUILD_HINT}.")

    # -- vectors ---------------------------------------------------------------------------
    def existing_vector_ids(self, ids: list[str]) -> set[str]:
        found: set[str] = set()
        for i in range(0, len(ids), 1000):
            found.update(self.collection.get(ids=ids[i:i + 1000], include=[])["ids"])
        return found

    def add_vectors(self, chunks: list[Chunk], vectors: np.ndarray,
                    published: dict[str, str | None] | None = None) -> None:
        """Each chunk's vector as a node (`ChromaVectorStore.add`); a chunk already there (an
        index being re-embedded) is updated in place, never deleted first (a crash in between
        would lose a live vector)."""
        from .nodes import chunk_node

        published = published or {}
        nodes = [chunk_node(c, published.get(c.source) or "", v) for c, v in zip(chunks, vectors)]
        present = self.existing_vector_ids([n.node_id for n in nodes])
        fresh = [n for n in nodes if n.node_id not in present]
        for i in range(0, len(fresh), 2000):
            self.vector_store.add(fresh[i:i + 2000])
        self._update_nodes([n for n in nodes if n.node_id in present])

    def _update_nodes(self, nodes: list) -> None:
        """Rewrite nodes in place. With an embedding, the whole record; without, the metadata
        alone, the text kept inside it: the vector and document stay (Chroma would embed a
        document sent without a vector with a model it downloads; never that), and an update of
        metadata alone costs a ninth of a full one (no vector index work)."""
        from .nodes import node_record

        for i in range(0, len(nodes), 2000):
            part = nodes[i:i + 2000]
            ids = [n.node_id for n in part]
            if all(n.embedding is not None for n in part):
                records = [node_record(n) for n in part]
                self.collection.update(ids=ids, embeddings=[n.embedding for n in part],
                                       metadatas=[m for m, _ in records], documents=[d for _, d in records])
            else:
                self.collection.update(ids=ids, metadatas=[node_record(n, keep_text=True)[0] for n in part])

    def refresh_nodes(self, chunks: list[Chunk], published: dict[str, str | None]) -> None:
        """Rewrite the node of chunks whose vector is kept (the same text: a chunk's id is a hash
        of its title and text) but whose offsets may have moved with an edit of their article."""
        from .nodes import chunk_node

        self._update_nodes([chunk_node(c, published.get(c.source) or "") for c in chunks])

    def migrate_nodes(self) -> int:
        """An index made before its vectors were LlamaIndex nodes (metadata: source and offsets
        only) gets its nodes written in place, once; the vectors are kept. Returns how many."""
        if self.db.execute("SELECT 1 FROM meta WHERE key='nodes'").fetchone():
            return 0
        chunks = self.all_chunks()
        if chunks:
            published = dict(self.db.execute("SELECT source, published FROM articles"))
            log.info("writing the %d chunks of this index as LlamaIndex nodes (once; vectors kept; "
                     "~2,000 chunks/s)", len(chunks))
            for i in range(0, len(chunks), 20_000):
                self.refresh_nodes(chunks[i:i + 20_000], published)
                log.info("  %d of %d chunks written as nodes", min(i + 20_000, len(chunks)), len(chunks))
        self.db.execute("INSERT OR REPLACE INTO meta VALUES ('nodes', '1')")
        return len(chunks)

    def query_vectors(self, vector: np.ndarray, k: int,
                      sources: frozenset[str] | None = None) -> list[tuple[str, float]]:
        """Live chunk ids nearest to a unit vector, with cosine similarity; with `sources`,
        only chunks of those articles. Ids and distances alone: the chunks are read from the
        article store (the source of truth), so the nodes' text and metadata are not fetched
        (through `ChromaVectorStore.query` they cost 7 ms more an answer over the bench corpus)."""
        if sources is not None and not sources:
            return []
        where = {"source": {"$in": sorted(sources)}} if sources is not None else None
        # No count() first: Chroma returns what there is (an empty or small collection included),
        # and against a Chroma server every call is a round trip.
        res = self.collection.query(query_embeddings=[vector], n_results=k + 16, where=where, include=["distances"])
        ids, dists = res["ids"][0], res["distances"][0]
        live = self.chunks_by_id(ids)
        # Chroma's default space is squared L2; on unit vectors cos = 1 - d/2.
        return [(i, 1.0 - d / 2.0) for i, d in zip(ids, dists) if i in live][:k]

    def delete_vectors(self, ids: list[str]) -> None:
        for i in range(0, len(ids), 2000):
            self.collection.delete(ids=ids[i:i + 2000])
            marks = ",".join("?" * len(ids[i:i + 2000]))
            self.db.execute(f"DELETE FROM sentence_vectors WHERE chunk_id IN ({marks})", ids[i:i + 2000])

    def collect_garbage(self) -> int:
        """Delete vectors that no committed chunk references (left by a crashed run)."""
        live = set(self.chunk_ids())
        stale = [i for i in self.collection.get(include=[])["ids"] if i not in live]
        self.delete_vectors(stale)
        self.db.execute("DELETE FROM sentence_vectors WHERE chunk_id NOT IN (SELECT id FROM chunks)")
        return len(stale)

    # -- sentence vectors (one pass with the chunk's: see Embedder.encode_with_spans) -------
    def add_sentence_vectors(self, chunks: list[Chunk], spans: list[list[tuple[int, int]]],
                             vectors: list[np.ndarray]) -> None:
        """Each chunk's sentence vectors, spans relative to the chunk's start (a chunk keeps its
        content-derived id, and these, when its article moves it)."""
        self.db.executemany("INSERT OR REPLACE INTO sentence_vectors VALUES (?,?,?)",
                            [(c.id, json.dumps(sp), v.astype(np.float16).tobytes())
                             for c, sp, v in zip(chunks, spans, vectors)])

    def sentence_vectors(self, source: str) -> dict[tuple[int, int], np.ndarray]:
        """The stored vectors of an article's sentences by (start, end) in the article; a
        sentence two chunks share gets the mean of its two readings."""
        found: dict[tuple[int, int], list[np.ndarray]] = {}
        rows = self.db.execute("SELECT c.start, v.spans, v.vecs FROM chunks c JOIN sentence_vectors v "
                               "ON v.chunk_id = c.id WHERE c.source = ?", (source,))
        for start, spans, blob in rows:
            vecs = np.frombuffer(blob, dtype=np.float16).reshape(-1, DIM).astype(np.float32)
            for (s, e), v in zip(json.loads(spans), vecs):
                if v.any():
                    found.setdefault((start + s, start + e), []).append(v)
        out = {}
        for key, vs in found.items():
            v = vs[0] if len(vs) == 1 else np.mean(vs, axis=0)
            out[key] = v / max(float(np.linalg.norm(v)), 1e-12)
        return out

    def ids_with_sentence_vectors(self, ids: list[str]) -> set[str]:
        return {r[0] for r in self._rows_in("SELECT chunk_id FROM sentence_vectors WHERE chunk_id IN", ids)}

    def count_missing_sentence_vectors(self) -> int:
        return self.db.execute(f"SELECT count(*) {_MISSING_SENTENCE_VECTORS}").fetchone()[0]

    def chunks_without_sentence_vectors(self) -> list[Chunk]:
        rows = self.db.execute(f'SELECT id, source, n, start, "end", text, title {_MISSING_SENTENCE_VECTORS}')
        return [Chunk(*r) for r in rows]

    # -- writing ---------------------------------------------------------------------------
    def mark_dirty(self, dirty: bool) -> None:
        if dirty:
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('dirty', '1')")
        else:
            self.db.execute("DELETE FROM meta WHERE key='dirty'")

    def is_dirty(self) -> bool:
        return self.db.execute("SELECT 1 FROM meta WHERE key='dirty'").fetchone() is not None

    def commit(self, upserts: list[tuple[Article, str, list[Chunk]]], removals: list[str]) -> None:
        """Apply every article change of a run atomically."""
        with self._lock:
            db = self.db
            db.execute("BEGIN IMMEDIATE")
            try:
                now = time.time()
                for source in removals:
                    db.execute("DELETE FROM chunks WHERE source=?", (source,))
                    db.execute("DELETE FROM articles WHERE source=?", (source,))
                for art, root, chunks in upserts:
                    db.execute("DELETE FROM chunks WHERE source=?", (art.source,))
                    db.execute("INSERT OR REPLACE INTO articles VALUES (?,?,?,?,?,?,?,?,?)",
                               (art.source, root, art.title, art.published, art.text, art.content_hash,
                                art.kind, json.dumps(art.boilerplate), now))
                    db.executemany('INSERT INTO chunks VALUES (?,?,?,?,?,?,?)',
                                   [(c.id, c.source, c.n, c.start, c.end, c.text, c.title) for c in chunks])
                if upserts or removals:
                    db.execute("INSERT OR REPLACE INTO meta VALUES ('version', ?)", (str(self.version() + 1),))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def reset(self) -> None:
        """Drop everything indexed (used by --rebuild)."""
        import shutil

        self.close()
        for p in (self.settings.db_path, Path(str(self.settings.db_path) + "-wal"), Path(str(self.settings.db_path) + "-shm")):
            p.unlink(missing_ok=True)
        if self.settings.chroma_host:
            import chromadb

            client = chromadb.HttpClient(host=self.settings.chroma_host, port=self.settings.chroma_port)
            try:
                client.delete_collection(self.settings.collection)
            except Exception:  # absent already
                pass
        else:
            from chromadb.api.client import SharedSystemClient

            SharedSystemClient.clear_system_cache()  # the client caches the deleted folder's state
            shutil.rmtree(self.settings.chroma_path, ignore_errors=True)


def _store_key(settings: IndexSettings) -> tuple:
    return (str(settings.home.resolve()), settings.chroma_host, settings.chroma_port, settings.collection)


def open_store(settings: IndexSettings, runtime: Runtime = RUNTIME) -> Store:
    """The runtime's Store for this data folder and server (one each: connections are reused)."""
    return runtime.shared("store", _store_key(settings), lambda: Store(settings))


def forget_store(settings: IndexSettings, runtime: Runtime = RUNTIME) -> None:
    store = runtime.forget("store", _store_key(settings))
    if store is not None:
        store.close()
