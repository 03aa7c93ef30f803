"""Answer -> HTML and article -> HTML: escaping, highlight offsets, abstention, conflicts."""
from __future__ import annotations

import html
import re

import pytest

from index import Article
from qa import Answer, Citation, Conflict, ConflictSide
from qa.prompts import ABSTAIN_TEXT
from ui import render

from htmltext import answer_text_of, plain_text

TEXT = ("Britain and Germany signed a pact.\nSigned in Berlin on 24 July 2024, the declaration was formalised. "
        "Other text <script>alert(1)</script> & more.")


def cite(n, quote, source="a.txt", title="Pact signed", published="2025-07-24"):
    start = TEXT.find(quote) if quote in TEXT else 0
    return Citation(n, source, title, published, quote, start, start + len(quote))


def article(text=TEXT, **kw) -> Article:
    values = dict(source="a.txt", title="Pact <b>signed</b>", published="2025-07-24", text=text,
                  content_hash="h", kind="text")
    values.update(kw)
    return Article(**values)


def test_answer_has_linked_markers_and_cards():
    c1 = cite(1, "Britain and Germany signed a pact.")
    c2 = cite(2, "Signed in Berlin on 24 July 2024, the declaration was formalised.", source="b.txt",
              title="Second", published=None)
    a = Answer("They signed a pact [1]. In Berlin [2].", True, [c1, c2], mode="extractive", timings={"total": 1.25})
    out = render.render_answer(a)
    assert "\n" not in out  # one raw HTML block for the chat's Markdown renderer
    assert out.count('class="sb-card"') == 2
    assert out.count('class="sb-ref"') == 2
    assert render.card_heading(c1) == "[1] Pact signed · 24 Jul 2025"
    assert render.card_heading(c2) == "[2] Second"
    assert 'Pact signed</span><span class="sb-date">· 24 Jul 2025</span>' in out
    assert html.escape(c2.quote) in out
    assert "extractive · 1.2 s · 2 articles" in out or "extractive · 1.3 s · 2 articles" in out
    # every link target decodes back to the citation it was made from
    targets = re.findall(r'href="#([^"]+)"', out)
    assert {render.parse_cite_ref(html.unescape(t)) for t in targets} == {
        ("a.txt", c1.start, c1.end, 1), ("b.txt", c2.start, c2.end, 2)}


def test_a_quote_over_two_paragraphs_stays_one_html_block():
    """A joined passage may span a paragraph break. A raw blank line in the card would end the
    chat Markdown renderer's HTML block: the rest of the quote became a paragraph of its own,
    with the closing quotation mark alone on a line below it."""
    quote = "The plan was approved.\n\nHowever, the vote was close."
    out = render.render_answer(Answer(f"{quote} [1]", True, [Citation(1, "a.txt", "T", None, quote, 0, len(quote))]))
    assert "\n" not in out
    assert 'class="sb-quote">The plan was approved.<br><br>However, the vote was close.</div>' in out


def test_a_marker_carries_a_preview_of_its_source():
    c = cite(1, "Signed in Berlin on 24 July 2024,\nthe declaration was formalised.", title="Berlin <report>")
    out = render.render_answer(Answer("Signed in Berlin [1].", True, [c]))
    ref = re.search(r'<a class="sb-ref"[^>]*>\[1\](.*?)</a>', out).group(1)
    assert ref.startswith('<span class="sb-preview" role="tooltip">')
    assert "Berlin &lt;report&gt;" in ref and "24 Jul 2025" in ref
    assert "Signed in Berlin on 24 July 2024, the declaration was formalised." in ref   # one line, whole
    # the preview is no part of the answer's text
    assert answer_text_of(out) == "Signed in Berlin [1]."


def test_markers_without_a_citation_stay_plain_text():
    out = render.render_answer(Answer("A claim [3].", True, [cite(1, "Britain and Germany signed a pact.")]))
    assert "A claim [3]." in out


def test_everything_from_articles_and_users_is_escaped():
    evil = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    c = Citation(1, "<s>.txt", f"Title {evil}", "2025-01-02", f"Quote {evil}", 0, 10)
    a = Answer(f"Answer {evil} [1]", True, [c], notes=[f"note {evil}"])
    for out in (render.render_answer(a), render.render_question(evil), render.render_error(evil),
                render.render_partial(evil), render.render_library([{"title": evil, "source": evil, "chunks": 1}]),
                render.render_article(article(text=evil, title=evil), 0, 5)):
        assert "<img" not in out and "<script" not in out and "onerror=\"" not in out
        assert "&lt;img" in out or "&lt;script" in out


def test_template_and_markdown_characters_are_neutralised():
    out = render.render_article(article(text="Costs $40 and ${x} with {{ y }} `code`"))
    assert "${" not in out and "{{" not in out and "`" not in out
    assert plain_text(out).endswith("Costs $40 and ${x} with {{ y }} `code`")


