"""LLM backends behind one small interface: `stream(messages, max_tokens, stop)`. Both real
backends are LlamaIndex LLMs (`.llamaindex` gives the object, to reuse in an application):

- `LocalLlama`: a GGUF through LlamaIndex's `LlamaCPP` (llama-cpp-python; Qwen's ChatML
  prompt), loaded once per process and shared; calls are serialised because one llama
  context serves one request at a time. llama.cpp keeps the KV cache of the previous prompt,
  so the fixed system prompt is evaluated once and reused (prefix reuse); the state right after
  each system prompt is kept too, so switching prompts does not evaluate one again (`_resume`).
- `OpenAICompatible`: LlamaIndex's `OpenAILike`, for any /v1/chat/completions server
  (llama-cpp-python's server, Ollama, vLLM).
- `ScriptedLLM`: deterministic replies, for tests of what happens *after* the LLM.
"""
from __future__ import annotations

import atexit
import logging
import re
import threading
from collections import OrderedDict
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Callable, Iterator, Protocol

import numpy as np
from llama_index.core.llms import ChatMessage

from index.runtime import RUNTIME, Runtime

log = logging.getLogger(__name__)
Messages = list[dict[str, str]]


class LLMUnavailable(RuntimeError):
    """No usable LLM; the message says how to get one. Extractive mode still works."""


class LLM(Protocol):
    name: str

    def stream(self, messages: Messages, max_tokens: int = 160, stop: list[str] | None = None) -> Iterator[str]: ...


def opening_probability(llm: LLM, messages: Messages, reply: str) -> float | None:
    """The probability that the model's reply to `messages` starts as `reply` does (see
    `opens_reply`), or None when the backend cannot tell (no logits)."""
    judge = getattr(llm, "opening_probability", None)
    return judge(messages, reply) if judge is not None else None


def opens_reply(piece: str, reply: str) -> bool:
    """A first token `piece` starts `reply` (case and spaces aside): it covers at least the
    reply's first word and goes no further than the reply. "NOT" and "NOT_IN" start
    "NOT_IN_ARTICLES"; "Note", "Nothing" and "Nottingham" do not, nor does "N"."""
    piece, reply = piece.strip().upper(), reply.strip().upper()
    first = re.match(r"[A-Z0-9]+", reply)
    return bool(piece) and reply.startswith(piece) and len(piece) >= (len(first.group(0)) if first else 1)


def queued(llm: LLM) -> int:
    """How many answers the backend is writing or has waiting (`LocalLlama.queued`); 0 when it
    cannot tell."""
    count = getattr(llm, "queued", None)
    return count() if count is not None else 0


def turn(llm: LLM):
    """A context manager giving the LLM for one answer's reading and writing together
    (`LocalLlama.turn`); for a backend without turns, the LLM itself."""
    take = getattr(llm, "turn", None)
    return take() if take is not None else nullcontext(llm)


def complete(llm: LLM, messages: Messages, max_tokens: int = 160, stop: list[str] | None = None) -> str:
    return "".join(llm.stream(messages, max_tokens=max_tokens, stop=stop))


def aside(llm: LLM, messages: Messages, max_tokens: int = 160, stop: list[str] | None = None) -> str:
    """`complete`, leaving the backend's evaluated prompt as it was where it can
    (`LocalLlama.aside`): the answer prompt written next still finds its system prompt evaluated."""
    keep = getattr(llm, "aside", None)
    return keep(messages, max_tokens, stop) if keep is not None else complete(llm, messages, max_tokens, stop)


IM_END = "<|im_end|>"
CHATML_REPLY = "<|im_start|>assistant\n"   # what a ChatML prompt ends on: the reply starts after it
SYSTEM_STATES = 4   # system prompts kept evaluated: the answer, the open answer, the follow-up rewrite


def _message(role: str, content: str) -> ChatMessage:
    return ChatMessage(role=role, content=content)


def _turns(messages) -> str:
    return "".join(f"<|im_start|>{m.role.value}\n{m.content}{IM_END}\n" for m in messages)


def chatml(messages) -> str:
    """Qwen's chat prompt (ChatML), as llama-cpp-python's "chatml" chat format writes it."""
    return _turns(messages) + CHATML_REPLY


