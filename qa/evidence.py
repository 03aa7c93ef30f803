"""Evidence: the passages of the retrieved chunks that answer the question, as verbatim
quotes with exact offsets, and the features the answerability model reads.

A quote is a sentence, or a sentence joined to the one before it when that neighbour
holds what the sentence leans on: the answer of the asked-for type ("… talked to the
singer", the singer named just before) or the question's names ("both ministers", the
ministers named just before). Sentences are scored by embedding similarity to the question
and the IDF-weighted share of the question's words they contain. Factoid questions look for
a named entity of the expected type (spaCy NER) that the question does not already name;
open questions gather several quotes, across articles.

Deliberately no thresholds here: whether to answer is `answerability.decide`'s call.
"""
from __future__ import annotations

import functools
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

import numpy as np

from index.keyword import KeywordIndex, tokenize

from .align import FEATURES as ALIGN_FEATURES, WordVectors, alignment
from .articles import ArticleView, Articles, SentenceVectors, annotate, mentions, mentions_text, name_words
from .english import OPENS_ON_BEFORE, POINTS_BACK
from .facts import NEGATIVE, is_age, undecided_topic
from .nlp import Entity
from .question import WH_LABELS, WH_PHRASES, Question
from .retrieve import Hit

# How many passages an open question's account may draw on. `python -m evaluation.sweep
# MAX_OPEN_QUOTES 3 4` (2026-12-06, with a surname counting as a person's mention): 4 answers
# the open set 0.778 against 0.722 (open set o03: its answering passage comes 4th), NewsQA
# (0.829), SQuAD (0.637) and golden (0.794) alike.
MAX_OPEN_QUOTES = 4
# How far below the best passage's score (the fitted ranker's, a log-odds that a passage holds
# the answer) another may score and still join an open question's account: within 1.0, at
# least e^-1 ~ 0.37 times the best one's odds. `python -m evaluation.sweep OPEN_MARGIN 0.5 1.0 2.0`
# (2026-12-06): 1.0 and 2.0 answer alike (NewsQA 0.829, SQuAD 0.637, golden 0.794, open set
# 0.722); 0.5 loses a SQuAD, a golden and two open-set answers.
OPEN_MARGIN = 1.0
# The sentences of a story's lead a request for its gist quotes.
LEAD_SENTENCES = 2
# How many passages, best first by similarity and overlap, the fitted ranker re-ranks with
# word alignment (each costs one pass of the embedding model on first sight, run while spaCy
# reads). `python -m evaluation.sweep ALIGN_TOP 10 8 6 5` (2026-12-03, READ_TOP 10): 8 and 10
# answer the dev splits and golden alike (NewsQA 0.829, SQuAD 0.637, golden 0.794); 6 loses a
# SQuAD answer. 10 keeps a margin of two steps over the first value that loses (8 lost one
# NewsQA `check` question, an unanswerable one answered, as did READ_TOP 8).
ALIGN_TOP = 10
# How many retrieved sentences (~44 a question over a large index), best first by similarity
# and plain-word overlap, are read closely: spaCy lemmas, and entities when the question expects
# a type of answer, ~4 ms a sentence on first sight, most of a cold answer's time.
# `python -m evaluation.sweep READ_TOP 4 6 8 10 12 16` (2026-12-03): every value from 8 up
# answers the dev splits and the golden set alike (NewsQA 0.829, SQuAD 0.637, golden 0.794); 6
# loses golden and SQuAD answers. 10 = ALIGN_TOP: every passage the ranker aligns is one read
# closely.
READ_TOP = 10
TYPED_TOP = 8   # a factoid's passage of the asked-for type is looked for among the best TYPED_TOP
# Cosine of the asked-for noun ("how many drones") to the noun a number counts ("400 jobs")
# below which the number counts something else (word pairs from the dev questions).
COUNT_NOUN_MIN = 0.33
# How a full sentence ends (a heading or a dateline does not).
SENTENCE_ENDS = (".", "!", "?", '"', "”", "’")


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
    candidates: tuple[str, ...] = ()
    article_text: str = ""
    sentence: int = -1        # index of the quote's last sentence in its article
    joined: bool = False      # extended over a neighbouring sentence
    align: dict = field(default_factory=dict)   # word alignment to the question (qa/align.py)

    def rank_features(self, question: Question) -> dict[str, float]:
        return {"sim": self.sim, "fit": self.fit, "typed": float(self.typed),
                "typed_in_typed_question": float(self.typed and question.typed),
                "lead": 1.0 / (1.0 + max(0, self.sentence)), "log_words": float(np.log1p(len(self.text.split()))),
                "joined": float(self.joined),
                # An open question is answered by what a passage means more than by its words.
                "sim_open": self.sim * question.open, "fit_open": self.fit * question.open, **self.align}


