"""The answer mode, resolved in one place for `ask()`, the CLI and the chat.

A mode comes from the caller's argument, else the settings (`SOURCEBOOK_MODE`, a CLI
flag), else the default: generative when an LLM is available. A caller that passes
`fallback=True` (the chat, the CLI) gets an extractive answer with a note instead of
`LLMUnavailable` when generative is asked for and there is no model. This module does not
load a model: availability is a question the caller answers (`llm_problem`).
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Callable

from .llm import LLMUnavailable, make_llm


class Mode(StrEnum):
    """Equal to its string ("generative" == Mode.GENERATIVE), so strings work wherever a Mode does."""
    GENERATIVE = "generative"
    EXTRACTIVE = "extractive"

    @classmethod
    def parse(cls, value: "Mode | str | None") -> "Mode | None":
        """A Mode from a Mode or a string (any case, spaces around ignored); None for None or ""."""
        if value is None or isinstance(value, cls):
            return value
        text = str(value).strip().lower()
        if not text:
            return None
        try:
            return cls(text)
        except ValueError:
            names = ", ".join(repr(m.value) for m in cls)
            raise ValueError(f"mode must be one of {names}, got {value!r}") from None


@dataclass(frozen=True)
class ModeChoice:
    mode: Mode
    note: str | None = None     # set when the mode is not the one asked for, saying why


def fallback_note(reason: str) -> str:
    """What the answer's notes say when generative was asked for and there is no model."""
    return f"The local model is not available, so this answer is extractive (the quotes themselves). {reason}"


def resolve_mode(requested: "Mode | str | None", configured: "Mode | str | None",
                 llm_problem: Callable[[], str | None], *, fallback: bool = False) -> ModeChoice:
    """The mode to answer in. `llm_problem()` says why no LLM can be used (None: one can); it
    is called only when the answer depends on it. Raises ValueError for an unknown mode and
    `LLMUnavailable` when generative is asked for, there is no LLM and `fallback` is off."""
    wanted = Mode.parse(requested) or Mode.parse(configured)
    if wanted is Mode.EXTRACTIVE:
        return ModeChoice(Mode.EXTRACTIVE)
    problem = llm_problem()
    if problem is None:
        return ModeChoice(Mode.GENERATIVE)
    if wanted is None:       # the default follows what is installed; nothing was asked for
        return ModeChoice(Mode.EXTRACTIVE)
    if not fallback:
        raise LLMUnavailable(problem)
    return ModeChoice(Mode.EXTRACTIVE, fallback_note(problem))


def llm_problem(settings) -> str | None:
    """Why the settings give no LLM (None when they do), without loading one: a server URL is
    taken as given, a local model must be a file."""
    try:
        make_llm(settings)
    except LLMUnavailable as exc:
        return str(exc)
    return None
