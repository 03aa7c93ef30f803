"""`sourcebook` command line: index, ask, chat, eval. Configures logging; the layers don't."""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys


def _settings(args):
    from qa import QASettings

    overrides = {}
    if getattr(args, "mode", None):
        overrides["mode"] = args.mode
    if getattr(args, "top_k", None):
        overrides["top_k"] = args.top_k
    if getattr(args, "quotes", None):
        overrides["n_quotes"] = args.quotes
    return QASettings.from_env(**overrides)


def cmd_index(args) -> int:
    from index import IndexSettings, build_index, list_articles, open_store, remove_articles
    from index.store import forget_store

    settings = IndexSettings.from_env()
    if args.list:
        for a in list_articles(settings=settings):
            print(f"{a['source']}\t{a['published'] or '-'}\t{a['chunks']} chunks\t{a['title']}")
        return 0
    if args.remove:
        gone = remove_articles(args.remove, settings=settings)
        print(f"removed {len(gone)}: {', '.join(gone) or '(none indexed under those names)'}")
        return 0 if gone else 1
    if not args.paths:
        print("error: name a folder or files to index, e.g. `sourcebook index seeds`", file=sys.stderr)
        return 2
    if args.rebuild:
        open_store(settings).reset()
        forget_store(settings)
    progress = sys.stderr.isatty() or args.progress
    report = build_index(args.paths, settings=settings, prune=not args.no_prune, progress=progress)
    from qa.readings import PROCESSES, read_index

    read_index(settings, progress, PROCESSES)   # spaCy reads the new sentences now, not in the first answers
    for source, why in sorted(report.skipped.items()):
        print(f"skipped {source}: {why}")
    for source, why in sorted(report.failed.items()):
        print(f"failed  {source}: {why}")
    print(report.summary())
    return 0 if report.ok else 1


def print_answer(answer, as_json: bool) -> None:
    if as_json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
        return
    print(answer.display())
    if answer.citations:
        print()
    for c in answer.citations:
        date = f" ({c.published})" if c.published else ""
        print(f"[{c.n}] {c.title}{date} — \"{c.quote}\"")
    for note in answer.notes:
        print(f"note: {note}", file=sys.stderr)


def cmd_ask(args) -> int:
    from qa import Answer, Partial
    from qa.pipeline import default_pipeline

    pipe = default_pipeline(_settings(args))
    question = " ".join(args.question)
    # fallback: with no model, generative (asked for or configured) answers extractively, with a note.
    if args.json:
        print_answer(pipe.ask(question, mode=args.mode, fallback=True, sources=args.sources), True)
        return 0
    answer = None
    shown = 0
    for item in pipe.stream(question, mode=args.mode, fallback=True, sources=args.sources):
        if isinstance(item, Partial):
            if sys.stdout.isatty():
                sys.stdout.write(item.text[shown:])
                sys.stdout.flush()
                shown = len(item.text)
        elif isinstance(item, Answer):
            answer = item
    if shown:
        sys.stdout.write("\r\033[J" if sys.stdout.isatty() else "\n")
        # The verified answer replaces the raw stream.
        print("\n--- verified answer ---")
    print_answer(answer, False)
    return 0


def cmd_chat(args) -> int:
    from ui.app import serve

    return serve(host=args.host, port=args.port, auth=args.auth, share=args.share)


