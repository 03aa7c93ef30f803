"""Open questions over articles written for the test: a request for the gist quotes the story's
lead; other open questions draw on the best passages; a factoid passage spans the sentence that
holds its value. Real index, real models."""
from __future__ import annotations

import pytest

from qa.pipeline import Pipeline
from tests.conftest import indexed_pipeline

STORY = ("River towns sign water-sharing deal\n"
         "\n"
         "March 3, 2026\n"
         "\n"
         "Three river towns have agreed to share the water of the Alder for the next twenty years. "
         "Under the deal, Millbrook will build a new reservoir and sell water to its two neighbours at cost.\n"
         "The towns will also set up a joint board to manage droughts. "
         "Farmers had complained for years that the towns took too much water in dry summers. "
         "The water-sharing deal includes a promise to restore the wetlands below the weir by 2030. "
         "Mayor Ruth Adler said the water-sharing deal would end a feud that had lasted a generation.\n")
OTHER = ("Library reopens after flood repairs\n"
         "\n"
         "The town library reopened on Monday after six months of repairs. "
         "Volunteers dried and catalogued more than 4,000 books.\n")


def _indexed(tmp_path_factory, embedder, articles: dict[str, str], n_quotes: int = 2) -> Pipeline:
    """A pipeline over `articles` (file name: text), indexed for the test."""
    return indexed_pipeline(tmp_path_factory.mktemp("open"), embedder, articles, n_quotes=n_quotes)


@pytest.fixture(scope="module")
def pipe(tmp_path_factory, embedder):
    return _indexed(tmp_path_factory, embedder, {"water.txt": STORY, "library.txt": OTHER})


def test_a_request_for_the_gist_quotes_the_story_lead_first(pipe):
    question = pipe.analyse("Summarise the water-sharing deal.")
    assert question.summary and question.open
    ev = pipe.evidence(question.text)
    lead = ["Three river towns have agreed to share the water of the Alder for the next twenty years.",
            "Under the deal, Millbrook will build a new reservoir and sell water to its two neighbours at cost."]
    assert [q.text for q in ev.best[:2]] == lead            # the headline and dateline are not the lead
    assert all(q.source == "water.txt" and q.article_text[q.start:q.end] == q.text for q in ev.best)
    assert len(ev.best) > 2                                  # and the best passage besides


def test_other_open_questions_are_not_answered_with_the_lead(pipe):
    question = pipe.analyse("What did Ruth Adler say about the water-sharing deal?")
    assert question.open and not question.summary
    ev = pipe.evidence(question.text)
    assert "feud" in ev.best[0].text
    assert not ev.best[0].text.startswith("Three river towns")


def test_the_lead_quotes_carry_their_own_reading(pipe):
    ev = pipe.evidence("Summarise the water-sharing deal.")
    first, second = ev.best[0], ev.best[1]
    assert first.sim != second.sim and first.sim != ev.best[2].sim     # read, not copied from the best passage
    assert first.fit > 0 and second.fit > 0                            # "water", "share"; "deal"
    assert first.score == second.score == 0.0                          # placed by position, not ranked


def test_an_account_keeps_the_passages_the_model_wrote_nothing_from(pipe):
    from qa import compose

    question = "What do the articles say about the water-sharing deal?"
    ev = pipe.evidence(question)
    assert ev.question.open and len(ev.best) >= 2
    one = ev.best[0].text.split(",")[0].rstrip(".")
    raw = f"{one} [1]."                      # the model wrote from the first quote alone
    answer = compose._verified(raw, ev, pipe.vectors, dict(question=question, standalone_question=question,
                                                           mode="generative"))
    assert answer.text.startswith(one)
    assert [c.quote for c in answer.citations] == [q.text for q in ev.best]
    for c in answer.citations[1:]:
        assert f"{' '.join(c.quote.split())} [{c.n}]" in answer.text
        assert c.quote == pipe.store.get_article(c.source).text[c.start:c.end]


def test_a_factoid_answer_is_not_padded_with_quotes(pipe):
    from qa import compose

    question = "When will the wetlands below the weir be restored?"
    ev = pipe.evidence(question)
    assert not ev.question.open
    answer = compose._verified("The wetlands will be restored by 2030 [1].", ev, pipe.vectors,
                               dict(question=question, standalone_question=question, mode="generative"))
    assert answer.answered and len(answer.citations) == 1 and answer.text.count("[") == 1


BRIDGE = ("Harbour bridge to close for repairs\n"
          "\n"
          "The harbour bridge will close for six weeks from June, the port authority said on Tuesday. "
          "Engineer Tomas Varga led the inspection that found cracks in two of the bridge's steel cables. "
          "Varga inspected the cables over three nights in April. "
          "The cracks are small but growing, and they could weaken the deck within a year. "
          "Ferries will run every twenty minutes while the bridge is shut.\n")


OPENING = ("Bridge opens to traffic\n"
           "\n"
           "Mayor Ines Duarte opened the new river bridge in Porto to cheers from residents. "
           "She cut the ribbon on 3 May 2021, before a crowd of thousands. "
           "The bridge carries two tram lines and a cycle path.\n")


@pytest.fixture(scope="module")
def bridge(tmp_path_factory, embedder):
    return _indexed(tmp_path_factory, embedder, {"bridge.txt": BRIDGE, "opening.txt": OPENING})


def test_a_person_named_by_surname_is_the_person_the_question_names(bridge):
    from qa.evidence import refers_to

    question = bridge.analyse("What did Tomas Varga find could happen to the deck?")
    assert "Tomas Varga" in question.persons
    assert refers_to("Varga inspected the cables.", "Tomas Varga", question)
    assert not refers_to("Tomas inspected the cables.", "Tomas Varga", question)   # a first name is not enough
    ev = bridge.evidence(question.text)
    deck = next(q for q in ev.considered if "weaken the deck" in q.text)
    # The sentence names nobody; the one before it names the engineer by surname: one passage.
    assert deck.text.startswith("Varga inspected the cables") and deck.joined
    assert deck.text == BRIDGE[deck.start:deck.end]


