"""Pure rendering: Answer -> chat HTML, article -> HTML with the quote highlighted.

Everything that comes from an article or a user goes through `esc`, so text such as
`<script>` or `<img onerror=...>` shows as text. The chat HTML is one line with no blank
lines so that the chat's Markdown renderer treats it as a single raw HTML block and leaves
quotes alone (no `*emphasis*`, no `$maths$`). This module does not import Gradio.
"""
from __future__ import annotations

import datetime as dt
import html
import re
from typing import Iterable
from urllib.parse import quote, unquote

from qa.prompts import ABSTAIN_TEXT

ABSTAIN_TITLE = "The articles don't cover this"
# qa's refusal sentences say what the title already says; the chat shows only the reason.
_REFUSAL_SENTENCES = re.findall(r"[^.]+\.", ABSTAIN_TEXT)
CITE_PREFIX = "sb-cite/"
MARKER = re.compile(r"\[(\d+)\]")
# `{`, `}` and `$` are escaped too: Gradio's HTML component treats its value as a template.
_EXTRA = str.maketrans({"{": "&#123;", "}": "&#125;", "$": "&#36;", "`": "&#96;", "\\": "&#92;"})


def esc(text: object) -> str:
    """HTML-escape text for element content or a quoted attribute value."""
    return html.escape("" if text is None else str(text), quote=True).translate(_EXTRA)


def esc_lines(text: str) -> str:
    """Escaped, with line breaks kept as <br> (chat HTML must not contain raw newlines)."""
    return "<br>".join(esc(line) for line in text.splitlines()) if text else ""


def format_date(published: str | None) -> str:
    """'2025-07-24' -> '24 Jul 2025'; anything unparseable is shown as given."""
    if not published:
        return ""
    try:
        d = dt.date.fromisoformat(published[:10])
    except ValueError:
        return published
    return f"{d.day} {d:%b %Y}"


def cite_ref(source: str, start: int, end: int, n: int) -> str:
    """The link target a citation carries so a click can open the article at the quote.

    Carried in `href` because Gradio's chat sanitiser drops data-* attributes."""
    return f"{CITE_PREFIX}{n}/{start}/{end}/{quote(source, safe='')}"


def parse_cite_ref(value: str) -> tuple[str, int, int, int]:
    """Inverse of `cite_ref`; ValueError for anything else (the value comes from a browser)."""
    value = (value or "").strip().lstrip("#")
    if not value.startswith(CITE_PREFIX):
        raise ValueError("Not a citation reference.")
    parts = value[len(CITE_PREFIX):].split("/", 3)
    try:
        n, start, end = (int(x) for x in parts[:3])
        source = unquote(parts[3])
    except (ValueError, IndexError):
        raise ValueError("Not a citation reference.") from None
    if not source or start < 0 or end <= start:
        raise ValueError("Not a citation reference.")
    return source, start, end, n


def _href(citation) -> str:
    return f'href="#{esc(cite_ref(citation.source, citation.start, citation.end, citation.n))}"'


def render_preview(citation) -> str:
    """What hovering or focusing an [n] marker shows: title, date and the quote. A child of the
    marker shown by CSS (the chat's sanitiser keeps no data-* attribute a tooltip could read)."""
    date = format_date(citation.published)
    date_html = f'<small class="sb-preview-date">{esc(date)}</small>' if date else ""
    return (f'<span class="sb-preview" role="tooltip"><b class="sb-preview-title">{esc(citation.title)}</b>'
            f'{date_html}<i class="sb-preview-quote">{esc(" ".join(citation.quote.split()))}</i></span>')


def _marker_links(escaped: str, citations: dict[int, object]) -> str:
    def link(m: re.Match) -> str:
        c = citations.get(int(m.group(1)))
        if c is None:
            return m.group(0)
        return f'<a class="sb-ref" {_href(c)}>[{c.n}]{render_preview(c)}</a>'
    return MARKER.sub(link, escaped)


def card_heading(citation) -> str:
    """'[n] Title · 24 Jul 2025' as plain text."""
    date = format_date(citation.published)
    return f"[{citation.n}] {citation.title}" + (f" · {date}" if date else "")


