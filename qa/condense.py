"""Follow-ups into standalone questions.

A question that leans on the conversation (a pronoun, "that company", a few words naming
nothing, or a question naming nothing that asks about "the" something the last turn spoke of)
is rewritten by the LLM when there is one; its rewrite must pass sanity checks and resolve
something. Otherwise rules replace its pronouns with what the previous turn named
(spaCy entities and noun phrases; the previous answer's new names first, since the answer to
"which company" is the company, but for "he" and "she" the person the last question was about
unless it asked who), never with a name the question itself gives; and when no pronoun can be
resolved, the previous turn's names are appended instead. A last question that leaned on the
turn before is resolved first, so a thread of pronouns keeps its referent.
"""
from __future__ import annotations

import logging
import re

from . import facts
from .english import ANAPHORA, DEMONSTRATIVES, POINTS_TO_TIME, POSSESSIVES, PRONOUN_GROUP, WH_WORDS
from .llm import LLM, aside, queued
from .nlp import VALUE_LABELS
from .prompts import CONDENSE_SYSTEM, CONDENSE_USER

log = logging.getLogger(__name__)
History = list[tuple[str, str]]
_CITATION = re.compile(r"\[\d+\]")
_ELLIPSIS_WORDS = 4     # "How many jobs?", "And the date?": too short to stand alone


def needs_context(question: str, nlp=None, history: History | None = None) -> bool:
    """A pronoun or demonstrative pointing back, an elliptical question naming nothing, or one
    naming nothing that asks about "the" something the conversation's last turn spoke of
    ("Where will the fight take place?" after "Who fights Valuev?": which fight is the
    conversation's; "What are the death flights?" after a question about a sailor is a new
    topic). Without `history`, any "the" something counts."""
    words = re.findall(r"[\w']+", question.lower())
    if nlp is None:
        return any(w in ANAPHORA for w in words) or (
            len(words) <= _ELLIPSIS_WORDS and not any(w[:1].isupper() for w in question.split()[1:]))
    doc = nlp.parse(question)
    # "this year", "that night": a demonstrative inside a date or time points at the calendar.
    if any(t.lower_ in ANAPHORA and t.ent_type_ not in ("DATE", "TIME") for t in doc):
        return True
    if any(t.pos_ == "PROPN" for t in doc) or doc.ents:
        return False
    if len(words) <= _ELLIPSIS_WORDS:
        # "How many tickets?", "Who won?", "And the date?" are elliptical; "What were people
        # throwing?" (a verb and a noun) is short but whole.
        return not (any(t.pos_ == "VERB" for t in doc) and any(t.pos_ == "NOUN" for t in doc))
    definite = {t.head.lemma_.lower() for t in doc if t.lower_ == "the" and t.dep_ == "det"}
    if not definite or not history:
        return bool(definite)
    prev_q, prev_a = history[-1]
    said = nlp.parse(_CITATION.sub("", prev_q + "\n" + prev_a.split("\n")[0]))
    return bool(definite & {t.lemma_.lower() for t in said})


def _names(text: str, nlp=None, values: bool = True) -> list[str]:
    """Capitalised phrases of a turn, but not a word capitalised only because it opens a sentence;
    without `values`, not those inside a date, time or amount as spaCy reads it ("March" of "on
    12 March" names no thing a pronoun could stand for)."""
    text = _CITATION.sub("", text)
    found = [n for n in dict.fromkeys(facts.names(text)) if n.lower() not in {"the", "i"}]
    if nlp is None:
        return found
    doc = nlp.parse(text)
    # A capitalised word only because it opens a sentence ("Summarise the story…", "Compare BBC
    # reports…") names nothing: it is dropped from the front of the phrase it opens.
    openers = {t.text for t in doc if t.is_sent_start and t.pos_ != "PROPN" and not t.ent_type_}
    found = list(dict.fromkeys(n.split(" ", 1)[1] if n.split(" ", 1)[0] in openers and " " in n else n
                               for n in found if n not in openers))
    if values:
        return found
    spans = [(e.start_char, e.end_char) for e in doc.ents if e.label_ in VALUE_LABELS]
    def in_value(name: str) -> bool:
        at = [m.start() for m in re.finditer(re.escape(name), text)]
        return bool(at) and all(any(s <= a and a + len(name) <= e for s, e in spans) for a in at)
    return [n for n in found if not in_value(n)]