def test_a_value_in_the_sentence_that_leans_back_travels_with_the_one_it_leans_on(bridge):
    """"When…?": the sentence that matches the question holds no date; the next one, which goes
    on from it ("She …"), does: the two are one passage, and its date is the candidate. (The
    question names nobody, so no name draws the two together.)"""
    ev = bridge.evidence("When was the new river bridge opened?")
    top = ev.best[0]
    assert top.joined and top.text == OPENING[top.start:top.end]
    assert top.text.startswith("Mayor Ines Duarte opened") and top.text.endswith("before a crowd of thousands.")
    assert "3 May 2021" in top.candidates and top.typed
    # A sentence holding a value of the asked-for type itself is not joined to the next.
    ev = bridge.evidence("Where was the new river bridge opened?")
    assert ev.best[0].text.startswith("Mayor Ines Duarte opened") and not ev.best[0].joined


SUMMIT = ("Towns plan a water summit\n"
          "\n"
          "Leaders of the river towns met in Millbrook on Monday to plan a water summit. "
          "The water summit will be held in Kessel in June, the organisers said. "
          "About 300 farmers are expected to attend.\n")


@pytest.fixture(scope="module")
def summit(tmp_path_factory, embedder):
    return _indexed(tmp_path_factory, embedder, {"summit.txt": SUMMIT, "library.txt": OTHER}, n_quotes=3)


def test_a_value_from_any_cited_quote_answers_a_factoid(summit):
    """The model may answer from a quote ranked below the best one: a value of the asked-for type
    in a quote it cites is an answer (before, only the best quote's values were, and the
    model's right answer was replaced by the best quote)."""
    from qa import compose

    question = "In which town will the water summit be held?"
    ev = summit.evidence(question)
    assert ev.question.typed
    best = {c for q in ev.best for c in q.candidates}
    other = [(j, q) for j, q in enumerate(ev.quotes) if set(q.candidates) - best and q not in ev.best]
    assert best and other, [(q.text, q.candidates) for q in ev.quotes]   # two sentences name a town each
    j, q = other[0]
    assert not any(v.lower() in q.text.lower() for v in best)
    answer = compose._verified(f"{q.text.strip()} [{j + 1}]", ev, summit.vectors,
                               dict(question=question, standalone_question=question, mode="generative"))
    assert answer.answered and not answer.notes, answer.notes
    assert [c.quote for c in answer.citations] == [q.text]


def test_an_account_quotes_a_sentence_once():
    """Two passages of an account, the second going on from the first ("It will …"): the first is
    not extended over the second (it was, and the answer printed that sentence twice)."""
    from index.text import sentence_spans
    from qa.articles import ArticleView
    from qa.evidence import Quote, _with_follow_ons

    text = ("The council approved the new tram line on Monday. It will run from the station to the "
            "hospital. Work on the depot starts in May. It will house twelve trams.")
    spans = sentence_spans(text)
    view = ArticleView("tram.txt", "Tram", None, text, spans, nlp=None)

    def quote(i: int) -> Quote:
        return Quote("tram.txt", "Tram", None, view.sentence(i), *spans[i], article_text=text, sentence=i)

    first, second, third = _with_follow_ons([quote(0), quote(1), quote(2)], {"tram.txt": view})
    assert [first.text, second.text] == [view.sentence(0), view.sentence(1)]       # each once
    assert third.text == text[spans[2][0]:spans[3][1]]      # no other passage holds its follow-on
    assert third.text.endswith("twelve trams.")


def test_a_sentence_ending_in_a_quotation_gets_its_mark_after_the_closing_quote(pipe):
    from qa import compose

    question = "What did Ruth Adler say about the water-sharing deal?"
    ev = pipe.evidence(question)
    n = next(j for j, q in enumerate(ev.quotes) if "feud" in q.text) + 1
    raw = f'Mayor Ruth Adler said the water-sharing deal would "end a feud that had lasted a generation." [{n}]'
    answer = compose._verified(raw, ev, pipe.vectors, dict(question=question, standalone_question=question,
                                                           mode="generative"))
    assert answer.answered
    assert answer.text.startswith('Mayor Ruth Adler said the water-sharing deal would "end a feud that had '
                                  'lasted a generation." [1]')
    assert '." [1].' not in answer.text


CAPTAIN = ("Crew ready to sail\n"
           "\n"
           "The research ship Aurora leaves Hobart on Friday for a three-month survey of the Southern Ocean. "
           "\"I'm absolutely thrilled about this voyage. We have a fine crew and a sound ship, so I'm not worried "
           "about the ice,\" said Captain Lena Moreau of the Aurora. "
           "The survey will map the sea floor near the ice shelf.\n")


def test_a_passage_closing_a_quotation_starts_where_the_quotation_does(tmp_path_factory, embedder):
    """The sentence splitter cuts a quotation in two; the sentence that names the speaker closes
    it. An account quotes it from its opening mark (it began mid-quotation: 'We have a fine…')."""
    pipe = _indexed(tmp_path_factory, embedder, {"captain.txt": CAPTAIN, "library.txt": OTHER})
    ev = pipe.evidence("What did Captain Lena Moreau say?")
    assert ev.question.open
    said = next(q for q in ev.best if "said Captain Lena Moreau" in q.text)
    assert said.text.startswith("\"I'm absolutely thrilled") and said.text == CAPTAIN[said.start:said.end]
