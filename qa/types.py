"""The structured result every caller consumes: UI, CLI, tests and the evaluator."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Citation:
    n: int
    source: str
    title: str
    published: str | None
    quote: str
    start: int
    end: int


@dataclass(frozen=True)
class ConflictSide:
    value: str
    n: int            # the citation that states this value
    source: str
    quote: str


@dataclass(frozen=True)
class Conflict:
    fact: str                       # e.g. "date"
    sides: tuple[ConflictSide, ...]

    def describe(self) -> str:
        return f"The articles disagree on the {self.fact}: " + " vs ".join(f"{s.value} [{s.n}]" for s in self.sides)


@dataclass
class Answer:
    text: str
    answered: bool
    citations: list[Citation] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    question: str = ""
    standalone_question: str = ""
    mode: str = "extractive"
    notes: list[str] = field(default_factory=list)   # e.g. "question truncated to 2,000 characters"

    def display(self) -> str:
        """The text followed by each conflict, for plain-text readers (the CLI, the evaluator).
        `text` never holds the conflicts: a renderer shows them from `conflicts`."""
        return " ".join(part for part in [self.text, *(f"{c.describe()}." for c in self.conflicts)] if part)

    def to_dict(self) -> dict:
        return asdict(self)


class Partial(str):
    """The answer text so far, while the model writes. A `str`, because `stream_ask` is
    documented to yield the text as it is generated; its own type so that a consumer can tell
    it apart from a `Draft` and the final `Answer` the same way it tells those apart."""
    __slots__ = ()

    @property
    def text(self) -> str:
        return str(self)


@dataclass(frozen=True)
class Draft:
    """What the evidence alone says while the model still reads and writes: what a caller can show
    at once, before the final Answer replaces it. Either its verified quotes (an extractive answer,
    citations verbatim; the final Answer is the generated text, or a refusal when the model's
    reading of the quotes overrules them), or its refusal (`answer.answered` False; the final
    Answer may answer when the model reads an answer in the closest passages)."""
    answer: Answer
    ahead: int = 0     # answers the model is writing or has waiting before this one
