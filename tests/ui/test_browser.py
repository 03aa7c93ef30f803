"""End to end in Debian's Chromium: ask, see the streamed answer and its citation cards,
open a card in the side panel with the quote highlighted and in view; hostile markup stays
text; the library uploads and removes. Saves test-artifacts/chat.png (and docs/screenshot.png)."""
from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pytest

from browsing import TIMEOUT, ask, open_page
from index import get_article, list_articles
from ui import render

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
JOBS = "How many jobs will the new Rheinmetall factory in the UK support?"
SIGNED = "When was the UK-Germany defence declaration signed?"


@pytest.fixture
def page(browser, live_app):
    ctx, pg = open_page(browser, live_app)
    yield pg
    ctx.close()


def test_chat_answer_cites_and_highlights_the_source(page, browser, live_app, ui_settings):
    from playwright.sync_api import expect

    ask(page, JOBS)
    assert page.evaluate("window.__sbSawPending"), "no intermediate state was shown before the answer"
    answer = page.locator("#sb-chat .sb-answer").last
    cards = answer.locator(".sb-card")
    assert cards.count() >= 1
    card = cards.last   # the last card's quote sits furthest down its article: the panel must scroll
    target = html.unescape(card.get_attribute("href"))
    source, start, end, n = render.parse_cite_ref(target)
    quote = card.locator(".sb-quote").inner_text()
    art = get_article(source, settings=ui_settings.index)
    assert art.text[start:end] == quote
    assert card.locator(".sb-n").inner_text() == str(n)
    assert card.locator(".sb-title").inner_text() == art.title
    assert f"[{n}]" in answer.locator(".sb-answer-text").inner_text()

    card.click()
    mark = page.locator("#sb-source mark.sb-hl")
    expect(mark).to_have_text(quote, timeout=TIMEOUT)
    expect(mark).to_be_in_viewport(timeout=10_000)
    assert page.locator("#sb-source .sb-article-title").inner_text() == art.title
    assert "sb-active" in card.get_attribute("class")
    # an [n] marker in the text opens its source too
    first = answer.locator(".sb-answer-text .sb-ref").first
    s1, a1, b1, n1 = render.parse_cite_ref(html.unescape(first.get_attribute("href")))
    first.click()
    expect(page.locator(f"#sb-source mark#sb-hl-{n1}")).to_have_text(
        get_article(s1, settings=ui_settings.index).text[a1:b1], timeout=TIMEOUT)

    # a second turn (two articles disagree on this date): the screenshot for the README
    ask(page, SIGNED)
    latest = page.locator("#sb-chat .sb-answer").last
    latest.locator(".sb-card").first.click()
    expect(page.locator("#sb-source mark.sb-hl")).to_have_text(
        latest.locator(".sb-card").first.locator(".sb-quote").inner_text(), timeout=TIMEOUT)
    # scroll the conversation up to the latest question, as a reader would (a wheel, so the
    # chat's autoscroll knows the user moved)
    box = page.locator("#sb-chat").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    for _ in range(6):   # the chat may still be finishing its own scroll to the bottom
        page.wait_for_timeout(400)
        delta = page.locator("#sb-chat .sb-question").last.evaluate(
            "(q) => q.getBoundingClientRect().top - document.querySelector('#sb-chat').getBoundingClientRect().top - 24")
        if abs(delta) < 30:
            break
        page.mouse.wheel(0, delta)
    page.wait_for_timeout(1500)   # let the highlight flash settle
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "chat.png"))
    (ROOT / "docs").mkdir(exist_ok=True)
    shutil.copy(ARTIFACTS / "chat.png", ROOT / "docs" / "screenshot.png")

    # another visitor starts with an empty conversation
    other = browser.new_page()
    other.goto(live_app)
    other.wait_for_selector("#sb-input textarea", timeout=TIMEOUT)
    assert other.locator("#sb-chat .sb-question").count() == 0
    other.close()

    # one control to start afresh, "New conversation" (the chat's own bin is hidden); it empties
    # the chat and the side panel, the conversation staying saved
    expect(page.get_by_role("button", name=re.compile("clear", re.I))).to_have_count(0)
    fresh = page.get_by_role("button", name=re.compile("new conversation", re.I))
    expect(fresh).to_have_count(1)
    fresh.click()
    expect(page.locator("#sb-chat .sb-question")).to_have_count(0, timeout=10_000)
    expect(page.locator("#sb-source mark")).to_have_count(0, timeout=10_000)
    assert not page.problems, page.problems


