"""Load: 20 concurrent /ask requests against a real `sourcebook chat` process on loopback,
and indexing while answering. Bounded in count and time; stops by itself."""
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from index import IndexSettings, build_index
from tests.conftest import ROOT, SEEDS, wait_until_up

QUESTIONS = [
    ("How many jobs will the new Rheinmetall factory in the UK support?", "400"),
    ("Which countries make up the E5 group?", "Italy"),
    ("When are the first artillery gun barrels expected to roll off the production line?", "2027"),
    ("Where are the Boxer armoured vehicle and the Challenger 3 tank being built?", "Telford"),
    ("Who won the 2022 FIFA World Cup?", None),
]


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@pytest.fixture
def chat_server(tmp_path, embedder):
    home = tmp_path / "home"
    folder = tmp_path / "articles"
    shutil.copytree(SEEDS, folder, ignore=shutil.ignore_patterns("*.jsonl"))
    build_index(folder, settings=IndexSettings(home=home), embedder=embedder)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "SOURCEBOOK_HOME": str(home), "SOURCEBOOK_MODE": "extractive"}
    proc = subprocess.Popen([sys.executable, "-m", "sourcebook_cli", "chat", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_up(url, proc, 120)
        yield url, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_twenty_concurrent_questions(chat_server):
    from gradio_client import Client

    url, pid = chat_server
    client = Client(url, verbose=False)
    client.predict(QUESTIONS[0][0], "extractive", api_name="/ask")  # warm up (models load once)
    rss_before = _rss_mb(pid)
    asked = [QUESTIONS[i % len(QUESTIONS)] for i in range(20)]
    results: list = [None] * 20

    def one(i: int) -> None:
        try:
            results[i] = Client(url, verbose=False).predict(asked[i][0], "extractive", api_name="/ask")
        except Exception as exc:  # recorded, then asserted below
            results[i] = exc

    threads = [threading.Thread(target=one, args=(i,)) for i in range(20)]
    t0 = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert time.time() - t0 < 300
    for (question, expected), got in zip(asked, results):
        assert isinstance(got, dict), got
        assert got["question"] == question  # nobody got somebody else's answer
        if expected is None:
            assert not got["answered"]
        else:
            assert got["answered"] and expected in got["text"], (question, got["text"])
    grown = _rss_mb(pid) - rss_before
    assert grown < 300, f"memory grew by {grown:.0f} MB over 20 requests"


def test_indexing_while_answering(seeded_settings, tmp_path, embedder):
    """Answers keep coming, complete and verbatim, while another thread re-indexes."""
    from qa.pipeline import Pipeline

    folder = tmp_path / "more"
    shutil.copytree(SEEDS, folder, ignore=shutil.ignore_patterns("*.jsonl"))
    settings = seeded_settings.with_(index=IndexSettings(home=tmp_path / "h"))
    build_index(folder, settings=settings.index, embedder=embedder)
    pipe = Pipeline(settings, embedder=embedder)
    errors: list = []
    stop = threading.Event()

    def index_loop() -> None:
        try:
            for i in range(6):
                (folder / f"extra_{i}.txt").write_text(f"Extra report {i}: the E5 ministers met again in month {i}.")
                build_index(folder, settings=settings.index, embedder=embedder, store=pipe.store)
        except Exception as exc:
            errors.append(exc)
        finally:
            stop.set()

    t = threading.Thread(target=index_loop)
    t.start()
    answered = 0
    deadline = time.time() + 240
    while not stop.is_set() and time.time() < deadline:
        a = pipe.ask("How many jobs will the new Rheinmetall factory in the UK support?")
        assert a.answered and "400" in a.text
        for c in a.citations:
            assert pipe.store.get_article(c.source).text[c.start:c.end] == c.quote
        answered += 1
    t.join(timeout=60)
    assert not errors, errors
    assert answered >= 1
    assert len(pipe.store.list_articles()) == 10
