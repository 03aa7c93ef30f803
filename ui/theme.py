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
  const ACT = 'a[href^="#sb-act/"]';
  document.addEventListener('click', (ev) => {
    const act = ev.target && ev.target.closest ? ev.target.closest(ACT) : null;
    if (act) {
      ev.preventDefault();
      ev.stopPropagation();
      const kind = act.getAttribute('href').split('/')[1];
      if (kind === 'copy') { window.__sbCopy(act); return; }
      window.__sbAct = act.getAttribute('href');
      const btn = document.getElementById('sb-act-' + (kind === 'up' || kind === 'down' ? 'rate' : kind));
      if (btn) btn.click();
      return;
    }
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

# Copy: the answer as plain text (previews left out), any disagreement, then each numbered
# source with its verbatim quote. The clipboard API needs a secure page (localhost is);
# elsewhere the older execCommand route.
COPY = r"""
() => {
  window.__sbCopy = (link) => {
    let box = link.parentElement;
    while (box && !box.querySelector('.sb-answer')) box = box.parentElement;
    const ans = box && box.querySelector('.sb-answer');
    if (!ans) return;
    const text = (sel) => { const el = ans.querySelector(sel); if (!el) return '';
      const c = el.cloneNode(true); c.querySelectorAll('.sb-preview').forEach((p) => p.remove());
      return c.innerText.trim(); };
    const parts = [];
    const refusal = text('.sb-abstain-title');
    if (refusal) parts.push(refusal + '.');
    parts.push(text('.sb-answer-text'));
    ans.querySelectorAll('.sb-conflict-title').forEach((c) => parts.push(c.innerText.trim() + '.'));
    const cards = [...ans.querySelectorAll('.sb-card')].map((c) =>
      `[${c.querySelector('.sb-n').innerText}] ${c.querySelector('.sb-card-head').innerText.replace(/^\d+\s*/, '')}` +
      `\n"${c.querySelector('.sb-quote').innerText}"\n${c.querySelector('.sb-src').innerText.split(' · ')[0]}`);
    if (cards.length) parts.push('Sources:\n' + cards.join('\n\n'));
    const all = parts.filter(Boolean).join('\n\n');
    window.__sbCopied = all;
    const done = () => { const was = link.textContent; link.textContent = 'Copied';
      setTimeout(() => { link.textContent = was; }, 1500); };
    const old = () => { const t = document.createElement('textarea'); t.value = all; document.body.appendChild(t);
      t.select(); try { document.execCommand('copy'); done(); } finally { t.remove(); } };
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(all).then(done, old);
    else old();
  };
}
"""

# Runs before an answer-action event: the clicked action replaces the hidden textbox's value.
JS_TAKE_ACT = "(...args) => { args[0] = window.__sbAct || args[0]; return args.length === 1 ? args[0] : args; }"

# After an export: the hidden download button now holds the file; click it once it does.
CLICK_DOWNLOAD = r"""
() => {
  const go = (tries) => {
    const b = document.querySelector('#sb-download');
    if (b && !b.disabled) { b.click(); return; }
    if (tries > 0) setTimeout(() => go(tries - 1), 50);
  };
  setTimeout(() => go(40), 30);
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
