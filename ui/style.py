"""The page's CSS rules; every colour comes from ui.palette's variables (light and dark)."""
from __future__ import annotations

from .palette import CSS as PALETTE

RULES = r"""
.gradio-container { width: min(1320px, 100%) !important; max-width: 1320px !important; margin: 0 auto !important; }
.sb-welcome { text-align: center; padding: 28px 24px 8px; }
.sb-welcome-title { font-size: 20px; font-weight: 650; color: var(--sb-heading); margin-bottom: 6px; }
.sb-welcome-text { color: var(--sb-muted); font-size: 14px; max-width: 520px; margin: 0 auto; line-height: 1.55; }
footer { opacity: .6; }
#sb-header { display: flex; align-items: center; justify-content: space-between; gap: 16px;
  padding: 14px 4px 6px 4px; }
#sb-header .sb-brand { display: flex; align-items: center; gap: 12px; }
#sb-header .sb-logo { width: 38px; height: 38px; border-radius: 10px; display: grid; place-items: center;
  background: linear-gradient(135deg, #4f46e5, #7c3aed); color: #fff; font-weight: 700; font-size: 20px;
  box-shadow: 0 4px 14px rgba(79,70,229,.35); font-family: Georgia, serif; }
#sb-header h1 { font-size: 22px; margin: 0; letter-spacing: -.01em; color: var(--sb-text); }
#sb-header .sb-tagline { color: var(--sb-muted); font-size: 13.5px; margin-top: 1px; }
#sb-header .sb-status { font-size: 12.5px; color: var(--sb-body); background: var(--sb-surface);
  border: 1px solid var(--sb-border); border-radius: 999px; padding: 5px 12px; white-space: nowrap; }
#sb-header .sb-dot { display: inline-block; width: 8px; height: 8px; border-radius: 50%; background: #10b981;
  margin-right: 6px; vertical-align: 1px; }

#sb-chat { border-radius: 14px !important; }
#sb-chat .message-row .message { max-width: 100%; }
/* Gradio dims chat text to .8 opacity; the palette's colours are chosen to be read as they are. */
#sb-chat .message-wrap .prose.chatbot.md { opacity: 1; }
#sb-chat .bot .message-content, #sb-chat .bot { line-height: 1.55; }
.sb-question { white-space: normal; }
.sb-answer { font-size: 15px; color: var(--sb-text); }
.sb-answer-text { line-height: 1.6; }
.sb-answer b, .sb-answer strong { color: inherit; }
.sb-ref { display: inline-block; min-width: 1.55em; padding: 0 .35em; margin: 0 1px; border-radius: 6px;
  background: var(--sb-ref-bg); color: var(--sb-accent-text) !important; font-size: .78em; font-weight: 650;
  text-align: center; cursor: pointer; vertical-align: .12em; line-height: 1.5; text-decoration: none;
  border: 1px solid var(--sb-ref-border); }
.sb-ref:hover, .sb-ref:focus { background: var(--sb-accent); color: #fff !important; outline: none; }
/* The [n] preview spans the text column just below the marker's line (anchored to the column,
   not the marker, so it never runs off a narrow screen); shown on hover and on keyboard focus. */
.sb-answer-text, .sb-conflict { position: relative; }
.sb-preview { display: none; position: absolute; left: 0; right: 0; z-index: 20; margin-top: 4px;
  padding: 10px 12px; border-radius: 10px; background: var(--sb-tip-bg); color: var(--sb-tip-text);
  box-shadow: 0 8px 24px rgba(15,23,42,.25); font-size: 13.5px; font-weight: 400; line-height: 1.45;
  text-align: left; white-space: normal; cursor: pointer; }
.sb-ref:hover .sb-preview, .sb-ref:focus .sb-preview { display: block; }
.sb-preview-title, .sb-preview-quote { color: var(--sb-tip-text); }
.sb-preview-title { display: block; font-weight: 650; }
.sb-preview-date { display: block; color: var(--sb-tip-muted); font-size: 12px; }
.sb-preview-quote { display: -webkit-box; -webkit-line-clamp: 6; -webkit-box-orient: vertical; overflow: hidden;
  margin-top: 6px; font-style: normal; font-family: Georgia, 'Times New Roman', serif; }
.sb-cards-label { margin: 14px 0 6px; font-size: 11.5px; letter-spacing: .08em; text-transform: uppercase;
  color: var(--sb-muted); font-weight: 650; }
.sb-cards { display: grid; gap: 8px; }
.sb-card { display: block; text-decoration: none !important; color: var(--sb-text) !important;
  border: 1px solid var(--sb-border); border-left: 3px solid var(--sb-accent-line); border-radius: 10px;
  padding: 9px 12px; background: var(--sb-surface); cursor: pointer;
  transition: border-color .15s, box-shadow .15s, transform .15s; }
.sb-card:hover, .sb-card:focus { border-color: var(--sb-accent-hover); box-shadow: 0 4px 14px var(--sb-shadow);
  outline: none; }
.sb-card.sb-active { border-color: var(--sb-accent); border-left-color: var(--sb-accent); background: var(--sb-active); }
.sb-card-head { display: flex; align-items: baseline; gap: 8px; font-size: 13.5px; }
.sb-n { flex: none; display: inline-grid; place-items: center; min-width: 20px; height: 20px; padding: 0 5px;
  border-radius: 6px; background: #4f46e5; color: #fff; font-size: 11.5px; font-weight: 700; }
.sb-title { font-weight: 650; color: var(--sb-heading); overflow: hidden; text-overflow: ellipsis; }
.sb-date { color: var(--sb-muted); white-space: nowrap; flex: none; }
.sb-quote { margin-top: 5px; white-space: pre-line; color: var(--sb-body); font-size: 13.5px; line-height: 1.5;
  font-family: Georgia, 'Times New Roman', serif; }
.sb-quote::before { content: "“"; color: var(--sb-accent-line); }
.sb-quote::after { content: "”"; color: var(--sb-accent-line); }
.sb-src { margin-top: 5px; font-size: 11.5px; color: var(--sb-faint); }
.sb-open { color: var(--sb-accent-soft); }
.sb-abstain { border: 1px dashed var(--sb-border); background: var(--sb-surface-2); border-radius: 10px;
  padding: 10px 14px; }
.sb-abstain-title { font-weight: 650; color: var(--sb-body); margin-bottom: 4px; }
.sb-abstain .sb-answer-text { color: var(--sb-muted); font-size: 14px; }
.sb-icon { display: inline-grid; place-items: center; width: 20px; height: 20px; border-radius: 50%;
  margin-right: 8px; font-size: 12px; background: var(--sb-icon-bg); color: var(--sb-icon-text); vertical-align: -2px; }
.sb-conflict { margin-top: 12px; border: 1px solid var(--sb-warn-border); background: var(--sb-warn-bg);
  border-radius: 10px; padding: 10px 14px; }
.sb-conflict .sb-icon { background: #f59e0b; color: #fff; }
.sb-conflict-title { font-weight: 600; color: var(--sb-warn-text); font-size: 14.5px; }
.sb-conflict ul { margin: 6px 0 0 28px !important; padding: 0; color: var(--sb-warn-text); font-size: 13.5px; }
.sb-conflict li, .sb-conflict li b { color: var(--sb-warn-text); }
.sb-conflict-src { color: var(--sb-warn-soft); }
.sb-error { border: 1px solid var(--sb-error-border); background: var(--sb-error-bg); border-radius: 10px;
  padding: 10px 14px; }
.sb-error-title { font-weight: 650; color: var(--sb-error-text); margin-bottom: 4px; }
.sb-error .sb-icon { background: #dc2626; color: #fff; }
.sb-notes { margin-top: 10px; display: grid; gap: 4px; }
.sb-note { font-size: 12.5px; color: var(--sb-note-text); background: var(--sb-note-bg);
  border: 1px solid var(--sb-note-border); border-radius: 8px; padding: 5px 10px; }
.sb-meta { margin-top: 8px; font-size: 11.5px; color: var(--sb-faint); }
.sb-pending .sb-answer-text { color: var(--sb-muted); }
.sb-draft-status { font-size: 12.5px; color: var(--sb-muted); margin-bottom: 6px; }
.sb-draft > .sb-answer-text { color: var(--sb-body); }
.sb-spinner { display: inline-block; width: 13px; height: 13px; margin-right: 8px; vertical-align: -2px;
  border: 2px solid var(--sb-ref-border); border-top-color: var(--sb-accent); border-radius: 50%;
  animation: sb-spin .8s linear infinite; }
.sb-cursor { display: inline-block; width: 7px; height: 1.05em; margin-left: 2px; vertical-align: -2px;
  background: var(--sb-accent-soft); animation: sb-blink 1s steps(2, start) infinite; }
@keyframes sb-spin { to { transform: rotate(360deg); } }
@keyframes sb-blink { to { visibility: hidden; } }

#sb-source-col { position: sticky; top: 10px; align-self: flex-start; }
#sb-source .sb-article { background: var(--sb-surface); border: 1px solid var(--sb-border); border-radius: 14px;
  height: max(520px, calc(100vh - 196px)); overflow-y: auto; padding: 0 22px 26px; box-sizing: border-box; }
.sb-article-head { position: sticky; top: 0; background: var(--sb-surface); padding: 16px 0 10px;
  border-bottom: 1px solid var(--sb-border-soft); margin-bottom: 12px; z-index: 1; }
.sb-kicker { font-size: 11.5px; letter-spacing: .08em; text-transform: uppercase; color: var(--sb-accent-soft);
  font-weight: 700; }
.sb-article-title { margin: 4px 0 2px !important; font-size: 18px !important; line-height: 1.3;
  color: var(--sb-text) !important; font-family: Georgia, 'Times New Roman', serif; }
.sb-article-meta { font-size: 12px; color: var(--sb-faint); }
.sb-article-body { white-space: pre-wrap; font-family: Georgia, 'Times New Roman', serif; font-size: 15px;
  line-height: 1.7; color: var(--sb-body); overflow-wrap: anywhere; }
mark.sb-hl { background: var(--sb-hl); color: var(--sb-hl-text); padding: 2px 1px; border-radius: 3px;
  box-shadow: 0 0 0 2px var(--sb-hl); animation: sb-flash 1.4s ease-out 1; }
@keyframes sb-flash { 0% { background: #f59e0b; box-shadow: 0 0 0 4px #f59e0b; } 100% { background: var(--sb-hl); } }
.sb-empty-text { color: var(--sb-muted); font-size: 14px; line-height: 1.6; margin-top: 12px; }
.sb-empty .sb-article-head { border-bottom: none; }

.sb-library { font-size: 14px; background: var(--sb-surface); border: 1px solid var(--sb-border);
  border-radius: 12px; padding: 12px 14px; }
.sb-lib-summary { color: var(--sb-muted); font-size: 13px; margin-bottom: 8px; }
.sb-lib-table { width: 100%; border-collapse: collapse !important; font-size: 13.5px; background: var(--sb-surface);
  border: none !important; color: var(--sb-body); }
.sb-lib-table tr, .sb-lib-table thead, .sb-lib-table tbody { border: none !important; }
.sb-lib-table th, .sb-lib-table td { border-left: none !important; border-right: none !important;
  border-top: none !important; background: var(--sb-surface) !important; }
.sb-lib-table th { text-align: left; font-size: 11.5px; text-transform: uppercase; letter-spacing: .06em;
  color: var(--sb-muted); border-bottom: 1px solid var(--sb-border); padding: 8px 10px; }
.sb-lib-table td { border-bottom: 1px solid var(--sb-border-soft); padding: 8px 10px; vertical-align: top; }
.sb-lib-title { font-weight: 600; color: var(--sb-heading); }
.sb-lib-src { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; color: var(--sb-body); }
.sb-num { text-align: right !important; }
.sb-report { margin: 0; padding-left: 18px; font-size: 13.5px; }
.sb-report .sb-ok { color: var(--sb-ok-text); } .sb-report .sb-fail { color: var(--sb-error-text); }
.sb-report .sb-note-li { color: var(--sb-muted); }
.sb-hint { color: var(--sb-muted); font-size: 13px; }
/* Per-answer actions: links (the chat keeps no buttons or handlers in messages). */
.sb-actions { display: flex; flex-wrap: wrap; gap: 4px; margin-top: 6px; }
.sb-act { font-size: 12.5px; padding: 2px 9px; border-radius: 999px; border: 1px solid var(--sb-border);
  color: var(--sb-accent-text) !important; text-decoration: none !important; background: var(--sb-surface); }
.sb-act:hover, .sb-act:focus { border-color: var(--sb-accent-line); outline: none; }
.sb-act.sb-on { background: var(--sb-ref-bg); border-color: var(--sb-accent-line); font-weight: 650; }
/* One clear control: "New conversation" (the chat's own bin would do the same). */
#sb-chat button[aria-label="Clear"] { display: none !important; }
#sb-convs .wrap { flex-direction: column; flex-wrap: nowrap; max-height: 45vh; overflow-y: auto; }
#sb-convs label { width: 100%; }

/* Gradio applies @media rules only inside its .contain element, not to the page's own 32 px
   side padding around it: this top-level rule keeps 32 px on wide windows and 10 px below 640 px. */
.gradio-container .main.app { padding-left: clamp(10px, calc((100vw - 640px) * 100), var(--size-8)) !important;
  padding-right: clamp(10px, calc((100vw - 640px) * 100), var(--size-8)) !important; }
/* Phones: the header wraps (status pill on its own line), the logo keeps its square, and the
   Ask button narrows so the input's placeholder fits. */
@media (max-width: 640px) {
  #sb-header { flex-wrap: wrap; gap: 8px; padding: 8px 0 2px; }
  #sb-header .sb-brand { min-width: 0; flex: 1 1 100%; }
  #sb-header .sb-logo { flex: none; width: 34px; height: 34px; font-size: 18px; }
  #sb-header h1 { font-size: 20px; }
  #sb-header .sb-tagline { font-size: 12.5px; }
  #sb-header .sb-status { white-space: normal; max-width: 100%; box-sizing: border-box; }
  #sb-send { min-width: 64px !important; flex-grow: 0 !important; }
  .sb-welcome { padding: 16px 8px 4px; }
  #sb-stop { min-width: 64px !important; flex-grow: 0 !important; }
  /* the chat first on a phone; the conversations list after the sources */
  #sb-conv-col { order: 3; }
}
"""

CSS = PALETTE + RULES
