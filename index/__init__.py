"""Sourcebook's index layer: files -> articles -> sentence-aligned chunks -> Chroma + BM25.

Never imports `qa` or `ui`.
"""
from __future__ import annotations

from .build import IndexReport, build_index, remove_articles
from .loaders import Article, LoadError
from .runtime import RUNTIME, Runtime
from .settings import IndexSettings
from .store import Store, StoreError, open_store

__all__ = ["Article", "IndexReport", "IndexSettings", "LoadError", "RUNTIME", "Runtime", "Store", "StoreError", "build_index",
           "get_article", "list_articles", "open_store", "remove_articles"]


def get_article(source: str, *, settings: IndexSettings | None = None) -> Article:
    """The indexed article for `source`; KeyError when it is not indexed."""
    article = open_store(settings or IndexSettings.from_env()).get_article(source)
    if article is None:
        raise KeyError(f"No indexed article {source!r}: see `sourcebook index --list`")
    return article


def list_articles(*, settings: IndexSettings | None = None) -> list[dict]:
    """Indexed articles: source, title, published, kind, chars, root, chunks."""
    return open_store(settings or IndexSettings.from_env()).list_articles()
