"""Understand the question once: one `Question` object that retrieval, evidence,
verification and conflicts all read, instead of each re-parsing the text.

- `labels`: the entity types (spaCy NER labels) an answer should have. The wh-word decides
  where English fixes it ("who", "when", "how many"); for "which/what <noun>" the head noun
  is compared, with the embedding model, to spaCy's own description of each label.
- `open`: the question asks for an account, not a single value (what did X say, why, how,
  summarise, compare), so evidence gathers several quotes.
- `entities`: the names in the question, which the articles must mention (tolerantly).
- `terms`: content words for lexical matching.

It does not decide answerability; that is a fitted model over evidence features.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
import numpy as np

from index.keyword import tokenize

from .nlp import ANSWER_LABELS, NAME_LABELS, NLP, VALUE_LABELS

# Closed-class English: the wh-phrases whose answer type the grammar fixes.
WH_LABELS = {
    "who": ("PERSON", "ORG", "NORP", "GPE"), "whom": ("PERSON", "ORG", "NORP", "GPE"),
    "whose": ("PERSON", "ORG", "NORP", "GPE"), "when": ("DATE", "TIME"), "where": ("GPE", "LOC", "FAC", "ORG"),
    "how many": ("CARDINAL", "QUANTITY"), "how much": ("MONEY", "QUANTITY", "PERCENT"),
    "how long": ("DATE", "TIME", "QUANTITY"), "how old": ("DATE", "CARDINAL"), "how often": ("DATE", "TIME", "CARDINAL"),
}
# What an undecided clause withholds ("The site … has not yet been announced") is typed by the
# wh-phrase nearest it in the embedding model (qa/evidence.py): those above and the open ones.
WH_PHRASES = tuple(k for k in WH_LABELS if k not in ("whom", "whose")) + ("what", "why", "how")
MEASURE_ADJ_LABELS = ("QUANTITY", "CARDINAL", "MONEY", "PERCENT")   # how far/big/tall/...
OPEN_WH = {"why", "how"}
# Imperatives and verbs of account: the answer is what someone said or did, not a value.
OPEN_VERBS = {"summarise", "summarize", "describe", "explain", "compare", "outline", "list", "tell", "say",
              "announce", "warn", "claim", "argue", "do", "happen", "mean", "report", "discuss", "contrast"}
# Asking for the gist of a story ("Summarise the agreement", "Give an overview of the talks").
SUMMARY_WORDS = {"summarise", "summarize", "summary", "overview", "gist", "recap"}
# Words that make any question open wherever they stand ("How do the two reports compare?").
OPEN_WORDS = SUMMARY_WORDS | {"compare", "contrast"}
HEAD_LABEL_MIN = 0.36     # cosine of a head noun to a label gloss (set on the dev questions' head nouns)


@dataclass(frozen=True)
class Question:
    text: str
    wh: str | None = None
    head: str | None = None                      # "company" in "Which company ...?"
    labels: tuple[str, ...] = ()                 # expected answer entity labels; () = untyped
    open: bool = False
    entities: tuple[str, ...] = ()               # names the question mentions
    terms: tuple[str, ...] = ()                  # content tokens (index.keyword.tokenize)
    skip: frozenset = field(default_factory=frozenset)   # lowercased words of the question (no new value)
    fixed_type: bool = False                     # the wh-word fixes the type ("when", "how many"), not a noun
    descriptors: tuple[str, ...] = ()            # entities that describe, not name ("Kenyan", "Danish")
    summary: bool = False                        # asks for the gist of a story (an open question)
    persons: tuple[str, ...] = ()                # the entities spaCy reads as people

    @property
    def typed(self) -> bool:
        return bool(self.labels) and not self.open

    @property
    def qtype(self) -> str:
        """A coarse type for conflicts and the answer check."""
        ls = set(self.labels)
        if not self.typed:
            return "other"
        if ls <= {"DATE", "TIME"}:
            return "date"
        if "MONEY" in ls and ls <= {"MONEY", "QUANTITY", "PERCENT", "CARDINAL"} and self.labels[0] == "MONEY":
            return "amount"
        if ls <= {"CARDINAL", "QUANTITY", "MONEY", "PERCENT"}:
            return "count"
        if ls <= {"DATE", "TIME", "CARDINAL", "QUANTITY"}:   # an age, a length of time: a date or a number
            return "measure"
        if self.labels[0] == "PERSON":
            return "person"
        if self.labels[0] in ("GPE", "LOC", "FAC"):
            return "place"
        return "org"


# A plain gloss of each spaCy entity label (its own `spacy.explain` text is too terse to
# embed well): what the embedding model compares a question's head noun with.
LABEL_GLOSS = {
    "PERSON": "a person, someone, an official or member", "NORP": "a nationality, religious or political group, a party",
    "FAC": "a building, base, airport, station, road or bridge", "ORG": "a company, agency, institution, team or newspaper",
    "GPE": "a country, city or state", "LOC": "a place, region, river or mountain",
    "PRODUCT": "an object, vehicle or product", "EVENT": "an event, meeting, battle or war",
    "WORK_OF_ART": "a book, song or film title", "LAW": "a law or treaty", "LANGUAGE": "a language",
    "DATE": "a date, year or period", "TIME": "a time of day", "PERCENT": "a percentage",
    "MONEY": "an amount of money", "QUANTITY": "a measurement, weight or distance", "CARDINAL": "a number or count",
}


# NER annotators split some kinds of answer finely and inconsistently ("25th September" is a
# DATE, "Wednesday night" a TIME; a party is NORP or ORG): an asked-for label brings its kin.
LABEL_FAMILIES = ({"DATE", "TIME"}, {"CARDINAL", "QUANTITY"}, {"GPE", "LOC"}, {"ORG", "NORP"})


def widen(labels: tuple[str, ...], nlp: NLP | None = None) -> tuple[str, ...]:
    """The asked-for labels with their kin; with `nlp`, a kind of name the NER model finds less
    often than its entities overall (its own evaluation: FAC 0.32, LAW 0.39, LOC 0.61, ORG 0.82
    against 0.84) brings every kind of name: it labels the names it does find of that kind as
    another kind (a valley as ORG, a river as PERSON, an air base as ORG) far more often than as a
    value (the development sets' gold answers to such questions)."""
    out = list(labels)
    if nlp is not None and labels and labels[0] in NAME_LABELS and nlp.recall(labels[0]) < nlp.recall():
        out += [lab for lab in NAME_LABELS if lab not in out]
    for lab in labels:
        for fam in LABEL_FAMILIES:
            if lab in fam:
                out += sorted(fam - set(out))
    return tuple(dict.fromkeys(out))


def _label_descriptions() -> tuple[tuple[str, ...], tuple[str, ...]]:
    labels = tuple(ANSWER_LABELS)
    return labels, tuple(LABEL_GLOSS[lab] for lab in labels)


class HeadTyper:
    """Entity labels for a head noun, by embedding similarity to spaCy's label descriptions."""

    def __init__(self, embedder) -> None:
        self.embedder = embedder
        self._label_vecs: np.ndarray | None = None
        self._cache: dict[str, tuple[str, ...]] = {}

    def __call__(self, noun: str) -> tuple[str, ...]:
        noun = noun.lower()
        if noun not in self._cache:
            labels, descriptions = _label_descriptions()
            if self._label_vecs is None:
                self._label_vecs = self.embedder.encode(list(descriptions))
            sims = self._label_vecs @ self.embedder.encode([noun])[0]
            order = np.argsort(-sims)
            top = float(sims[order[0]])
            self._cache[noun] = tuple(labels[i] for i in order[:2]
                                      if sims[i] >= HEAD_LABEL_MIN and sims[i] >= top - 0.05)
        return self._cache[noun]


def _wh(doc):
    """The question's wh-word: the first one of the main clause ("When the river leaves the lake,
    which way does it flow?" asks "which", not "when"), else the first."""
    found = [tok for tok in doc if tok.tag_ in ("WDT", "WP", "WP$", "WRB")]
    return next((tok for tok in found if not _subordinate(tok)), found[0] if found else None)


def _subordinate(tok) -> bool:
    """The token sits in an adverbial or relative clause, not the main one."""
    while tok.head.i != tok.i:
        if tok.dep_ in ("advcl", "relcl", "acl"):
            return True
        tok = tok.head
    return False


# "What kind of moment…" asks for a description, not an entity; "the name of the treaty"
# asks for the treaty; "the number of X" for a count.
_DESCRIPTIVE = {"kind", "type", "sort"}
_OF_HEADS = _DESCRIPTIVE | {"name", "number", "title"}


def _of_object(tok):
    for prep in tok.children:
        if prep.dep_ == "prep" and prep.lower_ == "of":
            for obj in prep.children:
                if obj.dep_ == "pobj" and obj.pos_ in ("NOUN", "PROPN"):
                    return obj
    return None


def _head_noun(doc, wh):
    """The noun a which/what question asks for ("Which city…", "What is the capital of…"),
    and whether it asks for a description instead of an entity ("What kind of moment…")."""
    tok = None
    i = wh.i + 1
    while i < len(doc) and doc[i].pos_ == "ADJ":
        i += 1
    if i < len(doc) and doc[i].pos_ in ("NOUN", "PROPN") and not doc[i].ent_type_ in ("PERSON", "GPE"):
        # "Which Beatles song": the last noun of the run after the wh-word.
        while i + 1 < len(doc) and doc[i + 1].pos_ in ("NOUN", "PROPN") and doc[i + 1].tag_ != "VBD":
            i += 1
        tok = doc[i]
    elif wh.head.lemma_ == "be":
        for t in wh.head.children:
            if t is not wh and t.dep_ in ("nsubj", "attr", "nsubjpass") and t.pos_ == "NOUN":
                tok = t
                break
    if tok is None:
        return None, False
    if tok.lemma_.lower() in _OF_HEADS:
        obj = _of_object(tok)
        if tok.lemma_.lower() == "number":
            return "number", False
        if obj is not None:
            return obj.text, tok.lemma_.lower() in _DESCRIPTIVE
        return tok.text, tok.lemma_.lower() in _DESCRIPTIVE
    # "the range in kilometres": the unit says what is measured.
    for prep in tok.children:
        if prep.dep_ == "prep" and prep.lower_ == "in":
            obj = next((o for o in prep.children if o.dep_ == "pobj" and o.pos_ == "NOUN"), None)
            if obj is not None:
                return f"{tok.text} in {obj.text}", False
    return tok.text, False


def _as_mentioned(ent) -> str:
    """What an article must mention of a question's entity: a date or amount without its function
    words, as it is written many ways ("between April 2006 and March 2007", "from April 2006 to
    March 2007"); a name whole."""
    if ent.label_ not in VALUE_LABELS:
        return ent.text
    return " ".join(t.text for t in ent if t.pos_ not in ("ADP", "CCONJ", "DET")) or ent.text


def _asks_who_someone_is(wh) -> bool:
    """"Who is Jane Doe?": the question names the person and asks what they are (a spokesman
    for the prosecutor), not for a name. "Who was the Norse leader?" asks for a name."""
    if wh.lower_ not in ("who", "whom") or wh.head.lemma_ != "be":
        return False
    for t in wh.head.children:
        if t is not wh and t.dep_ in ("nsubj", "attr") and t.pos_ == "PROPN":
            # The whole of it is one name ("South Africa's Archbishop" is not).
            return any(e.start <= t.left_edge.i and t.right_edge.i < e.end and e.label_ in NAME_LABELS
                       for e in t.doc.ents)
    return False


# "… according to the articles?" says where to look, not what to look for.
_WHERE_TO_LOOK = re.compile(r",?\s*\b(?:according to|in|from|based on)\s+(?:the|these|this)\s+"
                            r"(?:articles?|stories|story|reports?|news|sources?|texts?)\b", re.IGNORECASE)


def strip_meta(text: str) -> str:
    return _WHERE_TO_LOOK.sub("", text).strip() or text


def analyse(text: str, nlp: NLP, head_typer: HeadTyper) -> Question:
    text = strip_meta(text)
    doc = nlp.parse(text)
    wh = _wh(doc)
    low = text.lower()
    labels: tuple[str, ...] = ()
    head = None
    is_open = False
    wh_word = wh.lower_ if wh is not None else None
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if wh is not None:
        nxt = doc[wh.i + 1] if wh.i + 1 < len(doc) else None
        if wh_word == "how" and nxt is not None and f"how {nxt.lower_}" in WH_LABELS:
            wh_word = f"how {nxt.lower_}"
            labels = WH_LABELS[wh_word]
            if nxt.head.pos_ == "NOUN" and nxt.dep_ == "amod":
                head = nxt.head.text          # "how many drones": what the number counts
        elif wh_word == "how" and nxt is not None and nxt.pos_ in ("ADJ", "ADV") and nxt.lower_ not in ("did", "does"):
            wh_word, labels = f"how {nxt.lower_}", MEASURE_ADJ_LABELS
        elif wh_word in OPEN_WH:
            is_open = True
        elif wh_word in WH_LABELS and not _asks_who_someone_is(wh):
            labels = WH_LABELS[wh_word]
        elif wh_word in ("what", "which"):
            head, descriptive = _head_noun(doc, wh)
            if head is not None and not descriptive:
                labels = widen(head_typer(head), nlp)
            elif wh.head.pos_ == "VERB" and wh.head.lemma_ != "be":
                # "What did the minister say/announce/do?": an account.
                is_open = wh.head.lemma_ in OPEN_VERBS or wh.dep_ in ("dobj", "ccomp", "xcomp")
    if root is not None and root.i == 0 and root.lemma_.lower() in OPEN_VERBS:
        is_open = True    # "Summarise the agreement", "Compare the two reports"
    lemmas = {t.lemma_.lower() for t in doc}
    summary = bool(lemmas & SUMMARY_WORDS)
    is_open = is_open or bool(lemmas & OPEN_WORDS)
    if is_open:
        labels = ()
    ents = [_as_mentioned(e) for e in doc.ents if e.label_ not in ("CARDINAL", "ORDINAL")
            and not (e.end < len(doc) and doc[e.end].text == "-")]
    covered = {i for e in doc.ents for i in range(e.start, e.end)}
    # Proper nouns the NER model missed; not the first half of a compound adjective ("Franco-Spanish").
    ents += [t.text for t in doc if t.pos_ == "PROPN" and t.i not in covered and t.i > 0 and t.text[:1].isupper()
             and not (t.i + 1 < len(doc) and doc[t.i + 1].text == "-")]
    asked = {wh_word or "", (head or "").lower()}
    ents = [e for e in dict.fromkeys(re.sub(r"['’]s$", "", e.strip(" '’\"")) for e in ents)
            if e and e.lower() not in asked and not (set(e.lower().split()) & {"which", "what", "who", "when", "where", "how"})]
    fixed = bool(labels) and wh_word in WH_LABELS
    # Nationalities and groups (spaCy's NORP) qualify a name; an article may say "Kenya"
    # where the question says "Kenyan".
    def labelled(label: str) -> tuple[str, ...]:
        return tuple(e for e in ents if any(x.label_ == label and x.text.startswith(e) for x in doc.ents))

    descriptors, persons = labelled("NORP"), labelled("PERSON")
    return Question(text=text, wh=wh_word, head=head, labels=labels, open=is_open, fixed_type=fixed, entities=tuple(ents),
                    descriptors=descriptors, summary=summary, persons=persons,
                    terms=tuple(t for t in dict.fromkeys(tokenize(" ".join(t.lemma_ for t in doc))) if len(t) > 1), skip=frozenset(re.findall(r"[\w']+", low.replace("’", "'"))))
