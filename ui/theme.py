"""Look and behaviour of the page: theme, CSS, and the one small script.

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
        body_background_fill="#f6f7fb", block_border_width="1px", block_shadow="0 1px 2px rgba(15,23,42,.04)")


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

CSS = r"""
.gradio-container { width: min(1320px, 100%) !important; max-width: 1320px !important; margin: 0 auto !important; }
.sb-welcome { text-align: center; padding: 28px 24px 8px; }
.sb-welcome-title { font-size: 20px; font-weight: 650; color: #1e293b; margin-bottom: 6px; }
.sb-welcome-text { color: #64748b; font-size: 14px; max-width: 520px; margin: 0 auto; line-height: 1.55; }
footer { opacity: .6; }
#sb-header { display: flex; align-items: center; justify-content: space-between; gap: 16px;
  padding: 14px 4px 6px 4px; }
#sb-header .sb-brand { display: flex; align-items: center; gap: 12px; }
#sb-header .sb-logo { width: 38px; height: 38px; border-radius: 10px; display: grid; place-items: center;
  background: linear-gradient(135deg, #4f46e5, #7c3aed); color: #fff; font-weight: 700; font-size: 20px;
  box-shadow: 0 4px 14px rgba(79,70,229,.35); font-family: Georgia, serif; }
#sb-header h1 { font-size: 22px; margin: 0; letter-spacing: -.01em; color: #0f172a; }
#sb-header .sb-tagline { color: #64748b; font-size: 13.5px; margin-top: 1px; }
#sb-header .sb-status { font-size: 12.5px; color: #475569; background: #fff; border: 1px solid #e2e8f0;
  border-radius: 999px; padding: 5px 12px; white-space: nowrap; }
#sb-header .sb-dot { display: inline-block; width: 8px; height: 8px; border-radius: 50%; background: #10b981;
  margin-right: 6px; vertical-align: 1px; }

