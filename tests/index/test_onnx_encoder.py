"""The ONNX encoders (float32, the default, and int8) against the torch one (the real models),
their export, and what an index does when the encoder changes. Speed is the bench's business, not these tests'."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from index import IndexSettings, build_index, open_store
from index.embed import TORCH_ID, TorchEmbedder, get_embedder
from index.embed_onnx import ONNX_ID, ONNX_INT8_ID, OnnxEmbedder
from index.encoder_export import ensure_onnx_encoder, export_path, is_valid

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"


def _sentences() -> list[str]:
    lines = [l.strip() for f in sorted(SEEDS.glob("*.txt")) for l in f.read_text().splitlines() if l.strip()]
    questions = [json.loads(l)["question"] for l in (SEEDS / "golden.jsonl").read_text().splitlines() if l.strip()]
    return lines + questions


@pytest.fixture(scope="module")
def torch_embedder():
    return TorchEmbedder()


# Least cosine to the torch vector: the float32 export is the same computation; int8 is close.
MIN_COS = {ONNX_ID: 0.9999, ONNX_INT8_ID: 0.98}


@pytest.fixture(scope="module")
def onnx_embedder():
    return get_embedder(IndexSettings(encoder="onnx"))


@pytest.fixture(scope="module", params=["onnx", "onnx-int8"])
def any_onnx(request):
    return get_embedder(IndexSettings(encoder=request.param))


def test_sentence_vectors_match_torch(any_onnx, torch_embedder):
    texts, least = _sentences(), MIN_COS[any_onnx.id]
    a, b = any_onnx.encode(texts), torch_embedder.encode(texts)
    assert a.shape == b.shape == (len(texts), 384)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-4)
    cos = (a * b).sum(1)
    worst = int(cos.argmin())
    assert cos.min() >= least, f"{texts[worst]!r}: cosine {cos[worst]:.4f} to the torch vector"
    # Alone, as a question is embedded: int8 activations are scaled per batch, so a text's vector
    # moves a little with its batch-mates; it must stay close to torch's either way.
    alone = np.vstack([any_onnx.encode([t]) for t in texts])
    cos = (alone * b).sum(1)
    worst = int(cos.argmin())
    assert cos.min() >= least, f"{texts[worst]!r} alone: cosine {cos[worst]:.4f} to the torch vector"
    # Rankings agree too: each question's nearest seed line is the same under both encoders.
    n_lines = len(texts) - sum(1 for _ in (SEEDS / "golden.jsonl").read_text().splitlines() if _.strip())
    same = ((a[n_lines:] @ a[:n_lines].T).argmax(1) == (b[n_lines:] @ b[:n_lines].T).argmax(1)).mean()
    assert same >= 0.9


def test_word_vectors_and_token_counts_match_torch(any_onnx, torch_embedder):
    texts = _sentences()[:40] + ["Rheinmetall's CEO, Armin Papperger, said: \"£400m!\"", "naïve café-owners"]
    for (wa, va), (wb, vb), text in zip(any_onnx.word_vectors(texts), torch_embedder.word_vectors(texts), texts):
        assert wa == wb, text
        assert all(w in text for w in wa)
        assert ((va * vb).sum(1) >= 0.95).all(), text
    assert any_onnx.count_tokens(texts) == torch_embedder.count_tokens(texts)


def test_a_questions_vector_and_word_vectors_come_from_one_pass_as_apart(any_onnx, torch_embedder):
    """encode_with_words: what encode and word_vectors give the text alone, in both runtimes."""
    for e in (any_onnx, torch_embedder):
        for text in _sentences()[-12:]:
            vec, (words, wvecs) = e.encode_with_words(text)
            (alone_words, alone_vecs), = e.word_vectors([text])
            assert float(vec @ e.encode([text])[0]) >= 0.9999, text
            assert words == alone_words and np.allclose(wvecs, alone_vecs, atol=1e-4), text


def test_span_vectors_come_with_the_text_vectors_and_match_torch(any_onnx, torch_embedder):
    """encode_with_spans: the text's vector as encode gives it, and each span's from the same
    pass, the same in both runtimes (what indexing stores for a chunk's sentences)."""
    texts = [f"Title {i}\n{t} {u}" for i, (t, u) in enumerate(zip(_sentences()[:40:2], _sentences()[1:40:2]))]
    spans = [[(t.index("\n") + 1, t.index("\n") + 1 + len(s))] for t, s in zip(texts, _sentences()[:40:2])]
    for e in (any_onnx, torch_embedder):
        vecs, parts = e.encode_with_spans(texts, spans, batch_size=8)
        assert (vecs * e.encode(texts)).sum(1).min() >= MIN_COS[any_onnx.id]
        assert all(p.shape == (1, 384) and abs(np.linalg.norm(p[0]) - 1) < 1e-4 for p in parts)
    a = np.vstack(any_onnx.encode_with_spans(texts, spans)[1])
    b = np.vstack(torch_embedder.encode_with_spans(texts, spans)[1])
    assert (a * b).sum(1).min() >= MIN_COS[any_onnx.id]
    # A span with no whole token inside it gets no vector (zeros), not a neighbour's.
    _, [none] = any_onnx.encode_with_spans(["A sentence."], [[(3, 4)]])
    assert not none.any()


def test_onnx_path_imports_neither_torch_nor_sentence_transformers(onnx_embedder):
    onnx_embedder.load()  # the export exists in the model cache
    code = ("import sys\n"
            "from index.embed import get_embedder\n"
            "from index.settings import IndexSettings\n"
            f"e = get_embedder(IndexSettings(encoder='onnx', models_dir={str(onnx_embedder.models_dir)!r}))\n"
            "assert e.encode(['A sentence.']).shape == (1, 384)\n"
            "e.word_vectors(['A sentence.']); e.count_tokens(['A sentence.'])\n"
            "print(sorted(m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_answering_with_the_onnx_encoder_imports_no_torch(tmp_path, onnx_embedder, seeds_copy):
    """The memory saving: spaCy's thinc would import torch too (qa/nlp.py hides it)."""
    onnx_embedder.load()
    code = ("import sys\n"
            "from qa.pipeline import Pipeline\n"
            "from qa import QASettings\n"
            "a = Pipeline(QASettings.from_env(mode='extractive')).ask('Which German company will open a factory in the UK?')\n"
            "assert a.answered, a.text\n"
            "print(sorted(m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules))\n")
    env = {**os.environ, "SOURCEBOOK_HOME": str(tmp_path / "h"), "SOURCEBOOK_ENCODER": "onnx",
           "SOURCEBOOK_MODELS": str(onnx_embedder.models_dir), "SOURCEBOOK_SEEDS": str(seeds_copy)}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=600, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_export_is_made_once_and_remade_when_damaged(tmp_path, caplog):
    target = ensure_onnx_encoder(tmp_path)
    assert target == export_path(tmp_path) and is_valid(target)
    made = target.stat().st_mtime_ns
    assert ensure_onnx_encoder(tmp_path) == target and target.stat().st_mtime_ns == made  # not re-exported
    f32 = ensure_onnx_encoder(tmp_path, int8=False)     # the default encoder's own file, apart
    assert f32 != target and f32.stat().st_size > target.stat().st_size
    import onnx  # the float32 graph is the fused one: one Attention operator a layer (its speed)
    ops = [n.op_type for n in onnx.load(str(f32), load_external_data=False).graph.node]
    assert ops.count("Attention") == 6 and "Softmax" not in ops

    data = bytearray(target.read_bytes())
    data[len(data) // 2: len(data) // 2 + 64] = b"\0" * 64      # same size, damaged bytes
    target.write_bytes(bytes(data))
    assert not is_valid(target)
    with caplog.at_level("INFO", logger="index.encoder_export"):
        ensure_onnx_encoder(tmp_path)
    assert is_valid(target) and "damaged" in caplog.text
    assert not [p for p in target.parent.iterdir() if p.name.startswith(".")]  # no temporary files left

    target.unlink()
    e = OnnxEmbedder(tmp_path, int8=True)
    assert e.encode(["The export is made again when missing."]).shape == (1, 384) and is_valid(target)


def test_bad_encoder_setting_is_refused():
    with pytest.raises(ValueError, match="SOURCEBOOK_ENCODER"):
        IndexSettings.from_env({"SOURCEBOOK_ENCODER": "tensorflow"})
    assert IndexSettings.from_env({"SOURCEBOOK_ENCODER": "Torch"}).encoder == "torch"


def _vectors(settings: IndexSettings) -> dict[str, np.ndarray]:
    got = open_store(settings).collection.get(include=["embeddings"])
    return dict(zip(got["ids"], np.asarray(got["embeddings"], dtype=np.float32)))


def test_switching_encoders_re_embeds_the_whole_index(tmp_path, torch_embedder, seeds_copy):
    # int8, whose vectors differ visibly from torch's (float32 ONNX gives torch's own vectors)
    int8 = get_embedder(IndexSettings(encoder="onnx-int8"))
    settings = IndexSettings(home=tmp_path / "h")
    first = build_index([seeds_copy], settings=settings, embedder=int8)
    store = open_store(settings)
    assert store.encoder() == ONNX_INT8_ID
    onnx_vecs = _vectors(settings)

    # Another folder is indexed with the other encoder: every chunk is re-embedded, none lost.
    extra = tmp_path / "more"
    extra.mkdir()
    (extra / "note.txt").write_text("Second folder\n\nA council approved a new bridge on Tuesday.\n")
    build_index([extra], settings=settings, embedder=torch_embedder)
    assert store.encoder() == TORCH_ID
    torch_vecs = _vectors(settings)
    chunks = store.all_chunks()
    assert set(torch_vecs) >= {c.id for c in chunks} and len(chunks) == first.chunks_total + 1
    expect = torch_embedder.encode([c.embed_text for c in chunks])
    for c, v in zip(chunks, expect):
        assert float(v @ torch_vecs[c.id]) > 0.9999, c.id   # the torch vector, not the old one
    assert any(float(onnx_vecs[c.id] @ torch_vecs[c.id]) < 0.9999 for c in chunks if c.id in onnx_vecs)
    assert {a["source"] for a in store.list_articles()} == {f.name for f in seeds_copy.glob("*.txt")} | {"note.txt"}

    again = build_index([seeds_copy, extra], settings=settings, embedder=torch_embedder)
    assert again.chunks_embedded == 0   # same encoder: nothing to redo


def test_an_interrupted_switch_is_redone(tmp_path, onnx_embedder, seeds_copy):
    settings = IndexSettings(home=tmp_path / "h")
    build_index([seeds_copy], settings=settings, embedder=onnx_embedder)
    store = open_store(settings)
    store.set_encoder(f"{TORCH_ID} (re-embedding, incomplete)")   # as a crash mid-switch leaves it
    report = build_index([seeds_copy], settings=settings, embedder=onnx_embedder)
    assert report.chunks_embedded == report.chunks_total > 0 and store.encoder() == ONNX_ID


def test_answering_with_another_encoder_re_embeds_first(tmp_path, onnx_embedder, torch_embedder, seeds_copy):
    from qa import QASettings
    from qa.pipeline import Pipeline

    settings = IndexSettings(home=tmp_path / "h")
    build_index([seeds_copy], settings=settings, embedder=torch_embedder)
    # An index made before encoders were recorded: torch made it.
    open_store(settings).db.execute("DELETE FROM meta WHERE key='encoder'")
    assert open_store(settings).encoder() == TORCH_ID
    pipe = Pipeline(QASettings(index=settings, mode="extractive"), embedder=onnx_embedder)
    a = pipe.ask("Which German company will open a factory in the UK?")
    assert open_store(settings).encoder() == ONNX_ID
    assert a.answered and "Rheinmetall" in a.text


def test_default_encoder_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("SOURCEBOOK_ENCODER", "torch")
    assert get_embedder(IndexSettings.from_env()).id == TORCH_ID
    monkeypatch.setenv("SOURCEBOOK_ENCODER", "onnx")
    assert get_embedder(IndexSettings.from_env()).id == ONNX_ID