def relevance(q: Quote) -> float:
    """How well a quote matches the question: similarity and word overlap, equally."""
    return 0.5 * q.sim + 0.5 * q.fit


@dataclass
class Evidence:
    question: Question
    quotes: list[Quote]          # the numbered quotes an answer may cite (best first)
    best: list[Quote]            # the quotes that answer, best first
    considered: list[Quote] = field(default_factory=list)   # every scored candidate (for conflicts)
    features: dict[str, float] = field(default_factory=dict)
    answerable: bool = True
    probability: float = 1.0
    refusal: float | None = None   # the LLM's probability of replying "not in the articles" (generative)
    reason: str = ""

    @property
    def qtype(self) -> str:
        return self.question.qtype


def _new_entity(ent: Entity, question: Question) -> bool:
    """The entity is not one the question names (its words, or its initials: "the United
    Nations" for a question about the "UN")."""
    words = name_words(ent.text)
    spelled = [w for w in words if w not in ("the", "of", "and")]
    initials = "".join(w[0] for w in spelled) if len(spelled) > 1 else ""
    return bool(words) and not all(w in question.skip or w + "'s" in question.skip for w in words) \
        and ent.text.lower() not in question.text.lower() and initials not in question.skip


def counts_asked(ent: Entity, question: Question, vectors: "SentenceVectors") -> bool:
    """For "how many <noun>": the number counts that noun (or a near-synonym), or nothing named."""
    if question.wh != "how many" or not question.head or not ent.counts:
        return True
    a, b = question.head.lower(), ent.counts
    v = vectors.get([("word", a), ("word", b)], [a, b])
    return float(v[0] @ v[1]) >= COUNT_NOUN_MIN


def _age_asked(x: Entity, sentence: list[Entity], view: ArticleView, question: Question) -> bool:
    """For "How old …?": a bare number (a count, or a year spaCy reads as a date: "in 2008") only
    where written as an age (facts.is_age), and no age written as another person's than the
    question's ("How old is Jane Doe?": not "Mary Roe, 54," nor "73-year-old Mary Roe");
    `sentence`: the entities of x's sentence."""
    bare = re.fullmatch(r"\d+", x.text) is not None
    if (bare or x.label == "CARDINAL") and not is_age(view.text, x.start, x.end):
        return False
    owner = age_owner(x, sentence)
    return owner is None or not question.entities or any(refers_to(owner, n, question) for n in question.entities)


def age_owner(x: Entity, entities: list[Entity]) -> str | None:
    """Whose age the value `x` is, where news writes a person's name beside it (spaCy's PERSON
    among `entities`, those of its sentence): "Jane Doe, 53, had …", "73-year-old Jane Doe";
    None when no name stands there ("a 21-year-old driver", "a 23-year-old Olympic rower")."""
    return next((y.text for y in entities if y.label == "PERSON"
                 and (0 <= x.start - y.end <= 2 or 0 <= y.start - x.end <= 1)), None)


@functools.lru_cache(maxsize=2048)
def _withheld(nlp, text: str) -> str | None:
    """What the passage's undecided phrase withholds (facts.undecided_topic), parsed once a
    passage: the same few recur across questions about a story."""
    m = NEGATIVE.search(text)
    return undecided_topic(nlp.parse(text), m.start()) if m else None


