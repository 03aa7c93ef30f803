"""Helpers the browser tests share: opening the app in a fresh browser context, asking a
question in the chat and waiting for its answer."""
from __future__ import annotations

TIMEOUT = 120_000


def ask(pg, question: str) -> None:
    n = pg.locator("#sb-chat .sb-answer").count()
    # Record the intermediate "searching" state to show the answer arrives as a stream of updates.
    pg.evaluate("""() => { window.__sbSawPending = false;
        new MutationObserver(() => { if (document.querySelector('#sb-chat .sb-pending')) window.__sbSawPending = true; })
          .observe(document.body, {childList: true, subtree: true}); }""")
    pg.fill("#sb-input textarea", question)
    pg.keyboard.press("Enter")
    pg.wait_for_function(
        f"() => document.querySelectorAll('#sb-chat .sb-answer:not(.sb-pending):not(.sb-streaming):not(.sb-draft)').length > {n}",
        timeout=TIMEOUT)
    # the events that follow an answer (saving, the header, the suggestions) end with Ask back
    pg.locator("#sb-send").wait_for(state="visible", timeout=TIMEOUT)
    # and the chat has finished scrolling to the answer (a hover must not land mid-scroll)
    pg.wait_for_function("""() => { const c = document.querySelector('#sb-chat .bubble-wrap, #sb-chat [role=log]');
        if (!c) return true; const now = c.scrollTop + ':' + c.scrollHeight;
        const same = window.__sbScroll === now; window.__sbScroll = now; return same; }""", polling=300,
                         timeout=TIMEOUT)


def open_page(browser, url: str, **context):
    """(context, page) on the app's chat, ready for input; page.problems collects page errors and
    dialogs. `context` goes to new_context (default: a 1440×900 desktop window)."""
    ctx = browser.new_context(**{"viewport": {"width": 1440, "height": 900}, **context})
    pg = ctx.new_page()
    pg.problems = []
    pg.on("pageerror", lambda e: pg.problems.append(f"page error: {e}"))
    pg.on("dialog", lambda d: (pg.problems.append(f"dialog: {d.message}"), d.dismiss()))
    pg.goto(url)
    pg.wait_for_selector("#sb-input textarea", timeout=TIMEOUT)
    return ctx, pg
