"""The two encoders side by side (issue 14): indexing speed on the same articles, and retrieval
quality (recall@8, MRR) on the golden set and the `dev` splits of NewsQA and SQuAD 2.0, in one run."""
from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from index import IndexSettings, build_index
from index.store import open_store

from .benches import fresh_home
from .progress import log



def encoder_speed(corpus: Path, work: Path, embedders: dict, n_articles: int) -> dict:
    """`build_index` of the same articles into a fresh index with each encoder, and each encoder's
    raw encode of the same chunk texts: chunks/s, and the ratio between the encoders."""
    sample = work / "encoder-sample"
    shutil.rmtree(sample, ignore_errors=True)
    sample.mkdir(parents=True)
    files = sorted(corpus.glob("*.txt"))
    for f in files[::max(1, len(files) // max(1, n_articles))][:n_articles]:   # spread over the families
        shutil.copy(f, sample / f.name)
    out: dict = {"articles": len(list(sample.glob("*.txt")))}
    for name, emb in embedders.items():
        emb.load()
        emb.encode(["warm-up sentence for the benchmark"] * 8)
    for name, emb in embedders.items():
        settings = fresh_home(work / f"encoder-home-{name}")
        log(f"encoders: indexing {out['articles']} articles with {name} ...")
        t0 = time.perf_counter()
        report = build_index([sample], settings=settings, embedder=emb)
        took = time.perf_counter() - t0
        texts = [c.embed_text for c in open_store(settings).all_chunks()]
        t0 = time.perf_counter()
        emb.encode(texts, batch_size=settings.batch_size)
        raw = time.perf_counter() - t0
        out[name] = {"chunks": report.chunks_embedded, "index_seconds": took,
                     "index_chunks_per_s": report.chunks_embedded / took, "encode_chunks_per_s": len(texts) / raw}
        out[name]["index_vs_encode_ratio"] = out[name]["index_chunks_per_s"] / out[name]["encode_chunks_per_s"]
        log(f"  {name}: index {out[name]['index_chunks_per_s']:.1f} chunks/s, raw encode "
            f"{out[name]['encode_chunks_per_s']:.1f} chunks/s ({report.chunks_embedded} chunks)")
    for name in [n for n in embedders if n != "torch" and "torch" in out]:
        sfx = "" if name == "onnx" else f"_{name}"      # the default encoder's figures carry no suffix
        out[f"index_speedup{sfx}"] = out[name]["index_chunks_per_s"] / out["torch"]["index_chunks_per_s"]
        out[f"encode_speedup{sfx}"] = out[name]["encode_chunks_per_s"] / out["torch"]["encode_chunks_per_s"]
        log(f"  {name}/torch: indexing {out[f'index_speedup{sfx}']:.2f}x, raw encode {out[f'encode_speedup{sfx}']:.2f}x")
    return out


def _ranks(retriever, items: list[dict], gold) -> list[int | None]:
    """1-based rank of the first of the top-k chunks that `gold(item, chunk)` accepts, per item."""
    ranks = []
    for item in items:
        hits = retriever(item["question"])
        ranks.append(next((r for r, c in enumerate(hits, 1) if gold(item, c)), None))
    return ranks


def _scores(ranks: list[int | None]) -> dict:
    n = max(1, len(ranks))
    return {"recall@8": sum(r is not None for r in ranks) / n, "mrr": sum(1 / r for r in ranks if r) / n,
            "questions": len(ranks)}


def retrieval_quality(embedders: dict, work: Path, root: Path, top_k: int = 8) -> dict:
    """Recall@k and MRR of hybrid retrieval (what answers read) and of dense retrieval alone,
    per encoder: golden questions without history (gold: a chunk holding an evidence quote), and
    the answerable `dev` questions of NewsQA and SQuAD 2.0 (gold: a chunk of the gold story holding
    an answer; never the `check` split)."""
    from qa.retrieve import HybridRetriever

    data = root.parent / "shared" / "data"   # the development data beside the checkout

    def lines(path: Path) -> list[dict]:
        return [json.loads(l) for l in path.read_text().splitlines() if l.strip()]

    def dev(name: str) -> list[dict]:
        return [q for q in lines(data / name / "questions.jsonl") if q["split"] == "dev" and q["answerable"]]

    golden = [g for g in lines(root / "seeds" / "golden.jsonl") if g.get("evidence") and not g.get("history")]

    def gold_golden(item, c) -> bool:
        return any(c.source == ev["source"] and (ev["quote"] in c.text or c.text in ev["quote"])
                   for ev in item["evidence"])

    def gold_story(item, c) -> bool:
        return c.source == item["story"] and any(a.lower() in c.text.lower() for a in item["answers"])

    sets = [("golden", root / "seeds", golden, gold_golden)]
    for set_name, folder in (("newsqa_dev", "newsqa-dev"), ("squad_dev", "squad2-dev")):
        if (data / folder / "questions.jsonl").is_file():
            sets.append((set_name, data / folder / "corpus", dev(folder), gold_story))
        else:   # a clone without the development data beside it (CI): the golden set only
            log(f"encoders: no {data / folder}: its retrieval quality is not measured")
    out: dict = {}
    for name, emb in embedders.items():
        for set_name, folder, items, gold in sets:
            settings = fresh_home(work / f"quality-{set_name}-{name}")
            build_index([folder], settings=settings, embedder=emb)
            store = open_store(settings)
            hybrid = HybridRetriever(store, emb, top_k)

            def dense(q: str) -> list:
                ids = [i for i, _ in store.query_vectors(emb.encode([q])[0], top_k)]
                found = store.chunks_by_id(ids)
                return [found[i] for i in ids if i in found]

            out[f"{set_name}_{name}"] = {
                "hybrid": _scores(_ranks(lambda q: [h.chunk for h in hybrid.retrieve(q)], items, gold)),
                "dense": _scores(_ranks(dense, items, gold))}
            s = out[f"{set_name}_{name}"]
            log(f"  quality {set_name} {name}: hybrid recall@{top_k} {s['hybrid']['recall@8']:.3f} MRR "
                f"{s['hybrid']['mrr']:.3f}; dense recall@{top_k} {s['dense']['recall@8']:.3f} MRR {s['dense']['mrr']:.3f}")
    for enc in [n for n in embedders if n != "torch" and "torch" in embedders]:
        sfx = "" if enc == "onnx" else f"_{enc}"
        deltas = {f"{s}_{kind}_{m}": 100 * (out[f"{s}_{enc}"][kind][m] - out[f"{s}_torch"][kind][m])
                  for s, *_ in sets for kind in ("hybrid", "dense") for m in ("recall@8", "mrr")}
        out[f"deltas_pts{sfx}"] = deltas
        out[f"max_abs_delta_pts{sfx}"] = max(abs(v) for v in deltas.values())
        # The goal: what answering reads (hybrid retrieval) loses, at most, on any set and measure.
        out[f"max_hybrid_loss_pts{sfx}"] = max(0.0, *(-v for k, v in deltas.items() if "_hybrid_" in k))
        log(f"  {enc} - torch (points): " + ", ".join(f"{k} {v:+.1f}" for k, v in deltas.items()))
    return out
