"""Sentence spans with exact character offsets.

Deliberately rule-based (no model): news prose is one paragraph per line, and every span
returned satisfies `text[start:end] == sentence` so callers can quote verbatim.
"""
from __future__ import annotations

import re
from typing import Iterable

_ABBREV = {
    "mr", "mrs", "ms", "dr", "prof", "st", "gen", "sen", "rep", "gov", "lt", "col", "capt",
    "sgt", "jr", "sr", "inc", "ltd", "co", "corp", "no", "vs", "etc", "e.g", "i.e", "u.s",
    "u.k", "u.n", "e.u", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept",
    "oct", "nov", "dec", "fig", "approx", "est", "rev", "hon",
}
# End of a sentence: . ! ? (or …) optionally followed by closing quotes/brackets, then space.
_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+)")
_WORD_BEFORE = re.compile(r"([\w.]+)$")


def _line_spans(text: str) -> Iterable[tuple[int, int]]:
    pos = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        yield pos, pos + len(body)
        pos += len(line)


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _is_abbreviation(text: str, start: int, dot: int) -> bool:
    m = _WORD_BEFORE.search(text[start:dot])
    if not m:
        return False
    word = m.group(1).lower().rstrip(".")
    # "J." in "J. Smith" and "U.S." style initialisms.
    return word in _ABBREV or (len(word) == 1 and word.isalpha())


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentences of text[start:end] as absolute (start, end) spans, blank lines skipped."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    for ls, le in _line_spans(text[start:end]):
        ls, le = ls + start, le + start
        cur = ls
        for m in _END.finditer(text, ls, le):
            if m.group(0)[0] == "." and len(m.group(0).rstrip("\"'”’)]")) == 1 and _is_abbreviation(text, cur, m.start()):
                continue
            nxt = m.end()
            while nxt < le and text[nxt].isspace():
                nxt += 1
            # A sentence starts with a capital, a digit or an opening quote.
            if nxt < le and not (text[nxt].isupper() or text[nxt].isdigit() or text[nxt] in "\"'“‘(["):
                continue
            s, e = _strip(text, cur, m.end())
            if e > s:
                spans.append((s, e))
            cur = m.end()
        s, e = _strip(text, cur, le)
        if e > s:
            spans.append((s, e))
    return spans


def subtract_spans(spans: list[tuple[int, int]], holes: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans that do not overlap any hole (boilerplate); overlapping spans are dropped whole."""
    if not holes:
        return spans
    return [(s, e) for s, e in spans if not any(s < he and hs < e for hs, he in holes)]


def word_spans(text: str, start: int, end: int, max_words: int) -> list[tuple[int, int]]:
    """Cut an over-long sentence into pieces of at most max_words words (offsets kept)."""
    words = [m.span() for m in re.finditer(r"\S+", text[start:end])]
    pieces = []
    for i in range(0, len(words), max_words):
        group = words[i:i + max_words]
        pieces.append((start + group[0][0], start + group[-1][1]))
    return pieces
