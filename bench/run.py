"""`python -m bench [--quick]`: Sourcebook's benchmarks (issue 6), side by side in one run.

Writes bench/results/latest.json (or --out) with the headline keys, the raw figures behind
them, the goals and, for each missed goal, a profile of what bounds it. Never fails on speed.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import sys
import time
import traceback
from pathlib import Path

from .progress import T0, log

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent

# key: (comparison, goal, unit, how to print)
GOALS: dict[str, tuple[str, float | None, str, str]] = {
    "index_vs_encode_ratio": (">=", 0.85, "", "{:.3f}"),
    "index_onnx_vs_torch_speedup": (">=", 2, "x", "{:.2f}"),   # the same articles indexed by each encoder
    "encoder_quality_delta_pts": ("<=", 1, "pts", "{:.1f}"),   # largest recall@8 / MRR loss of onnx vs torch (hybrid), points
    "index_onnx_int8_vs_torch_speedup": (">=", None, "x", "{:.2f}"),   # the opt-in int8 encoder
    "encoder_quality_delta_pts_onnx_int8": ("<=", None, "pts", "{:.1f}"),
    "reindex_unchanged_fraction": ("<=", 0.05, "", "{:.4f}"),
    "retrieve_p50_ms_100k": ("<=", 50, "ms", "{:.1f}"),
    "retrieve_p50_ms_server": ("<=", None, "ms", "{:.1f}"),
    "extractive_ask_p50_ms": ("<=", 150, "ms", "{:.0f}"),
    "extractive_ask_p50_ms_corpus": ("<=", 100, "ms", "{:.0f}"),  # the same over the whole corpus (a cold cache)
    "extractive_corpus_vs_seeds_ratio": ("<=", 2, "x", "{:.2f}"),   # corpus p50 / seeds p50, the same run
    "llamaindex_overhead_ms": ("<=", None, "ms", "{:.2f}"),   # the query engine's and the fusion retriever's, p50
    "generative_ask_p50_s": ("<=", 6, "s", "{:.2f}"),
    "generative_ttft_p50_s": ("<=", 2.5, "s", "{:.2f}"),
    "first_useful_text_p50_s": ("<=", 0.3, "s", "{:.2f}"),   # the quotes shown before the model writes
    "concurrent10_first_text_p95_s": ("<=", None, "s", "{:.2f}"),   # 10 users at once: quotes shown, p95
    "vs_llamaindex_baseline_speedup": (">=", 2, "x", "{:.2f}"),
    "peak_rss_mb": ("<=", 2500, "MB", "{:.0f}"),
    "peak_rss_mb_other_encoder": ("<=", None, "MB", "{:.0f}"),   # the chat server with the other encoder
}
LLM_KEYS = {"generative_ask_p50_s", "generative_ttft_p50_s", "first_useful_text_p50_s", "concurrent10_first_text_p95_s",
            "vs_llamaindex_baseline_speedup"}


def _quiet() -> None:
    import logging
    import warnings

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "chromadb", "urllib3", "sentence_transformers", "bm25s", "transformers", "gradio_client"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="small corpus, 5k-chunk retrieval, 3 LLM questions (smoke run)")
    p.add_argument("--repeats", type=int, help="passes per benchmark (median reported); quick: 1, full: 3")
    p.add_argument("--scale", type=int, help="chunks for the retrieval-at-scale store (quick: 5000, full: 100000)")
    p.add_argument("--gen-questions", type=int,
                   help="golden questions for generative + baseline (0 = all; quick: 3, full: 24)")
    p.add_argument("--baseline-questions", type=int,
                   help="of those, how many the LlamaIndex baseline answers too (0 = all; quick: 1, full: 8; ~1 min each)")
    p.add_argument("--chat-generative", type=int, help="generative questions the chat server answers (quick: 1, full: 8)")
    p.add_argument("--chat-extractive", type=int, help="extractive questions the chat server answers (quick: 10, full: all)")
    p.add_argument("--skip-llm", action="store_true", help="skip the generative, baseline and LLM server parts")
    p.add_argument("--only", help="comma-separated subset: index,encoders,extractive,generative,retrieve,server,chat")
    p.add_argument("--encoder-articles", type=int,
                   help="articles indexed by each encoder for the side-by-side speed (quick: 40, full: 250)")
    p.add_argument("--out", type=Path, default=BENCH / "results" / "latest.json")
    p.add_argument("--corpus-dir", type=Path, default=BENCH / "corpus")
    p.add_argument("--cache-dir", type=Path, default=BENCH / "cache",
                   help="scratch indexes, the synthetic retrieval stores and the Chroma server's data")
    p.add_argument("--no-profile", action="store_true", help="do not profile missed goals")
    a = p.parse_args(argv)
    q = a.quick
    a.repeats = a.repeats or (1 if q else 3)
    a.scale = a.scale or (5_000 if q else 100_000)
    a.gen_questions = (3 if q else 24) if a.gen_questions is None else a.gen_questions
    a.baseline_questions = (1 if q else 8) if a.baseline_questions is None else a.baseline_questions
    a.chat_generative = (1 if q else 8) if a.chat_generative is None else a.chat_generative
    a.chat_extractive = (10 if q else 0) if a.chat_extractive is None else a.chat_extractive
    a.encoder_articles = a.encoder_articles or (40 if q else 250)
    a.only = set(a.only.split(",")) if a.only else {"index", "encoders", "extractive", "generative", "retrieve",
                                                    "server", "chat"}
    return a


def spread(items: list, n: int) -> list:
    """n items evenly spread over the list (all of them for n <= 0 or n >= len)."""
    if n <= 0 or n >= len(items):
        return list(items)
    if n == 1:
        return [items[0]]
    return [items[round(i * (len(items) - 1) / (n - 1))] for i in range(n)]


def machine() -> dict:
    cpu = ""
    try:
        cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    import torch

    return {"cpu": cpu, "cores": os.cpu_count(), "torch_threads": torch.get_num_threads(),
            "python": platform.python_version(), "loadavg_start": os.getloadavg()}


def finite(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def met(key: str, value) -> bool | None:
    op, goal, _, _ = GOALS[key]
    if goal is None or not finite(value):
        return None
    return value >= goal if op == ">=" else value <= goal


def table(results: dict) -> str:
    rows = [("figure", "value", "goal", "")]
    for key, (op, goal, unit, fmt) in GOALS.items():
        v = results.get(key)
        shown = (fmt.format(v) + (f" {unit}" if unit and unit != "x" else "x" if unit == "x" else "")) if finite(v) else "n/a"
        g = f"{op} {goal:g}{' ' + unit if unit and unit != 'x' else 'x' if unit == 'x' else ''}" if goal is not None else "-"
        ok = met(key, v)
        rows.append((key, shown, g, "ok" if ok else "MISSED" if ok is False else ""))
    w = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(c.ljust(w[i]) if i != 1 else c.rjust(w[i]) for i, c in enumerate(r)) for r in rows]
    lines.insert(1, "  ".join("-" * x for x in w))
    return "\n".join(lines)


def _clean(o):
    if isinstance(o, float):
        return o if math.isfinite(o) else None
    if isinstance(o, dict):
        return {str(k): _clean(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_clean(v) for v in o]
    if isinstance(o, Path):
        return str(o)
    return o


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    _quiet()
    sys.path.insert(0, str(ROOT))
    from index import IndexSettings, build_index
    from index.embed import get_embedder
    from index.store import open_store
    from qa import QASettings
    from evaluation.golden import load_golden

    from . import benches
    from .corpus import FULL, QUICK, build_corpus, corpus_key
    from .profiling import profile
    from .procs import self_peak_rss_mb

    mode = "quick" if args.quick else "full"
    work = args.cache_dir / f"work-{mode}"
    work.mkdir(parents=True, exist_ok=True)
    results: dict = {"mode": mode, "started": dt.datetime.now().isoformat(timespec="seconds"), "machine": machine(),
                     "settings": {k: (sorted(v) if isinstance(v, set) else str(v) if isinstance(v, Path) else v)
                                  for k, v in vars(args).items()}}
    raw: dict = {}
    profiles: dict[str, str] = {}
    errors: dict[str, str] = {}
    results["raw"], results["profiles"], results["errors"] = raw, profiles, errors
    log(f"{mode} run on {results['machine']['cores']} cores ({results['machine']['cpu']}); load average "
        f"{results['machine']['loadavg_start'][0]:.2f}")

    def step(name: str, fn) -> None:
        try:
            fn()
        except Exception as exc:  # one broken benchmark must not lose the others' figures
            errors[name] = f"{type(exc).__name__}: {exc}"
            log(f"{name} FAILED: {errors[name]}\n{traceback.format_exc()}")

    def maybe_profile(key: str, fn) -> None:
        if args.no_profile or met(key, results.get(key)) is not False:
            return
        log(f"{key} misses its goal: profiling the hot path ...")
        try:
            text = fn()
        except Exception as exc:
            text = f"(profiling failed: {exc})"
        profiles[key] = text
        print(f"\n=== what bounds {key} ===\n{text}\n", flush=True)

    index_env = IndexSettings.from_env()
    embedder = get_embedder(index_env)   # SOURCEBOOK_ENCODER's, the default one unless set
    embedders = {name: get_embedder(index_env.with_(encoder=name)) for name in ("torch", "onnx", "onnx-int8")}
    other = "torch" if index_env.encoder != "torch" else "onnx"
    results["encoder"] = {"name": index_env.encoder, "id": embedder.id}
    log(f"encoder: {index_env.encoder} ({embedder.id})")
    golden = load_golden(ROOT / "seeds" / "golden.jsonl")
    questions = [g["question"] for g in golden]
    corpus = build_corpus(QUICK if args.quick else FULL, args.corpus_dir)
    meta = json.loads((corpus.parent / f"{corpus.name}.json").read_text())
    results["corpus"] = {"path": str(corpus), "articles": meta["articles"], "chars": meta["chars"],
                         "chars_by_family": meta.get("chars_by_family"), "seed_variants": meta.get("seed_variants")}
    corpus_home = work / "corpus-home"
    seeds_home = work / "seeds-home"
    top_k = QASettings().top_k

    # 1. indexing ----------------------------------------------------------------------------
    def do_index() -> None:
        r = benches.indexing(corpus, corpus_home, embedder, args.repeats)
        r.update(benches.reading(corpus_home))
        raw["indexing"] = r
        results["corpus"]["chunks"] = r["chunks"]
        results["index_vs_encode_ratio"] = r["index_vs_encode_ratio"]
        results["reindex_unchanged_fraction"] = r["reindex_unchanged_fraction"]
        results["index_chunks_per_s"] = r["index_chunks_per_s"]
        results["encode_chunks_per_s"] = r["encode_chunks_per_s"]

        def prof_index() -> str:
            import shutil

            sample = work / "profile-corpus"
            shutil.rmtree(sample, ignore_errors=True)
            sample.mkdir()
            for f in sorted(corpus.glob("*.txt"))[:25 if args.quick else 60]:
                shutil.copy(f, sample / f.name)
            settings = benches.fresh_home(work / "profile-home")
            return profile(lambda: build_index([sample], settings=settings, embedder=embedder))

        maybe_profile("index_vs_encode_ratio", prof_index)
        maybe_profile("reindex_unchanged_fraction",
                      lambda: profile(lambda: build_index([corpus], settings=IndexSettings(home=corpus_home),
                                                          embedder=embedder)))

    if "index" in args.only or not (corpus_home / "articles.sqlite3").exists():
        step("indexing", do_index)

    # 1b. the two encoders side by side: indexing speed and retrieval quality ---------------
    def do_encoders() -> None:
        from .encoders import encoder_speed, retrieval_quality

        r = encoder_speed(corpus, work, embedders, args.encoder_articles)
        raw["encoder_speed"] = r
        results["index_onnx_vs_torch_speedup"] = r.get("index_speedup")
        results["index_onnx_int8_vs_torch_speedup"] = r.get("index_speedup_onnx-int8")
        q = retrieval_quality(embedders, work, ROOT, top_k)
        raw["encoder_quality"] = q
        results["encoder_quality_delta_pts"] = q.get("max_hybrid_loss_pts")
        results["encoder_quality_max_abs_delta_pts_any"] = q.get("max_abs_delta_pts")   # dense-only included
        results["encoder_quality_delta_pts_onnx_int8"] = q.get("max_hybrid_loss_pts_onnx-int8")

    if "encoders" in args.only:
        step("encoders", do_encoders)

    # 2. extractive answers ------------------------------------------------------------------
    def do_extractive() -> None:
        settings = benches.fresh_home(seeds_home)
        build_index([ROOT / "seeds"], settings=settings, embedder=embedder)
        benches.reading(seeds_home)
        qs = QASettings(index=settings, mode="extractive")
        r = benches.extractive(qs, embedder, golden, args.repeats, "extractive (seed articles)")
        raw["extractive"] = r
        results["extractive_ask_p50_ms"] = r["p50_ms"]
        benches.reading(corpus_home)   # as `sourcebook index` leaves it (nothing to do after step 1)
        qc = QASettings(index=IndexSettings(home=corpus_home), mode="extractive")
        rc = benches.extractive(qc, embedder, golden, 1, "extractive (whole corpus)")
        raw["extractive_corpus"] = rc
        results["extractive_ask_p50_ms_corpus"] = rc["p50_ms"]
        results["extractive_corpus_vs_seeds_ratio"] = rc["p50_ms"] / r["p50_ms"]
        li = benches.llamaindex_overhead(qs, embedder, golden, args.repeats)
        raw["llamaindex_overhead"] = li
        results["llamaindex_overhead_ms"] = li["engine_ms"] + li["retrieval_ms"]

        def prof() -> str:
            from qa.pipeline import Pipeline

            pipe = Pipeline(qs, embedder=embedder)
            return profile(lambda: [pipe.ask(g["question"], None, "extractive") for g in golden[:20]])

        maybe_profile("extractive_ask_p50_ms", prof)

        def prof_corpus() -> str:
            from qa.pipeline import Pipeline

            pipe = Pipeline(qc, embedder=embedder)  # a cold sentence cache, as in the measured pass
            return profile(lambda: [pipe.ask(g["question"], None, "extractive") for g in golden[:20]])

        maybe_profile("extractive_ask_p50_ms_corpus", prof_corpus)

    if "extractive" in args.only:
        step("extractive", do_extractive)

    # 3. generative answers and the LlamaIndex baseline ---------------------------------------
    llm = None
    if "generative" in args.only and not args.skip_llm:
        from qa.llm import LLMUnavailable, make_llm

        try:
            llm = make_llm(QASettings.from_env())
        except LLMUnavailable as exc:
            errors["llm"] = str(exc)
            log(f"no LLM: {exc}")

    def do_generative() -> None:
        settings = IndexSettings(home=seeds_home)
        if not (seeds_home / "articles.sqlite3").exists():
            build_index([ROOT / "seeds"], settings=settings, embedder=embedder)
        pool = golden if not args.quick else [g for g in golden if g["kind"] != "unanswerable"]
        items = spread(pool, args.gen_questions)
        log(f"generative on {len(items)} golden questions: {', '.join(i['id'] for i in items)}")
        qs = QASettings(index=settings, mode="generative")
        g = benches.generative(qs, embedder, llm, items)
        raw["generative"] = g
        results["generative_ask_p50_s"] = g["p50_s"]
        results["generative_ttft_p50_s"] = g["ttft_p50_s"]
        results["first_useful_text_p50_s"] = g["first_useful_p50_s"]
        log(f"  generative: p50 {g['p50_s']:.2f} s, quotes shown p50 {g['first_useful_p50_s']:.2f} s, "
            f"first text p50 {g['ttft_p50_s']:.2f} s; stages "
            f"{', '.join(f'{k} {v:.2f}' for k, v in g['stages_p50_s'].items())} s")
        users = 3 if args.quick else 10
        c = benches.concurrent(qs, embedder, llm, items, users)
        raw["concurrent"] = c
        results["concurrent10_first_text_p95_s"] = c["first_useful_p95_s"]
        results["concurrent10_generated_first_text_p95_s"] = c["first_generated_p95_s"]
        store = open_store(settings)
        articles = [store.get_article(a["source"]) for a in store.list_articles()]
        base_items = spread(items, args.baseline_questions)
        log(f"LlamaIndex CitationQueryEngine baseline on {len(base_items)} of the same questions ...")
        b = benches.baseline(articles, embedder, llm, base_items)
        raw["baseline"] = b
        ids = {i["id"] for i in base_items}
        same = benches.p50([r["seconds"] for r in g["rows"] if r["id"] in ids])
        raw["baseline"]["sourcebook_p50_s_same_questions"] = same
        results["baseline_p50_s"] = b["p50_s"]
        results["vs_llamaindex_baseline_speedup"] = b["p50_s"] / same
        log(f"  baseline p50 {b['p50_s']:.1f} s vs Sourcebook {same:.1f} s on the same questions -> speedup "
            f"{results['vs_llamaindex_baseline_speedup']:.2f}x")
        why: list[str] = []

        def why_generative() -> str:
            if why:
                return why[0]
            prof = benches.llm_profile(qs, embedder, llm, spread(items, 1 if args.quick else 3))
            raw["generative"]["llm_profile"] = prof
            st = g["stages_p50_s"]
            lines = ["stage medians (s): " + ", ".join(f"{k} {v:.2f}" for k, v in st.items())]
            if prof:
                lines += [f"prompt: {prof['prompt_tokens_p50']:.0f} tokens p50; the system prompt "
                          f"({prof['system_prompt_tokens']}) comes from the cache, {prof['new_prompt_tokens_p50']:.0f} "
                          f"are evaluated per question at {prof['prompt_eval_tokens_per_s']:.0f} tokens/s -> first "
                          f"token after {prof['first_token_s_p50']:.2f} s",
                          f"decoding: {prof['answer_tokens_p50']:.0f} answer tokens at {prof['decode_tokens_per_s']:.1f} "
                          f"tokens/s; after the last token the call still takes {prof['after_last_token_s_p50']:.2f} s "
                          f"(llama-cpp-python saving its RAM prompt cache)"]
            lines.append("both phases run inside llama.cpp (2 threads): fewer/shorter quotes cut the first, fewer "
                         "answer tokens the second; Python stages (retrieve/select/verify) are a few hundredths.")
            why.append("\n".join(lines))
            return why[0]

        for key in ("generative_ask_p50_s", "generative_ttft_p50_s", "vs_llamaindex_baseline_speedup"):
            maybe_profile(key, why_generative)

    if llm is not None:
        step("generative", do_generative)

    # 4. retrieval at scale: embedded Chroma, then a Chroma server -----------------------------
    synth_home = args.cache_dir / f"synth-{args.scale}-{corpus_key(corpus)}"
    state: dict = {}

    def do_retrieve() -> None:
        from .synth import build_synthetic

        real = open_store(IndexSettings(home=corpus_home))
        log(f"retrieval at {args.scale:,} chunks (store {synth_home}) ...")
        store = state["synth"] = build_synthetic(real, synth_home, args.scale)
        r = benches.retrieval(store, embedder, questions, args.repeats, top_k, "embedded Chroma")
        raw["retrieve_embedded"] = r
        results["retrieve_p50_ms_100k"] = r["p50_ms"]
        results["retrieve_chunks"] = r["chunks"]
        from qa.retrieve import HybridRetriever

        ret = HybridRetriever(store, embedder, top_k)
        maybe_profile("retrieve_p50_ms_100k", lambda: profile(lambda: [ret.retrieve(q) for q in questions[:30]]))

    if "retrieve" in args.only:
        step("retrieve", do_retrieve)

    def do_server() -> None:
        from .procs import chroma_server
        from .synth import build_synthetic, server_store

        store = state.get("synth") or build_synthetic(open_store(IndexSettings(home=corpus_home)), synth_home,
                                                      args.scale)
        server_dir = args.cache_dir / f"chroma-server-{args.scale}-{corpus_key(corpus)}"
        log(f"starting a Chroma server on {server_dir} ...")
        with chroma_server(server_dir, work / "chroma-server.log") as port:
            remote = server_store(store, work / "server-home", port)
            r = benches.retrieval(remote, embedder, questions, args.repeats, top_k, "Chroma server")
        raw["retrieve_server"] = r
        results["retrieve_p50_ms_server"] = r["p50_ms"]

    if "server" in args.only:
        step("retrieve_server", do_server)

    # 5. the chat server's peak memory --------------------------------------------------------
    def do_chat() -> None:
        n_gen = 0 if args.skip_llm or "llm" in errors else args.chat_generative
        pool = [g for g in golden if g["kind"] != "unanswerable"]
        gen = spread(pool, n_gen) if n_gen else []
        ext = golden if args.chat_extractive <= 0 else spread(golden, args.chat_extractive)
        log(f"chat server: {len(ext)} extractive + {len(gen)} generative questions through /ask ...")
        r = benches.chat_server_rss(corpus_home, work, ext, gen, ROOT, index_env.encoder)
        raw["chat_server"] = r
        results["peak_rss_mb"] = r["peak_rss_mb"]
        log(f"chat server with the {other} encoder (the same questions) ...")
        o = benches.chat_server_rss(corpus_home, work, ext, gen, ROOT, other, relabel=embedders[other].id)
        raw["chat_server_other_encoder"] = o
        results["peak_rss_mb_other_encoder"] = o["peak_rss_mb"]
        if r.get("errors"):  # a server that fails questions would show a flattering peak
            errors["chat_server_ask"] = f"{len(r['errors'])} /ask errors, e.g. {r['errors'][0][:300]}"
        maybe_profile("peak_rss_mb", lambda: "RSS (MB) at: " + json.dumps(r.get("rss_mb_at", {})) + "\nresident by mapping "
                      "(MB): " + ", ".join(f"{k} {v:.0f}" for k, v in r.get("rss_by_mapping_mb", [])))

    if "chat" in args.only:
        step("chat_server", do_chat)

    for key in GOALS:  # every headline key is present; null when its benchmark did not run
        results.setdefault(key, None)
    results["bench_process_peak_rss_mb"] = self_peak_rss_mb()
    results["machine"]["loadavg_end"] = os.getloadavg()
    results["seconds"] = time.perf_counter() - T0
    results["goals"] = {k: {"op": op, "goal": g, "met": met(k, results.get(k))} for k, (op, g, _, _) in GOALS.items()}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(_clean(results), indent=1, ensure_ascii=False))
    print()
    print(f"Sourcebook benchmarks ({mode}; {results['corpus']['articles']:,} articles, "
          f"{results['corpus'].get('chunks', 0):,} chunks; retrieval at {results.get('retrieve_chunks', 0):,} chunks; "
          f"{results['seconds'] / 60:.1f} min)")
    print(table(results))
    extra = {k: results[k] for k in ("index_chunks_per_s", "encode_chunks_per_s", "baseline_p50_s")
             if finite(results.get(k))}
    if extra:
        print("also: " + ", ".join(f"{k} {v:.2f}" for k, v in extra.items()))
    if errors:
        print("errors: " + "; ".join(f"{k}: {v}" for k, v in errors.items()))
    print(f"results: {args.out}")
    return 0
