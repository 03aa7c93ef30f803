"""Reading the text back out of the chat HTML ui/render.py makes: for tests only (the app keeps
Answer objects and never recovers data from its HTML)."""
from __future__ import annotations

import html
import re

_ANSWER_TEXT = re.compile(r'<div class="sb-answer-text">(.*?)</div>', re.S)
_TAG = re.compile(r"<[^>]*>")
_PREVIEW = re.compile(r'<span class="sb-preview".*?</span>', re.S)   # holds no <span> itself


def plain_text(fragment: str) -> str:
    """The text of the HTML (tags and [n] previews dropped, entities decoded)."""
    return html.unescape(_TAG.sub("", _PREVIEW.sub("", fragment).replace("<br>", "\n")))


def answer_text_of(fragment: str) -> str:
    """The plain answer text inside an answer's HTML ('' when absent)."""
    m = _ANSWER_TEXT.search(fragment)
    return plain_text(m.group(1)).strip() if m else ""