def render_card(citation) -> str:
    date = format_date(citation.published)
    date_html = f'<span class="sb-date">· {esc(date)}</span>' if date else ""
    return (f'<a class="sb-card" {_href(citation)} title="Show this quote in the article">'
            f'<div class="sb-card-head"><span class="sb-n">{citation.n}</span>'
            f'<span class="sb-title">{esc(citation.title)}</span>{date_html}</div>'
            f'<div class="sb-quote">{esc_lines(citation.quote)}</div>'
            f'<div class="sb-src">{esc(citation.source)} · <span class="sb-open">show in article →</span></div></a>')


def render_conflict(conflict, citations: dict[int, object]) -> str:
    sides = []
    for s in conflict.sides:
        c = citations.get(s.n)
        ref = _marker_links(f"[{s.n}]", citations)
        where = f' <span class="sb-conflict-src">{esc(c.title)}</span>' if c is not None else ""
        sides.append(f'<li><b>{esc(s.value)}</b> {ref}{where}</li>')
    return (f'<div class="sb-conflict" role="note"><div class="sb-conflict-title">'
            f'<span class="sb-icon">⚠</span>{_marker_links(esc(conflict.describe()), citations)}</div>'
            f'<ul>{"".join(sides)}</ul></div>')


def render_meta(answer) -> str:
    bits = [answer.mode]
    total = (answer.timings or {}).get("total")
    if total is not None:
        bits.append(f"{total:.1f} s")
    if answer.citations:
        n = len({c.source for c in answer.citations})
        bits.append(f"{n} article{'s' if n != 1 else ''}")
    return f'<div class="sb-meta">{esc(" · ".join(bits))}</div>'


def render_notes(notes: Iterable[str]) -> str:
    items = "".join(f'<div class="sb-note">{esc(n)}</div>' for n in notes if n)
    return f'<div class="sb-notes">{items}</div>' if items else ""


def refusal_reason(text: str) -> str:
    """Why the articles don't answer, without the refusal sentence itself ('' when none is given)."""
    reason = (text or "").strip()
    for sentence in _REFUSAL_SENTENCES:
        if reason.startswith(sentence.strip()):
            reason = reason[len(sentence.strip()):].strip()
    if reason.startswith("(") and reason.endswith(")"):
        reason = reason[1:-1].strip()
    return reason[:1].upper() + reason[1:]


def render_refusal(answer, notes: list[str]) -> str:
    """The refusal said once: the title, then only the reason qa gives for it."""
    reason = refusal_reason(answer.text)
    body = f'<div class="sb-answer-text">{esc_lines(reason)}</div>' if reason else ""
    return (f'<div class="sb-answer sb-abstain"><div class="sb-abstain-title">'
            f'<span class="sb-icon">∅</span>{esc(ABSTAIN_TITLE)}</div>{body}'
            f'{render_notes(notes)}{render_meta(answer)}</div>')


def render_answer(answer, notes: Iterable[str] = ()) -> str:
    """Chat HTML for a final Answer: text with clickable [n], a callout per conflict (from
    `answer.conflicts`; the text never states them), citation cards."""
    notes = [*answer.notes, *notes]
    if not answer.answered:
        return render_refusal(answer, notes)
    cites = {c.n: c for c in answer.citations}
    text = _marker_links(esc_lines(answer.text), cites)
    conflicts = "".join(render_conflict(c, cites) for c in answer.conflicts)
    cards = "".join(render_card(c) for c in answer.citations)
    cards_html = (f'<div class="sb-cards-label">Sources</div><div class="sb-cards">{cards}</div>' if cards else "")
    return (f'<div class="sb-answer"><div class="sb-answer-text">{text}</div>{conflicts}'
            f'{cards_html}{render_notes(notes)}{render_meta(answer)}</div>')


ACT_PREFIX = "sb-act/"
_ACTIONS = (("copy", "Copy", "Copy the answer and its sources"),
            ("regen", "Regenerate", "Ask this question again"),
            ("up", "Helpful", "Rate this answer helpful"), ("down", "Not helpful", "Rate this answer not helpful"),
            ("export", "Export", "Download this answer with its sources as Markdown"))


