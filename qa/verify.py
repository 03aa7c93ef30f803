"""Post-generation checks: every answer sentence must be supported by the quote it cites.

Support test (no NLI model): all numbers and dates of the sentence, and all its names,
occur in the quote, and the sentence is semantically close to it (embedding cosine) or
shares most of its content words. A wrong [n] is re-attributed to a quote that supports
the sentence; a sentence no quote supports is removed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from index.keyword import tokenize
from index.text import sentence_spans

from . import facts

MARKER = re.compile(r"\s*\[(\d+)\]")
SIM_MIN = 0.55
OVERLAP_MIN = 0.6


@dataclass
class Sentence:
    text: str             # without markers
    cited: list[int]      # 1-based quote numbers as the writer gave them


def split_answer(text: str) -> list[Sentence]:
    out = []
    for s, e in sentence_spans(text):
        part = text[s:e]
        # 'He called it "a world event. " [2] …': the quotation mark a space cut off from the
        # sentence it closes (that sentence leaves a quotation open).
        stray = re.match(r'\s*"(?=\s|$)', part)
        if stray and out and out[-1].text.count('"') % 2:
            out[-1].text += stray.group(0).strip()
            part = part[stray.end():]
        # "Quote one. [1] Quote two. [2]": a marker opening a part closes the previous sentence.
        lead = re.match(r"(?:\s*\[\d+\])+", part)
        if lead and out:
            out[-1].cited.extend(int(n) for n in MARKER.findall(lead.group(0)))
            part = part[lead.end():]
        cited = [int(n) for n in MARKER.findall(part)]
        clean = MARKER.sub("", part).strip()
        if re.fullmatch(r"[\W\d]*", clean):
            # A marker that slipped past the sentence end belongs to the previous sentence.
            if out and cited:
                out[-1].cited.extend(cited)
            continue
        out.append(Sentence(clean, cited))
    return out


def _norm(s: str) -> str:
    return (s.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
            .replace("–", "-").replace("—", "-").lower())


def hard_facts(sentence: str) -> list[str]:
    vals = facts.numbers(sentence) + facts.dates(sentence) + facts.names(sentence)
    return [v for v in vals if v.strip()]


def facts_in(sentence: str, quote: str, question: str = "") -> bool:
    """Every number, date and name of the sentence is in the quote (or was in the question:
    repeating the question's own words is no claim)."""
    q = _norm(quote)
    asked = _norm(question)
    for v in hard_facts(sentence):
        v = _norm(v)
        if v in q or (asked and v in asked):
            continue
        # Allow a name's parts to be found separately ("Smith" for "Jane Smith").
        words = [w for w in re.findall(r"[\w']+", v) if w not in {"the", "of", "on", "in", "this"}]
        if not words or not all(re.search(rf"\b{re.escape(w)}", q) for w in words):
            return False
    return True


def overlap(sentence: str, quote: str) -> float:
    a = set(tokenize(sentence))
    return len(a & set(tokenize(quote))) / len(a) if a else 0.0


def supports(sentence: str, quote: str, sim: float, question: str = "") -> bool:
    return facts_in(sentence, quote, question) and (sim >= SIM_MIN or overlap(sentence, quote) >= OVERLAP_MIN)


def verify(sentences: list[Sentence], quotes: list[str], sims: np.ndarray, question: str = "") -> list[tuple[str, list[int]]]:
    """Kept sentences with 0-based indexes of the quotes that support them.
    `sims[i, j]` is the cosine between answer sentence i and quote j."""
    kept = []
    for i, s in enumerate(sentences):
        valid = [n - 1 for n in dict.fromkeys(s.cited) if 1 <= n <= len(quotes)]
        ok = [j for j in valid if supports(s.text, quotes[j], float(sims[i, j]), question)]
        if not ok:
            order = np.argsort(-sims[i]) if len(quotes) else []
            ok = [int(j) for j in order if supports(s.text, quotes[int(j)], float(sims[i, int(j)]), question)][:1]
        if ok:
            kept.append((s.text, ok))
    return kept


_SAYS_NOTHING = set(tokenize(" ".join(facts.FUNCTION) + " said say says according article articles mention "
                             "mentioned report reported quote quotes answer question"))


def without_repeats(kept: list[tuple[str, list[int]]]) -> list[tuple[str, list[int]]]:
    """The kept sentences less those that say nothing the answer has not said already (a small
    model sometimes writes a sentence twice in other words: "X said …" then "So did X, who said …")."""
    out, said = [], set()
    for text, idxs in kept:
        words = set(tokenize(text)) - _SAYS_NOTHING     # the kept texts are without markers
        if out and words <= said:
            continue
        out.append((text, idxs))
        said |= words
    return out


def _gives(value: str, low_answer: str) -> bool:
    """The answer states `value`: its numbers ("more than 400" → "400"), or its words, or a
    name's last word ("Okafor" for "Ada Okafor")."""
    digits = re.findall(r"\d+", value)
    if digits:
        return all(re.search(rf"(?<!\d){d}(?!\d)", low_answer.replace(",", "")) for d in digits)
    v = _norm(value)
    words = v.split()
    return v in low_answer or bool(words and re.search(rf"\b{re.escape(words[-1])}\b", low_answer))


def misses_answer(answer: str, question: str, qtype: str, best: list[str],
                  candidates: list[str] | None = None) -> str | None:
    """Why a (verified) answer does not answer the question, or None when it does.

    A small model sometimes restates the question ("The minister warned about security" for "What did the minister warn about?")
    or names the asked-for thing by its common noun ("The company was acquired…"). Every
    sentence may then be supported by a quote and still leave the question unanswered.
    `best` are the quotes the evidence step found to answer it; `candidates` the values of the
    asked-for type (NER) in them, when the question has one."""
    text = MARKER.sub("", answer)
    asked = set(tokenize(question))
    new = [t for t in tokenize(text) if t not in asked and t not in _SAYS_NOTHING]
    if not new:
        return "the model restated the question"
    # When the best quote's only "value" is that the thing is not known yet, the answer must say so.
    if (best and qtype != "other" and facts.says_undecided(best[0]) and not facts.says_undecided(text)
            and not facts.new_values(best[0], qtype, question)):
        return "the model gave an answer where the article says it is not known yet"
    which = re.match(r"\W*(?:which|what)\s+([a-z]+)\b", question, re.IGNORECASE)
    # "The company was acquired…" for "Which company…?" (but "The company Acme Steel…" names it).
    if which and re.search(rf"^\W*[Tt]he {re.escape(which.group(1).lower())}\b(?!\s+[A-Z])", text):
        return f"the model did not name the {which.group(1).lower()}"
    if qtype != "other" and candidates:
        low_a = _norm(text)
        if not any(_gives(v, low_a) for v in candidates):
            return f"the model's answer gives no {qtype}"
    elif qtype != "other" and best:
        low_a = _norm(text)
        wanted = [v for q in best for v in facts.new_values(q, qtype, question)]
        if wanted and not any(_norm(v) in low_a for v in wanted) and not facts.values(text, qtype):
            return f"the model's answer gives no {qtype}"
    return None
