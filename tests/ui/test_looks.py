"""How the page looks in Chromium: legible in a light and a dark browser (WCAG contrast of
the key text against what is really behind it)."""
from __future__ import annotations

from pathlib import Path

import pytest

from browsing import TIMEOUT, ask, open_page

pytestmark = pytest.mark.browser
SIGNED = "When was the UK-Germany defence declaration signed?"   # two articles disagree: a conflict box
AA = 4.5
DOCS = Path(__file__).resolve().parents[2] / "docs"   # the README's screenshots, re-taken each run

# Contrast of an element's text with what is really behind it: from the page's white canvas
# down to the element, each ancestor's background colour is laid over what is below, and an
# ancestor's opacity blends all it draws (text included) with what was below it.
CONTRAST = r"""(el) => {
  const rgba = (s) => { const m = s.match(/rgba?\(([^)]+)\)/); if (!m) return [0, 0, 0, 0];
    const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const over = (c, below) => below.map((v, i) => c[i] * c[3] + v * (1 - c[3]));
  const chain = [];
  for (let n = el; n; n = n.parentElement) chain.unshift(n);
  const paint = (i, below, withText) => {
    const s = getComputedStyle(chain[i]);
    let inner = over(rgba(s.backgroundColor), below);
    inner = i === chain.length - 1 ? (withText ? over(rgba(s.color), inner) : inner) : paint(i + 1, inner, withText);
    const o = Number(s.opacity);
    return inner.map((v, k) => o * v + (1 - o) * below[k]);
  };
  const white = [255, 255, 255];
  const fg = paint(0, white, true), bg = paint(0, white, false);
  const lum = (c) => { const [r, g, b] = c.map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const [a, b] = [lum(fg), lum(bg)];
  return [(Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05), 'rgb(' + fg.map(Math.round) + ')', 'rgb(' + bg.map(Math.round) + ')'];
}"""


def contrast(pg, selector: str) -> tuple[float, str, str]:
    loc = pg.locator(selector).last
    loc.wait_for(state="visible", timeout=TIMEOUT)
    return tuple(loc.evaluate(CONTRAST))


def measure(pg, where: dict[str, str], into: dict) -> None:
    """Contrast of each element once it has settled: while a load-time event updates a component
    (the header re-counts the articles), Gradio dims it for a moment; a real shortfall stays."""
    for name, selector in where.items():
        into[name] = contrast(pg, selector)
        for _ in range(10):
            if into[name][0] >= AA:
                break
            pg.wait_for_timeout(300)
            into[name] = contrast(pg, selector)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_key_text_is_legible_in_light_and_dark(browser, live_app, scheme):
    ctx, pg = open_page(browser, live_app, color_scheme=scheme)
    try:
        assert pg.evaluate("document.body.classList.contains('dark')") == (scheme == "dark")
        seen: dict[str, tuple] = {}
        measure(pg, {"title": "#sb-header h1", "tagline": "#sb-header .sb-tagline", "status": "#sb-header .sb-status",
                     "welcome heading": ".sb-welcome-title", "welcome text": ".sb-welcome-text"}, seen)
        ask(pg, SIGNED)
        answer = "#sb-chat .sb-answer"
        measure(pg, {"answer text": f"{answer} .sb-answer-text", "marker": f"{answer} .sb-answer-text .sb-ref",
                     "card title": f"{answer} .sb-card .sb-title", "card quote": f"{answer} .sb-card .sb-quote",
                     "card source": f"{answer} .sb-card .sb-src", "conflict title": f"{answer} .sb-conflict-title",
                     "conflict value": f"{answer} .sb-conflict li > b", "answer meta": f"{answer} .sb-meta",
                     "answer action": "#sb-chat .sb-actions .sb-act-copy", "conversation": "#sb-convs label span",
                     "conversations label": "#sb-convs [data-testid=block-info]",
                     "filter label": "#sb-filter [data-testid=block-info]", "filter info": "#sb-filter .info-text"},
                seen)
        pg.locator("#sb-chat .sb-act-up").last.click()         # a rated answer and the comment box
        pg.locator("#sb-feedback .sb-report").wait_for(timeout=TIMEOUT)
        measure(pg, {"rated action": "#sb-chat .sb-act-up.sb-on", "feedback note": "#sb-feedback .sb-report li"}, seen)
        pg.locator(f"{answer} .sb-card").first.click()
        pg.locator("#sb-source mark.sb-hl").wait_for(timeout=TIMEOUT)
        measure(pg, {"source title": "#sb-source .sb-article-title", "source meta": "#sb-source .sb-article-meta",
                     "source text": "#sb-source .sb-article-body", "source quote": "#sb-source mark.sb-hl"}, seen)
        pg.wait_for_timeout(1200)   # let the highlight flash settle
        pg.screenshot(path=str(DOCS / f"screenshot-{scheme}.png"))
        pg.get_by_role("tab", name="Settings").click()
        measure(pg, {"settings label": "#sb-mode [data-testid=block-info]", "settings choice": "#sb-mode label span",
                     "settings info": "#sb-quotes .info-text", "settings hint": ".sb-hint"}, seen)
        pg.get_by_role("tab", name="Library").click()
        measure(pg, {"library title": "#sb-library .sb-lib-title", "library source": "#sb-library .sb-lib-src"}, seen)
        low = {name: v for name, v in seen.items() if v[0] < AA}
        assert not low, f"{scheme}: text below {AA}:1 (ratio, colour, background): {low}"
        assert not pg.problems, pg.problems
    finally:
        ctx.close()


