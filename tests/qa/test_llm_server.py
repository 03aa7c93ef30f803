"""The OpenAI-compatible server path against a real server on loopback: llama-cpp-python's
own `python -m llama_cpp.server` serving the small Qwen2.5-Coder-0.5B GGUF (assembled from its
wheels like the answer model), reached through LlamaIndex's OpenAILike."""
from __future__ import annotations

import subprocess
import sys

import pytest

from qa import QASettings
from qa.llm import LLMUnavailable, OpenAICompatible, complete, make_llm
from qa.model_setup import SMALL_MODEL, ensure_model
from qa.pipeline import Pipeline

from tests.conftest import free_port as _free_port, wait_until_up

pytestmark = pytest.mark.slow
ASK = [{"role": "system", "content": "Answer in one short sentence."},
       {"role": "user", "content": "What is the capital of France?"}]


@pytest.fixture(scope="module")
def server():
    model = ensure_model(QASettings.from_env().models_dir, False, model=SMALL_MODEL)
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1",
                             "--port", str(port), "--n_ctx", "2048", "--n_threads", "2", "--chat_format", "chatml",
                             "--verbose", "False"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/v1/models", proc)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        proc.terminate()
        proc.wait(30)


def test_the_server_answers_through_openailike(server):
    llm = make_llm(QASettings(llm_base_url=server))
    assert isinstance(llm, OpenAICompatible) and type(llm.llamaindex).__name__ == "OpenAILike"
    assert "Paris" in complete(llm, ASK, max_tokens=24)
    # max_tokens and stop reach the server
    assert len(complete(llm, ASK, max_tokens=2).split()) <= 2
    assert "Paris" not in complete(llm, ASK, max_tokens=24, stop=["Paris"])


def test_a_generative_answer_from_the_server_is_verified(server, seeded_settings):
    pipe = Pipeline(seeded_settings.with_(mode="generative", llm_base_url=server))
    a = pipe.ask("Which German company will open a factory in the UK?")
    assert a.mode == "generative" and a.answered and "Rheinmetall" in a.text
    assert a.citations
    for c in a.citations:
        assert pipe.store.get_article(c.source).text[c.start:c.end] == c.quote


def test_a_wrong_path_and_a_dead_server_are_clear_errors(server, seeded_settings):
    with pytest.raises(LLMUnavailable, match="answered 404"):
        complete(OpenAICompatible(server.removesuffix("/v1") + "/nope"), ASK)
    dead = f"http://127.0.0.1:{_free_port()}/v1"
    with pytest.raises(LLMUnavailable, match="Cannot reach the LLM server .* unset SOURCEBOOK_LLM_BASE_URL"):
        complete(OpenAICompatible(dead), ASK)
    # The chat and the CLI fall back to an extractive answer that says why.
    a = Pipeline(seeded_settings.with_(mode="generative", llm_base_url=dead)).ask(
        "Which German company will open a factory in the UK?", fallback=True)
    assert a.answered and a.mode == "extractive" and any("Cannot reach" in n for n in a.notes)