def export_rated(args) -> int:
    """`eval --export-rated FILE`: the chat's rated answers as golden-set lines for review."""
    from index import IndexSettings
    from ui.conversations import ConversationError, default_store
    from ui.feedback import export_rated as write

    store = default_store(IndexSettings.from_env().home)
    if not store.path.is_file():
        print(f"error: no ratings yet: {store.path} does not exist (rate answers in the chat first)", file=sys.stderr)
        return 1
    try:
        n = write(store, args.export_rated, args.rated)
    except (ConversationError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{n} rated answer{'s' if n != 1 else ''} written to {args.export_rated} (golden-set lines: fill in "
          "'facts' and check each before adding it to a golden set)")
    return 0


def cmd_eval(args) -> int:
    if args.export_rated:
        return export_rated(args)
    try:
        from evaluation.golden import main as eval_main
        import rich  # noqa: F401  (the evaluation extras: reports)
    except ImportError as exc:
        print(f"error: `sourcebook eval` needs the evaluation extras ({exc.name} is missing): "
              f"pip install -e '.[eval]' (make setup installs them)", file=sys.stderr)
        return 2

    return eval_main(args)


def build_parser() -> argparse.ArgumentParser:
    from qa.modes import Mode   # light: no model, no index

    p = argparse.ArgumentParser(prog="sourcebook", description="Ask questions about news articles; answers cite verbatim quotes.")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = p.add_subparsers(dest="command", required=True)

    pi = sub.add_parser("index", help="index files or folders of articles (.txt .md .html .pdf)")
    pi.add_argument("paths", nargs="*")
    pi.add_argument("--no-prune", action="store_true", help="keep articles whose files are gone from the folder")
    pi.add_argument("--rebuild", action="store_true", help="drop the index and build it anew")
    pi.add_argument("--list", action="store_true", help="list the indexed articles")
    pi.add_argument("--remove", nargs="+", metavar="SOURCE",
                    help="remove articles from the index (a copy uploaded through the web library is deleted too)")
    pi.add_argument("--progress", action="store_true", help="show a progress bar even when not on a terminal")
    pi.set_defaults(func=cmd_index)

    pa = sub.add_parser("ask", help="ask a question")
    pa.add_argument("question", nargs="+")
    pa.add_argument("--mode", choices=[m.value for m in Mode])
    pa.add_argument("--json", action="store_true", help="print the Answer as JSON")
    pa.add_argument("--top-k", type=int)
    pa.add_argument("--quotes", type=int)
    pa.add_argument("--source", action="append", metavar="SOURCE", dest="sources",
                    help="ask over this article only (repeat for several; `index --list` shows them)")
    pa.set_defaults(func=cmd_ask)

    pc = sub.add_parser("chat", help="serve the chat in the browser")
    pc.add_argument("--host", default="127.0.0.1")
    pc.add_argument("--port", type=int, default=7860)
    pc.add_argument("--auth", metavar="USER:PASS")
    pc.add_argument("--share", action="store_true", help="create a public Gradio share link (off by default)")
    pc.set_defaults(func=cmd_chat)

    pe = sub.add_parser("eval", help="evaluate on a golden Q&A set")
    pe.add_argument("--golden", default=None, help="JSONL golden set (default: seeds/golden.jsonl)")
    pe.add_argument("--mode", choices=[m.value for m in Mode])
    pe.add_argument("--baseline", action="store_true", help="also run a plain LlamaIndex CitationQueryEngine")
    pe.add_argument("--out", default="eval-out", help="folder for report.json and report.html")
    pe.add_argument("--limit", type=int, help="only the first N questions")
    pe.add_argument("--corpus", metavar="DIR", help="a folder of articles (or a data set folder holding corpus/ and "
                    "questions.jsonl) to index into its own data folder and evaluate on")
    pe.add_argument("--questions", metavar="FILE", help="with --corpus: the questions file (JSON lines with id, "
                    "question, answers, answerable, story, split)")
    pe.add_argument("--split", default="dev", choices=["dev", "check", "all"], help="with --corpus: which split")
    pe.add_argument("--export-rated", metavar="FILE", help="write the answers rated in the chat as golden-set lines "
                    "(JSONL) for review, instead of evaluating")
    pe.add_argument("--rated", default="all", choices=["all", "up", "down"], help="with --export-rated: which ratings")
    pe.set_defaults(func=cmd_eval)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    for noisy in ("httpx", "chromadb", "urllib3", "sentence_transformers", "bm25s", "transformers"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    from index import StoreError
    from qa import LLMUnavailable

    try:
        return args.func(args)
    except (ValueError, StoreError, LLMUnavailable, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
