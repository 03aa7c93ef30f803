"""What answering reads of the retrieved articles: the vectors indexing stored for their
sentences, and spaCy's reading (lemmas; entities when a question expects a type of answer) of
the sentences an answer looks at, found on first use and kept per article; whether an article
or a sentence names something, tolerating case, possessives and small typos."""
from __future__ import annotations

import bisect
import difflib
import functools
import re
import threading
from collections import OrderedDict

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from index.chunking import article_sentences
from index.embed import Embedder
from index.keyword import tokenize
from index.store import Store

from .align import WordVectors
from .nlp import Entity
from .readings import Readings


class SentenceVectors:
    """Embeddings of article spans, cached per process (sentences recur across questions).

    A sentence's vector is the one indexing stored (read in its chunk, in the same pass as the
    chunk: index/store.py), so answering embeds no article text; only a span indexing did not
    store (a joined quote, a word, an index being re-embedded) is embedded here."""

    def __init__(self, embedder: Embedder, store: Store | None = None, size: int = 50_000,
                 articles: int = 500) -> None:
        self.embedder, self.store, self.size, self.n_articles = embedder, store, size, articles
        self.words = WordVectors(embedder)
        self._cache: OrderedDict[tuple, np.ndarray] = OrderedDict()   # embedded here
        self._stored: OrderedDict[tuple[str, int], dict] = OrderedDict()  # (source, version) -> stored
        self._lock = threading.Lock()

    def get(self, keys: list[tuple], texts: list[str]) -> np.ndarray:
        """Vectors for spans keyed (source, start, end) (or anything else, e.g. ("word", w))
        with their texts. A stored sentence always gets its stored vector, anything else its
        own embedding (cached with its text, so an edited article is read anew)."""
        version = self.store.version() if self.store is not None and keys else 0
        out: list[np.ndarray | None] = [self._stored_vector(k, version) for k in keys]
        full = [(k, t) for k, t in zip(keys, texts)]
        with self._lock:
            missing = [i for i, v in enumerate(out) if v is None and full[i] not in self._cache]
        if missing:
            vecs = self.embedder.encode([texts[i] for i in missing], batch_size=32)
            with self._lock:
                for i, v in zip(missing, vecs):
                    self._cache[full[i]] = v
        with self._lock:
            out = [v if v is not None else self._cache[full[i]] for i, v in enumerate(out)]
            while len(self._cache) > self.size:
                self._cache.popitem(last=False)
        return np.stack(out) if out else np.zeros((0, 384), np.float32)

    def _stored_vector(self, key: tuple, version: int) -> np.ndarray | None:
        """The vector indexing stored for a sentence keyed (source, start, end), if any."""
        if self.store is None or len(key) != 3 or key[0] == "word":
            return None
        article = (key[0], version)
        with self._lock:
            vectors = self._stored.get(article)
        if vectors is None:
            vectors = self.store.sentence_vectors(key[0])
            with self._lock:
                self._stored[article] = vectors
                while len(self._stored) > self.n_articles:
                    self._stored.popitem(last=False)
        return vectors.get(tuple(key[1:]))

    def similarity(self, a, b) -> float:
        """Cosine of two quotes' embeddings (anything with source, start, end and text)."""
        v = self.get([(a.source, a.start, a.end), (b.source, b.start, b.end)], [a.text, b.text])
        return float(v[0] @ v[1])