class LocalLlama:
    def __init__(self, model_path: Path, n_ctx: int = 2048, n_threads: int = 2) -> None:
        self.name = Path(model_path).name
        self.model_path = Path(model_path)
        self.n_ctx, self.n_threads = n_ctx, n_threads
        self._llama = None
        self._lock = threading.Lock()
        self._queue = 0                 # answers writing or waiting for the model
        self._queue_lock = threading.Lock()
        # llama.cpp's state right after each system prompt it evaluated, most recent last
        # (see _resume): ~30 KB a token, a few MB each.
        self._prefixes: OrderedDict[tuple[int, ...], tuple] = OrderedDict()

    def queued(self) -> int:
        """How many answers the model is writing or has waiting (one model serves one at a time)."""
        return self._queue

    def _load(self):
        if self._llama is None:
            if not self.model_path.is_file():
                raise LLMUnavailable(f"No model file at {self.model_path}: run `make setup` "
                                     f"(or set SOURCEBOOK_LLM_MODEL), or use --mode extractive.")
            try:
                from llama_index.llms.llama_cpp import LlamaCPP
            except ImportError:
                raise LLMUnavailable("llama-cpp-python or llama-index-llms-llama-cpp is not installed: run "
                                     "`make setup`, or use --mode extractive.") from None
            log.info("loading %s (%d threads)", self.model_path, self.n_threads)
            try:
                # Greedy decoding; max_tokens and stop are set per call in _stream.
                self._llama = LlamaCPP(
                    model_path=str(self.model_path), temperature=0.0, context_window=self.n_ctx, verbose=False,
                    generate_kwargs={"top_k": 1},
                    # No mmap: llama.cpp repacks the Q4_K weights into its own buffer for the CPU
                    # kernels, and a mapped file keeps the original pages resident beside that
                    # copy (1.85 GB resident mapped vs 1.24 GB read; the first token no slower).
                    model_kwargs={"n_threads": self.n_threads, "n_threads_batch": self.n_threads, "n_batch": 256,
                                  "seed": 0, "use_mmap": False},
                    messages_to_prompt=chatml, completion_to_prompt=lambda text: chatml([_message("user", text)]))
            except (ValueError, RuntimeError, OSError) as exc:
                raise LLMUnavailable(f"Cannot load the model {self.model_path} ({exc}); it may be truncated: "
                                     f"delete it and run `make setup`, or use --mode extractive.") from None
            # Free the model while the interpreter is intact; llama-cpp's __del__ at shutdown
            # otherwise prints a TypeError from half-torn-down modules.
            atexit.register(self.close)
        return self._llama

    @property
    def llamaindex(self):
        """The loaded LlamaIndex `LlamaCPP` (loads the model). Not serialised: while Sourcebook
        answers in this process, ask through `stream`."""
        with self._lock:
            return self._load()

    def close(self) -> None:
        with self._lock:
            if self._llama is not None:
                self._llama._model.close()
                self._llama = None
                self._prefixes.clear()      # states of the closed context

    def warm_up(self) -> None:
        with self._lock:
            self._load()

    @contextmanager
    def _waiting(self):
        """Counted in `queued` while waiting for the model or using it."""
        with self._queue_lock:
            self._queue += 1
        try:
            yield
        finally:
            with self._queue_lock:
                self._queue -= 1

    @contextmanager
    def turn(self) -> Iterator["_Turn"]:
        """The model for one answer's reading and writing together: while the turn lasts, no
        other request's prompt is evaluated, so the prompt the reading leaves evaluated is still
        there when the answer is written (otherwise the answer evaluates it again, ~1.5 s).
        Yields the model's calls without the wait (they must not run outside the turn)."""
        with self._waiting(), self._lock:
            yield _Turn(self)

    def opening_probability(self, messages: Messages, reply: str) -> float | None:
        """P(the reply's first token starts `reply`, see `opens_reply`): the prompt is evaluated as generation would evaluate
        it and the first token's distribution read. llama.cpp keeps the evaluated prompt, so
        a `stream` of the same messages afterwards starts sampling at once."""
        with self._waiting(), self._lock:
            return self._read_opening(messages, reply)

    def _prompt_tokens(self, llama, messages: Messages) -> tuple[list[int], int]:
        """The prompt's tokens, as create_completion tokenizes a prompt for a decoder model (its
        BOS/EOS by the model's own rule), and how many of them are its system message (0: none)."""
        msgs = [_message(m["role"], m["content"]) for m in messages]
        full = llama.tokenize(chatml(msgs).encode("utf-8"), special=True)
        if not msgs or messages[0]["role"] != "system":
            return full, 0
        head = llama.tokenize(_turns(msgs[:1]).encode("utf-8"), special=True)
        return full, (len(head) if full[:len(head)] == head else 0)

    def _resume(self, llama, tokens: list[int], n_system: int) -> None:
        """Before evaluating a prompt whose first `n_system` tokens are its system message: when
        the context does not hold them (the last prompt had another system message: an open
        question after a factoid one, a follow-up's rewrite), put back llama.cpp's state as it
        was right after evaluating them (~3 ms), or evaluate them and keep that state. The system
        prompt is otherwise evaluated anew at each switch, ~2 s on two cores."""
        if not n_system or n_system >= len(tokens):
            return
        held = _shared(llama._input_ids, tokens)
        if held >= n_system:
            return
        key = tuple(tokens[:n_system])
        kept = self._prefixes.get(key)
        if kept is not None:
            self._prefixes.move_to_end(key)
            _restore_state(llama, kept)
            return
        _evaluate(llama, tokens[:n_system], held)
        self._prefixes[key] = _keep_state(llama)
        while len(self._prefixes) > SYSTEM_STATES:
            self._prefixes.popitem(last=False)

    def _read_opening(self, messages: Messages, reply: str) -> float | None:
        """The caller holds the model's lock."""
        llama = self._load()._model
        tokens, n_system = self._prompt_tokens(llama, messages)
        if not tokens or len(tokens) >= self.n_ctx:
            return None     # generation reports a prompt too long for the context
        self._resume(llama, tokens, n_system)
        # The last token is evaluated again for its logits.
        _evaluate(llama, tokens, min(_shared(llama._input_ids, tokens), len(tokens) - 1))
        logits = np.ctypeslib.as_array(llama._ctx.get_logits_ith(-1), shape=(llama.n_vocab(),)).astype(np.float64)
        probs = np.exp(logits - logits.max())
        probs /= probs.sum()
        top = np.argsort(-probs)[:50]          # the rest of the vocabulary holds ~nothing
        pieces = [llama.detokenize([int(i)]).decode("utf-8", "replace") for i in top]
        return float(sum(probs[i] for i, piece in zip(top, pieces) if opens_reply(piece, reply)))

    def stream(self, messages: Messages, max_tokens: int = 160, stop: list[str] | None = None) -> Iterator[str]:
        with self._waiting(), self._lock:
            yield from self._write(messages, max_tokens, stop)

    def aside(self, messages: Messages, max_tokens: int = 160, stop: list[str] | None = None) -> str:
        """A completion that leaves the evaluated prompt as it was: llama.cpp's state (the KV
        cache of the tokens evaluated, ~30 KB a token) is copied before and put back after.
        A follow-up's rewrite otherwise evicts the answer's system prompt, evaluated again at
        ~100 tokens/s on two cores (golden follow-ups: ~2.3 s -> ~6.3 s an answer)."""
        with self._waiting(), self._lock:
            llama = self._load()._model
            kept = _keep_state(llama)
            try:
                return "".join(self._write(messages, max_tokens, stop))
            finally:
                _restore_state(llama, kept)

    def _write(self, messages: Messages, max_tokens: int, stop: list[str] | None) -> Iterator[str]:
        """The caller holds the model's lock."""
        llm = self._load()
        tokens, n_system = self._prompt_tokens(llm._model, messages)
        if len(tokens) < self.n_ctx:    # else generation reports the prompt too long
            self._resume(llm._model, tokens, n_system)
        # LlamaCPP reads its generation settings from generate_kwargs, not from the call.
        llm.generate_kwargs.update(max_tokens=max_tokens, stop=[IM_END, *(stop or [])])
        for part in llm.stream_chat([_message(m["role"], m["content"]) for m in messages]):
            if part.delta:
                yield part.delta


