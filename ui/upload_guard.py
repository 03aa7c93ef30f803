"""Files over the upload limit, caught in the browser before Gradio uploads them.

Gradio's own check (launch's `max_file_size`) stays as the server's backstop, but in the
browser it refuses the whole selection, shows its error twice and leaves the upload box
stuck in an error state. This script takes the over-size files out of the selection (the
rest upload as usual) and hands their names and sizes to a hidden button, whose event
reports them once, in the Library tab's report, in the same words as every other refusal.
"""
from __future__ import annotations

import json

from .library import MAX_UPLOAD_BYTES, too_large

BOX_ID, BUTTON_ID = "sb-oversize", "sb-oversize-report"

# Capture phase on the document: runs before Gradio's own listeners, which it can stop.
_SCRIPT = r"""
() => {
  if (window.__sbUploadGuard) return;
  window.__sbUploadGuard = true;
  const LIMIT = __LIMIT__;
  const asList = (files) => { const dt = new DataTransfer(); files.forEach((f) => dt.items.add(f)); return dt.files; };
  document.addEventListener('change', (ev) => {
    const input = ev.target;
    if (!input || input.type !== 'file' || !input.closest || !input.closest('#sb-upload')) return;
    const all = Array.from(input.files || []);
    const big = all.filter((f) => f.size > LIMIT);
    if (!big.length) return;
    const fit = all.filter((f) => f.size <= LIMIT);
    window.__sbOversize = JSON.stringify(big.map((f) => ({name: f.name, size: f.size})));
    input.files = asList(fit);
    if (!fit.length) { ev.stopImmediatePropagation(); input.value = ''; }
    const btn = document.getElementById('__BUTTON__');
    if (btn) btn.click();
  }, true);
  document.addEventListener('drop', (ev) => {
    const zone = ev.target && ev.target.closest ? ev.target.closest('#sb-upload') : null;
    const files = Array.from((ev.dataTransfer && ev.dataTransfer.files) || []);
    const input = zone && zone.querySelector('input[type=file]');
    if (!input || !files.some((f) => f.size > LIMIT)) return;
    ev.preventDefault();
    ev.stopImmediatePropagation();
    zone.dispatchEvent(new DragEvent('dragleave', {bubbles: true}));
    input.files = asList(files);     // the change listener above sorts them
    input.dispatchEvent(new Event('change', {bubbles: true}));
  }, true);
}
"""
SCRIPT = _SCRIPT.replace("__LIMIT__", str(MAX_UPLOAD_BYTES)).replace("__BUTTON__", BUTTON_ID)

# Runs before the report event: its return value replaces the hidden textbox's.
TAKE = "(v) => { const s = window.__sbOversize || v; window.__sbOversize = ''; return s; }"


def rejected(value: str | None, max_bytes: int = MAX_UPLOAD_BYTES) -> dict[str, str]:
    """The script's JSON ([{name, size}, ...], from a browser) -> {name: why}; {} if malformed."""
    try:
        items = json.loads(value or "[]")
    except ValueError:
        return {}
    if not isinstance(items, list):
        return {}
    out = {}
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("size"), (int, float)) and item.get("name"):
            out[str(item["name"])] = too_large(int(item["size"]), max_bytes)
    return out
