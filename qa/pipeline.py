"""The answering pipeline: condense -> retrieve -> select evidence -> compose -> verify.

`Pipeline` holds its collaborators (store, embedder, LLM); `ask`/`stream_ask` in
`qa/__init__.py` use one default pipeline per settings, so models load once per process.
"""
from __future__ import annotations

import functools
import logging
import re
import threading
import time
import unicodedata
from pathlib import Path
from typing import Callable, Iterable, Iterator


from index import StoreError, build_index
from index.embed import Embedder, get_embedder
from index.runtime import RUNTIME, Runtime
from index.store import Store, open_store

from . import compose
from .condense import condense
from .prompts import ABSTAIN_TEXT, NOT_FOUND
from .conflicts import find_conflicts
from . import answerability
from .articles import Articles, SentenceVectors, mentions
from .evidence import Evidence, gather
from .nlp import NLP, shared_nlp
from .readings import READ_NOW, Readings, ReadingStore, read_articles, unread
from .question import HeadTyper, Question, analyse
from .llm import LLM, LLMUnavailable, make_llm, opening_probability, queued, turn
from .modes import Mode, ModeChoice, fallback_note, resolve_mode
from .retrieve import HybridRetriever
from .settings import MAX_QUESTION_CHARS, QASettings
from .types import Answer, Draft, Partial

log = logging.getLogger(__name__)


def clean_question(question: str) -> str:
    if not isinstance(question, str):
        raise ValueError("The question must be text.")
    q = re.sub(r"\x1b\[[0-9;?]*[ -/]*[@-~]", "", question)  # terminal colour codes pasted along
    q = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in q)
    q = re.sub(r"\s+", " ", q).strip()
    if not q or not any(ch.isalnum() for ch in q):
        raise ValueError("The question is empty: type a question about the articles.")
    if len(q) > MAX_QUESTION_CHARS:
        raise ValueError(f"The question is {len(q):,} characters long; the limit is {MAX_QUESTION_CHARS:,}. "
                         f"Ask a shorter question.")
    return q


def _default_seeds() -> Path | None:
    for p in (Path("seeds"), Path(__file__).resolve().parent.parent / "seeds"):
        if p.is_dir() and any(p.glob("*.txt")):
            return p
    return None


