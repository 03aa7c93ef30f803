"""`build_index`: keep the index in step with folders of articles.

Incremental by content hash: an unchanged file is not even parsed, only chunks whose id
(content-derived) has no stored vector are embedded, and files gone from an indexed folder
are pruned (articles indexed from other folders are left alone). See store.py for why a
crash at any point leaves the previous index answering.

An index records which encoder made its vectors (torch and int8 ONNX MiniLM vectors differ
slightly): a run with another encoder re-embeds every chunk, so one index never mixes the two.
Until that run completes the index is marked as being re-embedded, so an interrupted switch is
redone by the next run whichever encoder it uses.
"""
from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from .chunking import Chunk, article_sentences, chunk_article, sentences_in
from .embed import Embedder, get_embedder
from .loaders import SUPPORTED, Article, LoadError, content_hash, load_bytes
from .settings import IndexSettings
from .store import Store, open_store

log = logging.getLogger(__name__)


@dataclass
class IndexReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    chunks_embedded: int = 0
    chunks_total: int = 0
    seconds: float = 0.0
    embed_seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def chunks_per_second(self) -> float:
        return self.chunks_embedded / self.embed_seconds if self.embed_seconds > 0 else 0.0

    def summary(self) -> str:
        line = (f"added {len(self.added)} · updated {len(self.updated)} · unchanged {len(self.unchanged)} · "
                f"removed {len(self.removed)} · failed {len(self.failed)} — {self.chunks_embedded} chunks embedded "
                f"({self.chunks_per_second:.0f} chunks/s), {self.chunks_total} chunks in the index, {self.seconds:.1f} s in all")
        return line


