""""How old is she?" takes a bare number only where it is written as someone's age (qa/facts.is_age):
a number in a name ("the Calle 18 gang") or a count is not an age, nor is an age written as another
person's (qa/evidence.age_owner)."""
from __future__ import annotations

import pytest

from qa.evidence import age_owner
from qa.facts import is_age
from qa.nlp import Entity, shared_nlp
from tests.conftest import indexed_pipeline


@pytest.mark.parametrize("text, number, age", [
    ("Poveda, 53, had recently finished a documentary.", "53", True),
    ("The 21-year-old driver was hurt.", "21", True),
    ("He died at the age of 64, is buried here.", "64", True),
    ("She is 66 years old.", "66", True),
    ("He was part of the Mara 18 criminal group.", "18", False),     # a name's number
    ("Four of the suspects were arrested.", "Four", False),
])
def test_a_number_is_an_age_only_where_written_as_one(text, number, age):
    i = text.index(number)
    assert is_age(text, i, i + len(number)) == age


STORY = ("(CNN) -- Six men are facing charges in last week's killing of the filmmaker Lucien Marrot in the town "
         "of Valdora, prosecutors said.\n\n"
         "Marrot's documentary follows the lives of members of the Calle 18 gang.\n\n"
         "Marrot, 53, had recently finished the documentary about the violent street gang.\n\n"
         "Four of the suspects are members of the same Calle 18 gang, prosecutors said.\n")


def test_how_old_takes_the_age_not_a_number_in_a_name(tmp_path, embedder):
    pipe = indexed_pipeline(tmp_path, embedder, {"marrot.txt": STORY})
    ev = pipe.evidence("How old is Lucien Marrot?")
    assert "53" in ev.best[0].text, [q.text for q in ev.best]
    assert not [q.text for q in ev.considered if "18" in q.candidates]


@pytest.mark.parametrize("text, value, owner", [
    ("Marrot, 53, had recently finished a documentary.", "53", "Marrot"),
    ("One of her customers is animal lover Mary Roe, 54, who has a plot.", "54", "Mary Roe"),
    ("Among the dead was 73-year-old Ronald Tesh, said his daughter.", "73-year-old", "Ronald Tesh"),
    ("The 21-year-old driver was hurt.", "21-year-old", None),       # a role, not a name
    ("Dan Tesh, a 23-year-old British rugby player, died.", "23-year-old", None),   # not "British"
    ("He died at the age of 64, is buried here.", "64", None),
])
def test_whose_age_a_value_is(text, value, owner):
    """The person spaCy reads beside the age (qa/evidence.age_owner)."""
    i = text.index(value)
    entities = shared_nlp().annotate_many([text])[0].entities
    assert age_owner(Entity(value, "DATE", i, i + len(value)), entities) == owner


CEMETERY = ("(CNN) -- Like many people, widow Jane Halvey plans to be buried alongside her family and her pets.\n\n"
            "Halvey, 66, runs a pet cemetery and woodland burial place in the town of Brackwood.\n\n"
            "\"More people ask about it now,\" Halvey said. One of her customers is animal lover Mary Roe, 54, who "
            "has reserved a plot for herself next to her old cat.\n")


def test_how_old_takes_the_asked_persons_age_not_anothers(tmp_path, embedder):
    """The passage quoting Halvey also gives Mary Roe's age: that is no answer to Halvey's."""
    pipe = indexed_pipeline(tmp_path, embedder, {"halvey.txt": CEMETERY})
    ev = pipe.evidence("How old is Jane Halvey?")
    assert not [q.text for q in ev.considered if "54" in q.candidates]
    assert "66" in ev.best[0].candidates, [(q.text, q.candidates) for q in ev.considered]
    assert "54" in pipe.evidence("How old is Mary Roe?").best[0].candidates
