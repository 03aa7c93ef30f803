"""Saved conversations and answer ratings: one SQLite file in the data folder (stdlib sqlite3).

A conversation belongs to an owner (the signed-in user with --auth, else "" for the one local
user) and holds turns: a question and its answer as structured JSON (the Answer's text,
citations with source/title/quote/offsets, conflicts, mode), never rendered HTML. Ratings
keep a copy of the question and answer, so a rating outlives its conversation.

Deleting only marks a conversation (so it can be undone); nothing here drops a table, and
a damaged or locked file raises ConversationError with what to do, leaving the file as it
was. Each thread keeps its own connection (Gradio runs handlers on many threads).
"""
from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Iterator

TITLE_CHARS = 80
STATUSES = ("pending", "draft", "done", "stopped", "error")
SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations(id TEXT PRIMARY KEY, owner TEXT NOT NULL, title TEXT NOT NULL,
  created REAL NOT NULL, updated REAL NOT NULL, deleted REAL);
CREATE TABLE IF NOT EXISTS turns(id INTEGER PRIMARY KEY AUTOINCREMENT, conversation TEXT NOT NULL
  REFERENCES conversations(id), question TEXT NOT NULL, answer TEXT, status TEXT NOT NULL, error TEXT,
  created REAL NOT NULL, updated REAL NOT NULL);
CREATE INDEX IF NOT EXISTS turns_by_conversation ON turns(conversation, id);
CREATE TABLE IF NOT EXISTS ratings(id INTEGER PRIMARY KEY AUTOINCREMENT, turn INTEGER NOT NULL,
  owner TEXT NOT NULL, rating INTEGER NOT NULL, comment TEXT NOT NULL DEFAULT '', question TEXT NOT NULL,
  history TEXT NOT NULL, answer TEXT NOT NULL, created REAL NOT NULL, updated REAL NOT NULL, UNIQUE(turn, answer));
