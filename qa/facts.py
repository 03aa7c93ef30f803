"""Surface values of a sentence: dates, numbers, amounts and capitalised names.

Patterns of English number and date writing only, nothing about particular articles:
used to compare values across articles (conflicts) and to check that an answer sentence's
numbers and names appear in the quote it cites (verification). What type of answer a
question wants is question.py's job (spaCy); entities of answers come from spaCy's NER.
"""
from __future__ import annotations

import re

MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september",
          "october", "november", "december"]
_MON = "|".join(m.capitalize() for m in MONTHS) + "|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
DATE = re.compile(
    rf"\b(?:\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MON})\.?(?:,?\s+\d{{4}})?(?:\s+this\s+year)?"
    rf"|(?:{_MON})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?"
    rf"|(?:in|since|by|until|from|of|early|late|mid-?)\s+(?:{_MON}\s+)?(?:19|20)\d{{2}}"
    rf"|(?:19|20)\d{{2}}"
    rf"|(?:on|last|next|this)\s+(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|week|month|year|summer|spring|autumn|winter)"
    rf"|(?:{_MON})\b|(?:a|two|three|several)\s+decades?\s+ago|more than a decade ago)"
)
NUMBER_WORDS = ("one two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty "
                "hundred hundreds thousand thousands dozens dozen million millions billion billions").split()
NUMBER = re.compile(r"(?<![\w.])(?:\d[\d,]*(?:\.\d+)?%?|" + "|".join(NUMBER_WORDS) + r")\b", re.IGNORECASE)
MONEY = re.compile(r"(?:[£$€]\s?\d[\d,.]*(?:\s?(?:m|bn|k|million|billion|trillion))?"
                   r"|\d[\d,.]*\s?(?:million|billion|trillion|bn)\s?(?:pounds|euros|dollars|£|\$|€)?"
                   r"|\d[\d,.]*\s?(?:pounds|euros|dollars)|\d+(?:\.\d+)?\s?(?:%|per\s?cent))", re.IGNORECASE)
FREQUENCY = re.compile(r"\b(?:annual(?:ly)?|yearly|monthly|weekly|daily|quarterly|periodically|regular(?:ly)?|"
                       r"every \w+|once an? \w+|twice an? \w+|\w+ times an? \w+)\b", re.IGNORECASE)
CAPS = re.compile(r"\b[A-Z][\w’'\-]*(?:\s+(?:of\s+|the\s+|de\s+)?[A-Z][\w’'\-]*)*")
NEGATIVE = re.compile(r"\b(?:not\s+(?:yet\s+)?(?:been\s+)?(?:announced|decided|disclosed|confirmed|named|revealed|specified|"
                      r"publicly announced|made public)|no\s+specific\b.*\b(?:announced|named)|has\s+yet\s+to|"
                      r"have\s+yet\s+to|unclear|undisclosed|unknown|refused\s+to)\b", re.IGNORECASE)

def dates(s: str) -> list[str]:
    return [m.group(0) for m in DATE.finditer(s)]


def numbers(s: str) -> list[str]:
    return [m.group(0) for m in NUMBER.finditer(s)]


def money(s: str) -> list[str]:
    return [m.group(0) for m in MONEY.finditer(s)]


FUNCTION = set("""the a an which what when where who whom whose how why does did do is was were are will would can
could should shall may might in on under both this that these those it its they their he she his her and but or so
as at by for from to of with has have after before while unlike according also other new last first yes no if
there here then however meanwhile furthermore notably nevertheless while""".split())


def names(s: str) -> list[str]:
    """Capitalised phrases (names of people, places, organisations), function words dropped."""
    out = []
    for m in CAPS.finditer(s):
        words = m.group(0).split()
        while words and words[0].lower().strip("’'") in FUNCTION:
            words = words[1:]
        if not words:
            continue
        phrase = re.sub(r"[’']s$", "", " ".join(words))
        out.append(phrase)
    return out