def test_hostile_markup_shows_as_text_and_runs_nothing(page, hostile):
    from playwright.sync_api import expect

    typed = "<img src=x onerror=\"alert('typed')\">"
    ask(page, f"{typed} {hostile['question']}")
    assert page.locator("#sb-chat .sb-question").last.inner_text().startswith(typed)
    card = page.locator("#sb-chat .sb-card", has_text=hostile["source"]).first
    card.click()
    expect(page.locator("#sb-source mark.sb-hl")).to_be_visible(timeout=TIMEOUT)
    body = page.locator("#sb-source .sb-article-body").inner_text()
    assert "<script>window.__sbPwned = 'script'</script>" in body
    assert "onerror=\"window.__sbPwned='img'\"" in body
    assert "{{ template }} ${value}" in body and "*fireworks*" in body
    assert page.locator("#sb-source script, #sb-source img, #sb-chat img[src='x']").count() == 0
    assert page.evaluate("window.__sbPwned") is None
    assert not page.problems, page.problems


def test_library_upload_and_remove(page, tmp_path, ui_settings):
    from playwright.sync_api import expect

    good = tmp_path / "Lighthouse report.txt"
    good.write_text("Lighthouse keepers return to Skerry Point\n"
                    "The Skerry Point lighthouse will be staffed again from June, the trust said.\n")
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    page.get_by_role("tab", name="Library").click()
    expect(page.locator("#sb-library")).to_contain_text("5 articles", timeout=TIMEOUT)
    page.locator("#sb-upload input[type=file]").set_input_files([str(good), str(empty)])
    expect(page.locator("#sb-upload table tr")).to_have_count(2, timeout=TIMEOUT)
    page.click("#sb-index")
    report = page.locator("#sb-report")
    expect(report.locator(".sb-ok")).to_contain_text("Lighthouse report.txt", timeout=TIMEOUT)
    expect(report.locator(".sb-fail")).to_contain_text("empty.txt: empty file")
    expect(page.locator("#sb-library")).to_contain_text("Lighthouse keepers return to Skerry Point")
    assert "Lighthouse report.txt" in {a["source"] for a in list_articles(settings=ui_settings.index)}
    examples = page.locator("#sb-chat .example")   # the chat's suggestions follow the library
    expect(examples.filter(has_text="Lighthouse keepers return to Skerry Point")).to_have_count(1, timeout=TIMEOUT)

    page.locator("#sb-remove-choice input").click()
    page.get_by_role("option", name=re.compile("Lighthouse keepers")).click()
    page.click("#sb-remove")
    expect(report).to_contain_text("Removed Lighthouse report.txt", timeout=TIMEOUT)
    expect(page.locator("#sb-library")).not_to_contain_text("Lighthouse keepers")
    expect(examples.filter(has_text="Lighthouse keepers")).to_have_count(0, timeout=TIMEOUT)
    expect(examples).to_have_count(4)
    assert "Lighthouse report.txt" not in {a["source"] for a in list_articles(settings=ui_settings.index)}
    assert not page.problems, page.problems


def test_upload_over_the_limit_is_reported_once_and_names_stay_the_users(page, tmp_path, ui_settings):
    from playwright.sync_api import expect

    from ui import library

    big = tmp_path / "big.txt"
    with big.open("wb") as f:
        f.truncate(library.MAX_UPLOAD_BYTES + 1)     # sparse: over the limit without writing 20 MB
    odd = tmp_path / "Budget $5m! {draft}.txt"       # Gradio's copy drops "$", "!" and braces
    odd.write_text("Harbour budget approved\nThe Skerry harbour board approved a budget of 5 million pounds.\n")
    page.get_by_role("tab", name="Library").click()
    box, report = page.locator("#sb-upload"), page.locator("#sb-report")

    page.locator("#sb-upload input[type=file]").set_input_files([str(big), str(odd)])
    expect(report.locator(".sb-fail")).to_have_text(re.compile(r"^Failed big\.txt: too large \(20\.0 MB; the limit "
                                                               r"is 20 MB\)"), timeout=TIMEOUT)
    expect(box.locator("table tr")).to_have_count(1, timeout=TIMEOUT)     # the file that fits is kept
    page.wait_for_timeout(1000)
    assert page.get_by_text("exceed the maximum allowed size").count() == 0   # no second (Gradio) error
    assert "Error" not in box.inner_text()
    page.click("#sb-index")
    expect(report.locator(".sb-ok")).to_contain_text("Indexed Budget $5m! {draft}.txt", timeout=TIMEOUT)

    # over the limit alone: reported, and the box takes the next file as usual
    page.locator("#sb-upload input[type=file]").set_input_files([str(big)])
    expect(report.locator(".sb-fail")).to_have_count(1, timeout=TIMEOUT)
    expect(report).to_contain_text("big.txt: too large")
    page.wait_for_timeout(1000)
    assert "Error" not in box.inner_text() and page.get_by_text("exceed the maximum allowed size").count() == 0
    page.click("#sb-index")
    expect(report).to_have_text("Choose files to upload first.", timeout=TIMEOUT)
    page.locator("#sb-upload input[type=file]").set_input_files([str(odd)])
    expect(box.locator("table tr")).to_have_count(1, timeout=TIMEOUT)
    page.click("#sb-index")
    expect(report.locator(".sb-ok")).to_contain_text("Already indexed, unchanged: Budget $5m! {draft}.txt",
                                                     timeout=TIMEOUT)
    source = library.safe_name(odd.name)
    assert library.remove(source, ui_settings.index)[0]
    assert not page.problems, page.problems


