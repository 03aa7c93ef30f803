"""Evidence: the best sentences of the retrieved chunks, as quotes with exact offsets,
and the decision whether they answer the question at all.

A quote is a sentence, or a sentence joined to a neighbour it leans on ("…, he said",
"In fact he made this point…"): always one contiguous, verbatim span of the article.
Its score mixes embedding similarity to the question with the share of the question's
content words it contains. Answerability needs more than similarity (see facts.py):
- every name in the question occurs in the answering article;
- the thing asked about ("deputy", "constituency") occurs somewhere in the collection;
- for a typed question (how much / how many / when / who / where) a well-matching quote
  holds a new value of that type, or says the thing is not known yet.
"""
from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

from index.embed import Embedder
from index.keyword import KeywordIndex, tokenize
from index.store import Store
from index.text import sentence_spans, subtract_spans

from . import facts
from .retrieve import Hit

# Words that say what is asked, not what it is about.
_ASK_WORDS = set(tokenize("name names many much year date day month time happen happened say said according "
                          "article articles mention mentioned report reported tell describe described called "
                          "kind type number exactly specific specifically long ago currently which what whom "
                          "thing things one ones way part role"))
_GENERIC_FOCUS = _ASK_WORDS | {"is", "was", "are", "were", "does", "did", "do", "will", "has", "have", "can", "the",
                               "s", "could", "would", "should", "main", "new", "two", "three", "other", "first"}
_LEANS_BACK = re.compile(r"^[\"“'‘]|^(?:he|she|they|it|this|that|these|those|his|her|their)\b"
                         # A definite description names what the previous sentence named:
                         # "... produced by Acme Steel. The company was recently acquired ..."
                         r"|^the [a-z]+ (?:was|is|has|had|will|would|said|says|also|were|are|remains|became)\b",
                         re.IGNORECASE)
_LEANS_ON_NEXT = re.compile(r"^(?:in fact,? (?:he|she|they)|he|she|they)\b", re.IGNORECASE)
REL_MIN = 0.45         # relevance a quote holding the asked-for type of value needs
REL_MIN_OTHER = 0.45   # relevance an answering quote to an untyped question needs


def relevance(q: "Quote") -> float:
    """Similarity and word overlap with the question, calibrated on seeds/golden.jsonl."""
    return 0.5 * q.sim + 0.5 * q.fit


@dataclass(eq=False)
class Quote:
    source: str
    title: str
    published: str | None
    text: str
    start: int
    end: int
    sim: float = 0.0
    fit: float = 0.0
    score: float = 0.0
    typed: bool = False
    article_text: str = ""


@dataclass
class Evidence:
    quotes: list[Quote]      # the numbered quotes an answer may cite (best first)
    answerable: bool
    qtype: str
    reason: str
    best: list[Quote]        # the quotes that answer (for extractive answers), best first
    considered: list[Quote] = field(default_factory=list)  # every scored candidate (for conflicts)


class SentenceVectors:
    """Embeddings of article spans, cached per process (sentences recur across questions)."""

    def __init__(self, embedder: Embedder, size: int = 50_000) -> None:
        self.embedder, self.size = embedder, size
        self._cache: OrderedDict[tuple, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, keys: list[tuple], texts: list[str]) -> np.ndarray:
        with self._lock:
            missing = [i for i, k in enumerate(keys) if k not in self._cache]
        if missing:
            vecs = self.embedder.encode([texts[i] for i in missing], batch_size=32)
            with self._lock:
                for i, v in zip(missing, vecs):
                    self._cache[keys[i]] = v
                while len(self._cache) > self.size:
                    self._cache.popitem(last=False)
        with self._lock:
            return np.stack([self._cache[k] for k in keys]) if keys else np.zeros((0, 384), np.float32)


def content_terms(question: str) -> list[str]:
    return [t for t in dict.fromkeys(tokenize(question)) if t not in _ASK_WORDS]


def question_entities(question: str) -> list[str]:
    """Names in the question, each reduced to its head word ('Anglo-German' -> 'German')."""
    out = []
    # The first word of a question is capitalised as a matter of course ("Roughly", "Besides").
    first = re.match(r"\W*([\w’'\-]+)", question)
    if first and " " not in question.strip()[: len(first.group(0)) + 1].strip():
        question = question[: first.start(1)] + first.group(1).lower() + question[first.end(1):]
    for name in facts.names(question):
        for word in name.split():
            word = re.sub(r"[’']s$", "", word).split("-")[-1]
            if word and word.lower() not in facts.FUNCTION and word.lower() not in {"of", "the"}:
                out.append(word)
    return list(dict.fromkeys(out))


