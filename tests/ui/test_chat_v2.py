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
from ui.conversations import ConversationStore

pytestmark = pytest.mark.browser
JOBS = "How many jobs will the new Rheinmetall factory in the UK support?"
SIGNED = "When was the UK-Germany defence declaration signed?"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def store(tmp_path):
    """This test's own conversations file (the index is the session's)."""
    return ConversationStore(tmp_path / "conversations.db")


@pytest.fixture
def served(ui_settings, free_port, store):
    """Starts the app with --auth or not, saving to `store`; yields a function returning its URL."""
    from ui.app import build_app, launch, parse_auth

    started = []

    def start(auth: str | list | None = None, settings=None):
        demo = build_app(settings or ui_settings, conversations=store)
        port = free_port()
        launch(demo, "127.0.0.1", port, auth=auth if isinstance(auth, list) else parse_auth(auth), block=False)
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


def answers(pg) -> list[str]:
    return pg.locator("#sb-chat .sb-answer .sb-answer-text").all_inner_texts()


def conversations(pg) -> list[str]:
    return [t.strip() for t in pg.locator("#sb-convs label").all_inner_texts()]


def download(pg, click) -> tuple[str, str]:
    with pg.expect_download(timeout=30_000) as d:
        click()
    return d.value.suggested_filename, Path(d.value.path()).read_text(encoding="utf-8")


def test_conversations_are_saved_listed_renamed_deleted_and_restored(browser, served, store):
    from playwright.sync_api import expect

    url = served()
    ctx, pg = open_page(browser, url)
    try:
        ask(pg, JOBS)
        ask(pg, SIGNED)
        first = answers(pg)
        assert len(first) == 2 and "400" in first[0]
        expect(pg.locator("#sb-convs label")).to_have_count(1)
        assert conversations(pg) == [JOBS] and pg.input_value("#sb-conv-name input") == JOBS
        # stored as structured answers, not HTML
        [saved] = store.list("")
        turns = store.get("", saved["id"])["turns"]
        assert [t["question"] for t in turns] == [JOBS, SIGNED] and all(t["status"] == "done" for t in turns)
        assert turns[0]["answer"]["citations"][0]["quote"] in pg.locator("#sb-chat .sb-quote").first.inner_text()

        pg.reload()                                            # restored on reload
        pg.wait_for_selector("#sb-chat .sb-answer", timeout=TIMEOUT)
        assert answers(pg) == first
        expect(pg.locator("#sb-convs input:checked")).to_have_count(1)
        assert pg.input_value("#sb-conv-name input") == JOBS

        pg.click("#sb-new")                                    # a new conversation
        expect(pg.locator("#sb-chat .sb-answer")).to_have_count(0)
        ask(pg, "What will the joint venture RBSL build?")
        expect(pg.locator("#sb-convs label")).to_have_count(2)
        assert conversations(pg)[0] == "What will the joint venture RBSL build?"   # the latest first

        pg.locator("#sb-convs label", has_text=JOBS).click()   # back to the first
        expect(pg.locator("#sb-chat .sb-answer")).to_have_count(2)
        assert answers(pg) == first

        pg.fill("#sb-conv-name input", "   ")                 # an empty name is refused, nothing changes
        pg.click("#sb-rename")
        expect(pg.locator("#sb-conv-note")).to_contain_text("needs a name")
        assert JOBS in conversations(pg)
        pg.fill("#sb-conv-name input", "Defence jobs")
        pg.click("#sb-rename")
        expect(pg.locator("#sb-convs label", has_text="Defence jobs")).to_have_count(1)

        name, text = download(pg, lambda: pg.click("#sb-export"))   # the whole conversation as Markdown
        assert name == "sourcebook-defence-jobs.md"
        assert text.startswith("# Defence jobs") and f"## {JOBS}" in text and f"## {SIGNED}" in text
        for t in turns:
            for c in t["answer"]["citations"]:
                assert f"{c['n']}. **{c['title']}**" in text and c["quote"].splitlines()[0] in text

        pg.click("#sb-delete")                                 # delete, then undo
        expect(pg.locator("#sb-convs label", has_text="Defence jobs")).to_have_count(0)
        expect(pg.locator("#sb-chat .sb-answer")).to_have_count(0)
        expect(pg.locator("#sb-conv-note")).to_contain_text("Deleted “Defence jobs”")
        pg.click("#sb-undo")
        expect(pg.locator("#sb-convs label", has_text="Defence jobs")).to_have_count(1)
        expect(pg.locator("#sb-chat .sb-answer")).to_have_count(2)
        assert answers(pg) == first
        pg.reload()
        pg.wait_for_selector("#sb-chat .sb-answer", timeout=TIMEOUT)
        assert answers(pg) == first and len(store.list("")) == 2
        assert not pg.problems, pg.problems
    finally:
        ctx.close()