def withholds_asked(text: str, question: Question, view: ArticleView, vectors: "SentenceVectors") -> bool:
    """The passage says the asked-for thing is not known yet: what its undecided phrase
    withholds (facts.undecided_topic) is the question's head noun, or is asked for by the
    wh-phrase nearest it in the embedding model ("site": where; "cost": how much), which is
    the question's own, or (a "which <noun>" question) asks for the head noun's type."""
    topic = _withheld(view.nlp.nlp, text)
    if topic is None:
        return False
    if topic == (question.head or "").lower():
        return True
    v = vectors.get([("word", w) for w in (topic, *WH_PHRASES)], [topic, *WH_PHRASES])
    nearest = WH_PHRASES[int(np.argmax(v[1:] @ v[0]))]
    if question.fixed_type:
        return nearest == ("who" if question.wh in ("whom", "whose") else question.wh)
    return bool(question.labels) and question.labels[0] in WH_LABELS.get(nearest, ())


def _fit(weights: dict[str, float], tokens: set[str]) -> float:
    total = sum(weights.values())
    return sum(w for t, w in weights.items() if t in tokens) / total if total else 0.0


def default_score(q: Quote, question: Question) -> float:
    """Before any fit (and in the calibration's first pass): similarity and overlap."""
    return 0.6 * q.sim + 0.4 * q.fit + (0.1 if q.typed else 0.0)


def gather(question: Question, qvec: np.ndarray, hits: list[Hit], articles: Articles, vectors: SentenceVectors,
           keywords: KeywordIndex, n_quotes: int, ranker=None) -> Evidence:
    views: dict[str, ArticleView] = {}
    sents: list[tuple[ArticleView, int]] = []        # (article, sentence index)
    seen = set()
    for hit in hits:
        c = hit.chunk
        view = views.get(c.source) or articles.get(c.source)
        if view is None:
            continue
        views[c.source] = view
        for i, (s, e) in enumerate(view.spans):
            if e > c.start and s < c.end and (c.source, i) not in seen and e - s >= 12:
                seen.add((c.source, i))
                sents.append((view, i))
    if not sents:
        return Evidence(question, [], [], features=features_for(question, None, [], views, keywords),
                        answerable=False, reason="nothing relevant was retrieved")
    question = _with_article_persons(question, sents)
    weights = {t: keywords.idf(t) for t in question.terms}
    known = {t: w for t, w in weights.items() if t in keywords}
    # Similarity of every sentence and of its neighbours (a joined quote reads as both).
    near = list(dict.fromkeys((v.source, j) for v, i in sents for j in (i - 1, i, i + 1) if 0 <= j < len(v.spans)))
    near_text = [views[src].sentence(j) for src, j in near]
    near_sim = dict(zip(near, vectors.get([(src, *views[src].spans[j]) for src, j in near], near_text) @ qvec))
    # Every sentence is first read on its words alone (no model run); the READ_TOP best are read
    # again closely (lemmas, and entities when the question expects a type of answer, in one
    # spaCy batch). A sentence read on its words alone offers no candidate but still counts for
    # conflicts (qa/conflicts.py reads its text).
    cheap = [_read(question, view, i, known, near_sim, vectors, closely=False) for view, i in sents]
    first = sorted(range(len(sents)), key=lambda k: cheap[k].score, reverse=True)[:READ_TOP]
    # The word vectors of the passages alignment will read are made meanwhile, the bulk of a
    # cold answer's time (spaCy's readings are mostly looked up: qa/readings.py; a quote joined
    # on close reading is encoded when re-ranked). A neighbour the words alone join a sentence
    # to is read in the same batch; one a close reading joins it to is read when joined.
    with ThreadPoolExecutor(1, thread_name_prefix="evidence-words") as meanwhile:
        aligned = meanwhile.submit(vectors.words.get, [question.text] + [cheap[k].text for k in first])
        annotate([(sents[k][0], i) for k in first for i in sents[k][0].sentences_in(cheap[k].start, cheap[k].end)],
                 entities=bool(question.labels))
        quotes = [_read(question, *sents[k], known, near_sim, vectors, closely=True) for k in first]
        aligned.result()   # its error, if any, is the caller's
    unread = [cheap[k] for k in sorted(set(range(len(sents))) - set(first))]
    quotes.sort(key=lambda q: q.score, reverse=True)
    quotes = _rerank(question, quotes, vectors.words, keywords, ranker, views)
    unread.sort(key=lambda q: q.score, reverse=True)
    floor = quotes[-1].score if quotes else 0.0
    for k, q in enumerate(unread):   # below every sentence read closely
        q.score = floor - 1.0 - 1e-3 * k
    quotes += unread
    if question.typed:   # a factoid answer is a passage holding a value of the asked-for type
        k = typed_first([(q.score, q.typed) for q in quotes[:TYPED_TOP]], ranker.typed_margin if ranker else None)
        quotes.insert(0, quotes.pop(k))
    best = _open_best(quotes) if question.open else [quotes[0]]
    if question.summary:
        best = _with_lead(best, views[best[0].source], qvec, vectors, known)
    if question.open:
        best = _with_follow_ons(best, views)
    rest = [q for q in quotes if not _overlaps(q, best)]
    shown = best + _distinct(rest, max(0, n_quotes - len(best)))
    feats = features_for(question, quotes[0], quotes, views, keywords)
    return Evidence(question, shown, best, quotes, feats)


