"""The measurements. Each function returns a dict of raw figures (seconds unless the key
says otherwise); run.py derives the headline keys, prints the table and writes the JSON.
"""
from __future__ import annotations

import math
import shutil
import statistics
import time
from pathlib import Path

from index import IndexSettings, build_index
from index.store import Store, forget_store, open_store

from .progress import log


def p50(xs: list[float]) -> float:
    return statistics.median(xs) if xs else math.nan


def pct(xs: list[float], q: float) -> float:
    if not xs:
        return math.nan
    s = sorted(xs)
    return s[min(len(s) - 1, max(0, math.ceil(q * len(s)) - 1))]


def fresh_home(home: Path) -> IndexSettings:
    settings = IndexSettings(home=home)
    forget_store(settings)
    if home.exists():
        from chromadb.api.client import SharedSystemClient

        SharedSystemClient.clear_system_cache()
        shutil.rmtree(home)
    return settings


# -- indexing --------------------------------------------------------------------------------
def indexing(corpus: Path, home: Path, embedder, repeats: int) -> dict:
    """First build of a fresh index vs the encoder's raw encode on the same chunk texts (for
    torch, SentenceTransformer.encode), then re-indexing the unchanged corpus."""
    settings = fresh_home(home)
    embedder.load()
    embedder.encode(["warm-up sentence for the benchmark"] * 8)  # first-call overheads out of both sides
    store = open_store(settings)
    log(f"indexing {corpus} into a fresh index ...")
    t0 = time.perf_counter()
    report = build_index([corpus], settings=settings, embedder=embedder, store=store, progress=True)
    first = time.perf_counter() - t0
    if report.failed:
        log(f"  {len(report.failed)} files failed, e.g. {next(iter(report.failed.items()))}")
    texts = [c.embed_text for c in store.all_chunks()]
    log(f"  {report.chunks_embedded:,} chunks in {first:.1f} s; now the raw encode ({embedder.id}) of the "
        f"same {len(texts):,} chunk texts ...")
    t0 = time.perf_counter()
    embedder.encode(texts, batch_size=settings.batch_size, progress=len(texts) > 2000)
    raw = time.perf_counter() - t0
    re_times = []
    for i in range(repeats):
        t0 = time.perf_counter()
        again = build_index([corpus], settings=settings, embedder=embedder, store=store)
        re_times.append(time.perf_counter() - t0)
        assert again.chunks_embedded == 0 and not again.added and not again.updated, "re-index changed something"
    index_rate = report.chunks_embedded / first
    raw_rate = len(texts) / raw
    out = {
        "articles": len(report.added), "chunks": report.chunks_total, "chunks_embedded": report.chunks_embedded,
        "index_seconds": first, "index_embed_seconds": report.embed_seconds,
        "index_other_seconds": first - report.embed_seconds,
        "index_chunks_per_s": index_rate, "index_embed_only_chunks_per_s": report.chunks_per_second,
        "encode_seconds": raw, "encode_chunks_per_s": raw_rate,
        "index_vs_encode_ratio": index_rate / raw_rate,
        "reindex_seconds_runs": re_times, "reindex_seconds": p50(re_times),
        "reindex_unchanged_fraction": p50(re_times) / first,
    }
    log(f"  index {index_rate:.1f} chunks/s (embedding alone {report.chunks_per_second:.1f}) vs raw encode "
        f"{raw_rate:.1f} chunks/s -> ratio {out['index_vs_encode_ratio']:.3f}; unchanged re-index "
        f"{out['reindex_seconds']:.2f} s ({out['reindex_unchanged_fraction']:.4f} of the first)")
    return out


