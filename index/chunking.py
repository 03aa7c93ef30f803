"""Sentence-aligned chunks with offsets into the article text and content-derived ids.

A chunk never splits a sentence (an over-long sentence is cut at word boundaries), stays
under the embedding model's word-piece limit with the title included, and overlaps its
predecessor by a sentence. Ids are `{source}:{sha1(title, text)[:16]}`: deterministic, and
an unchanged chunk keeps its id (and its stored embedding) when its article is edited.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Callable

from .loaders import Article
from .text import sentence_spans, subtract_spans, word_spans

TokenCounter = Callable[[list[str]], list[int]]


@dataclass(frozen=True)
class Chunk:
    id: str
    source: str
    n: int
    start: int
    end: int
    text: str
    title: str

    @property
    def embed_text(self) -> str:
        return f"{self.title}\n{self.text}"


def approx_tokens(texts: list[str]) -> list[int]:
    """Word-piece estimate for when no tokenizer is at hand (errs high)."""
    return [int(len(t.split()) * 1.5) + 2 for t in texts]


def _crosses(holes: list[tuple[int, int]], a: int, b: int) -> bool:
    """A boilerplate line lies between offsets a and b: a chunk must not span it."""
    return any(a <= hs and he <= b for hs, he in holes)


def article_sentences(article: Article) -> list[tuple[int, int]]:
    """The article's sentences (boilerplate lines left out): what chunks are made of and
    what answers quote."""
    return subtract_spans(sentence_spans(article.text), list(article.boilerplate))


def sentences_in(chunk: Chunk, sentences: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The article's sentences lying wholly inside the chunk, relative to the chunk's start."""
    return [(s - chunk.start, e - chunk.start) for s, e in sentences if s >= chunk.start and e <= chunk.end]


def chunk_article(article: Article, max_tokens: int = 200, overlap: int = 1,
                  count_tokens: TokenCounter = approx_tokens) -> list[Chunk]:
    text = article.text
    spans = article_sentences(article)
    if not spans:
        return []
    budget = max_tokens - count_tokens([article.title])[0] - 2
    budget = max(budget, 24)
    sizes = count_tokens([text[s:e] for s, e in spans])
    pieces: list[tuple[int, int, int]] = []
    for (s, e), size in zip(spans, sizes):
        if size <= budget:
            pieces.append((s, e, size))
            continue
        words = max(4, int(len(text[s:e].split()) * budget / size * 0.9))
        for ps, pe in word_spans(text, s, e, words):
            pieces.append((ps, pe, count_tokens([text[ps:pe]])[0]))

    holes = list(article.boilerplate)
    groups: list[list[int]] = []
    i = 0
    while i < len(pieces):
        group, used = [], 0
        j = i
        while j < len(pieces) and (not group or (used + pieces[j][2] <= budget
                                                  and not _crosses(holes, pieces[j - 1][1], pieces[j][0]))):
            group.append(j)
            used += pieces[j][2]
            j += 1
        groups.append(group)
        if j >= len(pieces):
            break
        # Step back `overlap` sentences, but always move forward.
        i = max(group[0] + 1, j - overlap)
        if _crosses(holes, pieces[i - 1][1], pieces[i][0]):
            i = j

    chunks: list[Chunk] = []
    seen: set[str] = set()
    for n, group in enumerate(groups):
        start, end = pieces[group[0]][0], pieces[group[-1]][1]
        body = text[start:end]
        digest = hashlib.sha1(f"{article.title}\n{body}".encode()).hexdigest()[:16]
        cid = f"{article.source}:{digest}"
        if cid in seen:
            cid = f"{cid}:{n}"
        seen.add(cid)
        chunks.append(Chunk(cid, article.source, n, start, end, body, article.title))
    return chunks