def render_actions(index: int, turn: dict, last: bool = True, only: tuple[str, ...] | None = None) -> str:
    """The finished answer's actions, as links the page script turns into events
    (`#sb-act/<action>/<turn index>`); Regenerate on the latest answer only; `only` these."""
    links = []
    for act, label, hint in _ACTIONS:
        if (act == "regen" and not last) or (only is not None and act not in only):
            continue
        on = (act == "up" and turn.get("rating") == 1) or (act == "down" and turn.get("rating") == -1)
        css = f"sb-act sb-act-{act}" + (" sb-on" if on else "")
        links.append(f'<a class="{css}" href="#{ACT_PREFIX}{act}/{int(index)}" title="{esc(hint)}" '
                     f'aria-label="{esc(hint)}">{esc(label)}</a>')
    return f'<div class="sb-actions">{"".join(links)}</div>'


def parse_action(value: str) -> tuple[str, int]:
    """'#sb-act/regen/3' -> ('regen', 3); ValueError for anything else (it comes from a browser)."""
    value = (value or "").strip().lstrip("#")
    parts = value[len(ACT_PREFIX):].split("/") if value.startswith(ACT_PREFIX) else []
    if len(parts) != 2 or parts[0] not in {a for a, _, _ in _ACTIONS} or not parts[1].isdigit():
        raise ValueError("Not an answer action.")
    return parts[0], int(parts[1])


def _draft_cards(draft) -> str:
    cards = "".join(render_card(c) for c in draft.citations)
    return f'<div class="sb-cards-label">Quotes found</div><div class="sb-cards">{cards}</div>' if cards else ""


def render_draft(draft, status: str) -> str:
    """Chat HTML for the verified quotes, shown at once while the model writes its answer."""
    cites = {c.n: c for c in draft.citations}
    text = _marker_links(esc_lines(draft.text), cites)
    return (f'<div class="sb-answer sb-draft"><div class="sb-draft-status"><span class="sb-spinner"></span>'
            f'{esc(status)}</div><div class="sb-answer-text">{text}</div>{_draft_cards(draft)}</div>')


def render_partial(text: str, draft=None) -> str:
    """Chat HTML while the answer streams in (markers not yet linked: numbering changes), with
    the quotes it draws on below when they are known."""
    if not text.strip():
        return render_draft(draft, "Writing an answer from these quotes…") if draft is not None \
            else render_status("Reading the articles…")
    cards = _draft_cards(draft) if draft is not None else ""
    return (f'<div class="sb-answer sb-streaming"><div class="sb-answer-text">{esc_lines(text)}'
            f'<span class="sb-cursor"></span></div>{cards}<div class="sb-meta">checking quotes…</div></div>')


def render_status(message: str) -> str:
    return (f'<div class="sb-answer sb-pending"><div class="sb-answer-text"><span class="sb-spinner"></span>'
            f'{esc(message)}</div></div>')


def render_error(message: str) -> str:
    return (f'<div class="sb-answer sb-error"><div class="sb-error-title"><span class="sb-icon">!</span>'
            f'Couldn\'t answer</div><div class="sb-answer-text">{esc_lines(message)}</div></div>')


def render_question(message: str) -> str:
    return f'<div class="sb-question">{esc_lines(message)}</div>'


def render_article(article, start: int | None = None, end: int | None = None, n: int | None = None) -> str:
    """The whole article, escaped, with text[start:end] in a <mark> (when the offsets fit)."""
    text = article.text
    ok = start is not None and end is not None and 0 <= start < end <= len(text)
    mark_id = f"sb-hl-{n}" if n is not None else "sb-hl"
    if ok:
        body = (f'{esc(text[:start])}<mark id="{mark_id}" class="sb-hl">{esc(text[start:end])}</mark>'
                f'{esc(text[end:])}')
    else:
        body = esc(text)
    kind = getattr(article, "kind", "")
    kind = kind.upper() if kind in ("pdf", "html") else ""
    meta = [x for x in (format_date(article.published), article.source, kind) if x]
    kicker = f"Source [{n}]" if n is not None else "Article"
    warn = ("" if ok or start is None else
            '<div class="sb-note">The quoted passage is not at the cited place in this article any more '
            '(it may have been re-indexed): ask again.</div>')
    return (f'<div class="sb-article"><div class="sb-article-head"><div class="sb-kicker">{esc(kicker)}</div>'
            f'<h3 class="sb-article-title">{esc(article.title)}</h3>'
            f'<div class="sb-article-meta">{esc(" · ".join(meta))}</div></div>{warn}'
            f'<div class="sb-article-body">{body}</div></div>')


