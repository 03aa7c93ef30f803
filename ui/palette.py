"""The page's colours, light and dark, as CSS custom properties.

Gradio puts the class `dark` on <body> when the browser prefers a dark scheme (or the URL
says `?__theme=dark`), and switches its own theme variables there; Sourcebook's colours
switch on the same class, so the chat, cards, callouts and side panel follow the page.
Every text colour reads at 4.5:1 or better (WCAG AA) on the surfaces it is used on, in
both schemes; tests/ui/test_looks.py measures it in the browser.
"""
from __future__ import annotations

# name: (light, dark)
COLOURS = {
    "text": ("#0f172a", "#f1f5f9"), "heading": ("#1e293b", "#e2e8f0"), "body": ("#334155", "#cbd5e1"),
    "muted": ("#56657a", "#a3b0c2"), "faint": ("#5f6f86", "#8494aa"), "surface": ("#ffffff", "#0f172a"),
    "surface-2": ("#f8fafc", "#111c33"), "active": ("#fafaff", "#1a1f45"), "border": ("#e2e8f0", "#334155"),
    "border-soft": ("#f1f5f9", "#1e293b"), "accent": ("#4f46e5", "#4f46e5"), "accent-text": ("#4338ca", "#c7d2fe"),
    "accent-soft": ("#4f46e5", "#a5b4fc"), "accent-line": ("#a5b4fc", "#6366f1"),
    "accent-hover": ("#818cf8", "#818cf8"), "ref-bg": ("#eef2ff", "#1e1b4b"), "ref-border": ("#c7d2fe", "#4338ca"),
    "shadow": ("rgba(79,70,229,.12)", "rgba(0,0,0,.35)"), "warn-bg": ("#fffbeb", "#2b1d07"),
    "warn-border": ("#fcd34d", "#a16207"), "warn-text": ("#78350f", "#fde68a"), "warn-soft": ("#92400e", "#fcd34d"),
    "note-bg": ("#fff7ed", "#2c1409"), "note-border": ("#fed7aa", "#9a3412"), "note-text": ("#92400e", "#fed7aa"),
    "error-bg": ("#fef2f2", "#2d0c0c"), "error-border": ("#fecaca", "#991b1b"), "error-text": ("#991b1b", "#fecaca"),
    "ok-text": ("#065f46", "#6ee7b7"), "icon-bg": ("#e2e8f0", "#334155"), "icon-text": ("#475569", "#e2e8f0"),
    "hl": ("#fde68a", "#fde68a"), "hl-text": ("#0f172a", "#0f172a"), "tip-bg": ("#0f172a", "#f8fafc"),
    "tip-text": ("#f8fafc", "#0f172a"), "tip-muted": ("#cbd5e1", "#475569"),
}
LIGHT = {name: pair[0] for name, pair in COLOURS.items()}
DARK = {name: pair[1] for name, pair in COLOURS.items()}


def variables(colours: dict[str, str]) -> str:
    return " ".join(f"--sb-{name}: {value};" for name, value in colours.items())


# `:root` for light; `.dark` is <body> (or the embed's parent), so it wins for everything inside.
CSS = f":root {{ {variables(LIGHT)} }}\n.dark {{ {variables(DARK)} }}\n"
