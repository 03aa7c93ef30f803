"""One answer-mode resolver (qa/modes.py) for ask(), the CLI and the chat, fallback included.
A missing model is a settings whose SOURCEBOOK_LLM_MODEL names no file; a broken one, a file
that is no model."""
from __future__ import annotations

import json

import pytest

from qa import Answer, Draft, LLMUnavailable, Mode, QASettings, ask
from qa.modes import ModeChoice, llm_problem, resolve_mode
from qa.pipeline import Pipeline
from sourcebook_cli import main

JOBS = "How many jobs will the factory support?"
NOTE = "The local model is not available"


def installed() -> None:
    return None


def missing() -> str:
    return "No model file at /nowhere.gguf: run `make setup`"


@pytest.mark.parametrize("requested, configured, problem, fallback, expected", [
    (None, None, installed, False, ModeChoice(Mode.GENERATIVE)),
    (None, None, missing, False, ModeChoice(Mode.EXTRACTIVE)),          # the default follows what is installed
    ("extractive", "generative", missing, False, ModeChoice(Mode.EXTRACTIVE)),   # the argument wins
    (None, "extractive", installed, False, ModeChoice(Mode.EXTRACTIVE)),
    (" Generative ", None, installed, False, ModeChoice(Mode.GENERATIVE)),
    (Mode.GENERATIVE, "extractive", installed, True, ModeChoice(Mode.GENERATIVE)),
])
def test_the_mode_comes_from_the_argument_the_settings_then_the_model(requested, configured, problem, fallback, expected):
    assert resolve_mode(requested, configured, problem, fallback=fallback) == expected


@pytest.mark.parametrize("requested, configured", [("generative", None), (None, "generative")])
def test_generative_without_a_model_raises_or_falls_back_with_a_note(requested, configured):
    with pytest.raises(LLMUnavailable, match="make setup"):
        resolve_mode(requested, configured, missing)
    choice = resolve_mode(requested, configured, missing, fallback=True)
    assert choice.mode is Mode.EXTRACTIVE and NOTE in choice.note and "make setup" in choice.note


def test_the_model_is_looked_for_only_when_it_matters():
    def unasked():
        raise AssertionError("availability checked for an extractive answer")

    assert resolve_mode("extractive", None, unasked).mode is Mode.EXTRACTIVE


def test_modes_are_their_strings_and_unknown_ones_are_refused():
    assert Mode.GENERATIVE == "generative" and json.dumps(Mode.EXTRACTIVE) == '"extractive"'
    assert Mode.parse("") is None and Mode.parse(None) is None
    with pytest.raises(ValueError, match="mode must be one of"):
        Mode.parse("creative")
    assert QASettings(mode="Extractive").mode is Mode.EXTRACTIVE
    assert QASettings.from_env({"SOURCEBOOK_MODE": "generative"}).mode is Mode.GENERATIVE
    with pytest.raises(ValueError, match="mode"):
        QASettings.from_env({"SOURCEBOOK_MODE": "fast"})


def test_llm_problem_reads_the_settings(tmp_path):
    assert "No model file" in llm_problem(QASettings(llm_model=tmp_path / "missing.gguf"))
    assert llm_problem(QASettings(llm_base_url="http://127.0.0.1:9/v1")) is None   # a server is taken as given


def test_ask_raises_without_a_model_unless_asked_to_fall_back(seeded_settings, tmp_path):
    no_llm = seeded_settings.with_(llm_model=tmp_path / "missing.gguf", mode=None)
    with pytest.raises(LLMUnavailable):
        ask(JOBS, mode="generative", settings=no_llm)
    a = ask(JOBS, mode="generative", settings=no_llm, fallback=True)
    assert a.answered and "400" in a.text and a.mode == "extractive"
    assert any(NOTE in n for n in a.notes)
    assert json.loads(json.dumps(a.to_dict()))["mode"] == "extractive"
    plain = ask(JOBS, settings=no_llm)   # the default: extractive, nothing to excuse
    assert plain.mode == "extractive" and not any(NOTE in n for n in plain.notes)


def test_a_model_that_fails_to_load_falls_back_after_its_draft(seeded_settings, tmp_path):
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF" + b"\0" * 4096)   # a file, so the model looks installed until it loads
    pipe = Pipeline(seeded_settings.with_(llm_model=broken, mode="generative"))
    assert pipe.resolve_mode().mode is Mode.GENERATIVE
    with pytest.raises(LLMUnavailable, match="truncated"):
        pipe.ask(JOBS)
    items = list(pipe.stream(JOBS, drafts=True, fallback=True))
    assert isinstance(items[0], Draft) and isinstance(items[-1], Answer)
    final = items[-1]
    assert final.mode == "extractive" and "400" in final.text
    assert any(NOTE in n and "truncated" in n for n in final.notes)


@pytest.mark.parametrize("how", ["flag", "env"])
def test_cli_ask_falls_back_to_extractive_with_a_note(seeded_settings, tmp_path, monkeypatch, capsys, how):
    monkeypatch.setenv("SOURCEBOOK_HOME", str(seeded_settings.index.home))
    monkeypatch.setenv("SOURCEBOOK_LLM_MODEL", str(tmp_path / "missing.gguf"))
    args = ["ask", JOBS]
    if how == "flag":
        args[1:1] = ["--mode", "generative"]
    else:
        monkeypatch.setenv("SOURCEBOOK_MODE", "generative")
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert "400" in out.splitlines()[0]
    assert f"note: {NOTE}" in err and "missing.gguf" in err
    assert main([*args, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["mode"] == "extractive" and any(NOTE in n for n in data["notes"])