def _referents(text: str, nlp) -> list[tuple[str, str, bool]]:
    """(phrase, label, is_name) for the things a turn names, in order: an entity, or the noun
    phrase it modifies when that is headed by a common noun ("Dutch F35 fighter jets").
    A name modifying another name ("the Japanese Trade Minister", "Japan's Toyota") is not
    a referent of its own."""
    doc = nlp.parse(_CITATION.sub("", text))
    chunks = list(doc.noun_chunks)
    out = []
    for ent in doc.ents:
        if ent.label_ in VALUE_LABELS:
            continue
        phrase, is_name = ent.text, True
        root = ent.root
        # A person is a referent of its own even when modifying a noun ("she" in a follow-up to
        # "Natalie Cole's search" is Natalie Cole).
        if root.dep_ in ("compound", "amod", "poss", "nmod") and not (ent.start <= root.head.i < ent.end) \
                and ent.label_ != "PERSON":
            if root.head.pos_ != "NOUN":
                continue
            chunk = next((ch for ch in chunks if ch.start <= ent.start and ent.end <= ch.end), None)
            if chunk is None:
                continue
            words = [t for t in chunk if t.pos_ != "DET"]
            phrase, is_name = (doc[words[0].i:chunk.end].text if words else chunk.text), False
        out.append((ent.start, phrase, ent.label_, is_name))
    # Names the NER model missed ("ACX, a joint venture…"): proper-noun phrases.
    covered = {i for e in doc.ents for i in range(e.start, e.end)}
    for ch in chunks:
        if ch.root.pos_ == "PROPN" and not any(t.i in covered for t in ch):
            words = [t for t in ch if t.pos_ != "DET"]
            if words:
                out.append((words[0].i, doc[words[0].i:ch.end].text, "", True))
    return list(dict.fromkeys((p.strip(" \"'“”‘’"), lab, name) for _, p, lab, name in sorted(out)))


def _substitute(question: str, history: History, nlp) -> str | None:
    """Replace the pronouns (and "that company"-style phrases) pointing back with what the
    previous turn named; None when the question leans on something no rule can resolve.
    Different pronouns ("it", "them") take different referents."""
    prev_q, prev_a = history[-1]
    prev_doc = nlp.parse(prev_q)
    if len(history) > 1 and any(t.lower_ in PRONOUN_GROUP for t in prev_doc):
        # The last question leaned on the turn before ("How many women did he kill?"): what
        # its pronoun stood for is what this one's stands for.
        prev_q = _substitute(prev_q, history[-4:-1], nlp) or prev_q
    in_q = _referents(prev_q, nlp)
    named_q = {p.lower() for p, _, _ in in_q}
    in_a = [r for r in _referents(prev_a.split("\n")[0], nlp) if r[0].lower() not in named_q]
    doc = nlp.parse(question)
    # A pronoun never stands for a name the question itself gives ("What did Bratton say about him?").
    own = _names(question, nlp)
    in_q, in_a = ([c for c in refs if not any(_same_name(c[0], w) for w in own)] for refs in (in_q, in_a))
    # The answer to "which company…" is the company, so the answer's new names come first; but a
    # person new in the answer is mostly its source ("…, according to Chief Bratton"): unless the
    # question asked who, "he" or "she" is the person the question was about.
    asked_who = any(t.lower_ in ("who", "whom", "whose") for t in prev_doc)
    out, changed, skip = [], False, set()
    chosen: dict[str, str] = {}

    def pick(ok, person: bool = False) -> str | None:
        used = set(chosen.values())
        order = in_q + in_a if person and not asked_who else in_a + in_q
        return next((p for p, lab, name in order if ok(lab, name) and p not in used), None)

    for tok in doc:
        if tok.i in skip:
            continue
        low = tok.lower_
        group = PRONOUN_GROUP.get(low)
        ref = None
        if group and chosen and group not in chosen:
            group = None          # one referent per question; "Where does it build them?" keeps "them"
        if group in ("he", "she"):
            ref = chosen.get(group) or pick(lambda lab, name: lab == "PERSON", person=True)
        elif group in ("it", "they"):
            ref = chosen.get(group) or pick(lambda lab, name: lab != "PERSON") or \
                (pick(lambda lab, name: True) if group == "they" else None)
        elif low == "there":
            ref = pick(lambda lab, name: lab in ("GPE", "LOC", "FAC") and name)
        elif low in DEMONSTRATIVES and tok.dep_ == "det" and tok.head.pos_ == "NOUN" and tok.head.i == tok.i + 1:
            ref = pick(lambda lab, name: lab != "PERSON" and name)
            if ref:
                chosen[f"det{tok.i}"] = ref
                skip.add(tok.head.i)
                out.append(ref + tok.head.whitespace_)
                changed = True
                continue
        if ref is None:
            if (group or low == "there") and not chosen:
                return None
            out.append(tok.text_with_ws)
            continue
        if group:
            chosen[group] = ref
        if low == "there":
            chosen["there"] = ref
            ref = f"in {ref}"
        if low in POSSESSIVES and tok.tag_ == "PRP$":
            ref += "'s"
        out.append(ref + tok.whitespace_)
        changed = True
    return "".join(out) if changed else None


