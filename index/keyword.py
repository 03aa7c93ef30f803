"""Keyword search over the same chunks as the vector store: LlamaIndex's BM25Retriever
(bm25s), persisted in the data folder; `Store.keywords()` holds one per index version.
`tokenize` is the word folding the evidence features use."""
from __future__ import annotations

import functools
import logging
import os
import re
import threading
from pathlib import Path

import Stemmer

from .chunking import Chunk

log = logging.getLogger(__name__)

_STOP = set("""a an and are as at be been but by did do does for from had has have he her his how i if in into
is it its of on or she so than that the their them then there these they this those to was were what when
where which who whom whose why will with would you your about after also can could may might must our
shall should us we""".split())
_TOKEN = re.compile(r"[a-z0-9]+")


def tokenize(text: str) -> list[str]:
    """Lower-case words without stop words, stemmed ('tanks' -> 'tank')."""
    out = []
    for w in _TOKEN.findall(text.lower().replace("’", "'")):
        if w in _STOP:
            continue
        out.append(_stem(w))
    return out


_SNOWBALL = threading.local()   # a PyStemmer stemmer is not safe to share between threads


@functools.lru_cache(maxsize=1 << 16)
def _stem(w: str) -> str:
    """Snowball's English stemmer, the one bm25s searches with ('died', 'dies', 'die' -> 'die';
    'meetings', 'meeting' -> 'meet'); the same on both sides."""
    stemmer = getattr(_SNOWBALL, "english", None)
    if stemmer is None:
        stemmer = _SNOWBALL.english = Stemmer.Stemmer("english")
    return stemmer.stemWord(w)


class KeywordIndex:
    """Keyword search over the chunks with LlamaIndex's `BM25Retriever` (bm25s, Snowball
    stemming, English stop words), persisted beside the store; and the chunks' document
    frequencies under `tokenize`, which weigh question words in the evidence features."""

    def __init__(self, chunks: list[Chunk], persist_dir: Path | None = None) -> None:
        # bm25s forces its logger to DEBUG at import; keep it quiet unless asked.
        logging.getLogger("bm25s").setLevel(logging.WARNING)
        self.ids = [c.id for c in chunks]
        df: dict[str, int] = {}
        for c in chunks:
            for t in set(tokenize(c.embed_text)):
                df[t] = df.get(t, 0) + 1
        self._df, self._n = df, max(1, len(chunks))
        self._bm25 = _load_or_build(chunks, persist_dir) if chunks else None

    def __contains__(self, word: str) -> bool:
        return word in self._df

    def idf(self, word: str) -> float:
        """Inverse document frequency of a token; words the collection never uses weigh most."""
        import math

        return math.log((self._n + 1) / (self._df.get(word, 0) + 0.5)) + 0.1

    def retriever(self, k: int, sources: frozenset[str] | None = None):
        """A LlamaIndex retriever of the k best chunks by BM25 (chunks with no query word left
        out); with `sources`, only chunks of those articles."""
        from llama_index.core.vector_stores import FilterOperator, MetadataFilter, MetadataFilters

        filters = None
        if sources is not None:
            filters = MetadataFilters(filters=[MetadataFilter(key="source", value=sorted(sources),
                                                              operator=FilterOperator.IN)])
        return _matching_retriever()(existing_bm25=self._bm25, similarity_top_k=min(k, len(self.ids)),
                                     filters=filters, skip_stemming=False)

    def search(self, query: str, k: int, sources: frozenset[str] | None = None) -> list[tuple[str, float]]:
        """(chunk id, BM25 score) of the k best chunks for a query."""
        if self._bm25 is None or (sources is not None and not sources):
            return []
        try:
            found = self.retriever(k, sources).retrieve(query)
        except ValueError:          # the filters leave no chunk
            return []
        return [(n.node.node_id, float(n.score)) for n in found]


@functools.cache
def _matching_retriever():
    """BM25Retriever that leaves out chunks sharing no word with the query (bm25s returns k
    chunks whatever their score, and rank fusion would credit them)."""
    from llama_index.retrievers.bm25 import BM25Retriever

    class MatchingBM25Retriever(BM25Retriever):
        def _retrieve(self, query_bundle):
            if not self.similarity_top_k:
                return []
            return [n for n in super()._retrieve(query_bundle) if (n.score or 0.0) > 0.0]

    return MatchingBM25Retriever


def _load_or_build(chunks: list[Chunk], persist_dir: Path | None):
    """The bm25s index of these chunks: loaded from persist_dir when it was built from the same
    chunk ids, else built and persisted there (written aside, then renamed into place)."""
    import hashlib
    import json
    import shutil

    import bm25s
    from llama_index.retrievers.bm25 import BM25Retriever

    from .nodes import chunk_node

    key = hashlib.sha256("\n".join(sorted(c.id for c in chunks)).encode()).hexdigest()
    if persist_dir is not None and (persist_dir / "chunks.sha256").is_file() \
            and (persist_dir / "chunks.sha256").read_text() == key:
        try:
            bm25 = bm25s.BM25.load(str(persist_dir), load_corpus=True, show_progress=False)
            if len(bm25.corpus) == len(chunks):
                return bm25
        except (OSError, ValueError, KeyError, json.JSONDecodeError) as exc:
            log.warning("rebuilding the keyword index: %s is unreadable (%s)", persist_dir, exc)
    log.info("building the keyword index over %d chunks", len(chunks))
    built = BM25Retriever(nodes=[chunk_node(c) for c in chunks], similarity_top_k=1)
    built.bm25.corpus = built.corpus      # kept with the index, so filters and reloads see it
    if persist_dir is not None:
        tmp = persist_dir.with_name(f"{persist_dir.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        try:
            built.persist(str(tmp), show_progress=False)
            (tmp / "chunks.sha256").write_text(key)
            shutil.rmtree(persist_dir, ignore_errors=True)
            os.replace(tmp, persist_dir)
        except OSError as exc:       # a read-only data folder: answer anyway, from memory
            log.warning("cannot keep the keyword index in %s (%s): it is rebuilt on each start", persist_dir, exc)
            shutil.rmtree(tmp, ignore_errors=True)
    return built.bm25
