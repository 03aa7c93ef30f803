"""A name in a question matches an article tolerantly (qa.articles.mentions): case, possessives
and one typo, but not another name."""
from __future__ import annotations

import pytest

from qa.articles import ArticleView, mentions

TEXT = "Near Sankt Goarshausen, the river flows around a famous rock. Bonn lies downstream."


@pytest.fixture(scope="module")
def view():
    return ArticleView("story.txt", "A river", None, TEXT, [(0, 61), (62, len(TEXT))], None)


@pytest.mark.parametrize("name", [
    "Sankt Goarshausen", "sankt goarshausen's",
    "Sanke Goarshausen",      # a letter changed in a five-letter word
    "Sankt Goarshuasen",      # two letters swapped
    "Sankt Goarhausen",       # a letter dropped
    "Sankt Goarshausenn",     # a letter added
])
def test_a_name_matches_with_case_possessive_or_one_typo(view, name):
    assert mentions(view, name)


@pytest.mark.parametrize("name", [
    "Sankt Gallen",           # another place: one word of the name is not in the article
    "Sanoe Goarshausen",      # two letters changed in a five-letter word
    "Born",                   # a short word must be spelled as written
])
def test_another_name_or_more_than_a_typo_does_not_match(view, name):
    assert not mentions(view, name)