def _with_article_persons(question: Question, sents: list[tuple[ArticleView, int]]) -> Question:
    """The question with, among its people, each name of several words that a retrieved sentence
    reads as a person, in full or by its last words ("Doe", "Alba Doe" for "Jane Alba Doe"): a
    name alone in a short question is read with little context ("What is Jane Alba Doe in prison
    for?" reads it as an organisation), and spaCy's small model may misread the full name in an
    article too, but seldom each of its mentions."""
    unsure = [n for n in question.entities if n not in question.persons and n not in question.descriptors
              and len(name_words(n)) > 1]
    if not unsure:
        return question

    def surname_of(name: str, entity: str) -> bool:
        words, ent = name_words(name), name_words(entity)
        return 0 < len(ent) <= len(words) and words[-len(ent):] == ent

    naming = {n: [(v, i) for v, i in sents if mentions_text(v.sentence(i), name_words(n)[-1])] for n in unsure}
    annotate([x for found in naming.values() for x in found])
    people = tuple(n for n, found in naming.items()
                   if any(x.label == "PERSON" and surname_of(n, x.text) for v, i in found for x in v.entities_in(*v.spans[i])))
    return replace(question, persons=question.persons + people) if people else question


def typed_first(ranked: list[tuple[float, bool]], margin: float | None) -> int:
    """Which passage a factoid question's answer comes from, of (score, holds a value of the
    asked-for type) in the ranker's order: the best holding such a value among the first
    TYPED_TOP, unless the best passage outscores it by more than `margin` (spaCy missed the
    value there; Ranker.typed_margin, None: never); else the best."""
    k = next((k for k, (_, typed) in enumerate(ranked[:TYPED_TOP]) if typed), None)
    if k is not None and (margin is None or ranked[k][0] >= ranked[0][0] - margin):
        return k
    return 0


def _read(question: Question, view: ArticleView, i: int, known: dict[str, float],
          sims: dict[tuple[str, int], float], vectors: SentenceVectors, closely: bool) -> Quote:
    """Sentence i as a quote, joined to the neighbour it leans on; read `closely`, with its
    lemmas and (for a question expecting a type of answer) entities, or else on its words alone."""
    s, e = view.spans[i]
    text = view.text[s:e]
    read = view.sentence_tokens if closely else view.plain_tokens

    def tokens(k: int) -> set[str]:
        return read(k) | named_tokens(view.sentence(k), question, view)
    q = Quote(view.source, view.title, view.published, text, s, e, sim=float(sims[(view.source, i)]),
              fit=_fit(known, tokens(i)), article_text=view.text, sentence=i)
    prev = (i - 1) if i > 0 and _same_paragraph(view, i - 1, i) else None
    def asked_for(k: int) -> list[Entity]:
        """Sentence k's values of the asked-for type that the question does not name."""
        found = view.entities_in(*view.spans[k])
        return [x for x in found if x.label in question.labels and _new_entity(x, question)
                and counts_asked(x, question, vectors)
                # "How old is she?": a bare number is an age only where written as one ("Doe, 66, …"),
                # and the age of a name the question does not ask about is no answer.
                and not (question.wh == "how old" and not _age_asked(x, found, view, question))]

    cands = asked_for(i) if closely and question.labels else []
    if question.typed and not cands and prev is not None and leans_back(text):
        # The answer may sit in the sentence the best one leans on.
        pc = asked_for(prev) if closely and q.fit > 0 else []
        if pc:
            q = _joined(q, view, prev, i, known, sims, tokens)
            cands = pc
    elif question.entities and not all(refers_to(text, n, question, view) for n in question.entities):
        # The names the sentence leans on sit in a neighbour: before it ("both ministers"),
        # or after it when that one goes on from it ('This was according to the minister.').
        nxt = i + 1 if i + 1 < len(view.spans) and _same_paragraph(view, i, i + 1) else None
        ptext = view.sentence(prev) if prev is not None else ""
        ntext = view.sentence(nxt) if nxt is not None else ""
        if ptext and any(refers_to(ptext, n, question, view) for n in question.entities):
            q = _joined(q, view, prev, i, known, sims, tokens)
        elif ntext and goes_on(ntext) and any(refers_to(ntext, n, question, view) for n in question.entities):
            q = _joined(q, view, i, nxt, known, sims, tokens)
    if question.typed and not cands and closely and q.fit > 0 and not q.joined:
        # Or in the sentence after it, when that one leans back on it ("… he said. In fact
        # he made this point during the meeting of …").
        nxt = i + 1 if i + 1 < len(view.spans) and _same_paragraph(view, i, i + 1) else None
        if nxt is not None and leans_back(view.sentence(nxt)):
            nc = asked_for(nxt)
            if nc:
                q, cands = _joined(q, view, i, nxt, known, sims, tokens), nc
    q.candidates = tuple(dict.fromkeys(x.text for x in cands))
    # "The site has not yet been announced" answers "Where will it be?" as well as a place would
    # (but not "How much will it cost?").
    q.typed = bool(cands) or (question.typed and closely and withholds_asked(q.text, question, view, vectors))
    q.score = default_score(q, question)
    return q