def test_each_user_sees_only_their_conversations(browser, served, store):
    """Alice's chat is open in this browser when Bob signs in on it: he gets a new chat."""
    from playwright.sync_api import expect

    url = served([("alice", "s3:cret"), ("bob", "hunter22")])
    ctx = browser.new_context()
    try:
        pg = ctx.new_page()
        pg.goto(url)
        sign_in(pg, "alice", "s3:cret")
        pg.wait_for_selector("#sb-input textarea", timeout=TIMEOUT)
        ask(pg, JOBS)
        assert [c["title"] for c in store.list("alice")] == [JOBS] and store.list("") == []
        pg.click("#sb-signout")
        expect(pg.get_by_label("password")).to_be_visible(timeout=10_000)
        sign_in(pg, "bob", "hunter22")
        pg.wait_for_selector("#sb-input textarea", timeout=TIMEOUT)
        pg.wait_for_timeout(2000)        # the load-time restore has run
        assert pg.locator("#sb-chat .sb-answer").count() == 0 and conversations(pg) == []
        ask(pg, SIGNED)
        assert [c["title"] for c in store.list("bob")] == [SIGNED]
        assert [c["title"] for c in store.list("alice")] == [JOBS]
    finally:
        ctx.close()


def test_answer_actions_copy_regenerate_rate_and_export(browser, served, store):
    from playwright.sync_api import expect

    url = served()
    ctx, pg = open_page(browser, url)
    ctx.grant_permissions(["clipboard-read", "clipboard-write"])
    try:
        ask(pg, SIGNED)
        answer = pg.locator("#sb-chat .sb-answer").last
        shown = answer.locator(".sb-answer-text").inner_text()
        quote = answer.locator(".sb-card .sb-quote").first.inner_text()
        actions = pg.locator("#sb-chat .sb-actions").last
        actions.locator(".sb-act-copy").click()                 # copy: text, not HTML, with the sources
        expect(actions.locator(".sb-act-copy")).to_have_text("Copied")
        copied = pg.evaluate("navigator.clipboard.readText()")
        assert "<" not in copied and "Sources:" in copied and quote in copied
        assert re.sub(r"\s+", " ", copied).startswith(re.sub(r"\s+", " ", shown.split("[")[0]).strip())
        assert "disagree" in copied                             # the conflict box goes along

        [conv] = store.list("")
        before = store.get("", conv["id"])["turns"]
        pg.evaluate("""() => { window.__sbSawPending = false;
            new MutationObserver(() => { if (document.querySelector('#sb-chat .sb-pending')) window.__sbSawPending = true; })
              .observe(document.body, {childList: true, subtree: true}); }""")
        actions.locator(".sb-act-regen").click()                # regenerate: the same turn, answered again
        pg.wait_for_function("window.__sbSawPending", timeout=10_000)
        pg.wait_for_function("() => document.querySelectorAll('#sb-chat .sb-actions').length === 1 && "
                             "!document.querySelector('#sb-chat .sb-pending, #sb-chat .sb-draft')", timeout=TIMEOUT)
        expect(pg.locator("#sb-chat .sb-answer")).to_have_count(1)
        after = store.get("", conv["id"])["turns"]
        assert [t["id"] for t in after] == [t["id"] for t in before] and after[0]["status"] == "done"

        pg.locator("#sb-chat .sb-act-down").click()             # rate, then say why
        expect(pg.locator("#sb-chat .sb-act-down.sb-on")).to_have_count(1)
        expect(pg.locator("#sb-feedback")).to_be_visible()
        pg.click("#sb-fb-send")                                 # an empty comment is refused; the rating stays
        expect(pg.locator("#sb-feedback")).to_contain_text("Type a comment first")
        pg.fill("#sb-fb-comment textarea", "Only one of the dates is right")
        pg.click("#sb-fb-send")
        expect(pg.locator("#sb-feedback")).to_contain_text("Comment saved")
        [r] = store.ratings()
        assert r["rating"] == -1 and r["comment"] == "Only one of the dates is right" and r["question"] == SIGNED
        assert r["answer"]["citations"] and r["answer"]["citations"][0]["quote"] in pg.content().replace("&amp;", "&")

        name, text = download(pg, lambda: pg.locator("#sb-chat .sb-act-export").click())   # one answer
        assert name.startswith("sourcebook-when-was-the-uk-germany") and text.startswith(f"# {SIGNED}")
        assert "Sources:" in text and "1. **" in text and "> " + quote.splitlines()[0] in text

        pg.reload()                                             # the rating is shown again after a reload
        pg.wait_for_selector("#sb-chat .sb-answer", timeout=TIMEOUT)
        expect(pg.locator("#sb-chat .sb-act-down.sb-on")).to_have_count(1)
        assert not pg.problems, pg.problems
    finally:
        ctx.close()


