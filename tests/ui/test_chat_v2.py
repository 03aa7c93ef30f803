"""Chat v2 in Debian's Chromium (issue 13): saved conversations, per-answer actions, stop,
the library filter, the sign-in lock-out message, and typing during the page's load.

Each test starts its own app on a data folder of its own where saved state matters (the
conversations file), over the session's real Chroma index (extractive answers: the LLM is
not what these test); Stop uses a slow scripted LLM, the one fake, at the LLM boundary."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from browsing import TIMEOUT, ask, open_page
from ui.conversations import default_store

pytestmark = pytest.mark.browser
JOBS = "How many jobs will the new Rheinmetall factory in the UK support?"
SIGNED = "When was the UK-Germany defence declaration signed?"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def served(ui_settings, free_port):
    """Starts the app with --auth or not; yields a function returning its URL."""
    from ui.app import build_app, launch, parse_auth

    started = []

    def start(auth: str | None = None, settings=None):
        demo = build_app(settings or ui_settings)
        port = free_port()
        launch(demo, "127.0.0.1", port, auth=parse_auth(auth), block=False)
        started.append(demo)
        return f"http://127.0.0.1:{port}/"
    yield start
    for demo in started:
        demo.close()


def sign_in(pg, user: str, password: str) -> None:
    pg.get_by_label("username").fill(user)
    pg.get_by_label("password").fill(password)
    pg.get_by_role("button", name="Login").click()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_locked_out_user_is_told_how_long_to_wait(browser, served, scheme):
    from playwright.sync_api import expect

    url = served("alice:s3:cret")
    ctx = browser.new_context(color_scheme=scheme)
    try:
        pg = ctx.new_page()
        pg.goto(url)
        for _ in range(4):
            sign_in(pg, "alice", "wrong")
            expect(pg.get_by_text("Incorrect credentials", exact=False)).to_be_visible(timeout=10_000)
        assert pg.locator("#sb-login-locked").count() == 0    # no lock-out message before the lock
        sign_in(pg, "alice", "wrong")                          # the fifth failure locks
        alert = pg.locator("#sb-login-locked")
        expect(alert).to_be_visible(timeout=10_000)
        assert re.fullmatch(r"Too many failed sign-ins from your address: try again in (5 min|4 min \d+ s)\.",
                            alert.inner_text()), alert.inner_text()
        sign_in(pg, "alice", "s3:cret")                        # even the right password waits
        pg.wait_for_timeout(1000)
        assert pg.locator("#sb-input textarea").count() == 0 and alert.is_visible()
        pg.reload()                                            # a new visit is told at once
        expect(pg.locator("#sb-login-locked")).to_contain_text("try again in 4 min", timeout=10_000)
        assert pg.locator("#sb-login-locked").evaluate("(e) => e.getBoundingClientRect().width") > 100
        ARTIFACTS.mkdir(exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / f"login-locked-{scheme}.png"))
    finally:
        ctx.close()