def _rerank(question: Question, quotes: list[Quote], words: WordVectors, keywords: KeywordIndex,
            ranker, views: dict[str, ArticleView]) -> list[Quote]:
    """The best passages by similarity and overlap, aligned word by word with the question and
    re-ranked by the fitted ranker; the rest keep their order below them."""
    head, tail = quotes[:ALIGN_TOP], quotes[ALIGN_TOP:]
    qwords, *pwords = words.get([question.text] + [q.text for q in head])
    for q, pw in zip(head, pwords):
        q.align = alignment(qwords, pw, keywords, named_tokens(q.text, question, views.get(q.source)))
    if ranker is None or not head:
        return quotes
    for q in head:
        q.score = ranker.score(q.rank_features(question))
    head.sort(key=lambda q: q.score, reverse=True)
    floor = head[-1].score
    for k, q in enumerate(tail):
        q.score = floor - 1.0 - 1e-3 * k
    return head + tail


def _same_paragraph(view: ArticleView, i: int, j: int) -> bool:
    """Sentences i < j may be joined: the same paragraph, or a paragraph that ends on a full
    sentence (a dateline or a heading names no referent)."""
    a, b = min(i, j), max(i, j)
    if "\n" not in view.text[view.spans[a][1]:view.spans[b][0]]:
        return True
    return view.text[view.spans[a][0]:view.spans[a][1]].rstrip().endswith(SENTENCE_ENDS)


def _joined(q: Quote, view: ArticleView, first: int, last: int, known: dict[str, float],
            sims: dict[tuple[str, int], float], tokens) -> Quote:
    """The quote extended over sentences first..last (adjacent; one verbatim span). Its
    similarity is its sentences', weighted by length (as a mean-pooled embedding reads them)."""
    s, e = view.spans[first][0], view.spans[last][1]
    toks = tokens(first) | tokens(last)
    lengths = [view.spans[k][1] - view.spans[k][0] for k in (first, last)]
    sim = sum(n * float(sims[(view.source, k)]) for n, k in zip(lengths, (first, last))) / sum(lengths)
    return Quote(q.source, q.title, q.published, view.text[s:e], s, e, sim=sim,
                 fit=_fit(known, toks), article_text=view.text, sentence=last, joined=True)


def leans_back(sentence: str) -> bool:
    """The sentence refers back to something named before it (a pronoun or demonstrative)."""
    return any(w in POINTS_BACK for w in re.findall(r"[a-z]+", sentence.lower()))