def _discover(path: Path, report: IndexReport) -> list[tuple[Path, Path]]:
    """(root, file) pairs under path; symlinks leaving the root are not followed."""
    path = path.expanduser()
    if not path.exists():
        raise FileNotFoundError(f"No such file or folder: {path}")
    if path.is_file():
        return [(path.parent.resolve(), path)]
    root = path.resolve()
    found = []
    for dirpath, dirnames, filenames in os.walk(path, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith(".") or name.endswith(".jsonl"):
                continue
            f = Path(dirpath) / name
            rel = f.relative_to(path).as_posix()
            if f.is_symlink():
                target = f.resolve()
                if not target.is_relative_to(root):
                    report.skipped[rel] = "symlink pointing outside the folder (not followed)"
                    continue
            if f.suffix.lower() not in SUPPORTED:
                report.skipped[rel] = f"unsupported type {f.suffix or '(none)'}"
                continue
            found.append((root, f))
    return found


def _source_of(root: Path, file: Path) -> str:
    return file.resolve().relative_to(root).as_posix() if file.resolve().is_relative_to(root) else file.name


def build_index(paths: list[str | Path] | str | Path, *, settings: IndexSettings | None = None,
                prune: bool = True, progress: bool = False, embedder: Embedder | None = None,
                store: Store | None = None) -> IndexReport:
    """Index files and folders; returns what changed. Raises StoreError for a broken store."""
    t0 = time.perf_counter()
    settings = settings or IndexSettings.from_env()
    store = store or open_store(settings)
    embedder = embedder or get_embedder(settings)
    if isinstance(paths, (str, Path)):
        paths = [paths]
    report = IndexReport()
    store.migrate_nodes()
    known = store.article_hashes()

    files: list[tuple[Path, Path]] = []
    roots: set[str] = set()
    for p in paths:
        p = Path(p)
        files.extend(_discover(p, report))
        if p.is_dir():
            roots.add(str(p.resolve()))

    changed: list[tuple[Article, str]] = []
    present: set[str] = set()
    for root, f in files:
        source = _source_of(root, f)
        present.add(source)
        try:
            size = f.stat().st_size
            if size > settings.max_file_bytes:
                raise LoadError(f"too large ({size / 2**20:.1f} MB; the limit is {settings.max_file_bytes / 2**20:.0f} MB)")
            data = f.read_bytes()
            old = known.get(source)
            if old and old[0] == content_hash(data):
                report.unchanged.append(source)
                continue
            article = load_bytes(data, source)
        except (LoadError, OSError) as exc:
            report.failed[source] = str(exc)
            log.warning("skipped %s: %s", source, exc)
            continue
        (report.updated if source in known else report.added).append(source)
        changed.append((article, str(root)))

    removals = []
    if prune:
        removals = [s for s, (_, root) in known.items() if root in roots and s not in present]
    report.removed = removals

    count = None
    try:
        count = embedder.count_tokens
    except AttributeError:
        pass
    upserts: list[tuple[Article, str, list[Chunk]]] = []
    for article, root in changed:
        chunks = chunk_article(article, settings.chunk_tokens, settings.overlap_sentences, count)
        upserts.append((article, root, chunks))

    new_chunks = [c for _, _, cs in upserts for c in cs]
    crashed_before = store.is_dirty()
    store.mark_dirty(True)
    made_by = store.encoder()
    moved: list[Chunk] = []   # kept vectors of changed articles: their nodes' offsets may have moved
    if made_by not in (None, embedder.id):
        # Every vector is remade, articles kept and changed alike: nothing is lost, nothing mixed.
        leaving = {a.source for a, _, _ in upserts} | set(removals)
        kept = [c for c in store.all_chunks() if c.source not in leaving]
        log.warning("this index's vectors were made by the %s encoder, not %s (SOURCEBOOK_ENCODER): re-embedding "
                    "all %d chunks (set SOURCEBOOK_ENCODER back to keep the old vectors)", made_by, embedder.id,
                    len(kept) + len(new_chunks))
        store.set_encoder(f"{embedder.id} (re-embedding, incomplete)")
        todo = kept + new_chunks
    else:
        ids = [c.id for c in new_chunks]
        have = store.existing_vector_ids(ids) & store.ids_with_sentence_vectors(ids) if new_chunks else set()
        todo = [c for c in new_chunks if c.id not in have]
        moved = [c for c in new_chunks if c.id in have]
        # An index made before sentence vectors were stored gets them, once.
        changing = {a.source for a, _, _ in upserts} | set(removals)
        older = [c for c in store.chunks_without_sentence_vectors() if c.source not in changing]
        if older:
            log.info("this index predates stored sentence vectors: adding them to its %d chunks", len(older))
            todo += older
    published = {a.source: a.published for a, _, _ in upserts}
    if todo:
        log.info("embedding %d chunks", len(todo))
        sentences = {a.source: article_sentences(a) for a, _, _ in upserts}
        for source in {c.source for c in todo} - sentences.keys():
            art = store.get_article(source)
            sentences[source] = article_sentences(art) if art else []
            published[source] = art.published if art else None
        embedder.load()  # outside the timed part: chunks/s is the indexing rate
        t_embed = time.perf_counter()
        _embed_and_store(store, embedder, todo, sentences, published, settings.batch_size, progress)
        report.embed_seconds = time.perf_counter() - t_embed
    report.chunks_embedded = len(todo)
    store.refresh_nodes(moved, published)   # before the commit, so a crash leaves them to redo

    old_ids = [i for s in [a.source for a, _, _ in upserts] + removals for i in store.chunk_ids(s)]
    store.commit(upserts, removals)
    keep = {c.id for c in new_chunks}
    store.delete_vectors([i for i in old_ids if i not in keep])
    if crashed_before:
        log.info("a previous run did not finish: removed %d orphaned vectors", store.collect_garbage())
    report.chunks_total = store.count_chunks()
    if report.chunks_total or made_by is not None:
        store.set_encoder(embedder.id)
    store.mark_dirty(False)
    report.seconds = time.perf_counter() - t0
    return report


def _embed_and_store(store: Store, embedder: Embedder, chunks: list[Chunk], sentences: dict[str, list[tuple[int, int]]],
                     published: dict[str, str | None], batch_size: int, progress: bool) -> None:
    """Each chunk's vector and, from the same pass, its sentences' (answering reads those, so it
    never embeds article text: see Embedder.encode_with_spans)."""
    from tqdm import tqdm

    # Embed in slices so a long run writes vectors as it goes and shows steady progress; longest
    # first over the whole run, so that every batch holds texts of like length, as one encode
    # call over all of them would (padding is computed like any token). Sorted only within each
    # slice, a bench run embedded 25.8 chunks/s against 38.6 for the raw encode of the same texts.
    chunks = sorted(chunks, key=lambda c: -len(c.embed_text))
    step = max(batch_size * 8, 256)
    t0, said = time.perf_counter(), time.perf_counter()
    with tqdm(total=len(chunks), unit="chunk", desc="Embedding", disable=not progress) as bar:
        for i in range(0, len(chunks), step):
            part = chunks[i:i + step]
            spans = [sentences_in(c, sentences.get(c.source, [])) for c in part]
            # The sentence spans in the text the model reads (the title comes first).
            shifted = [[(s + len(c.title) + 1, e + len(c.title) + 1) for s, e in sp] for c, sp in zip(part, spans)]
            vecs, svecs = embedder.encode_with_spans([c.embed_text for c in part], shifted, batch_size=batch_size)
            store.add_vectors(part, vecs, published)
            store.add_sentence_vectors(part, spans, svecs)
            bar.update(len(part))
            done, now = i + len(part), time.perf_counter()
            if not progress and now - said > 30 and done < len(chunks):  # a log line when no bar shows
                rate = done / (now - t0)
                log.info("embedded %d of %d chunks (%.0f chunks/s, about %.0f s to go)", done, len(chunks), rate,
                         (len(chunks) - done) / rate)
                said = now


def remove_articles(sources: list[str], *, settings: IndexSettings | None = None) -> list[str]:
    """Remove articles from the index by source; returns those that were indexed.

    An article uploaded through the web library is deleted from the data folder's uploads/
    too: that copy is Sourcebook's own, and nothing else would ever remove it. Files indexed
    from anywhere else are left alone."""
    settings = settings or IndexSettings.from_env()
    store = open_store(settings)
    known = store.article_hashes()
    gone = [s for s in sources if s in known]
    old_ids = [i for s in gone for i in store.chunk_ids(s)]
    store.commit([], gone)
    store.delete_vectors(old_ids)
    uploads = settings.uploads_path.resolve()
    for source in gone:
        path = (uploads / source).resolve()
        if Path(known[source][1]).resolve() == uploads and path.is_relative_to(uploads):
            path.unlink(missing_ok=True)
    return gone
