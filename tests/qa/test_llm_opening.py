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