def goes_on(sentence: str) -> bool:
    """The sentence continues the one before it: it opens on a quotation or a word that
    points back ("He said…", "This was…", "But…")."""
    first = re.match(r"\W*(\w+)", sentence)
    return sentence[:1] in "\"“'‘" or bool(first and first.group(1).lower() in OPENS_ON_BEFORE)


def named_tokens(text: str, question: Question, view: ArticleView | None = None) -> set[str]:
    """The words of the question's names that `text` (of `view`, when given) refers to (see
    refers_to): a name the text refers to is there whole ("Doe said" names "Jane Doe")."""
    return {t for n in question.entities if refers_to(text, n, question, view) for t in tokenize(n)}


def refers_to(text: str, name: str, question: Question, view: ArticleView | None = None) -> bool:
    """The text names `name`; a person also by surname alone, as news writing names people
    after their first mention ("Jane Doe" ... "Doe said"); and, in an article (`view`) that names
    a thing in full, "the <its last word>" ("the farm" after "Soul Food Farm": ArticleView.head_alias)."""
    if mentions_text(text, name):
        return True
    words = name_words(name)
    if name in question.persons:
        return len(words) > 1 and mentions_text(text, words[-1])
    alias = view.head_alias(name) if view is not None else None
    return alias is not None and alias.search(text) is not None


def _quotation_marks(text: str) -> tuple[int, int]:
    """(quotations the text opens and leaves open, quotations it closes that it did not open),
    from its double quotation marks; a straight one opens after a space or at the start."""
    opened = closed = 0
    for m in re.finditer(r'["“”]', text):
        mark, before = m.group(), text[m.start() - 1:m.start()]
        if mark == "“" or (mark == '"' and (not before or before.isspace() or before in "([—–-")):
            opened += 1
        elif opened:
            opened -= 1
        else:
            closed += 1
    return opened, closed


def _with_follow_on(q: Quote, view: ArticleView) -> Quote:
    """An account often goes on in the next sentence ("… spoke with a defector." / '"…," he said.'):
    join it when it leans back (a pronoun or a quotation opening it). A passage that closes a
    quotation opened in the sentence before ('I've got a good group…," said Sgt. Bendett') starts
    where the quotation does."""
    start = q.start
    first = view.sentences_in(q.start, q.end)[0] if q.sentence >= 0 else -1
    if first > 0 and _same_paragraph(view, first - 1, first) and _quotation_marks(q.text)[1] \
            and _quotation_marks(view.sentence(first - 1))[0]:
        start = view.spans[first - 1][0]
    i, end = q.sentence + 1, q.end
    if q.sentence >= 0 and i < len(view.spans) and _same_paragraph(view, q.sentence, i) and goes_on(view.sentence(i)):
        end = view.spans[i][1]
    else:
        i = q.sentence
    if (start, end) == (q.start, q.end):
        return q
    return Quote(q.source, q.title, q.published, view.text[start:end], start, end, sim=q.sim, fit=q.fit,
                 score=q.score, typed=q.typed, candidates=q.candidates, article_text=view.text, sentence=i,
                 align=q.align)


def _with_follow_ons(best: list[Quote], views: dict[str, ArticleView]) -> list[Quote]:
    """Each of an account's passages with its follow-on (see _with_follow_on), unless that
    sentence is already in another of them: an account quotes a sentence once."""
    out: list[Quote] = []
    for k, q in enumerate(best):
        joined = _with_follow_on(q, views[q.source])
        out.append(q if _overlaps(joined, out + best[k + 1:]) else joined)
    return out


