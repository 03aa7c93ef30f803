"""The one owner of a process's heavy objects: `Runtime`.

Stores (one per data folder and vector server; each holds its BM25 index), encoders (one per
encoder and model folder), and what the answering layer shares on top of them (spaCy, the
local LLM, a pipeline per settings) are made once, on first use, and kept here, instead of in
a cache in each module. `RUNTIME` is the process's own, used by the entry points (`ask()`,
the CLI, the chat server) and by the functions that default to it; code that wants its own
objects (a test, an evaluation over another corpus) makes a `Runtime()` and passes it, and
`close()` lets everything it made go. It imports nothing of the project: the modules that
make the objects (index/store.py `open_store`, index/embed.py `get_embedder`, qa/nlp.py,
qa/llm.py, qa/pipeline.py) ask it for them.
"""
from __future__ import annotations

import threading
from typing import Callable, Hashable, TypeVar

T = TypeVar("T")


class Runtime:
    def __init__(self) -> None:
        self._made: dict[tuple[str, Hashable], object] = {}
        self._lock = threading.Lock()
        # One lock per object being made: two first asks for it get one object, and an ask for
        # another object never waits behind it (an answer's store, behind the LLM loading).
        self._making: dict[tuple[str, Hashable], threading.Lock] = {}

    def shared(self, kind: str, key: Hashable, make: Callable[[], T]) -> T:
        """The object of this kind and key, made by `make()` the first time it is asked for."""
        slot = (kind, key)
        with self._lock:
            if slot in self._made:
                return self._made[slot]  # type: ignore[return-value]
            making = self._making.setdefault(slot, threading.Lock())
        with making:
            with self._lock:
                if slot in self._made:
                    return self._made[slot]  # type: ignore[return-value]
            made = make()
            with self._lock:
                self._made[slot] = made
                self._making.pop(slot, None)
            return made

    def forget(self, kind: str, key: Hashable) -> object | None:
        """Let an object go (the next ask makes a new one); returns it, or None."""
        with self._lock:
            return self._made.pop((kind, key), None)

    def close(self) -> None:
        """Let every object go, closing those that can be (stores: their connections)."""
        with self._lock:
            made, self._made = self._made, {}
        for obj in made.values():
            close = getattr(obj, "close", None)
            if callable(close):
                close()


RUNTIME = Runtime()
