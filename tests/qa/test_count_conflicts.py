"""Conflicting counts: two articles giving different numbers of what the question counts are
both stated; a number counting something else in a well-matching quote is no side. Articles
written for the test; real index, real models."""
from __future__ import annotations

import pytest

from tests.conftest import indexed_pipeline

FIRST = ("Dunmore plant to open in spring\n\nMarch 3, 2026\n\n"
         "The new Dunmore battery plant will employ 300 workers, the company said on Tuesday. "
         "Production is due to start in the spring.\n")
SECOND = ("Council approves Dunmore battery plant\n\nMarch 4, 2026\n\n"
          "The Dunmore battery plant will employ 250 workers when it opens, the council said. "
          "Councillors voted for the plan after a long debate.\n")
THIRD = ("Storm delays Dunmore works\n\nMarch 9, 2026\n\n"
         "Work on the Dunmore battery plant stopped for three weeks after the storm, the builder said. "
         "The roads to the site were flooded.\n")


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory, embedder):
    return indexed_pipeline(tmp_path_factory.mktemp("counts"), embedder,
                            {"first.txt": FIRST, "second.txt": SECOND, "third.txt": THIRD})


def test_counts_of_the_asked_noun_conflict_and_other_numbers_do_not(pipeline):
    a = pipeline.ask("How many workers will the Dunmore battery plant employ?")
    assert a.answered, a.text
    assert len(a.conflicts) == 1, a.display()
    values = {side.value for side in a.conflicts[0].sides}
    assert values == {"300", "250"}, a.display()
    assert not any(side.source == "third.txt" for side in a.conflicts[0].sides), a.display()