def features_for(question: Question, top: Quote | None, quotes: list[Quote], views: dict[str, ArticleView],
                 keywords: KeywordIndex) -> dict[str, float]:
    """Evidence features for the answerability model (see answerability.FEATURES)."""
    terms = list(question.terms)
    unknown = [t for t in terms if t not in keywords]
    f = {
        "typed_question": float(question.typed),
        "open_question": float(question.open),
        "unknown_terms": len(unknown) / len(terms) if terms else 0.0,
        "sim": 0.0, "fit": 0.0, "typed_found": 0.0, "entity_cover_article": 1.0, "entity_cover_quote": 1.0,
        "article_fit": 0.0, "sim_margin": 0.0, "missing_rare": 1.0, "typed_near": 0.0, "entity_absent": 0.0,
        **dict.fromkeys(ALIGN_FEATURES, 0.0), "has_entities": float(bool(question.entities)),
    }
    if top is None:
        return f
    f["sim"], f["fit"], f["typed_found"] = top.sim, top.fit, float(top.typed)
    f.update(top.align)
    view = views.get(top.source)
    names = [n for n in question.entities if n not in question.descriptors]
    if names:
        # A name no retrieved article mentions (tolerantly): the premise is likely not stated.
        f["entity_absent"] = sum(not any(mentions(v, n) for v in views.values()) for n in names) / len(names)
    if question.entities and view is not None:
        f["entity_cover_article"] = sum(mentions(view, n) for n in question.entities) / len(question.entities)
        f["entity_cover_quote"] = sum(refers_to(top.text, n, question, view) for n in question.entities) / len(question.entities)
    if view is not None:
        weights = {t: keywords.idf(t) for t in terms}
        f["article_fit"] = _fit(weights, view.tokens)
        # A near-miss often differs from its passage in one rare word: the rarest question
        # word the answering quote lacks, relative to the rarest question word.
        quote_tokens = set().union(*(view.sentence_tokens(i) for i in view.sentences_in(top.start, top.end)),
                                   named_tokens(top.text, question, view))
        known = {t: w for t, w in weights.items() if t in keywords}
        if known:
            f["missing_rare"] = max((w for t, w in known.items() if t not in quote_tokens), default=0.0) / max(known.values())
    f["typed_near"] = _nearness(top, question, view) if top.typed and view is not None else 0.0
    others = [q.sim for q in quotes if q.source != top.source]
    f["sim_margin"] = top.sim - (max(others) if others else 0.0)
    return f


def _nearness(q: Quote, question: Question, view: ArticleView) -> float:
    """1 / (1 + words between a candidate answer and the word the question asks about —
    its head noun ("how many drones") or else its nearest content word)."""
    words = [(m.start() + q.start, tokenize(m.group(0))) for m in re.finditer(r"[\w'’-]+", q.text)]
    targets = set(tokenize(question.head)) if question.head else set(question.terms)
    at = [i for i, (_, toks) in enumerate(words) if set(toks) & targets]
    cands = [x for x in view.entities_in(q.start, q.end) if x.text in q.candidates]
    if not at or not cands:
        return 0.0
    pos = [i for i, (off, _) in enumerate(words) for x in cands if x.start <= off < x.end]
    d = min((abs(i - j) for i in pos for j in at), default=None)
    return 0.0 if d is None else 1.0 / (1.0 + d)


def _open_best(quotes: list[Quote]) -> list[Quote]:
    """The passages an account draws on: up to MAX_OPEN_QUOTES, best first, scoring within
    OPEN_MARGIN of the best. (Preferring one passage per article was tried: it lost the answer
    of a why-question whose best two passages share an article.)"""
    best = [quotes[0]]
    for q in quotes[1:]:
        if len(best) < MAX_OPEN_QUOTES and q.score >= quotes[0].score - OPEN_MARGIN and not _overlaps(q, best):
            best.append(q)
    return best


def _with_lead(best: list[Quote], view: ArticleView, qvec: np.ndarray, vectors: SentenceVectors,
               known: dict[str, float]) -> list[Quote]:
    """For a request for the gist: the lead of the best passage's article (a news story says
    what matters most first), in the article's order, then the best passages it lacks. The lead
    is chosen by its place, not by the ranker: its quotes carry their own similarity and word
    overlap, and no ranker score."""
    first = []
    for i, (s, e) in enumerate(view.spans):
        if len(first) >= LEAD_SENTENCES:
            break
        if len(view.sentence(i).split()) >= 6 and view.sentence(i).rstrip().endswith(SENTENCE_ENDS):
            first.append(i)   # not a heading or dateline
    sims = vectors.get([(view.source, *view.spans[i]) for i in first], [view.sentence(i) for i in first]) @ qvec
    lead = [Quote(view.source, view.title, view.published, view.sentence(i), *view.spans[i], sim=float(sim),
                  fit=_fit(known, view.plain_tokens(i)), article_text=view.text, sentence=i)
            for i, sim in zip(first, sims)]
    rest = [q for q in best if not _overlaps(q, lead)]
    return lead + rest[:max(1, MAX_OPEN_QUOTES - len(lead))]


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