def _shared(held, tokens: list[int]) -> int:
    """How many leading tokens the context holds of `tokens`."""
    n = 0
    for a, b in zip(held, tokens):
        if a != b:
            break
        n += 1
    return n


def _evaluate(llama, tokens: list[int], held: int) -> None:
    """Evaluate `tokens` after the first `held` of them, which the context holds."""
    if held and not llama._ctx.kv_cache_seq_rm(-1, held, -1):
        held = 0                        # no partial cache removal: evaluate it all, as generate does
        llama.reset()
    llama.n_tokens = held
    llama.eval(tokens[held:])


def _keep_state(llama) -> tuple:
    """llama.cpp's context state and the tokens it holds (llama-cpp-python's `save_state` also
    copies its logits buffer, n_batch x vocabulary floats, ~155 MB here, which nothing reads
    after a restore: the next prompt evaluates at least one token)."""
    import ctypes

    import llama_cpp

    size = llama_cpp.llama_state_get_size(llama._ctx.ctx)
    data = (ctypes.c_uint8 * size)()
    n = llama_cpp.llama_state_get_data(llama._ctx.ctx, data, size)
    return data, n, llama.input_ids[:llama.n_tokens].copy()


def _restore_state(llama, kept: tuple) -> None:
    import llama_cpp

    data, n, ids = kept
    if llama_cpp.llama_state_set_data(llama._ctx.ctx, data, n) != n:
        log.warning("could not restore the model's state; the next prompt is evaluated in full")
        llama.reset()
        return
    llama.input_ids[:len(ids)] = ids
    llama.n_tokens = len(ids)
    llama._requires_eval = True   # the logits are not restored: decode before sampling