# -- retrieval -------------------------------------------------------------------------------
def retrieval(store: Store, embedder, queries: list[str], repeats: int, top_k: int, label: str) -> dict:
    """Hybrid retrieval latency (query embedding included), plus its parts."""
    from qa.retrieve import HybridRetriever

    retriever = HybridRetriever(store, embedder, top_k)
    n = store.count_chunks()
    t0 = time.perf_counter()
    retriever.retrieve(queries[0])  # cold: builds the BM25 index of this store version
    cold = time.perf_counter() - t0
    log(f"  {label}: {n:,} chunks; first query (builds BM25) {cold * 1000:.0f} ms")
    runs, per_pass = [], []
    for _ in range(repeats):
        lat = []
        for q in queries:
            t0 = time.perf_counter()
            retriever.retrieve(q)
            lat.append(time.perf_counter() - t0)
        per_pass.append(p50(lat))
        runs.extend(lat)
    enc, dense, sparse = [], [], []
    kw = store.keywords()
    depth = top_k * 3
    for q in queries:
        t0 = time.perf_counter()
        v = embedder.encode([q])[0]
        t1 = time.perf_counter()
        store.query_vectors(v, depth)
        t2 = time.perf_counter()
        kw.search(q, depth)
        t3 = time.perf_counter()
        enc.append(t1 - t0)
        dense.append(t2 - t1)
        sparse.append(t3 - t2)
    out = {"chunks": n, "cold_ms": cold * 1000, "p50_ms": p50(per_pass) * 1000, "p95_ms": pct(runs, 0.95) * 1000,
           "p50_ms_per_pass": [x * 1000 for x in per_pass], "queries": len(queries), "passes": repeats,
           "encode_p50_ms": p50(enc) * 1000, "dense_p50_ms": p50(dense) * 1000, "bm25_p50_ms": p50(sparse) * 1000}
    log(f"  {label}: p50 {out['p50_ms']:.1f} ms, p95 {out['p95_ms']:.1f} ms (query embedding "
        f"{out['encode_p50_ms']:.1f}, dense {out['dense_p50_ms']:.1f}, BM25 {out['bm25_p50_ms']:.1f} ms)")
    return out


# -- answering -------------------------------------------------------------------------------
def _history(item: dict) -> list[tuple[str, str]]:
    return [tuple(h) for h in item.get("history") or []]


def _stage_medians(timings: list[dict]) -> dict:
    keys = sorted({k for t in timings for k in t})
    return {k: p50([t[k] for t in timings if k in t]) for k in keys}


def reading(home: Path) -> dict:
    """spaCy's reading of the sentences indexing stored, as `sourcebook index` runs it after
    indexing (qa/readings.py): what answering then looks up instead of reading."""
    from qa.readings import PROCESSES, read_index

    t0 = time.perf_counter()
    n = read_index(IndexSettings(home=home), progress=True, processes=PROCESSES)
    took = time.perf_counter() - t0
    if n:
        log(f"  read {n:,} sentences (spaCy) in {took:.1f} s: {n / took:.0f} sentences/s")
    return {"readings_sentences": n, "readings_seconds": took, "readings_sentences_per_s": n / took if took else 0.0}


def extractive(settings, embedder, golden: list[dict], repeats: int, label: str) -> dict:
    """Extractive ask latency over the golden questions; a fresh Pipeline per pass (its
    sentence-vector cache starts cold each time; the models and BM25 index are shared)."""
    from qa.pipeline import Pipeline

    per_pass, lat, timings, answered = [], [], [], 0
    warm = Pipeline(settings, embedder=embedder)
    warm.ask("What is this collection about?")  # opens the store and builds BM25 once
    for r in range(repeats):
        pipe = Pipeline(settings, embedder=embedder)
        this = []
        for item in golden:
            t0 = time.perf_counter()
            a = pipe.ask(item["question"], _history(item), "extractive")
            this.append(time.perf_counter() - t0)
            timings.append(a.timings)
            answered += a.answered
        per_pass.append(p50(this))
        lat.extend(this)
    out = {"p50_ms": p50(per_pass) * 1000, "p95_ms": pct(lat, 0.95) * 1000,
           "p50_ms_per_pass": [x * 1000 for x in per_pass], "questions": len(golden), "passes": repeats,
           "answered_share": answered / max(1, len(lat)),
           "stages_p50_ms": {k: v * 1000 for k, v in _stage_medians(timings).items()}}
    log(f"  {label}: p50 {out['p50_ms']:.0f} ms, p95 {out['p95_ms']:.0f} ms over {len(golden)} questions x "
        f"{repeats}; stages {', '.join(f'{k} {v:.0f}' for k, v in out['stages_p50_ms'].items())} ms")
    return out


