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


SURNAME_STORY = (
    "Former Navy Lt. Marco Ilario Venz, who has been held in Spain without bail since his arrest in "
    "Valencia in late September, will have a hearing before a high court in Madrid, a judge in Valencia ruled.\n\n"
    "An Italian judge has asked that Venz be sent back to face long-standing charges.\n\n"
    "Venz and Aldo Pirrone are accused of smuggling stolen paintings out of museums in Naples and Turin.\n\n"
    "The paintings included works by minor baroque masters, the museums said.\n")


def test_a_person_named_by_surname_is_named_whole(tmp_path, embedder):
    """News names a person in full once and by surname after: a passage that says "Venz" holds
    every word of "Marco Ilario Venz" for word overlap and alignment (evidence.named_tokens), so the
    question's own words decide between the passages about him."""
    from tests.conftest import indexed_pipeline

    pipe = indexed_pipeline(tmp_path, embedder, {"venz.txt": SURNAME_STORY})
    a = pipe.ask("What is Marco Ilario Venz accused of?")
    assert a.answered and "smuggling" in a.citations[0].quote, a.text


PRISON_STORY = (
    "(CNN) -- Five men are facing charges in the killing of a journalist in the port of Valdora, prosecutors said.\n\n"
    "The suspect accused of ordering the killing, Nelson Pozo Rivas, was already in prison, the agency said.\n\n"
    "Officials did not say why Pozo Rivas is incarcerated. A newspaper said he is in prison for several robberies.\n\n"
    "The port company Pozo Rivas Holdings said it would cooperate with the inquiry.\n")


def test_a_name_the_question_misreads_is_a_person_where_the_articles_read_one(tmp_path, embedder):
    """spaCy's small model may read a name alone in a short question as an organisation ("What is
    Nelson Lazo Rivera in prison for?" as ORG); a retrieved sentence that reads it, or its last
    words, as a person makes it one of the question's people, so its surname refers to it."""
    from dataclasses import replace

    from qa.evidence import _with_article_persons, refers_to
    from tests.conftest import indexed_pipeline

    pipe = indexed_pipeline(tmp_path, embedder, {"port.txt": PRISON_STORY})
    view = pipe.articles.get("port.txt")
    sents = [(view, i) for i in range(len(view.spans))]
    asked = pipe.analyse("What is Nelson Pozo Rivas in prison for?")
    misread = replace(asked, persons=())                 # as the question alone may read it
    read = _with_article_persons(misread, sents)
    assert "Nelson Pozo Rivas" in read.persons
    assert refers_to("Officials did not say why Pozo Rivas is incarcerated.", "Nelson Pozo Rivas", read)
    assert not refers_to("Officials did not say why Pozo Rivas is incarcerated.", "Nelson Pozo Rivas", misread)
    # An organisation the articles name by its last words is no person.
    company = replace(pipe.analyse("What did Valdora Pozo Rivas Holdings say?"), persons=())
    assert _with_article_persons(company, sents).persons == ()


FARM_STORY = (
    "(CNN) -- Larkspur Hill Farm, a family-run chicken farm outside the town of Brackwood, has reopened.\n\n"
    "An overnight fire in March 2011 swept through the farm and killed 900 chicks.\n\n"
    "The owners, Ada and Tom Quill, rebuilt the coops with help from neighbours.\n")


def test_a_thing_named_in_full_is_referred_to_by_its_last_word(tmp_path, embedder):
    """News names a thing in full once and as "the farm", "the agreement" after: in that article a
    passage saying "the farm" refers to "Larkspur Hill Farm" (ArticleView.head_alias), so it gives
    the question's name and holds its words; a surname or a word the article never writes as a
    common noun is no such alias."""
    from tests.conftest import indexed_pipeline

    pipe = indexed_pipeline(tmp_path, embedder, {"farm.txt": FARM_STORY})
    view = pipe.articles.get("farm.txt")
    assert view.head_alias("Larkspur Hill Farm").search("The fire swept through the farm.")
    assert view.head_alias("Tom Quill") is None
    assert view.head_alias("Ridge Valley Farm") is None          # not named in this article
    ev = pipe.evidence("When did the fire at Larkspur Hill Farm happen?")
    assert "March 2011" in ev.best[0].candidates
    assert ev.features["entity_cover_quote"] == 1.0 and ev.features["missing_rare"] == 0.0