class Pipeline:
    def __init__(self, settings: QASettings, *, store: Store | None = None,
                 embedder: Embedder | None = None, llm: LLM | None = None, nlp: NLP | None = None,
                 answer_model: answerability.AnswerabilityModel | None = None, runtime: Runtime = RUNTIME) -> None:
        self.settings, self.runtime = settings, runtime
        self.store = store or open_store(self.settings.index, runtime)
        self.embedder = embedder or get_embedder(self.settings.index, runtime)
        self._llm = llm
        self._llm_error: str | None = None
        self.vectors = SentenceVectors(self.embedder, self.store)
        self.nlp = nlp or shared_nlp(runtime)
        self.head_typer = HeadTyper(self.embedder)
        self.readings = ReadingStore.beside(self.settings.index.home)
        self.articles = Articles(self.store, Readings(self.nlp, disk=self.readings))
        self._answer_model = answer_model
        # The passage ranker: "fitted" (from answerability.json), or one passed by evaluation/calibrate.py.
        self.ranker: answerability.Ranker | None | str = "fitted"
        self.retriever = HybridRetriever(self.store, self.embedder, self.settings.top_k)
        self._checked_version: int | None = None
        self._reembed_lock = threading.Lock()
        # Set once the models are loaded (by warm_up or a first answer): callers can tell the
        # user that a first answer waits for them.
        self.ready = threading.Event()

    # -- collaborators -------------------------------------------------------------------
    def llm(self, required: bool = False) -> LLM | None:
        if self._llm is None and self._llm_error is None:
            try:
                self._llm = make_llm(self.settings, self.runtime)
            except LLMUnavailable as exc:
                self._llm_error = str(exc)
        if self._llm is None and required:
            raise LLMUnavailable(self._llm_error or "No LLM configured.")
        return self._llm

    def answer_model(self) -> answerability.AnswerabilityModel:
        """The fitted answer model (passage ranker and answer-or-refuse): the one given, else
        the runtime's copy of qa/answerability.json."""
        return self._answer_model or self.runtime.shared(
            "answer-model", answerability.WEIGHTS_FILE, lambda: answerability.load(answerability.WEIGHTS_FILE))

    def resolve_mode(self, mode: Mode | str | None = None, *, fallback: bool = False) -> ModeChoice:
        """The mode to answer in (see qa/modes.py), with this pipeline's LLM as the one available."""
        return resolve_mode(mode, self.settings.mode, self._llm_problem, fallback=fallback)

    def _llm_problem(self) -> str | None:
        return None if self.llm() is not None else (self._llm_error or "No LLM configured.")

    def ensure_index(self) -> None:
        if self.store.count_chunks() == 0:
            seeds = self.settings.seeds_dir or _default_seeds()
            if seeds is None or not Path(seeds).is_dir():
                raise StoreError("No articles indexed yet: run `sourcebook index PATH` with a folder of articles.")
            log.info("the index is empty: indexing %s first", seeds)
            build_index([seeds], settings=self.settings.index, store=self.store, embedder=self.embedder)
            if self.store.count_chunks() == 0:
                raise StoreError(f"No articles indexed yet and none could be read from {seeds}: "
                                 f"run `sourcebook index PATH` with a folder of articles.")
        if self.store.encoder() != self.embedder.id:
            # Query vectors must come from the encoder that made the index's: re-embed it now
            # (logged, with progress) rather than answer from two vector spaces.
            with self._reembed_lock:
                if self.store.encoder() != self.embedder.id:
                    build_index([], settings=self.settings.index, store=self.store, embedder=self.embedder)
        version = self.store.version()
        if self._checked_version != version:
            self.store.check()
            with self._reembed_lock:   # once, however many requests see the new version (it logs)
                self.store.migrate_nodes()
            if self.store.count_missing_sentence_vectors():
                # An index from before sentence vectors were stored: add them once (logged), so
                # answering never embeds article text.
                with self._reembed_lock:
                    build_index([], settings=self.settings.index, store=self.store, embedder=self.embedder)
            if unread(self.store, self.readings):
                # Sentences indexed since they were last read (an upload, or an index made
                # without `sourcebook index`): read them once now (logged), not in each answer;
                # a whole unread library in the background (qa/readings.py).
                with self._reembed_lock:
                    if unread(self.store, self.readings):
                        read_articles(self.store, self.readings, self.nlp, wait_for=READ_NOW)
            self._checked_version = version

    def warm_up(self, progress: Callable[[str], None] | None = None) -> float:
        """Load the models and caches before the first question (the chat server calls this),
        including the LLM's evaluated system prompt, so the first answer is as fast as the rest.
        Says what it loads (log lines, and `progress` if given); returns the seconds it took."""
        t0 = time.perf_counter()

        def warm_llm() -> None:
            llm = self.llm()
            if llm is not None and self.resolve_mode().mode is Mode.GENERATIVE:
                "".join(llm.stream(compose.prompt_messages("Is this a warm-up?", []), max_tokens=1))

        steps = [("the article index", self.ensure_index),
                 ("the embedding model", lambda: self.embedder.encode(["warm up"])),
                 ("the language model for questions (spaCy)", lambda: self.nlp.parse("Is this a warm-up?")),
                 ("the keyword index", self.store.keywords),
                 ("the answer model (LLM)", warm_llm)]
        for name, step in steps:
            t1 = time.perf_counter()
            log.info("warm-up: loading %s ...", name)
            if progress is not None:
                progress(f"loading {name}")
            step()
            log.info("warm-up: %s ready in %.1f s", name, time.perf_counter() - t1)
        took = time.perf_counter() - t0
        self.ready.set()
        log.info("warm-up: ready in %.1f s", took)
        return took

    # -- answering -------------------------------------------------------------------------
    def analyse(self, question: str) -> Question:
        return analyse(question, self.nlp, self.head_typer)

    def library_filter(self, sources: Iterable[str] | str | None) -> frozenset[str] | None:
        """The articles a question is asked over, checked against the library: None means all.
        Raises ValueError for an empty choice or a source the library does not hold."""
        if sources is None:
            return None
        chosen = frozenset([sources] if isinstance(sources, str) else sources)
        if not chosen:
            raise ValueError("No articles chosen: choose at least one article to ask over, or none to ask over all.")
        known = {a["source"] for a in self.store.list_articles()}
        unknown = sorted(chosen - known)
        if unknown:
            raise ValueError(f"Not in the library: {', '.join(unknown)}. "
                             f"`sourcebook index --list` shows the articles you can ask over.")
        return chosen

    def evidence(self, standalone: str, timings: dict[str, float] | None = None,
                 sources: frozenset[str] | None = None) -> Evidence:
        """Retrieval and evidence for a standalone question, before the answer-or-refuse call;
        with `sources` (see library_filter), from those articles only."""
        t0 = time.perf_counter()
        question = self.analyse(standalone)
        # One pass of the encoder gives the question's vector and the word vectors alignment reads.
        qvec, qwords = self.embedder.encode_with_words(question.text)
        self.vectors.words.put(question.text, qwords)
        hits = self.retriever.retrieve(question.text, qvec, sources)
        if timings is not None:
            timings["retrieve"] = time.perf_counter() - t0
        n_quotes = self.settings.n_quotes + (1 if question.open else 0)
        ranker = self.answer_model().ranker if self.ranker == "fitted" else self.ranker
        return gather(question, qvec, hits, self.articles, self.vectors, self.store.keywords(), n_quotes, ranker)

    def decide(self, ev: Evidence, refusal: float | None = None) -> Evidence:
        """Answer or refuse, by the model fitted on development data (evaluation/calibrate.py);
        with `refusal`, the LLM's probability of replying "not in the articles" (see `judge`),
        by the fitted combination of both."""
        model = self.answer_model()
        if not ev.best:
            ev.answerable, ev.probability = False, 0.0
            return ev
        ev.answerable, ev.probability = model.decide(ev.features)
        if refusal is not None and model.judge is not None:
            ev.refusal = refusal
            ev.answerable, ev.probability = model.judge.decide(ev.probability, refusal)
        if _untyped(ev):
            ev.answerable = False
        if not ev.answerable:
            view = self.articles.get(ev.best[0].source)
            missing = [n for n in ev.question.entities if view is not None and not mentions(view, n)]
            if missing:
                ev.reason = f"the best-matching article never mentions {', '.join(missing)}"
            elif ev.question.typed and not ev.features.get("typed_found"):
                ev.reason = "no passage gives the kind of answer asked for"
            elif ev.refusal is not None and ev.refusal >= 0.5:
                ev.reason = "the language model finds no answer in the best passages"
            else:
                ev.reason = "no passage matches the question well enough"
        return ev

    def consults_judge(self, ev: Evidence) -> bool:
        """Whether `judge` asks the LLM about this evidence (see there)."""
        judge = self.answer_model().judge
        return bool(ev.best and judge is not None and not ev.features.get("entity_absent") and not _untyped(ev)
                    and judge.could_answer(ev.probability))

    def judge(self, ev: Evidence, llm: LLM, standalone: str) -> Evidence:
        """The decision again, with the LLM's reading: its probability of replying "not in the
        articles" to the very prompt it would answer (llama.cpp keeps that prompt evaluated,
        so the answer then starts at once). Unchanged when the backend gives no probabilities
        or no combination was fitted, when the evidence is too weak for any reading to answer
        (the model is not asked), and when the question names someone or something no
        retrieved article mentions: the model may answer about a quote that is about another
        (no question of the development sets with such a name was answered by the judge)."""
        if not self.consults_judge(ev):
            return ev
        messages = compose.answer_messages(ev, standalone)
        refusal = opening_probability(llm, messages, NOT_FOUND)
        return self.decide(ev, refusal) if refusal is not None else ev

    def stream(self, question: str, history: list[tuple[str, str]] | None = None,
               mode: Mode | str | None = None, drafts: bool = False, *,
               fallback: bool = False, sources: Iterable[str] | None = None) -> Iterator[Partial | Draft | Answer]:
        """Yields the answer text so far (a Partial, a str) while generating; the last item is the Answer. With
        `drafts`, whenever the model takes part, a Draft comes first: what the evidence alone says,
        ready in milliseconds, for the caller to show while the model reads and writes: its
        verified quotes (the final Answer may still refuse, see `judge`), or its refusal (the
        final Answer may still answer). With `fallback`, a
        missing or failing LLM gives an extractive answer with a note instead of LLMUnavailable
        (after a Draft or partial text when the model failed while writing). With `sources`,
        the question is asked over those articles only (source ids as the library lists them)."""
        question = clean_question(question)
        choice = self.resolve_mode(mode, fallback=fallback)
        self.ensure_index()
        chosen = self.library_filter(sources)
        try:
            yield from self._stream(question, history, choice, drafts, chosen)
        except LLMUnavailable as exc:
            # A model file that will not load, a server that went away: known only on use.
            if not fallback or choice.mode is Mode.EXTRACTIVE:
                raise
            log.warning("LLM unavailable, answering extractively: %s", exc)
            yield from self._stream(question, history, ModeChoice(Mode.EXTRACTIVE, fallback_note(str(exc))), False,
                                    chosen)

    def _stream(self, question: str, history: list[tuple[str, str]] | None, choice: ModeChoice,
                drafts: bool, sources: frozenset[str] | None) -> Iterator[Partial | Draft | Answer]:
        t = {}
        t0 = time.perf_counter()
        # A refusal is never context: "None of the indexed articles…" names nothing.
        history = [(str(q), str(a)) for q, a in (history or []) if q and not str(a).startswith(ABSTAIN_TEXT)]
        mode = choice.mode
        llm = self.llm(required=True) if mode is Mode.GENERATIVE else None
        self.ensure_index()

        standalone = condense(question, history, llm, self.nlp)
        t["condense"] = time.perf_counter() - t0
        t1 = time.perf_counter()
        ev = self.decide(self.evidence(standalone, t, sources))
        t["select"] = time.perf_counter() - t1 - t["retrieve"]

        base = dict(question=question, standalone_question=standalone, mode=mode.value)
        answer = None
        if mode is Mode.GENERATIVE and (ev.answerable or self.consults_judge(ev)):
            if drafts:
                # What the evidence alone says, on screen while the model reads: its verified
                # quotes, or its refusal (the model may still find the answer in the passages).
                draft = (compose.check_verbatim(compose.extractive(ev, **base), self.store) if ev.answerable
                         else compose.abstain(ev, **base))
                t["draft"] = time.perf_counter() - t0
                yield Draft(draft, ahead=queued(llm))
            # The model's reading and its answer in one turn: no other request's prompt is
            # evaluated between them, so the answer continues from the prompt the reading left.
            with turn(llm) as held:
                t1 = time.perf_counter()
                ev = self.judge(ev, held, standalone)
                t["judge"] = time.perf_counter() - t1
                if ev.answerable:
                    answer = yield from compose.generative(ev, held, self.vectors, self.settings, t, **base)
        if answer is None:
            answer = compose.extractive(ev, **base) if ev.answerable else compose.abstain(ev, **base)
        t1 = time.perf_counter()
        if answer.answered:
            answer.conflicts = compose.add_conflicts(
                answer, ev, functools.partial(find_conflicts, similarity=self.vectors.similarity))
        answer = compose.check_verbatim(answer, self.store)
        t["verify"] = t.get("verify", 0.0) + time.perf_counter() - t1
        t["total"] = time.perf_counter() - t0
        answer.timings = t
        if choice.note:
            answer.notes.append(choice.note)
        if mode is Mode.GENERATIVE:
            self.ready.set()
        yield answer

    def ask(self, question: str, history: list[tuple[str, str]] | None = None, mode: Mode | str | None = None,
            *, fallback: bool = False, sources: Iterable[str] | None = None) -> Answer:
        answer = None
        for item in self.stream(question, history, mode, fallback=fallback, sources=sources):
            answer = item
        assert isinstance(answer, Answer)
        return answer


def _untyped(ev: Evidence) -> bool:
    """"When…?" answered by no date, "How many…?" by no number: the premise is not stated, and
    the question is refused whatever the models read."""
    return ev.question.fixed_type and not ev.best[0].typed


def default_pipeline(settings: QASettings, runtime: Runtime = RUNTIME) -> Pipeline:
    """The runtime's pipeline for these settings (one each), so models and caches load once (the
    chat's warm-up thread and its first requests ask for it at the same moment)."""
    return runtime.shared("pipeline", settings, lambda: Pipeline(settings, runtime=runtime))