def llamaindex_overhead(settings, embedder, golden: list[dict], repeats: int) -> dict:
    """What the LlamaIndex layer adds to an answer, on a warm pipeline (so model and cache
    effects cancel): `SourcebookQueryEngine.query` against `Pipeline.ask` on the same
    questions, alternated; and the fusion retriever (`QueryFusionRetriever` over the vector and
    BM25 retrievers, nodes and all) against its two searches called directly."""
    from llama_index.core.schema import QueryBundle

    from qa.engine import SourcebookQueryEngine
    from qa.pipeline import Pipeline

    pipe = Pipeline(settings, embedder=embedder)
    engine = SourcebookQueryEngine(pipe, mode="extractive")
    questions = [g["question"] for g in golden if not g.get("history")]
    for q in questions:       # warm every cache both paths read
        pipe.ask(q, None, "extractive")
    ask_t, engine_t, fused_t, direct_t = [], [], [], []
    retriever, depth = pipe.retriever, pipe.retriever.top_k * 3
    keywords = pipe.store.keywords()
    for _ in range(repeats):
        for q in questions:
            t0 = time.perf_counter()
            pipe.ask(q, None, "extractive")
            t1 = time.perf_counter()
            engine.query(q)
            t2 = time.perf_counter()
            ask_t.append(t1 - t0)
            engine_t.append(t2 - t1)
            vec = embedder.encode([q])[0]
            t0 = time.perf_counter()
            retriever.fusion().retrieve(QueryBundle(q, embedding=vec.tolist()))
            t1 = time.perf_counter()
            pipe.store.query_vectors(vec, depth)
            keywords.search(q, depth)
            t2 = time.perf_counter()
            fused_t.append(t1 - t0)
            direct_t.append(t2 - t1)
    out = {"engine_ms": (p50(engine_t) - p50(ask_t)) * 1000, "ask_p50_ms": p50(ask_t) * 1000,
           "retrieval_ms": (p50(fused_t) - p50(direct_t)) * 1000, "retrieval_p50_ms": p50(fused_t) * 1000,
           "questions": len(questions), "passes": repeats}
    log(f"  LlamaIndex layer: query engine +{out['engine_ms']:.2f} ms on a {out['ask_p50_ms']:.1f} ms answer; "
        f"fusion retriever +{out['retrieval_ms']:.2f} ms on {out['retrieval_p50_ms']:.1f} ms")
    return out


def generative(settings, embedder, llm, items: list[dict]) -> dict:
    """Generative ask latency and time to first streamed text, one pass (a repeated prompt
    would be served from llama.cpp's prompt cache, which flatters every figure)."""
    from qa.pipeline import Pipeline
    from qa.types import Answer, Draft

    pipe = Pipeline(settings, embedder=embedder, llm=llm)
    t0 = time.perf_counter()
    if hasattr(pipe, "warm_up"):  # what the chat server does at start: models, BM25, the system prompt
        pipe.warm_up()
    else:
        pipe.ask("What did the defence secretary say about the agreement?", None, "generative")
    log(f"  LLM loaded and warmed up in {time.perf_counter() - t0:.1f} s")
    total, ttft, useful, timings, rows = [], [], [], [], []
    for i, item in enumerate(items, 1):
        t0 = time.perf_counter()
        first = first_useful = None
        answer = None
        # As the chat streams: the verified quotes (a Draft) first, then the model's text.
        for part in pipe.stream(item["question"], _history(item), "generative", drafts=True):
            now = time.perf_counter() - t0
            if first_useful is None:
                first_useful = now       # the quotes, the first words, or a refusal: text to read
            if first is None and not isinstance(part, Draft):
                first = now              # the model's first text (or the whole answer)
            if isinstance(part, Answer):
                answer = part
        took = time.perf_counter() - t0
        total.append(took)
        ttft.append(first if first is not None else took)
        useful.append(first_useful if first_useful is not None else took)
        timings.append(answer.timings)
        rows.append({"id": item["id"], "seconds": took, "ttft": ttft[-1], "first_useful": useful[-1],
                     "answered": answer.answered, "generated": "generate" in answer.timings})
        log(f"  generative {i}/{len(items)} {item['id']}: {took:.1f} s (quotes {useful[-1]:.2f} s, "
            f"first text {ttft[-1]:.1f} s)")
    out = {"p50_s": p50(total), "ttft_p50_s": p50(ttft), "first_useful_p50_s": p50(useful),
           "p95_s": pct(total, 0.95), "questions": len(items), "stages_p50_s": _stage_medians(timings), "rows": rows}
    return out


