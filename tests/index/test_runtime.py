"""The runtime owns the process's heavy objects (index/runtime.py): one of each, made once, an
ask for one never waiting behind the making of another, and a runtime of one's own isolated
from the process's. Real stores and encoder."""
import threading
import time

from index.embed import get_embedder
from index.runtime import Runtime
from index.store import forget_store, open_store


def test_one_object_per_key_made_once_even_when_asked_at_once():
    runtime, made = Runtime(), []

    def make():
        made.append(1)
        time.sleep(0.2)
        return object()

    got = []
    threads = [threading.Thread(target=lambda: got.append(runtime.shared("x", 1, make))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(made) == 1 and len({id(g) for g in got}) == 1
    assert runtime.shared("x", 2, object) is not got[0]


def test_an_ask_never_waits_behind_another_object_being_made():
    runtime = Runtime()
    started, release = threading.Event(), threading.Event()

    def slow():
        started.set()
        release.wait(10)
        return "model"

    t = threading.Thread(target=lambda: runtime.shared("llm", "big", slow))
    t.start()
    started.wait(5)
    t0 = time.perf_counter()
    assert runtime.shared("store", "small", lambda: "store") == "store"
    assert time.perf_counter() - t0 < 1.0      # not behind the 10 s maker
    release.set()
    t.join()
    assert runtime.shared("llm", "big", lambda: "another") == "model"


def test_a_runtime_of_ones_own_is_isolated_and_closes_its_stores(settings):
    own = Runtime()
    mine = open_store(settings, own)
    assert open_store(settings, own) is mine
    assert open_store(settings) is not mine                 # the process's RUNTIME has its own
    mine.db.execute("SELECT 1")
    own.close()
    assert mine._conns == []                                # its connections closed
    assert open_store(settings, own) is not mine
    process = open_store(settings)
    forget_store(settings)
    assert open_store(settings) is not process              # forgotten: the next ask opens anew
    forget_store(settings)


def test_the_encoder_is_shared_per_encoder_and_model_folder(settings):
    own = Runtime()
    assert get_embedder(settings, own) is get_embedder(settings, own)
    assert get_embedder(settings.with_(encoder="torch"), own) is not get_embedder(settings, own)