class SlowLLM:
    """The LLM boundary, scripted and slow (a chunk every 0.25 s): long enough to press Stop."""
    name = "slow-scripted"

    def __init__(self):
        self.chunks = 0

    def stream(self, messages, max_tokens=160, stop=None):
        import time

        for word in ("The factory will support more than 400 jobs [1]. " * 12).split(" "):
            time.sleep(0.25)
            self.chunks += 1
            yield word + " "


@pytest.mark.parametrize("viewport", [{"width": 1440, "height": 900}, {"width": 390, "height": 844}],
                         ids=["desktop", "phone"])
def test_stop_ends_the_answer_and_keeps_the_quotes(browser, served, ui_settings, store, viewport):
    from playwright.sync_api import expect

    from index.runtime import RUNTIME
    from qa.pipeline import Pipeline

    generative = ui_settings.with_(mode="generative")
    llm = SlowLLM()
    RUNTIME.forget("pipeline", generative)      # the chat's pipeline for these settings: this one
    RUNTIME.shared("pipeline", generative, lambda: Pipeline(generative, llm=llm))
    try:
        url = served(settings=generative)
        ctx, pg = open_page(browser, url, viewport=viewport)
        pg.fill("#sb-input textarea", JOBS)
        pg.keyboard.press("Enter")
        pg.wait_for_selector("#sb-chat .sb-streaming", timeout=TIMEOUT)
        expect(pg.locator("#sb-stop")).to_be_visible()
        assert not pg.locator("#sb-send").is_visible()
        box = pg.locator("#sb-stop").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"] and box["width"] >= 60, box
        pg.click("#sb-stop")
        expect(pg.locator("#sb-send")).to_be_visible(timeout=5_000)
        expect(pg.locator("#sb-stop")).to_be_hidden()
        answer = pg.locator("#sb-chat .sb-answer").last
        expect(answer).to_contain_text("Stopped: these are the verified quotes")
        assert answer.locator(".sb-card").count() >= 1 and pg.locator("#sb-chat .sb-streaming").count() == 0
        at_stop = llm.chunks
        pg.wait_for_timeout(2000)
        assert llm.chunks <= at_stop + 1, "the model kept writing after Stop"
        [conv] = store.list("")
        [turn] = store.get("", conv["id"])["turns"]
        assert turn["status"] == "stopped" and turn["answer"]["citations"]
        pg.reload()
        pg.wait_for_selector("#sb-chat .sb-answer", timeout=TIMEOUT)
        expect(pg.locator("#sb-chat .sb-answer").last).to_contain_text("Stopped")
        ctx.close()
    finally:
        RUNTIME.forget("pipeline", generative)


