"""The chat's example questions, made from the library: one per article, the latest added
first, asking what its title reports. Deliberately plain (no NLP, no word lists), so it works for any
articles a user brings and never names one they do not have."""
from __future__ import annotations

MAX_SUGGESTIONS = 4
TITLE_CHARS = 70
TEMPLATES = ("What does “{}” report?", "What are the key facts in “{}”?")


def short_title(title: str, limit: int = TITLE_CHARS) -> str:
    """The title on one line, cut at a word boundary with '…' when longer than `limit`."""
    title = " ".join((title or "").split()).rstrip(" .")
    if len(title) <= limit:
        return title
    cut = title[:limit].rsplit(" ", 1)[0] or title[:limit]
    return cut.rstrip(" ,;:-–—") + "…"


def suggestions(rows: list[dict], n: int = MAX_SUGGESTIONS) -> list[str]:
    """Questions about the articles in `list_articles` rows indexed last (then the newest
    published), so an upload shows at once; each title once; [] for an empty library."""
    newest = sorted(rows, key=lambda r: (r.get("indexed_at") or 0, r.get("published") or ""), reverse=True)
    titles: list[str] = []
    for row in newest:
        title = short_title(row.get("title") or "")
        if title and title.lower() not in {t.lower() for t in titles}:
            titles.append(title)
        if len(titles) == n:
            break
    return [TEMPLATES[i % len(TEMPLATES)].format(t) for i, t in enumerate(titles)]