def focus_word(question: str) -> str | None:
    """The noun a question asks for: 'deputy' in "Who is Jane Smith's deputy?"."""
    s = question.lower().replace("’", "'")
    # Only relations of a named thing ("X's deputy", "the deputy of X"): a missing word
    # elsewhere is more often a paraphrase than a sign of an unanswerable question.
    for pat in (r"[a-z]'s (\w+)\b\s*(?:\?|$|\b(?:at|in|of|for)\b)", r"\bwhat(?:'s| is| was) the (\w+) of\b"):
        m = re.search(pat, s)
        if m and m.group(1) not in _GENERIC_FOCUS and not set(tokenize(m.group(1))) & _GENERIC_FOCUS:
            return m.group(1)
    return None


def candidates(hits: list[Hit], store: Store) -> list[Quote]:
    out: list[Quote] = []
    seen: set[tuple[str, int, int]] = set()
    articles = {}
    for hit in hits:
        c = hit.chunk
        art = articles.get(c.source) or articles.setdefault(c.source, store.get_article(c.source))
        if art is None:
            continue
        spans = subtract_spans(sentence_spans(art.text), list(art.boilerplate))
        for i, (s, e) in enumerate(spans):
            if e <= c.start or s >= c.end or e - s < 12:
                continue
            options = [(s, e)]
            if i > 0 and _LEANS_BACK.search(art.text[s:e]):
                options.append((spans[i - 1][0], e))
            if i + 1 < len(spans) and _LEANS_ON_NEXT.search(art.text[spans[i + 1][0]:spans[i + 1][1]]):
                options.append((s, spans[i + 1][1]))
            for qs, qe in options:
                if (c.source, qs, qe) in seen:
                    continue
                seen.add((c.source, qs, qe))
                out.append(Quote(c.source, art.title, art.published, art.text[qs:qe], qs, qe, article_text=art.text))
    return out


def _fit(weights: dict[str, float], text: str) -> float:
    """IDF-weighted share of the question's content words found in the text."""
    if not weights:
        return 0.0
    toks = set(tokenize(text))
    return sum(w for t, w in weights.items() if t in toks) / sum(weights.values())


_LOCAL = r"(?:town|city|village|site|base|airbase|air base|port|county|constituency|district|location)"


def _is_headline(text: str) -> bool:
    """A title line ("UK Deepens Defence Collaboration with Europe"): its capitals are not names."""
    words = re.findall(r"[A-Za-z][\w’'\-]*", text)
    return (not text.rstrip().endswith((".", "!", "?", '"', "”")) and len(words) >= 3
            and sum(w[0].isupper() for w in words) >= 0.6 * len(words))


def _has_value(q: Quote, qtype: str, question: str, terms: list[str]) -> bool:
    if facts.says_undecided(q.text, terms):
        return True
    if qtype in ("person", "org", "place") and _is_headline(q.text):
        return False
    q_low = question.lower()
    vals = facts.new_values(q.text, qtype, question)
    if qtype == "place" and re.search(rf"\b(?:which|what|in what)\s+(?:\w+\s+)?{_LOCAL}\b", q_low):
        # "Which town…?" is not answered by "in the UK".
        vals = [v for v in vals if re.sub(r"^the\s+", "", v.lower()) not in facts.COUNTRIES]
    if qtype == "date" and re.search(r"\bhow long ago\b", q_low):
        vals = [v for v in vals if re.search(r"\bago\b", v, re.IGNORECASE)]
    if qtype == "date" and re.search(r"\bwhen will\b|\bwill\b.*\bwhen\b", q_low):
        vals = [v for v in vals if not re.search(r"\bago\b|\blast\b", v, re.IGNORECASE)]
    if qtype == "count":
        # The number must count the thing asked about: "400 jobs" for "how many jobs".
        vals = [v for v in vals if any(t in terms for t in tokenize(_after(q.text, v)))]
    return bool(vals)


def _after(text: str, value: str) -> str:
    i = text.find(value)
    return " ".join(text[i + len(value):].split()[:3]) if i >= 0 else ""