def render_panel_message(message: str, title: str = "Sources") -> str:
    return (f'<div class="sb-article sb-empty"><div class="sb-article-head"><div class="sb-kicker">{esc(title)}</div>'
            f'</div><div class="sb-empty-text">{esc(message)}</div></div>')


def render_library(rows: list[dict]) -> str:
    """The indexed articles as a table (title, date, source, chunks)."""
    if not rows:
        return render_panel_message("No articles indexed yet. Upload files below, or run `sourcebook index PATH`.",
                                    "Library")
    body = "".join(
        f'<tr><td class="sb-lib-title">{esc(r.get("title"))}</td><td>{esc(format_date(r.get("published")) or "—")}</td>'
        f'<td class="sb-lib-src">{esc(r.get("source"))}</td><td class="sb-num">{esc(r.get("chunks", 0))}</td></tr>'
        for r in rows)
    chunks = sum(int(r.get("chunks") or 0) for r in rows)
    return (f'<div class="sb-library"><div class="sb-lib-summary">{len(rows)} article{"s" if len(rows) != 1 else ""}'
            f' · {chunks} chunks</div><table class="sb-lib-table"><thead><tr><th>Title</th><th>Date</th>'
            f'<th>Source</th><th class="sb-num">Chunks</th></tr></thead><tbody>{body}</tbody></table></div>')


def render_index_report(report, saved: dict[str, str], rejected: dict[str, str]) -> str:
    """What an upload did, each file under the name the user gave it (`saved`: that name ->
    the library's name for it; `rejected`: that name -> why it was never saved)."""
    given = {new: orig for orig, new in saved.items()}

    def named(source: str) -> str:
        orig = given.get(source, source)
        also = f' <span class="sb-note-li">(in the library as {esc(source)})</span>' if orig != source else ""
        return f"<b>{esc(orig)}</b>{also}"

    ok = [*report.added, *report.updated] if report else []
    same = list(report.unchanged) if report else []
    failed = {**{given.get(s, s): why for s, why in (report.failed if report else {}).items()}, **rejected}
    items = [f'<li class="sb-ok">Indexed {named(s)}</li>' for s in ok]
    items += [f'<li class="sb-ok">Already indexed, unchanged: {named(s)}</li>' for s in same]
    items += [f'<li class="sb-fail">Failed <b>{esc(name)}</b>: {esc(why)}</li>' for name, why in failed.items()]
    return f'<ul class="sb-report">{"".join(items) or "<li>No files.</li>"}</ul>'


def render_report_line(message: str, ok: bool | None = None) -> str:
    """One line in the Library tab's report: done (ok), failed (not ok) or a plain hint (None)."""
    css = {True: "sb-ok", False: "sb-fail", None: "sb-note-li"}[ok]
    return f'<ul class="sb-report"><li class="{css}">{esc(message)}</li></ul>'


def _metric(v) -> str:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return esc(v)
    if v != v:   # NaN: the metric has no questions of its kind in this run
        return "—"
    if float(v).is_integer() and abs(v) > 1:
        return str(int(v))
    return f"{v:.3f}"


def render_eval_summary(summary: dict[str, float]) -> str:
    if not summary:
        return render_panel_message("No results.", "Evaluation")
    rows = "".join(f'<tr><td>{esc(k)}</td><td class="sb-num">{_metric(v)}</td></tr>' for k, v in summary.items())
    return (f'<div class="sb-library"><table class="sb-lib-table"><thead><tr><th>Metric</th>'
            f'<th class="sb-num">Value</th></tr></thead><tbody>{rows}</tbody></table></div>')
