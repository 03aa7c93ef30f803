"""Follow-ups made standalone (qa/condense.py), with the real spaCy model."""
import pytest

from qa.condense import condense
from qa.llm import ScriptedLLM, aside
from qa.nlp import shared_nlp
from qa.prompts import ANSWER_SYSTEM, ANSWER_USER, NOT_FOUND

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


FIGHT = [("Who will Ivan Petrov fight?", "Marco Silva will fight Ivan Petrov [1].")]


@pytest.mark.parametrize("question, leans", [
    ("Where will the fight take place?", True),          # names nothing: which fight is the conversation's
    ("How many tickets?", True),                          # elliptical
    ("Where will the Petrov fight take place?", False),   # names what it asks about
    ("What is the capital of France?", False),
    ("Why do people watch boxing matches?", False),       # asks about nothing in particular
])
def test_a_question_naming_nothing_leans_on_the_conversation(question, leans):
    from qa.condense import needs_context

    assert needs_context(question, shared_nlp()) is leans


@pytest.mark.parametrize("question, leans", [
    ("Where will the fight take place?", True),     # the last turn spoke of fighting
    ("What are the death flights?", False),         # a new topic: nothing of the last turn
    ("Who was blamed for the violence?", False),
])
def test_the_something_leans_on_the_conversation_only_when_the_last_turn_spoke_of_it(question, leans):
    from qa.condense import needs_context

    assert needs_context(question, shared_nlp(), FIGHT) is leans


def test_a_word_capitalised_only_because_it_opens_a_sentence_is_not_carried_as_a_name():
    history = [("Summarise the story about the polo horses.",
                "Fourteen horses dropped dead near West Palm Beach, Florida [1].")]
    out = condense("What killed the polo horses?", history, None, shared_nlp())
    assert "West Palm Beach" in out and "Summarise" not in out
    # Nor when a name follows it.
    history = [("Compare BBC reports of the fire.", "The fire started at noon, the BBC said [1].")]
    assert condense("Who put out the fire?", history, None, shared_nlp()) == "Who put out the fire (BBC)?"


BOUTS = {"silva.txt": "Silva and Petrov agree terms\n\nMarco Silva will fight Ivan Petrov in Lisbon on 3 June, "
                      "the promoters said on Monday. Tickets go on sale next week.\n",
         "berg.txt": "Berg to meet Holt\n\nAnna Berg will fight Lena Holt in Oslo on 9 July, her trainer said. "
                     "It will be Berg's first fight in two years. The trainer said the arena was already sold out.\n"}


@pytest.fixture(scope="module")
def bouts(tmp_path_factory, embedder):
    """A pipeline over two test-written stories about two fights."""
    from tests.conftest import indexed_pipeline

    return indexed_pipeline(tmp_path_factory.mktemp("bouts"), embedder, BOUTS)


def test_the_fight_is_the_one_the_conversation_is_about(bouts):
    a = bouts.ask("Where will the fight take place?", history=FIGHT)
    assert "Petrov" in a.standalone_question or "Silva" in a.standalone_question
    assert a.answered and "Lisbon" in a.text and all(c.source == "silva.txt" for c in a.citations), a.display()


def test_a_new_topic_in_a_conversation_is_asked_as_it_stands(bouts):
    a = bouts.ask("What did the trainer say about the arena?", history=FIGHT)
    assert a.standalone_question == "What did the trainer say about the arena?"
    assert a.answered and all(c.source == "berg.txt" for c in a.citations), a.display()


TREATY = [("What is the Trinity House Agreement?",
           "The Trinity House Agreement includes a commitment to develop a new long-range missile, "
           "which the MOD says will be more precise [1].")]


def test_a_rewrite_that_resolves_nothing_falls_back_to_the_rules():
    # The LLM only swapped "Which" for "What": the rules' reading is used instead.
    llm = ScriptedLLM("What countries are in it?")
    assert condense("Which countries are in it?", GROUP, llm, shared_nlp()) == "Which countries are in it (E5)?"
    assert len(llm.calls) == 1


