"""The noun a number counts, read from spaCy's tags: "how many people" takes a number only
when what it counts is like people (qa/evidence.counts_asked)."""
from __future__ import annotations

import pytest

from qa.nlp import shared_nlp


@pytest.mark.parametrize("text, number, counted", [
    ("The plan would create 400 new jobs.", "400", "job"),
    ("It hired 45 of the engineers.", "45", "engineer"),
    # A compound's head is its last noun, a name in front of it included.
    ("Rebels were accused of killing at least 27 Varn Islanders last month.", "at least 27", "islanders"),
    ("Five army medics were hurt.", "Five", "medic"),
    # A name after the common noun is not part of what is counted.
    ("Police said 20 people Monday were hurt.", "20", "people"),
    ("She sold 300 cars and 2 trucks.", "300", "car"),
])
def test_a_number_counts_the_head_of_the_nouns_after_it(text, number, counted):
    [reading] = shared_nlp().annotate_many([text])
    found = {e.text: e.counts for e in reading.entities}
    assert found.get(number) == counted, found


@pytest.mark.parametrize("text, number, counted", [
    # The entity recogniser reads no number here; the tagger does.
    ("Aldo Pirrone, accused in more than 900 deaths, has denied the allegations.", "900", "death"),
])
def test_a_number_the_entity_recogniser_missed_is_still_a_number(text, number, counted):
    [reading] = shared_nlp().annotate_many([text])
    found = {e.text: (e.label, e.counts) for e in reading.entities}
    assert found.get(number) == ("CARDINAL", counted), found