def values(s: str, kind: str) -> list[str]:
    if kind == "amount":
        return money(s)
    if kind == "count":
        return numbers(s)
    if kind == "date":
        return dates(s)
    if kind == "measure":   # an age or a length of time: "more than a decade ago", "110 years"
        return dates(s) + numbers(s)
    if kind in ("person", "org", "place"):
        return names(s)
    if kind == "frequency":
        return FREQUENCY.findall(s)
    return []


def new_values(s: str, kind: str, question: str) -> list[str]:
    """Values of `kind` in `s` that the question does not already name."""
    asked = question.lower()
    return [v for v in values(s, kind) if v.lower() not in asked]


def says_undecided(s: str) -> bool:
    """The sentence states that something is not known/decided yet (undecided_topic: what)."""
    return NEGATIVE.search(s) is not None


def is_age(text: str, start: int, end: int) -> bool:
    """The number at text[start:end] is written as someone's age, as news writes ages: "a
    21-year-old driver", "66 years old", "at the age of 64", "aged 72", "Doe, 53, had …"."""
    before, after = text[max(0, start - 40):start], text[end:end + 12]
    if re.match(r"-year-old|\s+years?\s+old\b", after) or re.search(r"\b(?:age of|aged)\s+$", before):
        return True
    return bool(re.search(r"\b[A-Z][\w'’.-]*,\s*$", before) and re.match(r"\s*[,)]", after))


def undecided_topic(doc, start: int) -> str | None:
    """In `doc` (a parsed sentence), what the undecided phrase starting at character `start`
    withholds: the noun "an undisclosed sum" qualifies, the object "has not disclosed the
    cost" or "has yet to name a site" leaves open, the wh-phrase of the clause it leaves open
    ("not decided when …", "refused to say how many …"), else the verb's subject ("The site …
    has not yet been announced"), as a lemma; None for a pronoun ("He refused to comment")
    or when the parse shows none."""
    tok = next((t for t in doc if t.idx >= start), None)
    if tok is None:
        return None
    if tok.dep_ in ("amod", "det") and tok.head.pos_ in ("NOUN", "PROPN"):
        return tok.head.lemma_.lower()
    verb = tok if tok.pos_ in ("VERB", "AUX") and tok.dep_ not in ("aux", "auxpass", "neg") else tok.head
    verbs = [verb] + ([tok] if tok is not verb else [])
    verbs += [c for v in verbs for c in v.children if c.dep_ == "xcomp"]
    for c in [c for v in verbs for c in v.children if c.dep_ in ("ccomp", "advcl")]:
        first = min(c.subtree, key=lambda t: t.i)
        if first.tag_ in ("WRB", "WP", "WDT"):
            nxt = doc[first.i + 1] if first.i + 1 < len(doc) else None
            two = nxt is not None and first.lower_ == "how" and nxt.pos_ in ("ADJ", "ADV")
            return f"how {nxt.lower_}" if two else first.lower_
    for v in verbs:
        obj = next((c for c in v.children if c.dep_ == "dobj"), None)
        if obj is not None:
            return None if obj.pos_ == "PRON" else obj.lemma_.lower()
    subj = next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")), None)
    return None if subj is None or subj.pos_ == "PRON" else subj.lemma_.lower()


def normalise_date(v: str) -> tuple[int | None, int | None, int | None]:
    """(day, month, year) of a date mention; None where it does not say."""
    low = v.lower()
    month = next((i + 1 for i, m in enumerate(MONTHS) if m[:3] in low), None)
    year_m = re.search(r"\b(19|20)\d{2}\b", low)
    day_m = re.search(r"\b(\d{1,2})(?:st|nd|rd|th)?\b", re.sub(r"\b(19|20)\d{2}\b", "", low))
    return (int(day_m.group(1)) if day_m and month else None, month, int(year_m.group(0)) if year_m else None)
