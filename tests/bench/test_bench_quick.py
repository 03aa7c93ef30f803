"""`python -m bench --quick` runs end to end and writes every headline figure.

Smoke test only: it never asserts on speed (issue 6: no timed assertions in `make test`).
The generative figures need the real LLM, so they are checked by the `slow` test; when slow
tests are deselected (`-m "not slow"`), the run skips the LLM parts and stays light.
"""
from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LLM_KEYS = ["generative_ask_p50_s", "generative_ttft_p50_s", "first_useful_text_p50_s", "concurrent10_first_text_p95_s",
            "vs_llamaindex_baseline_speedup"]
OTHER_KEYS = ["index_vs_encode_ratio", "reindex_unchanged_fraction", "retrieve_p50_ms_100k",
              "retrieve_p50_ms_server", "extractive_ask_p50_ms", "peak_rss_mb"]
RAW_KEYS = ["index_chunks_per_s", "encode_chunks_per_s"]


def _finite(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


@pytest.fixture(scope="module")
def quick_results(request, tmp_path_factory) -> dict:
    with_llm = any(item.get_closest_marker("slow") for item in request.session.items
                   if item.module is not None and item.module.__name__ == __name__)
    work = tmp_path_factory.mktemp("bench")
    out = work / "results.json"
    cmd = [sys.executable, "-m", "bench", "--quick", "--out", str(out), "--corpus-dir", str(work / "corpus"),
           "--cache-dir", str(work / "cache")] + ([] if with_llm else ["--skip-llm"])
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"bench failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}"
    assert out.is_file(), proc.stderr[-3000:]
    data = json.loads(out.read_text())
    data["_stdout"] = proc.stdout
    return data


def test_quick_bench_writes_the_figures(quick_results):
    r = quick_results
    assert r["mode"] == "quick"
    assert not r["errors"], r["errors"]
    for key in OTHER_KEYS + RAW_KEYS:
        assert key in r and _finite(r[key]), (key, r.get(key))
    for key in LLM_KEYS:
        assert key in r  # present even when the LLM parts were skipped
    assert r["corpus"]["articles"] >= 100 and r["corpus"]["chunks"] > 100
    assert r["retrieve_chunks"] >= 5000
    # The corpus's sentences were read (spaCy) after indexing, timed apart from the build.
    assert r["raw"]["indexing"]["readings_sentences"] > r["corpus"]["chunks"]
    assert _finite(r["raw"]["indexing"]["readings_sentences_per_s"])
    assert "index_vs_encode_ratio" in r["_stdout"]  # the table is printed


@pytest.mark.slow
def test_quick_bench_writes_the_generative_figures(quick_results):
    for key in LLM_KEYS:
        assert _finite(quick_results.get(key)), (key, quick_results.get(key))
    assert quick_results["raw"]["chat_server"]["generative_questions"] >= 1


def test_corpus_is_deterministic_prose(tmp_path):
    from bench.corpus import CorpusSpec, build_corpus
    from index.loaders import load_bytes

    spec = CorpusSpec("tiny", 30, 400, 900)
    a = build_corpus(spec, tmp_path / "a", progress=False)
    b = build_corpus(spec, tmp_path / "b", progress=False)
    files_a = sorted(p.name for p in a.glob("*.txt"))
    assert files_a == sorted(p.name for p in b.glob("*.txt")) and len(files_a) == 30
    for name in files_a:
        assert (a / name).read_bytes() == (b / name).read_bytes()
        art = load_bytes((a / name).read_bytes(), name)
        assert art.title and art.text.strip()
    assert build_corpus(spec, tmp_path / "a", progress=False) == a  # cached
