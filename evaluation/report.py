"""Evaluation output: a rich table on the terminal, report.json and report.html (one bar
chart per metric, Sourcebook beside the baseline when it ran)."""
from __future__ import annotations

import html
import json
import math
from pathlib import Path

PERCENT = {"correct", "correct_answerable", "correct_unanswerable", "false_refusal_rate", "similarity",
           "citation_recall", "citation_precision", "verbatim", "abstention_precision", "abstention_recall", "conflicts_detected", "mrr"}


def _fmt(key: str, v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    if key in PERCENT or key.startswith("retrieval_recall"):
        return f"{100 * v:.1f}%"
    if key.endswith("_s"):
        return f"{v:.2f} s"
    return f"{v:g}" if isinstance(v, float) else str(v)


def print_table(report) -> None:
    from rich.console import Console
    from rich.table import Table

    t = Table(title=f"Sourcebook evaluation ({report.mode})")
    t.add_column("metric")
    t.add_column("Sourcebook", justify="right")
    if report.baseline_summary:
        t.add_column("LlamaIndex baseline", justify="right")
    for k, v in report.summary.items():
        cells = [k, _fmt(k, v)]
        if report.baseline_summary:
            cells.append(_fmt(k, report.baseline_summary.get(k)))
        t.add_row(*cells)
    Console().print(t)
    wrong = [r for r in report.rows if not r["correct"]]
    for r in wrong:
        Console().print(f"[red]✗ {r['id']}[/red] ({r['kind']}) {r['question']} → {r['answer'][:160]}")


def _bar_chart(key: str, ours: float, base: float | None) -> str:
    bars = [("Sourcebook", ours, "#2563eb")] + ([("Baseline", base, "#9ca3af")] if base is not None else [])
    top = max([b[1] for b in bars if isinstance(b[1], (int, float)) and not math.isnan(b[1])] + [1e-9])
    scale = 1.0 if key in PERCENT or key.startswith("retrieval_recall") else top
    rows = []
    for i, (name, v, color) in enumerate(bars):
        ok = isinstance(v, (int, float)) and not math.isnan(v)
        w = 260 * (v / scale if ok and scale else 0)
        y = 8 + i * 26
        rows.append(f'<text x="0" y="{y + 14}" font-size="12">{name}</text>'
                    f'<rect x="90" y="{y}" width="{max(w, 1):.1f}" height="18" fill="{color}" rx="3"/>'
                    f'<text x="{96 + w:.1f}" y="{y + 14}" font-size="12">{html.escape(_fmt(key, v))}</text>')
    return (f'<figure><figcaption>{html.escape(key)}</figcaption><svg width="440" height="{16 + 26 * len(bars)}">'
            + "".join(rows) + "</svg></figure>")


def to_html(report) -> str:
    charts = "".join(_bar_chart(k, v, report.baseline_summary.get(k) if report.baseline_summary else None)
                     for k, v in report.summary.items() if isinstance(v, (int, float)))
    rows = "".join(
        f"<tr class={'ok' if r['correct'] else 'bad'}><td>{html.escape(r['id'])}</td><td>{html.escape(r['kind'])}</td>"
        f"<td>{html.escape(r['question'])}</td><td>{html.escape(r['answer'])}</td>"
        f"<td>{'✓' if r['correct'] else '✗'}</td><td>{r['latency_s']:.2f}</td></tr>" for r in report.rows)
    return f"""<!doctype html><meta charset="utf-8"><title>Sourcebook evaluation</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem;color:#111}}figure{{display:inline-block;margin:.5rem 1rem}}
figcaption{{font-weight:600;font-size:13px}}table{{border-collapse:collapse;font-size:13px}}td{{border-top:1px solid #ddd;padding:4px 6px;vertical-align:top}}
tr.bad td{{background:#fef2f2}}</style>
<h1>Sourcebook evaluation — {html.escape(report.mode)} mode</h1>{charts}
<h2>Questions</h2><table><tr><th>id</th><th>kind</th><th>question</th><th>answer</th><th>ok</th><th>s</th></tr>{rows}</table>"""


def print_corpus_table(report) -> None:
    from rich.console import Console
    from rich.table import Table

    t = Table(title=f"Sourcebook on {report.corpus} ({report.split}, {report.mode})")
    t.add_column("metric")
    t.add_column("value", justify="right")
    for k, v in report.summary.items():
        t.add_row(k, _fmt(k, v))
    Console().print(t)
    for r in report.rows:
        if not r["correct"]:
            why = "answered" if not r["answerable"] else ("refused" if not r["answered"] else
                                                          "wrong text" if not r["text_ok"] else "wrong source")
            Console().print(f"[red]✗ {r['id']}[/red] ({why}) {r['question']} → {r['answer'][:160]}", highlight=False)


def write_reports(report, out: Path, html_page: bool = True) -> list[Path]:
    """report.json, and report.html (the golden-set report's charts) unless html_page is False."""
    out.mkdir(parents=True, exist_ok=True)
    j = out / "report.json"
    j.write_text(json.dumps(report.to_dict(), ensure_ascii=False, indent=1, default=str))
    if not html_page:
        return [j]
    h = out / "report.html"
    h.write_text(to_html(report), encoding="utf-8")
    return [j, h]