class FailsSecondTime:
    """The LLM boundary, scripted: a good answer, then a crash (a server gone mid-request)."""
    name = "fails-second-time"

    def __init__(self):
        self.calls = 0

    def stream(self, messages, max_tokens=160, stop=None):
        self.calls += 1
        if self.calls > 1:
            raise RuntimeError("connection reset by the model server")
        yield "The factory will support more than 400 jobs [1]."


def test_a_failed_regeneration_keeps_the_answer_there_was(browser, served, ui_settings, store):
    from playwright.sync_api import expect

    from index.runtime import RUNTIME
    from qa.pipeline import Pipeline

    generative = ui_settings.with_(mode="generative")
    RUNTIME.forget("pipeline", generative)
    RUNTIME.shared("pipeline", generative, lambda: Pipeline(generative, llm=FailsSecondTime()))
    try:
        url = served(settings=generative)
        ctx, pg = open_page(browser, url)
        ask(pg, JOBS)
        first = answers(pg)
        assert "400" in first[0]
        pg.locator("#sb-chat .sb-act-regen").click()
        expect(pg.locator("#sb-conv-note")).to_contain_text("Regenerate failed", timeout=TIMEOUT)
        expect(pg.locator("#sb-conv-note")).to_contain_text("The previous answer is kept")
        expect(pg.locator("#sb-send")).to_be_visible()
        assert answers(pg) == first and pg.locator("#sb-chat .sb-error").count() == 0
        [conv] = store.list("")
        [turn] = store.get("", conv["id"])["turns"]
        assert turn["status"] == "done" and "400" in turn["answer"]["text"]
        pg.reload()
        pg.wait_for_selector("#sb-chat .sb-answer", timeout=TIMEOUT)
        assert answers(pg) == first
        ctx.close()
    finally:
        RUNTIME.forget("pipeline", generative)


def choose_articles(pg, *sources: str) -> None:
    box = pg.locator("#sb-filter input")
    for source in sources:
        box.click()
        box.fill(source)                       # the list narrows to that article; Enter picks it
        pg.wait_for_function("(s) => { const o = [...document.querySelectorAll('[role=option]')];"
                             " return o.length === 1 && o[0].getAttribute('aria-label').includes(s); }", arg=source)
        pg.keyboard.press("Enter")
        pg.locator("#sb-header h1").click()     # closes the list; the next click opens it afresh
    for source in sources:
        pg.locator("#sb-filter .token", has_text=source).wait_for(timeout=5_000)


def test_the_library_filter_keeps_answers_to_the_chosen_articles(browser, served, hostile, ui_settings):
    from playwright.sync_api import expect

    from index import list_articles

    url = served()
    ctx, pg = open_page(browser, url)
    try:
        sources = {r["source"] for r in list_articles(settings=ui_settings.index)}
        pg.locator("#sb-filter input").click()
        expect(pg.locator("[role=option]")).to_have_count(len(sources))
        pg.locator("#sb-header h1").click()
        choose_articles(pg, hostile["source"])                  # only the festival article: no jobs there
        ask(pg, JOBS)
        answer = pg.locator("#sb-chat .sb-answer").last
        cited = {render_source(h) for h in answer.locator(".sb-card").evaluate_all("(a) => a.map(x => x.getAttribute('href'))")}
        assert cited <= {hostile["source"]}
        assert "400" not in answer.inner_text()
        pg.locator("#sb-filter .token-remove, #sb-filter [title^='Remove']").first.click()
        jobs_article = next(s for s in sources if s.startswith("000_"))
        choose_articles(pg, jobs_article)
        ask(pg, JOBS)
        answer = pg.locator("#sb-chat .sb-answer").last
        cited = {render_source(h) for h in answer.locator(".sb-card").evaluate_all("(a) => a.map(x => x.getAttribute('href'))")}
        assert cited == {jobs_article} and "400" in answer.inner_text()
        assert not pg.problems, pg.problems
    finally:
        ctx.close()