"""


class ConversationError(RuntimeError):
    """The conversations file cannot be used; the message says why and what to do."""


class ConversationStore:
    def __init__(self, path: str | Path, timeout: float = 5.0) -> None:
        self.path = Path(path)
        self.timeout = timeout
        self._ready = False
        self._local = threading.local()

    def _connection(self) -> sqlite3.Connection:
        """This thread's connection, opened once: closing the last connection to a WAL file
        checkpoints it with an fsync (~16 ms here), which every save would otherwise pay."""
        db = getattr(self._local, "db", None)
        if db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=self.timeout)
            try:
                # WAL: readers never wait for a writer and a commit needs no fsync of the file
                # (a power cut may lose the last commits, never the file).
                db.execute("PRAGMA synchronous=NORMAL")
                if not self._ready:
                    db.execute("PRAGMA journal_mode=WAL")
                    db.executescript(SCHEMA)
                    self._ready = True
            except BaseException:
                db.close()
                raise
            self._local.db = db
        return db

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        try:
            db = self._connection()
            with db:
                yield db
        except sqlite3.Error as exc:
            self.close()    # reopened on the next call: the file may have been mended or moved aside
            if isinstance(exc, sqlite3.OperationalError) and ("locked" in str(exc) or "busy" in str(exc)):
                raise ConversationError(f"The conversations file {self.path} is in use by another program "
                                        "(locked): try again in a moment. Nothing was changed.") from None
            raise self._damaged(exc) from None
        except OSError as exc:
            raise ConversationError(f"Cannot open the conversations file {self.path} ({exc.strerror or exc}): "
                                    "check the data folder's permissions and free space.") from None

    def close(self) -> None:
        """Closes this thread's connection (the next call opens a new one)."""
        db = getattr(self._local, "db", None)
        self._local.db = None
        if db is not None:
            db.close()

    def _damaged(self, exc: Exception) -> ConversationError:
        return ConversationError(f"The conversations file {self.path} cannot be read ({exc}). It was left as it "
                                 "is: move it aside (e.g. to conversations.db.bad) to start afresh, or restore it "
                                 "from a backup.")

    # conversations
    def create(self, owner: str, title: str) -> str:
        cid, now = uuid.uuid4().hex, time.time()
        with self._db() as db:
            db.execute("INSERT INTO conversations VALUES (?,?,?,?,?,NULL)", (cid, owner, clean_title(title), now, now))
        return cid

    def list(self, owner: str) -> list[dict]:
        """The owner's conversations, the latest used first."""
        with self._db() as db:
            rows = db.execute("SELECT c.id, c.title, c.updated, COUNT(t.id) FROM conversations c LEFT JOIN turns t "
                              "ON t.conversation = c.id WHERE c.owner = ? AND c.deleted IS NULL GROUP BY c.id "
                              "ORDER BY c.updated DESC", (owner,)).fetchall()
        return [{"id": r[0], "title": r[1], "updated": r[2], "turns": r[3]} for r in rows]

    def get(self, owner: str, cid: str) -> dict:
        """{id, title, turns: [{id, question, answer (dict or None), status, error, rating}]};
        KeyError when the owner has no such conversation (another user's included)."""
        with self._db() as db:
            row = self._own(db, owner, cid)
            turns = db.execute("SELECT t.id, t.question, t.answer, t.status, t.error, r.rating FROM turns t "
                               "LEFT JOIN ratings r ON r.turn = t.id AND r.answer = t.answer WHERE t.conversation = ? ORDER BY t.id",
                               (cid,)).fetchall()
        return {"id": cid, "title": row[0], "turns": [
            {"id": t[0], "question": t[1], "answer": json.loads(t[2]) if t[2] else None, "status": t[3],
             "error": t[4], "rating": t[5]} for t in turns]}

    def rename(self, owner: str, cid: str, title: str) -> str:
        title = " ".join((title or "").split())
        if not title:
            raise ValueError("A conversation needs a name: type one, then Rename.")
        with self._db() as db:
            self._own(db, owner, cid)
            db.execute("UPDATE conversations SET title = ? WHERE id = ?", (clean_title(title), cid))
        return clean_title(title)

    def delete(self, owner: str, cid: str) -> None:
        """Hides the conversation; `undelete` brings it back."""
        with self._db() as db:
            self._own(db, owner, cid)
            db.execute("UPDATE conversations SET deleted = ? WHERE id = ?", (time.time(), cid))

    def undelete(self, owner: str, cid: str) -> None:
        with self._db() as db:
            self._own(db, owner, cid, deleted=True)
            db.execute("UPDATE conversations SET deleted = NULL WHERE id = ?", (cid,))

    @staticmethod
    def _own(db: sqlite3.Connection, owner: str, cid: str, deleted: bool = False) -> tuple:
        row = db.execute("SELECT title FROM conversations WHERE id = ? AND owner = ? AND (deleted IS NULL) = ?",
                         (cid or "", owner, not deleted)).fetchone()
        if row is None:
            raise KeyError(f"No such conversation: {cid}")
        return row

    # turns
    def add_turn(self, owner: str, cid: str, question: str) -> int:
        now = time.time()
        with self._db() as db:
            self._own(db, owner, cid)
            tid = db.execute("INSERT INTO turns(conversation, question, status, created, updated) "
                             "VALUES (?,?,?,?,?)", (cid, question, "pending", now, now)).lastrowid
            db.execute("UPDATE conversations SET updated = ? WHERE id = ?", (now, cid))
        return int(tid)

    def save_answer(self, owner: str, tid: int, answer: dict | None, status: str, error: str | None = None) -> None:
        if status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}")
        with self._db() as db:
            self._turn(db, owner, tid)
            db.execute("UPDATE turns SET answer = ?, status = ?, error = ?, updated = ? WHERE id = ?",
                       (json.dumps(answer) if answer is not None else None, status, error, time.time(), tid))

    @staticmethod
    def _turn(db: sqlite3.Connection, owner: str, tid: int) -> tuple:
        row = db.execute("SELECT t.question, t.answer, t.conversation FROM turns t JOIN conversations c ON "
                         "c.id = t.conversation WHERE t.id = ? AND c.owner = ?", (tid, owner)).fetchone()
        if row is None:
            raise KeyError(f"No such answer: {tid}")
        return row

    # ratings
    def rate(self, owner: str, tid: int, rating: int, comment: str | None = None) -> None:
        """Thumbs up (1) or down (-1) for the turn's answer as it is now, stored with the question,
        the answered turns before it and the answer. A comment of None keeps the one given."""
        if rating not in (1, -1):
            raise ValueError("rating must be 1 (helpful) or -1 (not helpful)")
        now = time.time()
        with self._db() as db:
            question, answer, cid = self._turn(db, owner, tid)
            if answer is None:
                raise ValueError("This answer is not finished yet: rate it once it has arrived.")
            before = db.execute("SELECT question, answer FROM turns WHERE conversation = ? AND id < ? AND status = "
                                "'done' ORDER BY id", (cid, tid)).fetchall()
            history = [[q, json.loads(a).get("text", "")] for q, a in before if a and json.loads(a).get("answered")]
            # One rating per answer: a regenerated answer is rated afresh, the old rating kept.
            db.execute("INSERT INTO ratings(turn, owner, rating, comment, question, history, answer, created, updated) "
                       "VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT(turn, answer) DO UPDATE SET rating = excluded.rating, "
                       "comment = COALESCE(?, comment), updated = excluded.updated",
                       (tid, owner, rating, comment or "", question, json.dumps(history), answer, now, now, comment))

    def ratings(self, owner: str | None = None) -> list[dict]:
        """Every rating (one owner's when given), oldest first."""
        with self._db() as db:
            rows = db.execute("SELECT turn, owner, rating, comment, question, history, answer, updated FROM ratings "
                              "WHERE ? IS NULL OR owner = ? ORDER BY created", (owner, owner)).fetchall()
        return [{"turn": r[0], "owner": r[1], "rating": r[2], "comment": r[3], "question": r[4],
                 "history": json.loads(r[5]), "answer": json.loads(r[6]), "updated": r[7]} for r in rows]


def clean_title(title: str) -> str:
    title = " ".join((title or "").split()) or "New conversation"
    return title if len(title) <= TITLE_CHARS else title[:TITLE_CHARS - 1].rsplit(" ", 1)[0] + "…"


def default_store(home: str | Path) -> ConversationStore:
    return ConversationStore(Path(home) / "conversations.db")
