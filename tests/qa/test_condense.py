"""Follow-ups made standalone (qa/condense.py), with the real spaCy model."""
from qa.condense import condense
from qa.nlp import shared_nlp

GROUP = [("Which group of defence ministers met on 12 March?",
          "The E5 defence ministers met on 12 March, where broader industrial collaboration was discussed.")]


def test_a_date_is_not_carried_as_a_name():
    # No pronoun resolves ("E5" is no entity to spaCy), so the turn's names are carried over:
    # "March" of "12 March" is part of a date, not a thing "it" could stand for.
    assert condense("Which countries are in it?", GROUP, None, shared_nlp()) == "Which countries are in it (E5)?"


def test_then_carries_the_time():
    assert "March" in condense("What else happened then?", GROUP, None, shared_nlp())


def test_follow_up_without_a_resolvable_pronoun_is_answered(seeded_pipeline):
    a = seeded_pipeline.ask("Which countries are in it?", history=GROUP)
    assert a.answered, a.display()
    assert "Italy" in a.text and "Spain" in a.text
    assert any("Italy" in c.quote for c in a.citations)