class ArticleView:
    """What evidence needs of one article: its sentences and words, and, for the sentences an
    answer looks at, their lemma tokens and, when a question expects a type of answer, their
    entities (spaCy), found on first use one sentence at a time: a question reads a few sentences of each article it retrieves, not the whole of it
    (which cost ~270 ms an article on first sight, most of an answer's time over a large index)."""

    def __init__(self, source: str, title: str, published: str | None, text: str,
                 spans: list[tuple[int, int]], nlp: Readings) -> None:
        self.source, self.title, self.published, self.text, self.spans = source, title, published, text, spans
        self.nlp = nlp
        self._starts = [s for s, _ in spans]
        self._plain: dict[int, set[str]] = {}         # sentence -> its word tokens (no model)
        self._tokens: dict[int, set[str]] = {}        # sentence -> its lemma and word tokens
        self._entities: dict[int, list[Entity]] = {}  # sentence -> its entities (article offsets)
        self._aliases: dict[str, re.Pattern | None] = {}   # name -> "the <its last word>" (head_alias)
        self._lock = threading.Lock()

    # Of the whole article, made when first asked for: a question looks at most articles it
    # retrieves sentence by sentence only (a long article's tokens cost milliseconds).
    @functools.cached_property
    def words(self) -> set[str]:
        return set(re.findall(r"\w+", self.text.lower()))

    @functools.cached_property
    def tokens(self) -> set[str]:
        return set(tokenize(self.text))

    def head_alias(self, name: str) -> re.Pattern | None:
        """How the article refers back to a name of several words by its last one, used as a
        common noun: "the farm" for "Soul Food Farm", "the declaration" for "the Joint Defence
        Declaration" (a pattern finding it in a passage); None when the article does not name it
        in full, or writes that word only capitalised (a person's surname is no common noun: see
        evidence.refers_to)."""
        with self._lock:
            if name in self._aliases:
                return self._aliases[name]
        words = name_words(name)
        alias = re.compile(rf"\b[Tt]he {re.escape(words[-1])}\b") if len(words) > 1 else None
        if alias is not None and not (all(w in self.words for w in words) and alias.search(self.text)):
            alias = None
        with self._lock:
            self._aliases[name] = alias
        return alias

    def prepare(self, sentences, entities: bool = True) -> None:
        """Annotate these sentences (indices) now, in one batch, unless done already."""
        annotate([(self, i) for i in sentences], entities)

    def sentence(self, i: int) -> str:
        return self.text[self.spans[i][0]:self.spans[i][1]]

    def _pending(self, i: int, entities: bool) -> bool:
        return 0 <= i < len(self.spans) and (i not in self._tokens or (entities and i not in self._entities))

    def _keep(self, i: int, ann) -> None:
        s, e = self.spans[i]
        with self._lock:
            self._tokens[i] = set(tokenize(" ".join(ann.lemmas))) | set(tokenize(self.text[s:e]))
            if ann.entities is not None:
                self._entities[i] = [Entity(x.text, x.label, x.start + s, x.end + s, x.counts) for x in ann.entities]

    def plain_tokens(self, i: int) -> set[str]:
        """Word tokens of sentence i, without annotating it."""
        toks = self._plain.get(i)
        if toks is None:
            toks = self._plain[i] = set(tokenize(self.sentence(i)))
        return toks

    def sentence_tokens(self, i: int) -> set[str]:
        """Lemma and word tokens of sentence i."""
        self.prepare([i], entities=False)
        return self._tokens[i]

    def sentences_in(self, s: int, e: int) -> range:
        """The indices of the sentences the text between offsets s and e overlaps."""
        return range(max(0, bisect.bisect_right(self._starts, s) - 1), bisect.bisect_left(self._starts, e))

    def entities_in(self, s: int, e: int) -> list[Entity]:
        inside = self.sentences_in(s, e)
        self.prepare(inside)
        return [x for i in inside for x in self._entities[i] if x.start >= s and x.end <= e]


def annotate(wanted, entities: bool = True) -> None:
    """Annotate (article view, sentence index) pairs not annotated yet, in one spaCy batch
    (a batch reads a sentence in about half the time one sentence alone takes); with their
    entities if asked (a question that expects no type of answer reads none)."""
    todo = [(v, i) for v, i in dict.fromkeys(wanted) if v._pending(i, entities)]
    if not todo:
        return
    anns = todo[0][0].nlp.annotate_many([v.sentence(i) for v, i in todo], entities)
    for (view, i), ann in zip(todo, anns):
        view._keep(i, ann)


class Articles:
    def __init__(self, store: Store, readings: Readings, size: int = 500) -> None:
        self.store, self.size = store, size
        self.nlp = readings           # what views annotate with: sentences read once per text
        self._views: OrderedDict[tuple[str, str], ArticleView] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, source: str) -> ArticleView | None:
        art = self.store.get_article(source)
        if art is None:
            return None
        key = (source, art.hash if hasattr(art, "hash") else str(hash(art.text)))
        with self._lock:
            view = self._views.get(key)
        if view is None:
            view = ArticleView(source, art.title, art.published, art.text, article_sentences(art), self.nlp)
            with self._lock:
                view = self._views.setdefault(key, view)
                while len(self._views) > self.size:
                    self._views.popitem(last=False)
        return view


@functools.lru_cache(maxsize=4096)
def name_words(name: str) -> tuple[str, ...]:
    return tuple(w for w in re.findall(r"\w+", re.sub(r"['’]s\b", "", name.lower())) if len(w) > 1)


def _close_word(word: str, words) -> bool:
    """A word of the article is the same as `word` but for one typo (a letter changed, added,
    dropped or two swapped: "Merkle" for "Merkel"), or is close throughout (a longer name with two)."""
    near = [x for x in words if abs(len(x) - len(word)) <= 2]
    return bool(process.extractOne(word, near, scorer=DamerauLevenshtein.distance, score_cutoff=1)
                or difflib.get_close_matches(word, near, n=1, cutoff=0.84))


def mentions(view: ArticleView, name: str) -> bool:
    """The article names `name`, tolerating case, possessives and small typos."""
    words = name_words(name)
    if not words:
        return True
    for w in words:
        if w in view.words:
            continue
        if len(w) >= 5 and _close_word(w, view.words):
            continue
        return False
    return True


# Answering asks this of the same passages and names many times over (~250 times a question).
@functools.lru_cache(maxsize=8192)
def mentions_text(text: str, name: str) -> bool:
    low = text.lower()
    return all(re.search(rf"\b{re.escape(w)}", low) for w in name_words(name))