def _same_name(a: str, b: str) -> bool:
    """Whether two names are the same one: the shorter's words end the longer ("Bratton",
    "William Bratton")."""
    x, y = a.lower().split(), b.lower().split()
    short, long_ = sorted((x, y), key=len)
    return bool(short) and long_[-len(short):] == short


def _rule_condense(question: str, history: History, nlp=None) -> str:
    """For a question that needs the context (see `needs_context`)."""
    if nlp is not None:
        resolved = _substitute(question, history, nlp)
        if resolved:
            return resolved
    prev_q, prev_a = history[-1]
    # The names the question may lean on; dates and amounts only when it points back to a time.
    values = any(w in POINTS_TO_TIME for w in re.findall(r"[\w']+", question.lower()))
    in_q = _names(prev_q, nlp, values)
    new_in_a = [n for n in _names(prev_a.split("\n")[0], nlp, values)[:6] if n not in in_q and n not in question]
    context = [n for n in (new_in_a[:3] + in_q[:3]) if n not in question]
    if not context:
        context = [w for w in re.findall(r"[A-Za-z]{5,}", prev_q)][:4]
    return f"{question.rstrip('?').rstrip()} ({', '.join(context)})?"


def llm_condense(question: str, history: History, llm: LLM) -> str | None:
    """The LLM's standalone rewrite; None when it fails the sanity checks or resolves nothing
    (it kept the question's words, "Which areas would it cover?" as "What areas would it cover?")."""
    turns = "\n".join(f"User: {q}\nAssistant: {_CITATION.sub('', a)[:400]}" for q, a in history[-3:])
    out = aside(llm, [{"role": "system", "content": CONDENSE_SYSTEM},
                      {"role": "user", "content": CONDENSE_USER.format(history=turns, question=question)}],
                max_tokens=60, stop=["\n"]).strip().strip('"')
    if not out or len(out) > 3 * len(question) + 200 or not out.endswith("?"):
        return None
    asked = set(re.findall(r"[\w']+", question.lower()))
    if not set(re.findall(r"[\w']+", out.lower())) - asked - WH_WORDS:
        return None
    return out


def condense(question: str, history: History | None, llm: LLM | None = None, nlp=None) -> str:
    """The LLM first when there is one: it reads what a pronoun stands for where the rules take
    the previous turn's first name ("When was it signed?" after "What is the Kyoto Protocol?"
    is about the protocol, not a ministry the answer also names). The rules when
    there is no LLM, when it fails, or when its rewrite resolves nothing, and when it is
    writing or has answers waiting: a follow-up's quotes never wait behind other answers."""
    if not history or not needs_context(question, nlp, history):
        return question
    if llm is not None and not queued(llm):
        try:
            rewritten = llm_condense(question, history, llm)
        except Exception:  # a failing LLM must not fail the question
            log.warning("the LLM could not rewrite the follow-up; resolving it by rule", exc_info=True)
            rewritten = None
        if rewritten:
            return rewritten
    return _rule_condense(question, history, nlp)