#sb-chat { border-radius: 14px !important; }
#sb-chat .message-row .message { max-width: 100%; }
#sb-chat .bot .message-content, #sb-chat .bot { line-height: 1.55; }
.sb-question { white-space: normal; }
.sb-answer { font-size: 15px; color: #0f172a; }
.sb-answer-text { line-height: 1.6; }
.sb-ref { display: inline-block; min-width: 1.55em; padding: 0 .35em; margin: 0 1px; border-radius: 6px;
  background: #eef2ff; color: #4338ca !important; font-size: .78em; font-weight: 650; text-align: center;
  cursor: pointer; vertical-align: .12em; line-height: 1.5; text-decoration: none; border: 1px solid #c7d2fe; }
.sb-ref:hover, .sb-ref:focus { background: #4f46e5; color: #fff !important; outline: none; }
.sb-cards-label { margin: 14px 0 6px; font-size: 11.5px; letter-spacing: .08em; text-transform: uppercase;
  color: #64748b; font-weight: 650; }
.sb-cards { display: grid; gap: 8px; }
.sb-card { display: block; text-decoration: none !important; color: inherit !important; border: 1px solid #e2e8f0; border-left: 3px solid #a5b4fc; border-radius: 10px; padding: 9px 12px;
  background: #fff; cursor: pointer; transition: border-color .15s, box-shadow .15s, transform .15s; }
.sb-card:hover, .sb-card:focus { border-color: #818cf8; box-shadow: 0 4px 14px rgba(79,70,229,.12); outline: none; }
.sb-card.sb-active { border-color: #4f46e5; border-left-color: #4f46e5; background: #fafaff; }
.sb-card-head { display: flex; align-items: baseline; gap: 8px; font-size: 13.5px; }
.sb-n { flex: none; display: inline-grid; place-items: center; min-width: 20px; height: 20px; padding: 0 5px;
  border-radius: 6px; background: #4f46e5; color: #fff; font-size: 11.5px; font-weight: 700; }
.sb-title { font-weight: 650; color: #1e293b; overflow: hidden; text-overflow: ellipsis; }
.sb-date { color: #64748b; white-space: nowrap; flex: none; }
.sb-quote { margin-top: 5px; white-space: pre-line; color: #334155; font-size: 13.5px; line-height: 1.5; font-family: Georgia, 'Times New Roman', serif; }
.sb-quote::before { content: "“"; color: #a5b4fc; } .sb-quote::after { content: "”"; color: #a5b4fc; }
.sb-src { margin-top: 5px; font-size: 11.5px; color: #94a3b8; }
.sb-open { color: #6366f1; }
.sb-abstain { border: 1px dashed #cbd5e1; background: #f8fafc; border-radius: 10px; padding: 10px 14px; }
.sb-abstain-title { font-weight: 650; color: #475569; margin-bottom: 4px; }
.sb-abstain .sb-answer-text { color: #64748b; font-size: 14px; }
.sb-icon { display: inline-grid; place-items: center; width: 20px; height: 20px; border-radius: 50%;
  margin-right: 8px; font-size: 12px; background: #e2e8f0; color: #475569; vertical-align: -2px; }
.sb-conflict { margin-top: 12px; border: 1px solid #fcd34d; background: #fffbeb; border-radius: 10px; padding: 10px 14px; }
.sb-conflict .sb-icon { background: #f59e0b; color: #fff; }
.sb-conflict-title { font-weight: 600; color: #78350f; font-size: 14.5px; }
.sb-conflict ul { margin: 6px 0 0 28px !important; padding: 0; color: #78350f; font-size: 13.5px; }
.sb-conflict-src { color: #92400e; opacity: .85; }
.sb-error { border: 1px solid #fecaca; background: #fef2f2; border-radius: 10px; padding: 10px 14px; }
.sb-error-title { font-weight: 650; color: #991b1b; margin-bottom: 4px; }
.sb-error .sb-icon { background: #dc2626; color: #fff; }
.sb-notes { margin-top: 10px; display: grid; gap: 4px; }
.sb-note { font-size: 12.5px; color: #92400e; background: #fff7ed; border: 1px solid #fed7aa; border-radius: 8px; padding: 5px 10px; }
.sb-meta { margin-top: 8px; font-size: 11.5px; color: #94a3b8; }
.sb-pending .sb-answer-text { color: #64748b; }
.sb-draft-status { font-size: 12.5px; color: #64748b; margin-bottom: 6px; }
.sb-draft > .sb-answer-text { color: #475569; }
.sb-spinner { display: inline-block; width: 13px; height: 13px; margin-right: 8px; vertical-align: -2px;
  border: 2px solid #c7d2fe; border-top-color: #4f46e5; border-radius: 50%; animation: sb-spin .8s linear infinite; }
.sb-cursor { display: inline-block; width: 7px; height: 1.05em; margin-left: 2px; vertical-align: -2px;
  background: #6366f1; animation: sb-blink 1s steps(2, start) infinite; }
@keyframes sb-spin { to { transform: rotate(360deg); } }
@keyframes sb-blink { to { visibility: hidden; } }

#sb-source-col { position: sticky; top: 10px; align-self: flex-start; }
#sb-source .sb-article { background: #fff; border: 1px solid #e2e8f0; border-radius: 14px;
  height: max(520px, calc(100vh - 196px)); overflow-y: auto; padding: 0 22px 26px; box-sizing: border-box; }
.sb-article-head { position: sticky; top: 0; background: #fff; padding: 16px 0 10px;
  border-bottom: 1px solid #f1f5f9; margin-bottom: 12px; z-index: 1; }
.sb-kicker { font-size: 11.5px; letter-spacing: .08em; text-transform: uppercase; color: #6366f1; font-weight: 700; }
.sb-article-title { margin: 4px 0 2px !important; font-size: 18px !important; line-height: 1.3; color: #0f172a;
  font-family: Georgia, 'Times New Roman', serif; }
.sb-article-meta { font-size: 12px; color: #94a3b8; }
.sb-article-body { white-space: pre-wrap; font-family: Georgia, 'Times New Roman', serif; font-size: 15px;
  line-height: 1.7; color: #334155; overflow-wrap: anywhere; }
mark.sb-hl { background: #fde68a; color: #0f172a; padding: 2px 1px; border-radius: 3px;
  box-shadow: 0 0 0 2px #fde68a; animation: sb-flash 1.4s ease-out 1; }
@keyframes sb-flash { 0% { background: #f59e0b; box-shadow: 0 0 0 4px #f59e0b; } 100% { background: #fde68a; } }
.sb-empty-text { color: #64748b; font-size: 14px; line-height: 1.6; margin-top: 12px; }
.sb-empty .sb-article-head { border-bottom: none; }

.sb-library { font-size: 14px; }
.sb-lib-summary { color: #64748b; font-size: 13px; margin-bottom: 8px; }
.sb-library { background: #fff; border: 1px solid #e2e8f0; border-radius: 12px; padding: 12px 14px; }
.sb-lib-table { width: 100%; border-collapse: collapse !important; font-size: 13.5px; background: #fff; border: none !important; }
.sb-lib-table tr, .sb-lib-table thead, .sb-lib-table tbody { border: none !important; }
.sb-lib-table th, .sb-lib-table td { border-left: none !important; border-right: none !important; border-top: none !important; }
.sb-lib-table th { text-align: left; font-size: 11.5px; text-transform: uppercase; letter-spacing: .06em;
  color: #64748b; border-bottom: 1px solid #e2e8f0; padding: 8px 10px; }
.sb-lib-table td { border-bottom: 1px solid #f1f5f9; padding: 8px 10px; vertical-align: top; }
.sb-lib-title { font-weight: 600; color: #1e293b; }
.sb-lib-src { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; color: #475569; }
.sb-num { text-align: right !important; }
.sb-report { margin: 0; padding-left: 18px; font-size: 13.5px; }
.sb-report .sb-ok { color: #065f46; } .sb-report .sb-fail { color: #991b1b; } .sb-report .sb-note-li { color: #64748b; }
.sb-hint { color: #64748b; font-size: 13px; }
"""
