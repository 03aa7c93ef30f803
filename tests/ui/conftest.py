"""UI fixtures: a data folder indexed from seeds/ plus one hostile article, and the app
launched on a free loopback port (extractive mode: the real LLM is tested in tests/qa), and
headless Chromium for the browser tests."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import free_port as _free_port

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync"]
HOSTILE_NAME = "900_hostile.txt"
HOSTILE_QUESTION = "How many visitors did the Zorbland harbour festival draw?"
# Markup an article might carry; the UI must show it as text and run none of it.
HOSTILE = (
    "Zorbland harbour festival <script>window.__sbPwned = 'script'</script> breaks records\n"
    "The Zorbland harbour festival drew 12,000 visitors on Saturday <img src=x onerror=\"window.__sbPwned='img'\">, "
    "organisers said.\n"
    "Organisers said the festival's *fireworks* cost $40,000 and {{ template }} ${value} markers stayed text.\n"
    "The harbour master, Ilse Brandt, said the boats returned safely before midnight.\n"
)


@pytest.fixture(scope="session")
def free_port():
    """A function returning a free loopback port."""
    return _free_port


@pytest.fixture(scope="session")
def hostile() -> dict:
    """The hostile article's source name and a question its quotes answer."""
    return {"source": HOSTILE_NAME, "question": HOSTILE_QUESTION, "text": HOSTILE}


@pytest.fixture(scope="session")
def ui_settings(tmp_path_factory, embedder):
    """QASettings (extractive) over a real Chroma index of seeds/ + the hostile article."""
    from index import IndexSettings, build_index
    from qa import QASettings

    articles = tmp_path_factory.mktemp("ui-articles")
    for f in (ROOT / "seeds").glob("*.txt"):
        shutil.copy(f, articles / f.name)
    (articles / HOSTILE_NAME).write_text(HOSTILE, encoding="utf-8")
    idx = IndexSettings(home=tmp_path_factory.mktemp("ui-home"))
    report = build_index([articles], settings=idx, embedder=embedder)
    assert report.ok and len(report.added) == 5, report.summary()
    return QASettings.from_env(index=idx, mode="extractive")


@pytest.fixture(scope="session")
def live_app(ui_settings):
    """The real app (theme, CSS, script, queue) served on 127.0.0.1; yields its URL."""
    from ui.app import build_app, launch

    demo = build_app(ui_settings)
    port = _free_port()
    launch(demo, "127.0.0.1", port, block=False)
    yield f"http://127.0.0.1:{port}/"
    demo.close()


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium, driven by Playwright (browser tests skip without it)."""
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is absent: install it with `apt-get install chromium` (or `make browser`)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield b
        b.close()
