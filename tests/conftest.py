"""Shared fixtures: an isolated SOURCEBOOK_HOME per test, one real index over seeds/ per
session, the real embedding model and (for `slow` tests) the real local LLM."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCEBOOK_HOME", str(tmp_path / "home"))
    for var in ("SOURCEBOOK_CHROMA_HOST", "SOURCEBOOK_CHROMA_PORT", "SOURCEBOOK_MODE", "SOURCEBOOK_LLM_BASE_URL",
                "SOURCEBOOK_LLM_MODEL", "SOURCEBOOK_TOP_K", "SOURCEBOOK_SEEDS"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope="session")
def embedder():
    from index import IndexSettings
    from index.embed import get_embedder

    return get_embedder(IndexSettings.from_env())


def indexed_pipeline(root: Path, embedder, articles: dict[str, str], **qa_settings):
    """An extractive pipeline over `articles` (file name: text), indexed for the test under `root`."""
    from index import IndexSettings, build_index
    from qa import QASettings
    from qa.pipeline import Pipeline

    folder = root / "arts"
    folder.mkdir()
    for name, text in articles.items():
        (folder / name).write_text(text)
    settings = QASettings(index=IndexSettings(home=root / "d"), **{"mode": "extractive", **qa_settings})
    build_index([folder], settings=settings.index, embedder=embedder)
    return Pipeline(settings, embedder=embedder)


@pytest.fixture(scope="session")
def seeds_copy(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("seeds")
    for f in SEEDS.glob("*.txt"):
        shutil.copy(f, d / f.name)
    return d


@pytest.fixture(scope="session")
def seeded_settings(tmp_path_factory, seeds_copy, embedder):
    """QASettings over a real index of the seed articles, built once per session."""
    from index import IndexSettings, build_index
    from qa import QASettings

    home = tmp_path_factory.mktemp("seeded-home")
    idx = IndexSettings(home=home)
    report = build_index([seeds_copy], settings=idx, embedder=embedder)
    assert report.ok and len(report.added) == 4
    return QASettings.from_env(index=idx, mode="extractive")


@pytest.fixture(scope="session")
def seeded_pipeline(seeded_settings):
    from qa.pipeline import Pipeline

    return Pipeline(seeded_settings)


@pytest.fixture(scope="session")
def real_llm():
    from qa import QASettings
    from qa.llm import LLMUnavailable, make_llm

    try:
        llm = make_llm(QASettings.from_env())
        llm.warm_up()
    except LLMUnavailable as exc:
        pytest.fail(f"the local LLM is not installed: {exc} (run `make setup`)")
    return llm


@pytest.fixture(scope="session")
def generative_pipeline(seeded_settings, real_llm):
    from qa.pipeline import Pipeline

    return Pipeline(seeded_settings.with_(mode="generative"), llm=real_llm)


def free_port() -> int:
    """A free loopback port."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, proc, seconds: float = 120) -> None:
    """Poll a server started as `proc` until `url` answers 200; fail the test otherwise."""
    import time

    import httpx

    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert proc.poll() is None, f"the server for {url} exited"
        time.sleep(0.3)
    pytest.fail(f"{url} did not answer within {seconds:.0f} s")
