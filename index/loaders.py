"""Files to `Article`s: decoding, title, date, boilerplate spans.

For .txt/.md the article text is the decoded file, unchanged, so offsets point into the
file itself. HTML goes through trafilatura (main text only); PDF through pypdf. This module
does not chunk or embed.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

TEXT_TYPES = {".txt": "text", ".md": "markdown", ".markdown": "markdown"}
HTML_TYPES = {".html": "html", ".htm": "html"}
PDF_TYPES = {".pdf": "pdf"}
SUPPORTED = {**TEXT_TYPES, **HTML_TYPES, **PDF_TYPES}

_BOILERPLATE = re.compile(
    r"^\s*(?:must read|more articles|latest articles?|related articles?|read more|advertisement"
    r"|share this( article)?|sign up.*newsletter.*|subscribe.*|—?\s*categories:.*"
    r"|for more on .{1,120}? follow .{1,80})\s*$",
    re.IGNORECASE,
)
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_DATELINE = re.compile(
    rf"^\W*(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)\w*,?\s+)?(?:(?:{_MONTHS})\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTHS}),?\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}})\W*$",
    re.IGNORECASE,
)


class LoadError(Exception):
    """A file that cannot be indexed; the message says why, in words for the user."""


@dataclass(frozen=True)
class Article:
    source: str
    title: str
    published: str | None
    text: str
    content_hash: str
    kind: str = "text"
    boilerplate: tuple[tuple[int, int], ...] = field(default=())

    def to_dict(self) -> dict:
        return {"source": self.source, "title": self.title, "published": self.published,
                "kind": self.kind, "chars": len(self.text)}


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def decode(data: bytes) -> str:
    """UTF-8 (BOM dropped), else Windows-1252, else Latin-1; binary is refused."""
    if not data.strip():
        raise LoadError("empty file")
    sample = data[:8192]
    if b"\x00" in sample:
        raise LoadError("binary file (contains NUL bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
    controls = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\r\n\t\f")
    if controls > max(8, len(text[:8192]) // 50):
        raise LoadError("binary file (control characters)")
    if not text.strip():
        raise LoadError("no text")
    return text


def parse_date(s: str) -> str | None:
    """ISO date of a dateline such as 'July 24, 2025' or '24 July 2025'."""
    import datetime as dt

    s = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", s.strip(" \t—–-:,.#*"))
    for fmt in ("%B %d, %Y", "%B %d %Y", "%d %B %Y", "%d %B, %Y", "%Y-%m-%d", "%b %d, %Y", "%d %b %Y"):
        try:
            return dt.datetime.strptime(s, fmt).date().isoformat()
        except ValueError:
            continue
    return None


def _lines(text: str):
    pos = 0
    for line in text.splitlines(keepends=True):
        yield pos, line.rstrip("\r\n")
        pos += len(line)


def boilerplate_spans(text: str) -> tuple[tuple[int, int], ...]:
    return tuple((pos, pos + len(line)) for pos, line in _lines(text) if line.strip() and _BOILERPLATE.match(line))


def find_published(text: str, max_lines: int = 15) -> str | None:
    seen = 0
    for _, line in _lines(text):
        if not line.strip():
            continue
        seen += 1
        if seen > max_lines:
            break
        if len(line) <= 60 and _DATELINE.match(line):
            iso = parse_date(line)
            if iso:
                return iso
    return None


TITLE_CHARS = 80                      # a derived title's budget, the ellipsis not counted
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’']?\s+(?=[\"“‘']?[A-Z0-9])")
# Nothing a title may end on when it is cut short: a dangling comma, dash or opening quote.
_CUT_TAIL = " ,;:–—-“‘(\"'"


def shorten(sentence: str, limit: int = TITLE_CHARS) -> str:
    """The sentence as a title: whole when it fits (no final full stop), else cut at the last
    word boundary within `limit` characters and ended with '…'. Only a single word longer
    than `limit` is cut inside the word: there is no boundary to cut at."""
    s = " ".join(sentence.split())
    if len(s) <= limit:
        return s[:-1] if s.endswith(".") and not s.endswith("..") else s
    cut = s[:limit + 1]
    cut = cut.rsplit(" ", 1)[0] if " " in cut else s[:limit]
    return cut.rstrip(_CUT_TAIL) + "…"


def derive_title(text: str, filename: str) -> str:
    """The file's own headline: a Markdown heading or a short first line; else the first
    sentence, shortened at a word boundary; else a readable form of the file name."""
    for _, line in _lines(text):
        s = line.strip()
        if not s or _BOILERPLATE.match(s):
            continue
        heading = s.lstrip("#").strip()
        if s.startswith("#") and heading:
            return heading
        if len(s) <= 120 and not s.endswith((".", ",", ";", ":")):
            return s
        return shorten(_SENTENCE_END.split(s, 1)[0])
    stem = Path(filename).stem
    return re.sub(r"[_\-]+", " ", stem).strip().capitalize() or filename


def _from_html(data: bytes) -> tuple[str, str | None, str | None]:
    import trafilatura

    html = decode(data)
    doc = trafilatura.bare_extraction(html, include_comments=False, include_tables=True, with_metadata=True)
    text = getattr(doc, "text", None) if doc is not None and not isinstance(doc, dict) else (doc or {}).get("text")
    meta_title = getattr(doc, "title", None) if doc is not None and not isinstance(doc, dict) else (doc or {}).get("title")
    meta_date = getattr(doc, "date", None) if doc is not None and not isinstance(doc, dict) else (doc or {}).get("date")
    fallback = _html_fallback_text(html)
    # trafilatura gives up on pathological markup (thousands of nested divs): keep the
    # plain text of the page when the extractor lost most of it.
    if not text or not text.strip() or len(text) < 0.3 * len(fallback):
        text = fallback
    if not text.strip():
        raise LoadError("HTML page has no readable text")
    if meta_title:
        meta_title = meta_title.strip()
    return text, meta_title or None, meta_date if meta_date and re.match(r"^\d{4}-\d{2}-\d{2}$", meta_date) else None


_SKIP_TAGS = {"script", "style", "nav", "header", "footer", "noscript", "template", "head", "svg", "iframe"}
_BLOCK_TAGS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "article", "blockquote"}


def _html_fallback_text(html: str) -> str:
    """Visible text of a page, one block per line. The standard library's parser copes with
    any nesting depth (libxml2 stops at a few hundred levels)."""
    from html.parser import HTMLParser

    class Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.skip, self.parts = 0, []

        def handle_starttag(self, tag, attrs):
            if tag in _SKIP_TAGS:
                self.skip += 1
            elif tag in _BLOCK_TAGS:
                self.parts.append("\n")

        def handle_endtag(self, tag):
            if tag in _SKIP_TAGS and self.skip:
                self.skip -= 1
            elif tag in _BLOCK_TAGS:
                self.parts.append("\n")

        def handle_data(self, data):
            if not self.skip:
                self.parts.append(data)

    parser = Text()
    parser.feed(html)
    parser.close()
    lines = [" ".join(ln.split()) for ln in "".join(parser.parts).splitlines()]
    return "\n".join(ln for ln in lines if ln)


def _from_pdf(data: bytes) -> str:
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [(page.extract_text() or "").strip() for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, OSError) as exc:
        raise LoadError(f"unreadable PDF ({exc})") from None
    text = "\n\n".join(p for p in pages if p)
    if not text.strip():
        raise LoadError("PDF has no text layer (a scanned image?): run OCR first")
    return text


def load_bytes(data: bytes, source: str) -> Article:
    """Parse one file's bytes into an Article; raises LoadError with a user-facing reason."""
    suffix = Path(source).suffix.lower()
    kind = SUPPORTED.get(suffix)
    if kind is None:
        raise LoadError(f"unsupported file type {suffix or '(none)'}; supported: {', '.join(sorted(SUPPORTED))}")
    title = published = None
    if kind in ("text", "markdown"):
        text = decode(data)
    elif kind == "html":
        text, title, published = _from_html(data)
    else:
        text = _from_pdf(data)
    return Article(
        source=source,
        title=title or derive_title(text, source),
        published=published or find_published(text),
        text=text,
        content_hash=content_hash(data),
        kind=kind,
        boilerplate=boilerplate_spans(text),
    )