HEADER_LINES = r"""() => Array.from(document.querySelectorAll('#sb-eval-rows thead th')).map((th) => {
  const tops = new Set(), walk = document.createTreeWalker(th, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    if (!n.textContent.trim()) continue;
    const r = document.createRange();
    r.selectNodeContents(n);
    for (const rect of r.getClientRects()) if (rect.width > 0) tops.add(Math.round(rect.top));
  }
  return [th.textContent.trim().split(/\s+/)[0], tops.size];
}).filter(([name]) => name)"""


def test_evaluate_uses_the_settings_mode_and_headers_stay_whole(browser, ui_settings, free_port, tmp_path):
    from playwright.sync_api import expect

    from ui.app import build_app, launch

    # Starts in generative mode with no model: evaluating in that mode would fail, so a
    # finished extractive run shows the Settings tab's choice was used.
    demo = build_app(ui_settings.with_(mode="generative", llm_model=tmp_path / "missing.gguf"))
    port = free_port()
    launch(demo, "127.0.0.1", port, block=False)
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        pg = ctx.new_page()
        pg.goto(f"http://127.0.0.1:{port}/")
        pg.wait_for_selector("#sb-input textarea", timeout=TIMEOUT)
        # The page's load-time events (library listing, suggested questions) may redraw it and
        # reset what was typed in its first moments: set both inputs until they stay set.
        limit = pg.locator("#sb-eval-limit input")
        for _ in range(20):
            pg.get_by_role("tab", name="Settings").click()
            pg.locator("#sb-mode").get_by_text("Extractive").click()
            pg.get_by_role("tab", name="Evaluate").click()
            limit.fill("2")
            limit.press("Tab")
            pg.wait_for_timeout(500)
            if limit.input_value() == "2":
                break
        expect(limit).to_have_value("2")
        pg.click("#sb-eval-run")
        expect(pg.locator("#sb-eval-status")).to_contain_text("Evaluated 2 questions in extractive mode",
                                                              timeout=TIMEOUT)
        expect(pg.locator("#sb-eval-rows thead th").first).to_be_visible(timeout=TIMEOUT)
        lines = pg.evaluate(HEADER_LINES)
        assert {"question", "answered", "correct", "latency_s"} <= {name for name, _ in lines}
        assert all(n == 1 for _, n in lines), lines
    finally:
        ctx.close()
        demo.close()


def test_sign_out_button_shows_only_when_signed_in(browser, live_app, ui_settings, free_port):
    from playwright.sync_api import expect

    from ui.app import build_app, launch, parse_auth

    ctx = browser.new_context()
    try:
        pg = ctx.new_page()
        pg.goto(live_app)                           # no --auth: nothing to sign out of
        pg.wait_for_selector("#sb-input textarea", timeout=TIMEOUT)
        pg.wait_for_timeout(1000)
        assert pg.locator("#sb-signout").count() == 0 or not pg.locator("#sb-signout").is_visible()
        demo = build_app(ui_settings)
        port = free_port()
        launch(demo, "127.0.0.1", port, auth=parse_auth("alice:s3:cret"), block=False)
        try:
            pg.goto(f"http://127.0.0.1:{port}/")
            pg.get_by_label("username").fill("alice")
            pg.get_by_label("password").fill("s3:cret")
            pg.get_by_role("button", name="Login").click()
            pg.wait_for_selector("#sb-input textarea", timeout=TIMEOUT)
            signout = pg.locator("#sb-signout")
            expect(signout).to_be_visible(timeout=10_000)
            signout.click()
            expect(pg.get_by_label("password")).to_be_visible(timeout=10_000)   # back at the sign-in form
            assert pg.locator("#sb-input textarea").count() == 0
        finally:
            demo.close()
    finally:
        ctx.close()
