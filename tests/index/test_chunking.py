from hypothesis import given, settings, strategies as st

from index.chunking import chunk_article
from index.loaders import Article, load_bytes
from index.text import sentence_spans
from tests.conftest import SEEDS


def test_seed_chunks_slice_back_and_fit_the_model(embedder):
    for f in SEEDS.glob("*.txt"):
        art = load_bytes(f.read_bytes(), f.name)
        chunks = chunk_article(art, 200, 1, embedder.count_tokens)
        assert chunks
        for c in chunks:
            assert art.text[c.start:c.end] == c.text
            assert embedder.count_tokens([c.embed_text])[0] <= 250
            assert "Must read" not in c.text and "Latest article" not in c.text
        ids = [c.id for c in chunks]
        assert len(set(ids)) == len(ids)
        assert chunks == chunk_article(art, 200, 1, embedder.count_tokens)  # deterministic


def test_sentences_do_not_split_on_abbreviations():
    text = "Mr. Healey met Dr. Pistorius in Berlin. They signed a pact. “It matters,” he said."
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "Mr. Healey met Dr. Pistorius in Berlin.", "They signed a pact.", "“It matters,” he said."]


def test_editing_one_sentence_keeps_other_chunk_ids(embedder):
    f = SEEDS / "000_469921e68f22111a.txt"
    text = f.read_text()
    a = Article("a.txt", "T", None, text, "h1")
    b = Article("a.txt", "T", None, text.replace("400 jobs.", "500 jobs."), "h2")
    ca = {c.id for c in chunk_article(a, 120, 1, embedder.count_tokens)}
    cb = {c.id for c in chunk_article(b, 120, 1, embedder.count_tokens)}
    assert ca != cb and len(ca & cb) >= len(ca) - 2


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=3000),
       st.integers(min_value=32, max_value=250))
def test_offsets_always_slice_back(text, budget):
    art = Article("x.txt", "Title", None, text, "h")
    for c in chunk_article(art, budget, 1):
        assert text[c.start:c.end] == c.text
        assert c.text.strip() == c.text and c.text


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(["Word", "word.", "Mr.", "U.S.", "“Quote.”", "3.5", "\n", "\r\n", " ", "!", "?", "A"]),
                max_size=200))
def test_sentence_spans_slice_back(parts):
    text = " ".join(parts)
    for s, e in sentence_spans(text):
        assert 0 <= s < e <= len(text)
        assert text[s:e].strip() == text[s:e]
