"""Settings of the index layer, read from the environment in exactly one place.

`IndexSettings.from_env()` is the only function in the project that reads SOURCEBOOK_*
variables for indexing; everything else receives a settings object.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

MAX_FILE_BYTES = 20 * 1024 * 1024
ENCODERS = ("onnx", "onnx-int8", "torch")


def default_models_dir() -> Path:
    return Path.home() / ".cache" / "sourcebook" / "models"


@dataclass(frozen=True)
class IndexSettings:
    home: Path = field(default_factory=lambda: Path(".sourcebook"))
    chroma_host: str | None = None
    chroma_port: int = 8000
    collection: str = "sourcebook_chunks"
    max_file_bytes: int = MAX_FILE_BYTES
    # Word pieces per chunk, title included; the embedding model truncates at 256.
    chunk_tokens: int = 200
    overlap_sentences: int = 1
    # Chunks per encoder call when indexing. Small batches run faster on two cores (probably
    # their activations staying in cache): indexing the same 120 bench articles (1,212 chunks, AMD EPYC,
    # 2026-12-06, two passes each) at 16 against 64: float32 ONNX 33.6 vs 30.1 chunks/s, int8
    # 55.9 vs 52.5, torch 30.9 vs 26.3.
    batch_size: int = 16
    # Which MiniLM runtime embeds: "onnx" (the float32 export: torch's vectors, no torch in the
    # process), "onnx-int8" (1.8-1.9x torch's indexing on an AMD EPYC, vectors within cosine 0.98:
    # retrieval within about a point, answers within a question or two of float32's on each
    # evaluation set but the open set's; README, The embedding encoder) or "torch"
    # (sentence-transformers). An index remembers which one built it (see build.py).
    encoder: str = "onnx"
    models_dir: Path = field(default_factory=default_models_dir)   # shared model cache

    def __post_init__(self) -> None:
        if not 32 <= self.chunk_tokens <= 250:
            raise ValueError(f"chunk_tokens must be within 32..250 (the model reads 256), got {self.chunk_tokens}")
        if self.max_file_bytes <= 0:
            raise ValueError("max_file_bytes must be positive")
        if not 0 < self.chroma_port < 65536:
            raise ValueError(f"SOURCEBOOK_CHROMA_PORT must be a port number, got {self.chroma_port}")
        if self.batch_size <= 0:
            raise ValueError("batch_size must be positive")
        if self.encoder not in ENCODERS:
            raise ValueError(f"SOURCEBOOK_ENCODER must be one of {', '.join(ENCODERS)}, got {self.encoder!r}")

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides) -> "IndexSettings":
        env = os.environ if env is None else env
        values: dict = {"home": Path(env.get("SOURCEBOOK_HOME") or ".sourcebook")}
        if env.get("SOURCEBOOK_CHROMA_HOST"):
            values["chroma_host"] = env["SOURCEBOOK_CHROMA_HOST"]
        if env.get("SOURCEBOOK_CHROMA_PORT"):
            try:
                values["chroma_port"] = int(env["SOURCEBOOK_CHROMA_PORT"])
            except ValueError:
                raise ValueError(f"SOURCEBOOK_CHROMA_PORT must be a number, got {env['SOURCEBOOK_CHROMA_PORT']!r}") from None
        if env.get("SOURCEBOOK_ENCODER"):
            values["encoder"] = env["SOURCEBOOK_ENCODER"].strip().lower()
        if env.get("SOURCEBOOK_MODELS"):
            values["models_dir"] = Path(env["SOURCEBOOK_MODELS"]).expanduser()
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def with_(self, **changes) -> "IndexSettings":
        return replace(self, **changes)

    @property
    def db_path(self) -> Path:
        return self.home / "articles.sqlite3"

    @property
    def chroma_path(self) -> Path:
        return self.home / "chroma"

    @property
    def uploads_path(self) -> Path:
        """Where the web library keeps the files users upload (Sourcebook's own copies)."""
        return self.home / "uploads"
