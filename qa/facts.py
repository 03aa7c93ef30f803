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
FREQUENCY = re.compile(r"\b(?:annual(?:ly)?|yearly|monthly|weekly|daily|quarterly|periodically|regular(?:ly)?|"
                       r"every \w+|once an? \w+|twice an? \w+|\w+ times an? \w+)\b", re.IGNORECASE)
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


# Countries and larger areas: no answer to a question that asks for a town or a site.
COUNTRIES = {"uk", "united kingdom", "britain", "great britain", "england", "scotland", "wales", "northern ireland",
             "ireland", "germany", "france", "italy", "spain", "poland", "estonia", "latvia", "lithuania", "hungary",
             "canada", "us", "usa", "united states", "america", "russia", "ukraine", "europe", "european union", "eu",
             "netherlands", "belgium", "norway", "sweden", "finland", "denmark", "china", "japan", "india"}


def question_type(q: str) -> str:
    s = q.lower().strip()
    if re.search(r"\bhow much\b|\bcost\b|\bprice\b|\bbudget\b|\bworth\b|\bfunding\b|\bvalue of\b", s):
        return "amount"
    if re.search(r"\bhow many\b|\bnumber of\b|\bhow (?:large|big|far|long is|heavy)\b|\bpopulation\b|\bscore\b|"
                 r"\bin (?:kilomet|kilometres|km|miles|metres|tonnes)", s):
        return "count"
    if re.search(r"\bhow often\b|\bhow frequently\b", s):
        return "frequency"
    if re.search(r"\bwhen\b|\bwhat (?:date|day|year|month|time)\b|\bwhich (?:date|day|year|month)\b|\bhow long ago\b|"
                 r"\bin (?:what|which) year\b|\bon what (?:date|day)\b", s):
        return "date"
    if re.search(r"^where\b|\bwhere (?:is|was|will|did|are|were|does|do)\b|\bwhich (?:\w+ ){0,2}(?:city|town|country|site|location|"
                 r"region|base|airbase|port|constituency|district|seat|county|province|state)\b|\bin what (?:city|town|country)\b|\bwhat (?:city|town|country|location)\b", s):
        return "place"
    if re.search(r"^who\b|\bwho (?:is|was|are|were|will|did|said|signed|owns|leads|runs)\b|\bwhose\b|\bwho\b|"
                 r"\bwhich (?:\w+ )?(?:minister|person|official|politician|mp|leader|secretary|man|woman|people|ministers)\b|"
                 r"\bname of (?:[\w'’]+ ){0,4}?(?:minister|secretary|deputy|manager|counterpart|"
                 r"spokes\w+|chief|head|leader|ceo|president|boss|director)\b", s):
        return "person"
    if re.search(r"\b(?:which|what) (?:\w+ )?(?:company|companies|firm|firms|organisation|organization|party|group|"
                 r"agreement|treaty|alliance|aircraft|tank|vehicle|missile|jets?)\b|\bcalled\??$|\bnamed\??$|"
                 r"\bname of\b", s):
        return "org"
    return "other"


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
        at_start = m.start() == 0 or s[:m.start()].rstrip().endswith((".", "“", '"', "—", ":", "?", "!"))
        if at_start and len(words) == 1 and words[0] == m.group(0).split()[0] and words[0].lower() in NOT_PERSON:
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


_ORG_WORDS = re.compile(r"\b(?:Government|Ministry|Company|Systems|Group|Party|Forgemasters|"
                        r"Council|Commission|Office|Department|Army|Navy|Force|Union|Community|[A-Z]{2,6})\b")


_ORG_NAMES = re.compile(r"\b(?:Government|Ministry|Company|Systems|Group|Party|Council|Commission|Office|Department)\b")


def persons_or_orgs(s: str) -> list[str]:
    """Who-answers: people's names, or organisations (names with an organisation word or an acronym)."""
    return persons(s) + [n for n in names(s) if _ORG_WORDS.search(n) and n not in {"UK", "EU", "US", "NATO"}]


def places(s: str) -> list[str]:
    found = re.findall(r"\b(?:in|at|from|to|near|out of|across)\s+((?:the\s+)?[A-Z][\w’'\-]*(?:[ ,]+[A-Z][\w’'\-]*)*)", s)
    # "from Liberal Democrat MP Edward Morello" names a person, not a place.
    return [p for p in found if not persons(p) and not _ORG_NAMES.search(p)]


def values(s: str, kind: str) -> list[str]:
    if kind == "amount":
        return money(s)
    if kind == "count":
        return numbers(s)
    if kind == "date":
        return dates(s)
    if kind == "person":
        return persons_or_orgs(s)
    if kind == "org":
        return names(s)
    if kind == "place":
        return places(s)
    if kind == "frequency":
        return FREQUENCY.findall(s)
    return []


def new_values(s: str, kind: str, question: str) -> list[str]:
    """Values of `kind` in `s` that the question does not already name."""
    asked = question.lower()
    return [v for v in values(s, kind) if v.lower() not in asked]


def says_undecided(s: str, about: list[str] | None = None) -> bool:
    """The sentence states that the asked-for thing is not known/decided yet; with `about`
    (question tokens), the clause that says so must name one of them."""
    from index.keyword import tokenize

    m = NEGATIVE.search(s)
    if not m:
        return False
    if about is None:
        return True
    clause = re.split(r"[,;:–—]", s[:m.start()])[-1]
    return any(t in about for t in tokenize(clause))


def normalise_date(v: str) -> tuple[int | None, int | None, int | None]:
    """(day, month, year) of a date mention; None where it does not say."""
    low = v.lower()
    month = next((i + 1 for i, m in enumerate(MONTHS) if m[:3] in low), None)
    year_m = re.search(r"\b(19|20)\d{2}\b", low)
    day_m = re.search(r"\b(\d{1,2})(?:st|nd|rd|th)?\b", re.sub(r"\b(19|20)\d{2}\b", "", low))
    return (int(day_m.group(1)) if day_m and month else None, month, int(year_m.group(0)) if year_m else None)
