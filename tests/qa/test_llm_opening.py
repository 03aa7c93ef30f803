"""Which first tokens count as the model opening the "not in the articles" reply."""
import pytest

from qa.llm import opens_reply
from qa.prompts import NOT_FOUND


@pytest.mark.parametrize("piece", ["NOT", "Not", " NOT", "NOT_", "NOT_IN", NOT_FOUND])
def test_a_start_of_the_reply_counts(piece):
    assert opens_reply(piece, NOT_FOUND)


@pytest.mark.parametrize("piece", ["Note", "Nothing", "Nottingham", "NOTE", "N", "No", "", " ", "The", "NOT_OUT"])
def test_a_word_that_merely_begins_alike_does_not(piece):
    assert not opens_reply(piece, NOT_FOUND)


def _answer_messages(system: str, quotes: str, question: str) -> list[dict[str, str]]:
    from qa.prompts import ANSWER_USER

    return [{"role": "system", "content": system},
            {"role": "user", "content": ANSWER_USER.format(quotes=quotes, question=question)}]


@pytest.mark.slow
def test_a_system_prompt_evaluated_before_is_not_evaluated_again(real_llm):
    """A factoid question, an open one (another system prompt), a factoid one again: the third
    prompt's system message comes back from the state kept after it was first evaluated, so only
    the rest is evaluated; and the reading equals one on a fresh context (the system message
    evaluated as a batch of its own)."""
    from qa.prompts import ANSWER_OPEN_SYSTEM, ANSWER_SYSTEM

    factoid = _answer_messages(ANSWER_SYSTEM, "[1] The factory opens in 2027.", "When does the factory open?")
    other = _answer_messages(ANSWER_OPEN_SYSTEM, "[1] The mayor praised the plan.", "What did the mayor say?")
    again = _answer_messages(ANSWER_SYSTEM, "[1] The bridge closes in June.", "When does the bridge close?")
    llama = real_llm._load()._model
    llama.reset()
    real_llm._prefixes.clear()
    real_llm.opening_probability(factoid, NOT_FOUND)
    real_llm.opening_probability(other, NOT_FOUND)
    tokens, n_system = real_llm._prompt_tokens(llama, again)
    assert 50 < n_system < len(tokens) and len(real_llm._prefixes) == 2

    evaluated = []
    real_eval = llama.eval
    llama.eval = lambda toks: (evaluated.append(len(toks)), real_eval(toks))[1]   # counts, and evaluates
    try:
        reading = real_llm.opening_probability(again, NOT_FOUND)
    finally:
        del llama.eval
    assert sum(evaluated) == len(tokens) - n_system     # the system message was not evaluated again
    llama.reset()
    real_llm._prefixes.clear()
    assert reading == pytest.approx(real_llm.opening_probability(again, NOT_FOUND), abs=1e-3)
