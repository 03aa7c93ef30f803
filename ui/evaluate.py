"""The Evaluate tab's handler: run `evaluation.golden.evaluate` on the golden set, with progress.

`evaluation` is imported only when the button is pressed: the chat must not pay for it, and
a build without the evaluator still serves every other tab.
"""
from __future__ import annotations

import logging
from typing import Callable

from qa import QASettings

from . import render
from .chat import EXPECTED

log = logging.getLogger(__name__)
ROW_KEYS_FIRST = ("id", "kind", "question", "answered", "correct", "answer")
WIDE = {"question": 300, "answer": 420}      # pixels; every other column fits its header


def table(rows: list[dict]) -> tuple[list[str], list[list]]:
    """Per-question rows as (headers, values) for a Dataframe; the common keys first."""
    keys: list[str] = [k for k in ROW_KEYS_FIRST if any(k in r for r in rows)]
    for r in rows:
        keys += [k for k in r if k not in keys]
    cells = [[_cell(r.get(k)) for k in keys] for r in rows]
    return keys, cells


def column_widths(headers: list[str]) -> list[str]:
    """Room for each header on one line (the table scrolls sideways instead); the free text
    columns wide enough to read, wrapping inside their width."""
    return [f"{WIDE.get(h, max(64, 9 * len(h) + 28))}px" for h in headers]


def _cell(v):
    if isinstance(v, float):
        return round(v, 3)
    if isinstance(v, (int, str, bool)) or v is None:
        return v
    return str(v)


def run(mode: str | None, limit: int | None, settings: QASettings,
        progress: Callable[[int, int], None] | None = None) -> tuple[str, list[str], list[list], str]:
    """(summary HTML, headers, rows, status line)."""
    try:
        from evaluation.golden import evaluate
    except ImportError as exc:
        msg = f"The evaluator is not available in this build ({exc})."
        return render.render_panel_message(msg, "Evaluation"), [], [], msg
    limit = int(limit) if limit else None
    try:
        report = evaluate(mode=mode or None, settings=settings, limit=limit, progress=progress)
    except Exception as exc:  # surfaced in the tab; a traceback in the log only for a bug
        if isinstance(exc, EXPECTED):
            log.warning("evaluation failed (%s): %s", type(exc).__name__, exc)
        else:
            log.exception("evaluation failed")
        msg = f"The evaluation failed: {type(exc).__name__}: {exc}"
        return render.render_panel_message(msg, "Evaluation"), [], [], msg
    headers, rows = table(list(report.rows))
    status = f"Evaluated {len(rows)} question{'s' if len(rows) != 1 else ''} in {mode or 'the default'} mode."
    return render.render_eval_summary(dict(report.summary)), headers, rows, status
