"""Scale-out: index and answer through a real Chroma server on loopback."""
import subprocess
import sys
from pathlib import Path

import pytest

from index import IndexSettings, build_index
from tests.conftest import free_port as _free_port, wait_until_up


@pytest.fixture
def chroma_server(tmp_path):
    port = _free_port()
    exe = Path(sys.executable).parent / "chroma"
    proc = subprocess.Popen([str(exe), "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/api/v2/heartbeat", proc, 60)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_index_and_answer_through_a_chroma_server(chroma_server, tmp_path, seeds_copy, embedder):
    from qa import QASettings
    from qa.pipeline import Pipeline

    settings = IndexSettings(home=tmp_path / "data", chroma_host="127.0.0.1", chroma_port=chroma_server)
    report = build_index([seeds_copy], settings=settings, embedder=embedder)
    assert len(report.added) == 4 and report.chunks_embedded > 0
    assert not (settings.home / "chroma").exists()  # vectors live on the server
    assert build_index([seeds_copy], settings=settings, embedder=embedder).chunks_embedded == 0
    answer = Pipeline(QASettings(index=settings, mode="extractive"), embedder=embedder).ask(
        "How many jobs will the new factory support?")
    assert answer.answered and "400" in answer.text


def test_unreachable_server_gives_a_clear_error(tmp_path, seeds_copy, embedder):
    from index import StoreError

    settings = IndexSettings(home=tmp_path / "data", chroma_host="127.0.0.1", chroma_port=_free_port())
    with pytest.raises(StoreError, match="Chroma server"):
        build_index([seeds_copy], settings=settings, embedder=embedder)
