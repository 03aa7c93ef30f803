"""A "how many" question over a story that also repeats the question's own words without a
number ("this many horses have died"): the answer is the sentence that gives the number."""
from __future__ import annotations

import pytest

from tests.conftest import indexed_pipeline

STORIES = {"stable.txt": "Mystery deaths at a stable\n\n"
                         "Nine horses died on Sunday at a stable near Lyon, the owners said. "
                         "Vets are testing feed and water samples. "
                         "\"Nobody can remember a day when this many horses have died at once,\" a trainer said.\n",
           "fair.txt": "Town fair opens\n\nThe town fair opened on Saturday with a parade of ponies. "
                       "About 2,000 visitors came on the first day.\n"}


@pytest.fixture(scope="module")
def stable(tmp_path_factory, embedder):
    return indexed_pipeline(tmp_path_factory.mktemp("stable"), embedder, STORIES)


def test_a_passage_that_only_repeats_how_many_does_not_outrank_the_count(stable):
    a = stable.ask("How many horses died?")
    assert a.answered and "Nine" in a.text and all(c.source == "stable.txt" for c in a.citations), a.display()
