"""What kind of answer a question asks for, and the values of that kind a sentence holds.

Rule-based on purpose: a near-miss (a figure the articles never give) scores as high on
similarity as a real answer, so answerability is decided on whether the evidence holds a
value of the asked-for type. Also used to compare values across articles (conflicts) and
to check that an answer sentence's numbers and names appear in its quote (verification).
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
CAPS = re.compile(r"\b[A-Z][\w’'\-]*(?:\s+(?:of\s+|the\s+|de\s+)?[A-Z][\w’'\-]*)*")
NEGATIVE = re.compile(r"\b(?:not\s+(?:yet\s+)?(?:been\s+)?(?:announced|decided|disclosed|confirmed|named|revealed|specified|"
                      r"publicly announced|made public)|no\s+specific\b.*\b(?:announced|named)|has\s+yet\s+to|"
                      r"have\s+yet\s+to|unclear|undisclosed|unknown|refused\s+to)\b", re.IGNORECASE)

# Words that start capitalised phrases that are not names of people.
NOT_PERSON = set("""ministry defence defense army navy air force royal atlantic north south east west british
german germany uk britain european europe nato union political community house treaty agreement group party
government minister secretary prime the a an in on under but both this that it its they he she we our
his her their what when where who which how and or for with as at by from to of labour liberal democrat
parliament parliamentary city state states kingdom united america american us russia russian ukraine
france french poland estonia italy spain canada hungary scotland london berlin paris telford shropshire
typhoon storm shadow taurus boxer challenger forgemasters systems bae rbsl raf lossiemouth sheffield
january february march april may june july august september october november december monday tuesday
wednesday thursday friday saturday sunday e5 mp mod news pulse steel trinity lancaster baltic""".split())

TYPES = ("amount", "count", "date", "person", "place", "other")


def question_type(q: str) -> str:
    s = q.lower().strip()
    if re.search(r"\bhow much\b|\bcost\b|\bprice\b|\bbudget\b|\bworth\b|\bspend|\bspent\b|\bfunding\b|\bvalue of\b", s):
        return "amount"
    if re.search(r"\bhow many\b|\bnumber of\b|\bhow large\b|\bhow big\b|\bpopulation\b", s):
        return "count"
    if re.search(r"^when\b|\bwhen (?:was|were|did|will|is|does|do|are)\b|\bwhat (?:date|day|year|month|time)\b|"
                 r"\bwhich (?:date|day|year|month)\b|\bhow long ago\b|\bwhat year\b|\bon what (?:date|day)\b", s):
        return "date"
    if re.search(r"^who\b|\bwho (?:is|was|are|were|will|did|said|signed)\b|\bwhose\b|\bwhat is the name of\b|"
                 r"\bwhich (?:minister|person|official|politician|mp|leader|secretary|man|woman|people)\b|"
                 r"\bname of the\b.*\b(?:minister|secretary|manager|deputy|chief|head|leader|ceo|spokesperson)\b", s):
        return "person"
    if re.search(r"^where\b|\bwhere (?:is|was|will|did|are|were|does)\b|\bwhich (?:city|town|country|site|location|region|base)\b|"
                 r"\bin what (?:city|town|country)\b|\bwhat (?:city|town|country|location)\b", s):
        return "place"
    return "other"


def dates(s: str) -> list[str]:
    return [m.group(0) for m in DATE.finditer(s)]


def numbers(s: str) -> list[str]:
    return [m.group(0) for m in NUMBER.finditer(s)]


def money(s: str) -> list[str]:
    return [m.group(0) for m in MONEY.finditer(s)]


def names(s: str) -> list[str]:
    """Capitalised phrases that are not just the sentence's first word."""
    out = []
    for m in CAPS.finditer(s):
        phrase = m.group(0)
        if m.start() == 0 or s[:m.start()].rstrip().endswith((".", "“", '"', "—", ":")):
            # A sentence-initial word is a name only when it is followed by more of one.
            if " " not in phrase and phrase.lower() in NOT_PERSON | {"the", "a", "an", "it", "this", "that"}:
                continue
            if " " not in phrase and m.start() == 0:
                continue
        out.append(phrase)
    return out


def persons(s: str) -> list[str]:
    out = []
    for phrase in names(s):
        words = [w for w in re.split(r"\s+", phrase) if w.lower() not in {"of", "the", "de"}]
        if len(words) >= 2 and all(w.lower().strip("’'s") not in NOT_PERSON for w in words[-2:]):
            out.append(phrase)
    return out


def places(s: str) -> list[str]:
    found = re.findall(r"\b(?:in|at|from|to|near|out of|across)\s+((?:the\s+)?[A-Z][\w’'\-]*(?:[ ,]+[A-Z][\w’'\-]*)*)", s)
    return found


def values(s: str, kind: str) -> list[str]:
    if kind == "amount":
        return money(s)
    if kind == "count":
        return numbers(s)
    if kind == "date":
        return dates(s)
    if kind == "person":
        return persons(s)
    if kind == "place":
        return places(s)
    return []


def says_undecided(s: str) -> bool:
    """The sentence states that the asked-for thing is not known/decided yet."""
    return bool(NEGATIVE.search(s))


def normalise_date(v: str) -> tuple[int | None, int | None, int | None]:
    """(day, month, year) of a date mention; None where it does not say."""
    low = v.lower()
    month = next((i + 1 for i, m in enumerate(MONTHS) if m[:3] in low), None)
    year_m = re.search(r"\b(19|20)\d{2}\b", low)
    day_m = re.search(r"\b(\d{1,2})(?:st|nd|rd|th)?\b", re.sub(r"\b(19|20)\d{2}\b", "", low))
    return (int(day_m.group(1)) if day_m and month else None, month, int(year_m.group(0)) if year_m else None)