def gather(question: str, qvec: np.ndarray, hits: list[Hit], store: Store, vectors: SentenceVectors,
           keywords: KeywordIndex, n_quotes: int) -> Evidence:
    qtype = facts.question_type(question)
    quotes = candidates(hits, store)
    if not quotes:
        return Evidence([], False, qtype, "nothing relevant was retrieved", [])
    terms = content_terms(question)
    # Words the collection never uses cannot match; the entity/focus checks deal with them.
    weights = {t: keywords.idf(t) for t in terms if t in keywords}
    vecs = vectors.get([(q.source, q.start, q.end) for q in quotes], [q.text for q in quotes])
    for q, sim in zip(quotes, vecs @ qvec):
        q.sim = float(sim)
        q.fit = _fit(weights, q.text)
        q.typed = qtype != "other" and _has_value(q, qtype, question, terms)
        q.score = 0.6 * q.sim + 0.4 * q.fit + (0.1 if q.typed else 0.0) + (0.2 if facts.says_undecided(q.text, terms) else 0.0)
    quotes.sort(key=lambda q: q.score, reverse=True)
    shown = _distinct(quotes, n_quotes)

    entities = question_entities(question)
    missing = [e for e in entities if tokenize(e) and not any(t in keywords for t in tokenize(e))]
    focus = focus_word(question)
    if focus and not any(t in keywords for t in tokenize(focus)):
        missing.append(focus)
    if missing:
        return Evidence(shown, False, qtype, f"the articles never mention {', '.join(missing)}", [], quotes)

    article_tokens: dict[str, set[str]] = {}

    def mentions(q: Quote, e: str) -> bool:
        # Longer names may inflect ("Europe"/"European"); demonyms fold to places ("Scottish"/"Scotland").
        if re.search(rf"\b{re.escape(e.lower()[:max(4, len(e) - 3)])}", q.article_text.lower()):
            return True
        toks = article_tokens.get(q.source)
        if toks is None:
            toks = article_tokens[q.source] = set(tokenize(q.article_text))
        return bool(tokenize(e)) and all(t in toks for t in tokenize(e))

    def about_entities(q: Quote) -> bool:
        # Acronyms are often spelt out ("MoD").
        return all(mentions(q, e) for e in entities
                   if not (e.isupper() or len(e) <= 3 or re.fullmatch(r"[A-Z][a-z]?[A-Z]\w*", e)))

    # "Who is Italy's defence minister?" asks for a relation that one passage must state.
    owner = re.match(r"\W*(?:who|what) (?:is|was|are|were) (?:the )?([A-Z]\w+)['’]s\b", question, re.IGNORECASE)
    if owner:
        quotes = [q for q in quotes if _states_relation(q.text, owner.group(1), qtype, question)]
    if qtype == "other":
        good = [q for q in quotes if relevance(q) >= REL_MIN_OTHER and about_entities(q)]
    else:
        good = [q for q in quotes if q.typed and relevance(q) >= REL_MIN and about_entities(q)]
    if not good:
        why = "no passage matches the question" if qtype == "other" else f"no passage gives the {qtype} asked for"
        return Evidence(shown, False, qtype, why, [], quotes)
    # A typed question has one answer (and conflicts are added separately); a descriptive
    # one may need a second passage.
    second = [] if qtype != "other" else [q for q in good[1:] if q.score >= 0.9 * good[0].score
                                          and not _overlaps(q, [good[0]])][:1]
    best = [good[0]] + second
    # The answering quotes lead the numbered quotes, so [1] is the best evidence.
    rest = [q for q in quotes if not _overlaps(q, best)]
    return Evidence(best + _distinct(rest, n_quotes - len(best)), True, qtype, "", best, quotes)


def _states_relation(text: str, owner: str, qtype: str, question: str) -> bool:
    """One sentence names the owner and gives a value of the asked-for type
    ("France's finance minister, Jean Dupont, ..."), not two sentences side by side."""
    for s, e in sentence_spans(text):
        sent = text[s:e]
        if not re.search(rf"\b{re.escape(owner)}", sent, re.IGNORECASE):
            continue
        if qtype == "other" or facts.new_values(sent, qtype, question):
            return True
    return False


def _overlaps(q: Quote, others: list[Quote]) -> bool:
    return any(q.source == o.source and q.start < o.end and o.start < q.end for o in others)


def _distinct(quotes: list[Quote], n: int) -> list[Quote]:
    out: list[Quote] = []
    for q in quotes:
        if len(out) >= n:
            break
        if not _overlaps(q, out):
            out.append(q)
    return out