# Where each element's box lies, the page's width, and whether the input's placeholder fits
# on its one line (a canvas measures it in the textarea's own font).
LAYOUT = r"""(selectors) => {
  const boxes = {};
  for (const [name, sel] of Object.entries(selectors)) {
    const el = document.querySelector(sel);
    const r = el && el.getBoundingClientRect();
    boxes[name] = r ? [r.left, r.right, r.width, r.height] : null;
  }
  const ta = document.querySelector('#sb-input textarea'), s = getComputedStyle(ta);
  const ctx = document.createElement('canvas').getContext('2d');
  ctx.font = `${s.fontStyle} ${s.fontWeight} ${s.fontSize} ${s.fontFamily}`;
  const room = ta.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
  return {boxes, placeholder: [ctx.measureText(ta.placeholder).width, room],
          page: [document.documentElement.scrollWidth, window.innerWidth]};
}"""
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def test_phone_layout_fits_390px(browser, live_app):
    ctx, pg = open_page(browser, live_app, **PHONE)
    try:
        where = {"logo": "#sb-header .sb-logo", "title": "#sb-header h1", "tagline": "#sb-header .sb-tagline",
                 "status pill": "#sb-header .sb-status", "tabs": "[role=tablist]", "input": "#sb-input textarea",
                 "ask button": "#sb-send"}
        pg.wait_for_timeout(500)
        seen = pg.evaluate(LAYOUT, where)
        ask(pg, SIGNED)
        seen_after = pg.evaluate(LAYOUT, {"answer": "#sb-chat .sb-answer", "card": "#sb-chat .sb-card",
                                          "conflict": "#sb-chat .sb-conflict", "actions": "#sb-chat .sb-actions",
                                          "export action": "#sb-chat .sb-act-export", "filter": "#sb-filter",
                                          "conversations": "#sb-convs", "rename": "#sb-rename",
                                          "delete": "#sb-delete", "export": "#sb-export"})
        # on a phone the chat comes first: the conversations panel sits below the chat box
        order = pg.evaluate("() => [document.querySelector('#sb-input').getBoundingClientRect().top, "
                            "document.querySelector('#sb-convs').getBoundingClientRect().top]")
        assert order[0] < order[1], f"the conversations panel comes before the chat box: {order}"
        pg.screenshot(path=str(DOCS / "screenshot-mobile.png"))
        boxes = {**seen["boxes"], **seen_after["boxes"]}
        assert all(boxes.values()), boxes
        outside = {name: b for name, b in boxes.items() if b[0] < 0 or b[1] > 390.5}
        assert not outside, f"cut off at 390 px (left, right, width, height): {outside}"
        _, _, w, h = boxes["logo"]
        assert w >= 30 and abs(w / h - 1) < 0.05, f"logo squashed to {w:.0f}×{h:.0f}"
        text, room = seen["placeholder"]
        assert text <= room, f"placeholder needs {text:.0f} px, the input has {room:.0f}"
        for width, viewport in (seen["page"], seen_after["page"]):
            assert width <= viewport, f"the page scrolls sideways: {width} px wide in a {viewport} px window"
        assert not pg.problems, pg.problems
    finally:
        ctx.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_marker_preview_on_hover_and_keyboard_focus(browser, live_app, scheme):
    from playwright.sync_api import expect

    ctx, pg = open_page(browser, live_app, color_scheme=scheme)
    try:
        ask(pg, SIGNED)
        answer = pg.locator("#sb-chat .sb-answer").last
        marker = answer.locator(".sb-answer-text .sb-ref").first
        n = int(marker.inner_text().strip("[] \n"))
        card = answer.locator(".sb-card").nth(n - 1)
        quote = " ".join(card.locator(".sb-quote").inner_text().split())
        title = card.locator(".sb-title").inner_text()
        preview = marker.locator(".sb-preview")
        expect(preview).to_be_hidden()
        marker.hover()
        expect(preview).to_be_visible()
        shown = " ".join(preview.inner_text().split())
        assert title in shown and quote in shown, shown
        readable = {part: contrast(pg, f"#sb-chat .sb-ref:hover .sb-preview-{part}") for part in ("title", "date", "quote")}
        assert all(v[0] >= AA for v in readable.values()), readable
        box, chat = preview.bounding_box(), pg.locator("#sb-chat").bounding_box()
        assert chat["x"] <= box["x"] and box["x"] + box["width"] <= chat["x"] + chat["width"], (box, chat)

        pg.mouse.move(0, 0)
        expect(preview).to_be_hidden()
        pg.locator("#sb-input textarea").focus()   # from the input, Shift+Tab walks back to the marker
        for _ in range(40):
            if marker.evaluate("(m) => m === document.activeElement"):
                break
            pg.keyboard.press("Shift+Tab")
        assert marker.evaluate("(m) => m === document.activeElement"), "the marker is not reachable by keyboard"
        expect(preview).to_be_visible()
        assert quote in " ".join(preview.inner_text().split())
        assert not pg.problems, pg.problems
    finally:
        ctx.close()