class _Turn:
    """A LocalLlama while one answer holds it (LocalLlama.turn): the same calls, without the wait."""

    def __init__(self, model: LocalLlama) -> None:
        self.name, self._model = model.name, model

    def queued(self) -> int:
        return self._model.queued()

    def opening_probability(self, messages: Messages, reply: str) -> float | None:
        return self._model._read_opening(messages, reply)

    def stream(self, messages: Messages, max_tokens: int = 160, stop: list[str] | None = None) -> Iterator[str]:
        return self._model._write(messages, max_tokens, stop)


def local_llama(model_path: Path, n_ctx: int, n_threads: int, runtime: Runtime = RUNTIME) -> LocalLlama:
    """The runtime's loaded model (one per file and context), shared by the CLI, UI, evaluator
    and tests."""
    return runtime.shared("llm", (model_path, n_ctx, n_threads), lambda: LocalLlama(model_path, n_ctx, n_threads))


class OpenAICompatible:
    def __init__(self, base_url: str, model: str = "default", timeout: float = 120.0, n_ctx: int = 2048) -> None:
        self.name = f"{model}@{base_url}"
        self.base_url, self.model, self.timeout, self.n_ctx = base_url.rstrip("/"), model, timeout, n_ctx
        self._llm = None
        self._lock = threading.Lock()

    @property
    def llamaindex(self):
        """The LlamaIndex `OpenAILike` for this server."""
        with self._lock:
            return self._make()

    def _make(self):
        if self._llm is None:
            from llama_index.llms.openai_like import OpenAILike

            # max_tokens stays unset: a value here would override the one each call passes.
            self._llm = OpenAILike(model=self.model, api_base=self.base_url, api_key="not-needed", temperature=0.0,
                                   is_chat_model=True, context_window=self.n_ctx, timeout=self.timeout, max_retries=0)
        return self._llm

    def stream(self, messages: Messages, max_tokens: int = 160, stop: list[str] | None = None) -> Iterator[str]:
        import openai

        try:
            for part in self.llamaindex.stream_chat([_message(m["role"], m["content"]) for m in messages],
                                                    max_tokens=max_tokens, **({"stop": stop} if stop else {})):
                if part.delta:
                    yield part.delta
        except openai.APIStatusError as exc:
            raise LLMUnavailable(f"The LLM server {self.base_url} answered {exc.status_code}: "
                                 f"{str(exc.message)[:200]}") from None
        except openai.APIError as exc:
            raise LLMUnavailable(f"Cannot reach the LLM server {self.base_url} ({exc}): start it or unset "
                                 f"SOURCEBOOK_LLM_BASE_URL.") from None


class ScriptedLLM:
    """Replies from a function of the messages; records every call. For tests only."""

    def __init__(self, reply: Callable[[Messages], str] | str) -> None:
        self.name = "scripted"
        self._reply = reply if callable(reply) else (lambda _m: reply)
        self.calls: list[Messages] = []

    def stream(self, messages: Messages, max_tokens: int = 160, stop: list[str] | None = None) -> Iterator[str]:
        self.calls.append(messages)
        text = self._reply(messages)
        for i in range(0, len(text), 8):
            yield text[i:i + 8]


def make_llm(settings, runtime: Runtime = RUNTIME) -> LLM:
    """The LLM the settings ask for; LLMUnavailable when there is none."""
    if settings.llm_base_url:
        return OpenAICompatible(settings.llm_base_url, settings.llm_api_model, n_ctx=settings.n_ctx)
    path = settings.model_path
    if not path.is_file():
        raise LLMUnavailable(f"No model file at {path}: run `make setup` (or set SOURCEBOOK_LLM_MODEL), "
                             f"or use --mode extractive.")
    return local_llama(path.resolve(), settings.n_ctx, settings.n_threads, runtime)
