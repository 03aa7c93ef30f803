"""Answer composition (extractive and generative), conflicts, and the final verbatim check.

Citations are numbered from 1 in order of first use in the answer text.
"""
from __future__ import annotations

import re
import time
from typing import Callable, Iterator

from .evidence import Evidence, Quote
from .llm import LLM
from .prompts import ABSTAIN_TEXT, ANSWER_OPEN_SYSTEM, ANSWER_SYSTEM, ANSWER_USER, NOT_FOUND
from .types import Answer, Citation, Conflict, ConflictSide, Partial
from .verify import MARKER, misses_answer, split_answer, verify, without_repeats

# A sentence that ends inside a quotation ('… "we will."'): no full stop is added after it.
QUOTATION_ENDS = re.compile(r"[.!?][\"”’']$")


def _citation(n: int, q: Quote) -> Citation:
    return Citation(n, q.source, q.title, q.published, q.text, q.start, q.end)


def abstain(ev: Evidence, **base) -> Answer:
    text = ABSTAIN_TEXT if not ev.reason else f"{ABSTAIN_TEXT} ({ev.reason[0].upper()}{ev.reason[1:]}.)"
    return Answer(text=text, answered=False, **base)


def extractive(ev: Evidence, **base) -> Answer:
    cites = [_citation(i + 1, q) for i, q in enumerate(ev.best)]
    text = " ".join(f"{c.quote} [{c.n}]" for c in cites)
    return Answer(text=text, answered=True, citations=cites, **base)


def prompt_messages(question: str, quotes: list[Quote], open_question: bool = False) -> list[dict[str, str]]:
    numbered = "\n".join(f"[{i + 1}] {' '.join(q.text.split())}" for i, q in enumerate(quotes))
    return [{"role": "system", "content": ANSWER_OPEN_SYSTEM if open_question else ANSWER_SYSTEM},
            {"role": "user", "content": ANSWER_USER.format(quotes=numbered, question=question)}]


def answer_messages(ev: Evidence, standalone: str) -> list[dict[str, str]]:
    """The answer prompt for this evidence: the same messages for the answer-or-refuse check
    (Pipeline.judge) and the answer, so the model evaluates them once."""
    return prompt_messages(standalone, ev.quotes, ev.question.open)


def generative(ev: Evidence, llm: LLM, vectors, settings, timings: dict, **base) -> Iterator[Partial]:
    """Streams the model's text; returns the verified Answer (via StopIteration.value)."""
    t0 = time.perf_counter()
    raw = ""
    first = None
    open_q = ev.question.open
    for delta in llm.stream(answer_messages(ev, base["standalone_question"]),
                            max_tokens=settings.max_answer_tokens * (2 if open_q else 1), stop=["\n\n", "Question:", "Quotes:"]):
        if first is None:
            first = time.perf_counter() - t0
        raw += delta
        yield Partial(raw)
    timings["generate"] = time.perf_counter() - t0
    timings["first_token"] = first if first is not None else timings["generate"]
    t1 = time.perf_counter()
    answer = _verified(raw, ev, vectors, base)
    timings["verify"] = time.perf_counter() - t1
    return answer


def _verified(raw: str, ev: Evidence, vectors, base: dict) -> Answer:
    quotes = ev.quotes
    if NOT_FOUND.lower() in raw.lower().replace(" ", "_"):
        # The evidence checks found an answer the model did not see; trust the checked quotes.
        fallback = extractive(ev, **base)
        fallback.notes.append("the model found no answer in the quotes; showing the best quotes instead")
        return fallback
    sentences = split_answer(raw.strip())
    if not sentences:
        return extractive(ev, **base)
    qvecs = vectors.get([(q.source, q.start, q.end) for q in quotes], [q.text for q in quotes])
    svecs = vectors.embedder.encode([s.text for s in sentences])
    kept = verify(sentences, [q.text for q in quotes], svecs @ qvecs.T, base["standalone_question"])
    unsupported = len(sentences) - len(kept)
    kept = without_repeats(kept)
    if not kept:
        fallback = extractive(ev, **base)
        fallback.notes.append("the generated answer was not supported by the quotes; showing the quotes instead")
        return fallback
    order: dict[int, int] = {}
    parts = []
    for text, idxs in kept:
        marks = "".join(f" [{order.setdefault(j, len(order) + 1)}]" for j in idxs)
        if QUOTATION_ENDS.search(text):   # '… he said, "we will."': the marks follow the closing quote
            parts.append(text + marks)
            continue
        end = text[-1] if text[-1] in ".!?" else ""
        body = text[:-1] if end else text
        parts.append(body + marks + (end or "."))
    if ev.question.open:
        # An account draws on every passage evidence chose for it: one the model wrote nothing
        # from (a small model often writes one sentence from three quotes) is given verbatim.
        for j, q in enumerate(quotes):
            if q in ev.best and j not in order:
                parts.append(f"{' '.join(q.text.split())} [{order.setdefault(j, len(order) + 1)}]")
    cites = [_citation(n, quotes[j]) for j, n in sorted(order.items(), key=lambda kv: kv[1])]
    text = " ".join(parts)
    # A value of the asked-for type counts from the best quotes or from any quote the answer cites
    # (the model may rightly answer from a passage ranked below the best).
    values = [c for q in ev.best for c in q.candidates] + [c for j in order for c in quotes[j].candidates]
    missing = misses_answer(text, base["standalone_question"], ev.qtype, [q.text for q in ev.best],
                            list(dict.fromkeys(values)))
    if missing:
        fallback = extractive(ev, **base)
        fallback.notes.append(f"{missing}; showing the best quotes instead")
        return fallback
    answer = Answer(text=text, answered=True, citations=cites, **base)
    if unsupported:
        answer.notes.append(f"{unsupported} unsupported sentence(s) removed")
    return answer


def add_conflicts(answer: Answer, ev: Evidence, finder: Callable) -> list[Conflict]:
    """Detect disagreements among the evidence and cite each side (adding citations as needed).
    The answer text is left alone: `Answer.display()` states the conflicts after it."""
    pool = ev.quotes + [q for q in ev.considered if q not in ev.quotes]
    found = finder(ev.qtype, pool)
    if not found:
        return []
    cited = {(c.source, c.start): c.n for c in answer.citations}
    conflicts = []
    for fact, sides in found:
        out = []
        for value, i in sides:
            q = pool[i]
            n = cited.get((q.source, q.start))
            if n is None:
                n = cited[(q.source, q.start)] = len(answer.citations) + 1
                answer.citations.append(_citation(n, q))
            out.append(ConflictSide(value, n, q.source, q.text))
        conflicts.append(Conflict(fact, tuple(out)))
    return conflicts


def check_verbatim(answer: Answer, store) -> Answer:
    """Drop any citation whose quote is not the article's text at its offsets (never expected)."""
    bad = set()
    for c in answer.citations:
        art = store.get_article(c.source)
        if art is None or art.text[c.start:c.end] != c.quote:
            bad.add(c.n)
    if not bad:
        return answer
    answer.citations = [c for c in answer.citations if c.n not in bad]
    answer.text = MARKER.sub(lambda m: "" if int(m.group(1)) in bad else m.group(0), answer.text)
    answer.notes.append(f"{len(bad)} citation(s) failed the verbatim check and were removed")
    return answer
