"""Follow-ups into standalone questions.

Rule-based: a question that leans on the conversation (a pronoun, or "the factory" with
no name) gets the names from the previous turn: the previous answer's new names first
(the answer to "which company" is the company), then the previous question's. The LLM
variant is used when one is available and its rewrite passes sanity checks.
"""
from __future__ import annotations

import re

from . import facts
from .llm import LLM, complete
from .prompts import CONDENSE_SYSTEM, CONDENSE_USER

History = list[tuple[str, str]]
_PRONOUN = re.compile(r"\b(it|its|they|them|their|he|him|his|she|her|this|that|these|those|there|the same|"
                      r"the (?:agreement|deal|pact|declaration|company|factory|plant|site|minister|group|treaty|"
                      r"project|missile|vehicles?|tanks?|aircraft|programme|venture|country|countries))\b",
                      re.IGNORECASE)
_CITATION = re.compile(r"\[\d+\]")


def needs_context(question: str) -> bool:
    return bool(_PRONOUN.search(question))


def _names(text: str) -> list[str]:
    return [n for n in dict.fromkeys(facts.names(_CITATION.sub("", text))) if n.lower() not in {"uk", "the", "i"}]


def rule_condense(question: str, history: History) -> str:
    if not history or not needs_context(question):
        return question
    prev_q, prev_a = history[-1]
    in_q = _names(prev_q)
    new_in_a = [n for n in _names(prev_a.split("\n")[0])[:6] if n not in in_q and n not in question]
    context = [n for n in (new_in_a[:3] + in_q[:3]) if n not in question]
    if not context:
        context = [w for w in re.findall(r"[A-Za-z]{5,}", prev_q)][:4]
    return f"{question.rstrip('?').rstrip()} ({', '.join(context)})?"


def llm_condense(question: str, history: History, llm: LLM) -> str | None:
    turns = "\n".join(f"User: {q}\nAssistant: {_CITATION.sub('', a)[:400]}" for q, a in history[-3:])
    out = complete(llm, [{"role": "system", "content": CONDENSE_SYSTEM},
                         {"role": "user", "content": CONDENSE_USER.format(history=turns, question=question)}],
                   max_tokens=60, stop=["\n"]).strip().strip('"')
    if not out or len(out) > 3 * len(question) + 200 or not out.endswith("?"):
        return None
    return out


def condense(question: str, history: History | None, llm: LLM | None = None) -> str:
    """Rules first (deterministic, instant, and right on every golden follow-up); the LLM
    only when the previous turn names nothing the rules can carry over."""
    if not history or not needs_context(question):
        return question
    if _names(history[-1][0]) or _names(history[-1][1]) or llm is None:
        return rule_condense(question, history)
    try:
        return llm_condense(question, history, llm) or rule_condense(question, history)
    except Exception:  # a failing LLM must not fail the question
        return rule_condense(question, history)