def render_source(href: str) -> str:
    import html

    from ui import render

    return render.parse_cite_ref(html.unescape(href))[0]


@pytest.mark.parametrize("viewport", [{"width": 1440, "height": 900}, {"width": 390, "height": 844}],
                         ids=["desktop", "phone"])
def test_typing_during_the_page_load_is_kept(browser, served, ui_settings, embedder, tmp_path, viewport):
    """Every load-time event (header count, library, filter, suggestions, the restored
    conversation) must leave the chat box alone: their answers are held back 1.5 s so the
    typing comes first. The library changes after start-up, so the suggestions update too."""
    import shutil

    from index import IndexSettings, build_index

    home = tmp_path / "home"
    shutil.copytree(ui_settings.index.home, home)
    settings = ui_settings.with_(index=IndexSettings(home=home))
    url = served(settings=settings)
    ctx, pg = open_page(browser, url, viewport=viewport)
    try:
        ask(pg, JOBS)                                           # a conversation to restore on load
        new = tmp_path / "new"
        new.mkdir()
        (new / "harbour.txt").write_text("Port of Kiel opens a new ferry terminal\nThe Port of Kiel opened a new "
                                         "ferry terminal on Monday, the harbour authority said.\n", encoding="utf-8")
        assert build_index([new], settings=settings.index, embedder=embedder, prune=False).ok
        held = []

        def slow(route):
            held.append(route.request.url)
            pg.wait_for_timeout(1500)
            route.continue_()
        pg.route(re.compile(r".*/gradio_api/(run|queue)/.*"), slow)
        pg.goto(url)
        pg.wait_for_selector("#sb-input textarea", state="visible", timeout=TIMEOUT)
        pg.locator("#sb-input textarea").type("Who will build the", delay=40)
        pg.wait_for_selector("#sb-chat .sb-answer", timeout=TIMEOUT)   # the conversation came back
        pg.wait_for_timeout(3000)                               # every load event has answered
        assert len(held) >= 4, held
        pg.locator("#sb-input textarea").type(" boxers?", delay=20)
        assert pg.input_value("#sb-input textarea") == "Who will build the boxers?"
        pg.keyboard.press("Enter")                              # and it is what gets asked
        pg.locator("#sb-chat .sb-question", has_text="Who will build the boxers?").wait_for(timeout=TIMEOUT)
    finally:
        pg.unroute_all(behavior="ignoreErrors")
        ctx.close()


def test_a_damaged_conversations_file_is_reported_and_the_chat_still_answers(browser, served, store):
    from playwright.sync_api import expect

    junk = b"not a database: somebody's notes\n" * 50
    store.path.write_bytes(junk)
    url = served()
    ctx, pg = open_page(browser, url)
    try:
        expect(pg.locator("#sb-conv-note")).to_contain_text("cannot be read", timeout=TIMEOUT)   # said on load
        ask(pg, JOBS)
        assert "400" in answers(pg)[0]
        note = pg.locator("#sb-conv-note")
        expect(note).to_contain_text("Not saved")
        assert "move it aside" in note.inner_text() and str(store.path) in note.inner_text()
        assert store.path.read_bytes() == junk                  # left exactly as it was
        assert not pg.problems, pg.problems
    finally:
        ctx.close()
