"""Chunks stored as LlamaIndex nodes through `ChromaVectorStore`: a LlamaIndex application can
open the vector store and read verbatim chunks with their offsets. Real embedding model, real
Chroma."""
import numpy as np
from llama_index.core.vector_stores import VectorStoreQuery
from llama_index.vector_stores.chroma import ChromaVectorStore

from index import build_index
from index.store import Store


def _nodes(store: Store, embedder, question: str, k: int = 40):
    vector = embedder.encode([question])[0]
    # A vector store a LlamaIndex user makes over the same collection, not the store's own.
    res = ChromaVectorStore(chroma_collection=store.collection).query(
        VectorStoreQuery(query_embedding=vector.tolist(), similarity_top_k=k))
    return res.nodes


def test_chunks_are_nodes_with_offsets_into_their_article(folder, settings, embedder):
    build_index(folder, settings=settings, embedder=embedder)
    store = Store(settings)
    nodes = _nodes(store, embedder, "How many jobs will the new plant support?")
    assert len(nodes) == min(40, store.count_chunks())
    for node in nodes:
        art = store.get_article(node.metadata["source"])
        assert art.text[node.start_char_idx:node.end_char_idx] == node.text
        assert node.metadata["title"] == art.title
        assert node.metadata["published"] == (art.published or "")


def test_an_edit_moves_the_offsets_of_the_chunks_it_keeps(folder, settings, embedder):
    build_index(folder, settings=settings, embedder=embedder)
    f = sorted(folder.glob("*.txt"))[0]
    text = f.read_text()
    before = {c.id: c.start for c in Store(settings).all_chunks() if c.source == f.name}
    head, body = text.split("\n", 1)   # a sentence after the first line: later chunks keep their text
    f.write_text(head + "\nA sentence added at the top moves every chunk after it along.\n" + body)
    report = build_index(folder, settings=settings, embedder=embedder)
    assert f.name in report.updated
    store = Store(settings)
    moved = [c for c in store.all_chunks() if c.source == f.name and before.get(c.id, c.start) != c.start]
    assert moved   # kept vectors whose offsets moved
    art = store.get_article(f.name)
    ids = store.chunk_ids(f.name)
    got = store.collection.get(ids=ids, include=["metadatas", "documents"])
    nodes = {n.node_id: n for n in _nodes(store, embedder, art.title, k=store.count_chunks())}
    assert set(ids) <= set(nodes)
    assert len(got["ids"]) == len(ids)
    for i in ids:
        assert art.text[nodes[i].start_char_idx:nodes[i].end_char_idx] == nodes[i].text


def test_an_index_from_before_nodes_gets_them_once_keeping_its_vectors(folder, settings, embedder, caplog):
    build_index(folder, settings=settings, embedder=embedder)
    store = Store(settings)
    ids = store.chunk_ids()
    # As indexes were written before: source and offsets as metadata, no document.
    before = store.collection.get(ids=ids, include=["embeddings"])
    old = {c.id: c for c in store.all_chunks()}
    store.collection.delete(ids=ids)
    store.collection.add(ids=before["ids"], embeddings=before["embeddings"],
                         metadatas=[{"source": old[i].source, "start": old[i].start, "end": old[i].end}
                                    for i in before["ids"]])
    store.db.execute("DELETE FROM meta WHERE key='nodes'")
    caplog.set_level("INFO")
    report = build_index(folder, settings=settings, embedder=embedder)
    assert report.chunks_embedded == 0
    assert "as LlamaIndex nodes" in caplog.text
    after = store.collection.get(ids=ids, include=["embeddings"])
    order = {i: k for k, i in enumerate(after["ids"])}
    assert np.allclose(np.asarray(before["embeddings"]),
                       np.asarray(after["embeddings"])[[order[i] for i in before["ids"]]])
    for node in _nodes(store, embedder, "When was the agreement signed?"):
        art = store.get_article(node.metadata["source"])
        assert art.text[node.start_char_idx:node.end_char_idx] == node.text
    caplog.clear()
    build_index(folder, settings=settings, embedder=embedder)
    assert "as LlamaIndex nodes" not in caplog.text


def test_a_vector_query_asks_for_more_than_there_is_and_gets_what_there_is(folder, settings, embedder):
    """Queries do not ask Chroma for the collection's size first: an empty index answers with
    nothing, a small one with every chunk, nearest first."""
    vector = embedder.encode(["How many jobs will the new plant support?"])[0]
    assert Store(settings).query_vectors(vector, 8) == []
    build_index(folder, settings=settings, embedder=embedder)
    store = Store(settings)
    n = store.count_chunks()
    found = store.query_vectors(vector, n + 50)
    assert sorted(i for i, _ in found) == sorted(store.chunk_ids())
    sims = [s for _, s in found]
    assert sims == sorted(sims, reverse=True) and -1.0 <= sims[-1] <= sims[0] <= 1.0