def concurrent(settings, embedder, llm, items: list[dict], users: int) -> dict:
    """`users` people ask at the same moment (generative, as the chat streams, one thread each):
    seconds until each sees text to read (the verified quotes) and until the model's first words
    reach them (generated answers take turns at the one model)."""
    import threading

    from qa.pipeline import Pipeline
    from qa.types import Answer, Draft

    pipe = Pipeline(settings, embedder=embedder, llm=llm)
    pipe.warm_up()
    questions = [items[i % len(items)] for i in range(users)]
    useful, generated, errors = [None] * users, [None] * users, []
    start = threading.Barrier(users + 1)

    def user(i: int) -> None:
        start.wait()
        t0 = time.perf_counter()
        try:
            for part in pipe.stream(questions[i]["question"], _history(questions[i]), "generative", drafts=True):
                now = time.perf_counter() - t0
                if useful[i] is None:
                    useful[i] = now
                if generated[i] is None and not isinstance(part, Draft):
                    generated[i] = now
                if isinstance(part, Answer):
                    break
        except Exception as exc:  # a failure is a figure too: reported, never hidden
            errors.append(f"{questions[i]['id']}: {type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=user, args=(i,)) for i in range(users)]
    for t in threads:
        t.start()
    t0 = time.perf_counter()
    start.wait()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    useful_s = [x for x in useful if x is not None]
    generated_s = [x for x in generated if x is not None]
    out = {"users": users, "wall_s": wall, "errors": errors,
           "first_useful_p50_s": p50(useful_s), "first_useful_p95_s": pct(useful_s, 0.95),
           "first_generated_p50_s": p50(generated_s), "first_generated_p95_s": pct(generated_s, 0.95)}
    log(f"  {users} users at once: quotes shown p50 {out['first_useful_p50_s']:.2f} s / p95 "
        f"{out['first_useful_p95_s']:.2f} s; model's first words p95 {out['first_generated_p95_s']:.1f} s; "
        f"all done in {wall:.1f} s{'; errors: ' + '; '.join(errors) if errors else ''}")
    return out


def baseline(articles: list, embedder, llm, items: list[dict]) -> dict:
    """The LlamaIndex CitationQueryEngine baseline on the same questions."""
    from evaluation.baseline import Baseline

    t0 = time.perf_counter()
    base = Baseline(articles, llm, embedder)
    setup = time.perf_counter() - t0
    lat, rows = [], []
    for i, item in enumerate(items, 1):
        t0 = time.perf_counter()
        a = base.ask(item["question"], _history(item))
        took = time.perf_counter() - t0
        lat.append(took)
        rows.append({"id": item["id"], "seconds": took, "answered": a.answered})
        log(f"  baseline {i}/{len(items)} {item['id']}: {took:.1f} s")
    return {"p50_s": p50(lat), "p95_s": pct(lat, 0.95), "setup_s": setup, "questions": len(items), "rows": rows}


def llm_profile(settings, embedder, llm, items: list[dict]) -> dict:
    """Where the generative time goes, measured inside one answer's LLM call: prompt tokens
    (system prompt, cached, vs new), prompt-evaluation and decoding rates, and the time the call
    takes after its last token (llama-cpp-python saving its prompt cache)."""
    from qa import compose
    from qa.pipeline import Pipeline

    llama = getattr(llm, "_llama", None)
    if llama is None:
        return {}

    def tokens(msgs) -> int:
        text = "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in msgs)
        return len(llama.tokenize(text.encode(), add_bos=False, special=True))

    pipe = Pipeline(settings, embedder=embedder, llm=llm)
    if hasattr(pipe, "warm_up"):
        pipe.warm_up()  # the system prompt back in the context, as in a server between questions
    system = tokens(compose.prompt_messages("x", [])[:1])
    rows = []
    for k, item in enumerate(items):
        q = item["question"]
        ev = pipe.evidence(q)
        msgs = compose.prompt_messages(q, ev.quotes, ev.question.open)
        # A nonce right after the system prompt: nothing but the system prompt can come from a cache.
        msgs = [msgs[0], {**msgs[1], "content": f"(probe {k} {time.time_ns()})\n" + msgs[1]["content"]}]
        n = tokens(msgs)
        t0 = time.perf_counter()
        first = last = None
        out = ""
        for delta in llm.stream(msgs, max_tokens=settings.max_answer_tokens, stop=["\n\n", "Question:", "Quotes:"]):
            last = time.perf_counter() - t0
            first = first if first is not None else last
            out += delta
        end = time.perf_counter() - t0
        n_out = len(llama.tokenize(out.encode(), add_bos=False)) if out else 0
        rows.append({"prompt": n, "new": n - system, "first": first or end, "last": last or end, "end": end,
                     "out": n_out})
    med = lambda key: p50([r[key] for r in rows])  # noqa: E731
    decode = [(r["out"] - 1) / (r["last"] - r["first"]) for r in rows if r["out"] > 1 and r["last"] > r["first"]]
    return {"prompt_tokens_p50": med("prompt"), "system_prompt_tokens": system, "new_prompt_tokens_p50": med("new"),
            "first_token_s_p50": med("first"), "prompt_eval_tokens_per_s": p50([r["new"] / r["first"] for r in rows]),
            "answer_tokens_p50": med("out"), "decode_tokens_per_s": p50(decode),
            "after_last_token_s_p50": p50([r["end"] - r["last"] for r in rows]), "rows": rows}


# -- the chat server's memory ----------------------------------------------------------------
def chat_server_rss(src_home: Path, work: Path, ext: list[dict], gen: list[dict], cwd: Path,
                    encoder: str | None = None, relabel: str | None = None) -> dict:
    """Peak RSS (VmHWM) of `sourcebook chat` after answering golden questions through /ask.

    The server gets its own SOURCEBOOK_HOME: a copy of the benchmark corpus's index (made after
    this process has let go of it), so it answers over the whole corpus. `encoder` sets its
    SOURCEBOOK_ENCODER; `relabel` marks the copy as made by that encoder, so that a server with
    the other encoder measures memory without re-embedding the corpus first (the two encoders'
    vectors are within 0.02 in cosine: the answers barely move, and only memory is measured)."""
    from chromadb.api.client import SharedSystemClient

    from .procs import RssSampler, chat_server, proc_status, rss_breakdown

    home = work / "chat-home"
    forget_store(IndexSettings(home=src_home))
    SharedSystemClient.clear_system_cache()
    shutil.rmtree(home, ignore_errors=True)
    shutil.copytree(src_home, home)
    if relabel:
        copy = IndexSettings(home=home)
        open_store(copy).set_encoder(relabel)
        forget_store(copy)
    try:
        from gradio_client import Client

        import ui.app  # noqa: F401  (the chat UI exists)
    except ImportError as exc:
        log(f"  no chat UI ({exc}): measuring a plain pipeline process instead")
        return pipeline_process_rss(home, ext, gen, cwd, encoder)
    t0 = time.perf_counter()
    with chat_server(home, work / f"chat-server-{encoder or 'default'}.log", cwd, encoder) as (url, pid):
        started = time.perf_counter() - t0
        with RssSampler(pid) as sampler:
            marks = {"started": proc_status(pid).get("VmRSS", 0) / 1024}
            settle = _wait_settled(pid)
            marks["warmed_up"] = proc_status(pid).get("VmRSS", 0) / 1024
            client = Client(url, verbose=False)
            lat_e, lat_g, errors = [], [], []
            for item in ext:
                t1 = time.perf_counter()
                try:
                    client.predict(item["question"], "extractive", api_name="/ask")
                except Exception as exc:  # a question the server refuses is still a data point
                    errors.append(f"{item['id']}: {exc}")
                lat_e.append(time.perf_counter() - t1)
            marks["after_extractive"] = proc_status(pid).get("VmRSS", 0) / 1024
            for i, item in enumerate(gen, 1):
                t1 = time.perf_counter()
                try:
                    client.predict(item["question"], "generative", api_name="/ask")
                except Exception as exc:
                    errors.append(f"{item['id']}: {exc}")
                lat_g.append(time.perf_counter() - t1)
                log(f"  chat server generative {i}/{len(gen)}: {lat_g[-1]:.1f} s")
            status = proc_status(pid)
            marks["after_generative"] = status.get("VmRSS", 0) / 1024
            parts = rss_breakdown(pid)
    out = {"peak_rss_mb": status.get("VmHWM", 0) / 1024, "sampled_max_rss_mb": sampler.max_mb(),
           "rss_mb_at": marks, "startup_s": started, "warm_up_s": settle, "extractive_questions": len(ext),
           "generative_questions": len(gen), "api_extractive_p50_s": p50(lat_e), "api_generative_p50_s": p50(lat_g),
           "errors": errors[:5], "how": "sourcebook chat + gradio_client /ask", "rss_by_mapping_mb": parts,
           "encoder": encoder}
    log(f"  chat server ({encoder or 'default'} encoder): peak RSS {out['peak_rss_mb']:.0f} MB (started {marks['started']:.0f}, after extractive "
        f"{marks['after_extractive']:.0f}, after generative {marks['after_generative']:.0f} MB); /ask p50 "
        f"extractive {p50(lat_e):.2f} s, generative {p50(lat_g):.1f} s")
    log("  resident now, by mapping: " + ", ".join(f"{k} {v:.0f} MB" for k, v in parts))
    if errors:
        log(f"  {len(errors)} /ask errors, e.g. {errors[0][:200]}")
    return out


def _wait_settled(pid: int, limit: float = 90.0) -> float:
    """Wait until the server's start-up warm-up is done (its RSS stops growing): questions
    sent while it loads the models would race it. Returns the seconds waited."""
    from .procs import proc_status

    t0 = time.perf_counter()
    last, still = proc_status(pid).get("VmRSS", 0), 0.0
    while time.perf_counter() - t0 < limit:
        time.sleep(0.5)
        rss = proc_status(pid).get("VmRSS", 0)
        still = still + 0.5 if abs(rss - last) < 4096 else 0.0
        last = rss
        if still >= 3.0:
            break
    return time.perf_counter() - t0


def pipeline_process_rss(home: Path, ext: list[dict], gen: list[dict], cwd: Path, encoder: str | None = None) -> dict:
    """Fallback when there is no chat UI: a `python -c` process runs the pipeline."""
    import json
    import os
    import subprocess
    import sys

    code = (
        "import json, sys\n"
        "from qa.pipeline import default_pipeline\n"
        "ext, gen = json.loads(sys.argv[1]), json.loads(sys.argv[2])\n"
        "from qa import QASettings\n"
        "p = default_pipeline(QASettings.from_env())\n"
        "[p.ask(q, None, 'extractive') for q in ext]\n"
        "[p.ask(q, None, 'generative') for q in gen]\n"
        "st = dict(l.split(':', 1) for l in open('/proc/self/status') if l.startswith('Vm'))\n"
        "print(json.dumps({k: int(v.split()[0]) for k, v in st.items()}))\n")
    env = {**os.environ, "SOURCEBOOK_HOME": str(home), **({"SOURCEBOOK_ENCODER": encoder} if encoder else {})}
    res = subprocess.run([sys.executable, "-c", code, json.dumps([g["question"] for g in ext]),
                          json.dumps([g["question"] for g in gen])], capture_output=True, text=True, env=env,
                         cwd=str(cwd), timeout=3600)
    if res.returncode != 0:
        raise RuntimeError(f"pipeline process failed: {res.stderr[-2000:]}")
    st = json.loads(res.stdout.strip().splitlines()[-1])
    return {"peak_rss_mb": st["VmHWM"] / 1024, "how": "python -c pipeline (no chat UI)",
            "extractive_questions": len(ext), "generative_questions": len(gen)}