def test_a_failing_llm_falls_back_to_the_rules():
    class Broken(ScriptedLLM):
        def stream(self, *args, **kwargs):
            raise RuntimeError("the server went away")
            yield

    assert condense("Which countries are in it?", GROUP, Broken(""), shared_nlp()) == "Which countries are in it (E5)?"


@pytest.mark.slow
def test_the_llm_reads_what_it_stands_for(real_llm):
    # The rules take the answer's first new name ("When was MOD signed?").
    out = condense("When was it signed?", TREATY, real_llm, shared_nlp())
    assert "Trinity House Agreement" in out and "MOD" not in out


@pytest.mark.slow
def test_a_rewrite_aside_leaves_the_evaluated_prompt(real_llm):
    """The follow-up's rewrite must not evict the answer prompt llama.cpp keeps evaluated. A
    reading on a kept prompt evaluates its last token alone, which gives slightly other logits
    than evaluating the whole prompt (0.955 vs 0.960 here): so after `aside` the reading must
    equal a reading on the kept prompt, not a fresh one."""
    messages = [{"role": "system", "content": ANSWER_SYSTEM},
                {"role": "user", "content": ANSWER_USER.format(quotes="[1] The factory opens in 2027.",
                                                               question="Who owns the factory?")}]
    llama = real_llm._load()._model
    llama.reset()
    fresh = real_llm.opening_probability(messages, NOT_FOUND)
    kept = real_llm.opening_probability(messages, NOT_FOUND)
    held = llama.input_ids[:llama.n_tokens].copy()
    aside(real_llm, [{"role": "user", "content": "Say hello to the reader in French, at length."}], max_tokens=40)
    assert list(llama.input_ids[:llama.n_tokens]) == list(held)
    assert real_llm.opening_probability(messages, NOT_FOUND) == pytest.approx(kept, abs=1e-9)
    assert fresh > 0.5 and abs(fresh - kept) > 1e-6   # the two readings can be told apart


def test_a_busy_llm_is_not_waited_for():
    # Another answer is being written: the rules answer at once.
    class Busy(ScriptedLLM):
        def queued(self):
            return 1

    llm = Busy("When was the Trinity House Agreement signed?")
    by_rule = condense("When was it signed?", TREATY, None, shared_nlp())
    assert condense("When was it signed?", TREATY, llm, shared_nlp()) == by_rule
    assert llm.calls == []


ROBBER = [("Is Paul Varga in jail?",
           "Paul Varga, 61, may have robbed dozens of banks, according to Police Chief Maria Ortiz [1].")]


@pytest.mark.parametrize("question, standalone", [
    # A yes/no question's person stays the topic: the person new in the answer is its source.
    ("When will he face trial?", "When will Paul Varga face trial?"),
    # A pronoun never stands for a name the question gives.
    ("What did Ortiz say about him?", "What did Ortiz say about Paul Varga?"),
])
def test_he_is_the_person_the_last_question_was_about(question, standalone):
    assert condense(question, ROBBER, None, shared_nlp()) == standalone


def test_after_a_who_question_he_is_the_answer():
    history = [("Who arrested Paul Varga?", "Police Chief Maria Ortiz arrested him [1].")]
    assert condense("When did she arrest him?", history, None, shared_nlp()).startswith("When did Maria Ortiz arrest")


def test_a_thread_of_pronouns_keeps_its_referent():
    history = ROBBER + [("How many banks did he rob?", "He robbed at least 30 banks, police said [1].")]
    assert condense("When will he face trial?", history, None, shared_nlp()) == "When will Paul Varga face trial?"


def test_she_is_the_person_not_the_thing_her_name_qualifies():
    history = [("Did Nora Lind find a publisher?", "Nora Lind's search for a publisher ended this week [1].")]
    assert condense("Who will publish her book?", history, None, shared_nlp()) == "Who will publish Nora Lind's book?"


@pytest.mark.parametrize("question, leans", [
    ("How many combat deaths in Afghanistan this year?", False),   # "this year" points at the calendar
    ("What were people throwing?", False),                         # short, but a verb and a noun: whole
    ("Who won?", True),
])
def test_short_questions_and_deictic_dates(question, leans):
    from qa.condense import needs_context

    assert needs_context(question, shared_nlp(), FIGHT) is leans
