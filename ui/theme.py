"""Look and behaviour of the page: the Gradio theme and the small scripts (the CSS is in ui.style).

The script makes citation cards and [n] markers open the side panel. Gradio sanitises
chat HTML (no inline handlers, no data-* attributes survive), so citations are links to
`#sb-cite/...` and one delegated listener on the document catches their clicks (keyboard
activation of a link is a click too), hands the target to a hidden button's event, and
the side panel scrolls its <mark> into view once the article arrives.
"""
from __future__ import annotations

FONT_STACK = ["ui-sans-serif", "system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial",
              "sans-serif"]
MONO_STACK = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"]


def theme():
    import gradio as gr

    # System fonts only: the app runs offline and must not wait on a font CDN.
    return gr.themes.Soft(primary_hue="indigo", secondary_hue="amber", neutral_hue="slate",
                          font=FONT_STACK, font_mono=MONO_STACK, radius_size="md").set(
        body_background_fill="#f6f7fb", block_border_width="1px", block_shadow="0 1px 2px rgba(15,23,42,.04)",
        # Soft's light labels, hints and selected choices fall below 4.5:1; one shade darker each.
        block_label_text_color="*primary_700", block_title_text_color="*primary_700",
        body_text_color_subdued="*neutral_600", checkbox_label_background_fill_selected="*primary_600")


# Capture phase, so the chat's own click handling cannot swallow the click first.
JS = r"""
() => {
  if (window.__sbInstalled) return;
  window.__sbInstalled = true;
  const SEL = 'a[href^="#sb-cite/"]';
  document.addEventListener('click', (ev) => {
    const el = ev.target && ev.target.closest ? ev.target.closest(SEL) : null;
    if (!el) return;
    ev.preventDefault();
    ev.stopPropagation();
    window.__sbCite = el.getAttribute('href');
    document.querySelectorAll('.sb-card.sb-active').forEach((c) => c.classList.remove('sb-active'));
    const card = el.closest('.sb-card');
    if (card) card.classList.add('sb-active');
    const btn = document.getElementById('sb-cite-open');
    if (btn) btn.click();
  }, true);
}
"""

# Runs before the open-citation event: its return value replaces the hidden textbox's.
JS_TAKE_CITE = "(v) => window.__sbCite || v"

# Scrolls the panel (not the page) so the highlighted quote sits in its middle.
SCROLL_TO_MARK = r"""
() => {
  const go = (tries) => {
    const m = document.querySelector('#sb-source mark.sb-hl');
    const box = m && m.closest('.sb-article');
    if (!m || !box) { if (tries > 0) setTimeout(() => go(tries - 1), 60); return; }
    const top = m.getBoundingClientRect().top - box.getBoundingClientRect().top + box.scrollTop;
    box.scrollTo({top: Math.max(0, top - box.clientHeight / 3), behavior: 'smooth'});
    const r = box.getBoundingClientRect();
    if (r.bottom < 0 || r.top > window.innerHeight) box.scrollIntoView({block: 'nearest', behavior: 'smooth'});
  };
  setTimeout(() => go(20), 30);
}
"""
