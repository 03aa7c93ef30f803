"""`sourcebook ask` on the real index of the seeds (extractive: no LLM needed)."""
from __future__ import annotations

import json

import pytest

from sourcebook_cli import main

CONFLICT = "When was the UK-Germany defence declaration signed?"


@pytest.fixture
def seeded_home(seeded_settings, monkeypatch):
    monkeypatch.setenv("SOURCEBOOK_HOME", str(seeded_settings.index.home))
    return seeded_settings


def test_ask_prints_the_answer_then_its_conflicts(seeded_home, capsys):
    assert main(["ask", "--mode", "extractive", CONFLICT]) == 0
    out = capsys.readouterr().out
    first = out.splitlines()[0]
    assert "The articles disagree on the date:" in first
    assert "24 July 2024" in first and "25th September" in first


def test_ask_json_keeps_text_and_conflicts_apart(seeded_home, capsys):
    assert main(["ask", "--mode", "extractive", "--json", CONFLICT]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["conflicts"] and "disagree" not in data["text"]
    assert {s["value"] for s in data["conflicts"][0]["sides"]} >= {"24 July 2024"}
    assert data["mode"] == "extractive"


def test_ask_over_chosen_sources(seeded_home, capsys):
    factory = "000_469921e68f22111a.txt"
    assert main(["ask", "--mode", "extractive", "--json", "--source", factory,
                 "Which German company will open a factory in the UK?"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["citations"] and {c["source"] for c in data["citations"]} == {factory}
    assert main(["ask", "--mode", "extractive", "--source", "nope.txt", "Who?"]) != 0
    assert "Not in the library: nope.txt" in capsys.readouterr().err
