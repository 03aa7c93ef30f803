"""A passage saying the asked-for thing is not known yet ("The site … has not yet been
announced") answers a question for that thing, and only for that thing: what the undecided
phrase withholds is read from spaCy's parse (qa/facts.undecided_topic) and typed by the
wh-phrase nearest it in the embedding model (qa/evidence.withholds_asked)."""
from __future__ import annotations

import pytest

from qa.facts import NEGATIVE, undecided_topic
from qa.nlp import shared_nlp
from tests.conftest import indexed_pipeline


@pytest.mark.parametrize("sentence, topic", [
    ("The site for the new factory has not yet been announced.", "site"),     # the subject
    ("The company paid an undisclosed sum for the plant.", "sum"),            # what it qualifies
    ("Harlow Foods has not disclosed the cost of the deal.", "cost"),         # the object
    ("The firm has yet to name a site.", "site"),
    ("Officials have not yet decided when the trial will begin.", "when"),    # the clause left open
    ("It is unknown how many people died.", "how many"),
    ("He refused to comment.", None),                                         # a pronoun: nothing named
])
def test_what_an_undecided_phrase_withholds(sentence, topic):
    doc = shared_nlp().parse(sentence)
    assert undecided_topic(doc, NEGATIVE.search(sentence).start()) == topic


ARTICLE = ("Northwind Motors will build a new battery plant, the company said on Monday.\n\n"
           "The site for the new battery plant has not yet been announced.\n\n"
           "Northwind Motors has not disclosed the cost of the battery plant either.\n\n"
           "The carmaker's chief executive, Dana Whitcombe, said the plant would make batteries for its vans.\n")


def test_an_undecided_passage_answers_only_for_what_it_withholds(tmp_path, embedder):
    from qa.evidence import withholds_asked

    pipe = indexed_pipeline(tmp_path, embedder, {"northwind.txt": ARTICLE})
    view = pipe.articles.get("northwind.txt")
    site, cost, plain = (next(view.sentence(i) for i in range(len(view.spans)) if w in view.sentence(i))
                         for w in ("site", "cost", "chief executive"))

    def withholds(question: str) -> set[str]:
        q = pipe.analyse(question)
        return {s for s in (site, cost, plain) if withholds_asked(s, q, view, pipe.vectors)}

    assert withholds("Where will the Northwind battery plant be located?") == {site}
    assert withholds("How much will the Northwind battery plant cost?") == {cost}
    assert withholds("How many people will the Northwind battery plant employ?") == set()
    assert withholds("Which site did Northwind choose?") == {site}      # the question's head noun
