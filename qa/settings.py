"""Settings of the answering layer, read from the environment in exactly one place."""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from index import IndexSettings
from index.settings import default_models_dir

from .modes import Mode

MODEL_FILE = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
MAX_QUESTION_CHARS = 2000


@dataclass(frozen=True)
class QASettings:
    index: IndexSettings = field(default_factory=IndexSettings)
    models_dir: Path = field(default_factory=default_models_dir)
    mode: Mode | None = None           # None: generative when an LLM is available (a string is parsed)
    llm_model: Path | None = None      # a GGUF path; default: the assembled Qwen model
    llm_base_url: str | None = None    # an OpenAI-compatible server instead of a local GGUF
    llm_api_model: str = "default"
    top_k: int = 8                     # chunks fused from dense + BM25
    n_quotes: int = 2                  # numbered quotes shown to the LLM: 2 vs 3 cut the first token 2.35 -> 1.80 s, golden 97.1 -> 98.5%
    n_threads: int = field(default_factory=lambda: max(1, os.cpu_count() or 1))
    n_ctx: int = 2048
    max_answer_tokens: int = 120
    seeds_dir: Path | None = None      # what `ask` indexes when the index is empty

    def __post_init__(self) -> None:
        object.__setattr__(self, "mode", Mode.parse(self.mode))
        if not 1 <= self.top_k <= 100:
            raise ValueError(f"top_k must be within 1..100, got {self.top_k}")
        if not 1 <= self.n_quotes <= 12:
            raise ValueError(f"n_quotes must be within 1..12, got {self.n_quotes}")

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides) -> "QASettings":
        env = os.environ if env is None else env
        values: dict = {"index": IndexSettings.from_env(env)}
        values["models_dir"] = values["index"].models_dir   # SOURCEBOOK_MODELS, read by the index layer
        if env.get("SOURCEBOOK_MODE"):
            values["mode"] = env["SOURCEBOOK_MODE"]
        if env.get("SOURCEBOOK_LLM_MODEL"):
            values["llm_model"] = Path(env["SOURCEBOOK_LLM_MODEL"]).expanduser()
        if env.get("SOURCEBOOK_LLM_BASE_URL"):
            values["llm_base_url"] = env["SOURCEBOOK_LLM_BASE_URL"].rstrip("/")
        if env.get("SOURCEBOOK_LLM_API_MODEL"):
            values["llm_api_model"] = env["SOURCEBOOK_LLM_API_MODEL"]
        for key, name in (("top_k", "SOURCEBOOK_TOP_K"), ("n_quotes", "SOURCEBOOK_QUOTES"), ("n_threads", "SOURCEBOOK_THREADS")):
            if env.get(name):
                try:
                    values[key] = int(env[name])
                except ValueError:
                    raise ValueError(f"{name} must be a whole number, got {env[name]!r}") from None
        if env.get("SOURCEBOOK_SEEDS"):
            values["seeds_dir"] = Path(env["SOURCEBOOK_SEEDS"])
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def with_(self, **changes) -> "QASettings":
        return replace(self, **changes)

    @property
    def model_path(self) -> Path:
        return self.llm_model or self.models_dir / MODEL_FILE