def test_article_highlight_uses_the_offsets_exactly():
    quote = "Signed in Berlin on 24 July 2024, the declaration was formalised."
    start = TEXT.index(quote)
    out = render.render_article(article(), start, start + len(quote), 2)
    m = re.search(r'<mark id="sb-hl-2" class="sb-hl">(.*?)</mark>', out)
    assert m and html.unescape(m.group(1)) == quote
    body = re.search(r'<div class="sb-article-body">(.*)</div></div>$', out, re.S).group(1)
    assert plain_text(body) == TEXT  # nothing lost or added around the mark
    assert "&lt;script&gt;" in out
    assert "Pact &lt;b&gt;signed&lt;/b&gt;" in out and "Source [2]" in out and "24 Jul 2025" in out


@pytest.mark.parametrize("start,end", [(-1, 5), (5, 5), (10, 10_000), (None, None)])
def test_article_with_bad_offsets_shows_no_mark(start, end):
    out = render.render_article(article(), start, end, 1)
    assert "<mark" not in out
    assert plain_text(out).endswith(TEXT)


def test_abstention_looks_different_and_keeps_the_reason():
    a = Answer("The articles don't say. (The articles never mention Australia.)", False, mode="extractive")
    out = render.render_answer(a)
    assert 'class="sb-answer sb-abstain"' in out
    assert render.ABSTAIN_TITLE == "The articles don't cover this"
    assert "The articles don&#x27;t cover this" in out
    assert "never mention Australia" in out
    assert "sb-card" not in out


@pytest.mark.parametrize("reason", ["", " (the best-matching article never mentions Australia.)"])
def test_a_refusal_is_said_once(reason):
    out = plain_text(render.render_answer(Answer(ABSTAIN_TEXT + reason, False, mode="extractive")))
    assert out.count("don't") == 1 and render.ABSTAIN_TITLE in out
    assert "None of the indexed articles" not in out
    if reason:
        assert "The best-matching article never mentions Australia." in out and "(" not in out


def test_conflict_callout_names_both_sides_and_sources():
    c1 = cite(1, "Signed in Berlin on 24 July 2024, the declaration was formalised.", title="Berlin report")
    c2 = Citation(2, "b.txt", "September report", None, "inked on 25th September", 0, 23)
    conflict = Conflict("date", (ConflictSide("24 July 2024", 1, "a.txt", c1.quote),
                                 ConflictSide("25 September", 2, "b.txt", c2.quote)))
    assert conflict.describe() == "The articles disagree on the date: 24 July 2024 [1] vs 25 September [2]"
    a = Answer("It was signed on 24 July 2024 [1].", True, [c1, c2], [conflict])
    assert a.display() == f"It was signed on 24 July 2024 [1]. {conflict.describe()}."
    out = render.render_answer(a)
    callout = re.search(r'<div class="sb-conflict".*?</ul></div>', out).group(0)
    text = plain_text(callout)
    assert "The articles disagree on the date: 24 July 2024 [1] vs 25 September [2]" in text
    assert "Berlin report" in text and "September report" in text
    # the conflict shows in the callout only: the answer text is the Answer's text as it is
    assert "disagree" not in answer_text_of(out)
    assert answer_text_of(out) == "It was signed on 24 July 2024 [1]."
    assert a.to_dict()["text"] == a.text and a.to_dict()["conflicts"][0]["fact"] == "date"


def test_answer_text_round_trips_for_history():
    a = Answer("Line one <b> & [1].\nLine two.", True, [cite(1, "Britain and Germany signed a pact.")])
    assert answer_text_of(render.render_answer(a)) == "Line one <b> & [1].\nLine two."
    assert plain_text(render.render_question("a < b?\nand *c*")) == "a < b?\nand *c*"


@pytest.mark.parametrize("value", ["", "sb-cite/", "sb-cite/1/2", "sb-cite/x/1/2/a", "sb-cite/1/5/3/a",
                                   "sb-cite/1/-1/3/a", "sb-cite/1/1/3/", "javascript:alert(1)", None])
def test_parse_cite_ref_rejects_junk(value):
    with pytest.raises(ValueError):
        render.parse_cite_ref(value)


def test_cite_ref_round_trips_odd_sources():
    for source in ("a b/c#d?.txt", "ünï/../x.md", "100%.pdf"):
        ref = render.cite_ref(source, 3, 9, 4)
        assert "/" not in ref[len(render.CITE_PREFIX):].split("/", 3)[3]
        assert render.parse_cite_ref("#" + ref) == (source, 3, 9, 4)


def test_dates_and_library():
    assert render.format_date("2024-07-24") == "24 Jul 2024"
    assert render.format_date(None) == ""
    assert render.format_date("sometime") == "sometime"
    out = render.render_library([{"title": "T", "published": "2025-07-24", "source": "s.txt", "chunks": 3}])
    assert "1 article · 3 chunks" in out and "24 Jul 2025" in out and "s.txt" in out
    assert "No articles indexed yet" in render.render_library([])


def test_eval_summary_formats_numbers():
    out = render.render_eval_summary({"accuracy": 0.91234, "<x>": "n/a", "questions": 68.0, "recall": float("nan")})
    assert "0.912" in out and "&lt;x&gt;" in out and ">68<" in out and ">—<" in out and "nan" not in out
