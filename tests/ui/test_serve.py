"""The served app: /ask through gradio_client, auth, a taken port, bad --auth."""
from __future__ import annotations

import socket

import pytest
from gradio_client import Client

from index import get_article
from ui.app import build_app, launch, parse_auth, serve

JOBS = "How many jobs will the new Rheinmetall factory in the UK support?"


def test_ask_endpoint_returns_the_answer_as_json(live_app, ui_settings):
    client = Client(live_app, verbose=False)
    assert "/ask" in client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    answer = client.predict(JOBS, "extractive", api_name="/ask")
    assert isinstance(answer, dict)
    assert {"text", "answered", "citations", "conflicts"} <= set(answer)
    assert answer["answered"] and answer["citations"]
    for c in answer["citations"]:
        assert {"n", "source", "title", "published", "quote", "start", "end"} <= set(c)
        assert get_article(c["source"], settings=ui_settings.index).text[c["start"]:c["end"]] == c["quote"]
        assert f"[{c['n']}]" in answer["text"]
    # mode is optional
    assert client.predict("Who won the 2022 FIFA World Cup?", api_name="/ask")["answered"] is False


def test_ask_endpoint_takes_a_library_filter(live_app):
    client = Client(live_app, verbose=False)
    only = client.predict(JOBS, "extractive", ["000_469921e68f22111a.txt"], api_name="/ask")
    assert only["answered"] and {c["source"] for c in only["citations"]} == {"000_469921e68f22111a.txt"}
    with pytest.raises(Exception, match="gone.txt"):
        client.predict(JOBS, "extractive", ["gone.txt"], api_name="/ask")


def test_ask_endpoint_reports_bad_input(live_app):
    client = Client(live_app, verbose=False)
    with pytest.raises(Exception, match="empty"):
        client.predict("   ", api_name="/ask")


def test_concurrent_requests_queue_and_each_gets_its_own_answer(live_app):
    client = Client(live_app, verbose=False)
    questions = [JOBS, "Which two companies set up RBSL?", "What is the capital of Australia?"]
    jobs = [client.submit(q, "extractive", api_name="/ask") for q in questions]
    answers = [j.result(timeout=300) for j in jobs]
    assert [a["question"] for a in answers] == questions
    assert answers[0]["answered"] and answers[1]["answered"] and not answers[2]["answered"]


def test_internal_events_are_not_public_endpoints(live_app):
    named = Client(live_app, verbose=False).view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert list(named) == ["/ask"]


def test_auth_protects_the_app(ui_settings, free_port):
    demo = build_app(ui_settings)
    port = free_port()
    launch(demo, "127.0.0.1", port, auth=parse_auth("alice:s3:cret"), block=False)
    url = f"http://127.0.0.1:{port}/"
    try:
        with pytest.raises(Exception):
            Client(url, verbose=False)
        with pytest.raises(Exception):
            Client(url, auth=("alice", "wrong"), verbose=False)
        client = Client(url, auth=("alice", "s3:cret"), verbose=False)
        assert client.predict(JOBS, "extractive", api_name="/ask")["answered"]
    finally:
        demo.close()


@pytest.fixture
def auth_app(ui_settings, free_port):
    """The app served with --auth alice:s3:cret; yields its URL."""
    demo = build_app(ui_settings)
    port = free_port()
    launch(demo, "127.0.0.1", port, auth=parse_auth("alice:s3:cret"), block=False)
    yield f"http://127.0.0.1:{port}/"
    demo.close()


def test_sign_in_is_locked_after_five_failures_even_for_the_right_password(auth_app):
    import httpx

    def sign_in(password):
        return httpx.post(auth_app + "login", data={"username": "alice", "password": password})

    assert sign_in("s3:cret").status_code == 200          # a success clears nothing it shouldn't
    for _ in range(4):
        assert sign_in("wrong").status_code == 400
    fifth = sign_in("wrong")                               # the failure that locks says so at once
    assert fifth.status_code == 429 and "try again in 5 min." in fifth.json()["detail"]
    locked = sign_in("s3:cret")
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 200
    assert "Too many failed sign-ins" in locked.json()["detail"] and "try again in 5 min" in locked.json()["detail"]
    assert "access-token" not in " ".join(locked.headers.get_list("set-cookie"))


def test_sign_out_ends_the_session(auth_app):
    import httpx

    with httpx.Client(base_url=auth_app) as http:
        assert http.post("login", data={"username": "alice", "password": "s3:cret"}).status_code == 200
        assert http.get("config").status_code == 200
        assert http.get("logout").status_code == 302
        assert http.get("config").status_code == 401


@pytest.mark.parametrize("value", ["alice", ":pw", "alice:", ""])
def test_parse_auth(value):
    if value == "":
        assert parse_auth(value) is None
    else:
        with pytest.raises(ValueError, match="USER:PASS"):
            parse_auth(value)
    assert parse_auth("alice:s3:cret") == ("alice", "s3:cret")


def test_serve_refuses_malformed_auth(capsys):
    assert serve(port=1, auth="nopassword") == 2
    assert "--auth must be USER:PASS" in capsys.readouterr().err


def test_serve_reports_a_taken_port(capsys):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert serve(host="127.0.0.1", port=port) == 1
    err = capsys.readouterr().err.strip()
    assert err == f"error: port {port} on 127.0.0.1 is already in use: choose another with --port"


def test_bad_input_logs_one_line_not_a_traceback(live_app, caplog, capfd):
    import logging

    caplog.set_level(logging.INFO, logger="ui")
    client = Client(live_app, verbose=False)
    capfd.readouterr()
    with pytest.raises(Exception, match="empty"):
        client.predict("   ", api_name="/ask")
    with pytest.raises(Exception, match="mode"):
        client.predict(JOBS, "creative", api_name="/ask")
    err = capfd.readouterr().err
    assert "Traceback" not in err, err
    lines = [r for r in caplog.records if r.name.startswith("ui.")]
    assert [r.levelno for r in lines] == [logging.INFO, logging.INFO]
    assert "empty" in lines[0].getMessage() and "creative" in lines[1].getMessage()
    assert all(r.exc_info is None for r in lines)


def test_a_bug_still_logs_its_traceback(ui_settings, caplog, monkeypatch):
    import logging

    from ui import chat

    class Broken:    # a pipeline with a bug in it: the one fault the chat cannot explain
        def stream(self, *args, **kwargs):
            raise KeyError("oops")
            yield

    monkeypatch.setattr(chat, "default_pipeline", lambda settings=None: Broken())
    caplog.set_level(logging.INFO, logger="ui")
    *_, final = chat.respond("What?", [], "extractive", 3, settings=ui_settings)
    assert final[-1]["status"] == "error" and "Something went wrong" in final[-1]["error"]
    bug = [r for r in caplog.records if r.name == "ui.chat"]
    assert len(bug) == 1 and bug[0].levelno == logging.ERROR and bug[0].exc_info is not None


def test_login_throttle_window_and_lockout_expire():
    from ui.auth_guard import LoginThrottle

    now = [0.0]
    t = LoginThrottle(None, limit=3, window=60, lockout=120, clock=lambda: now[0])
    for _ in range(2):
        t.record("a", ok=False)
    now[0] = 61                                   # those two fell out of the window
    t.record("a", ok=False)
    assert t.wait("a") == 0
    t.record("a", ok=False), t.record("a", ok=False)
    assert t.wait("a") == 120 and t.wait("b") == 0   # one client's failures lock only that client
    now[0] += 119
    assert t.wait("a") == 1
    now[0] += 1
    assert t.wait("a") == 0
    with pytest.raises(ValueError):
        LoginThrottle(None, limit=0)


def test_answers_run_side_by_side_and_indexing_takes_turns(ui_settings):
    """Chat answers and /ask share an 'answer' queue several wide (the model itself takes one
    answer at a time, qa/llm.py); uploads, removals and evaluation keep the one 'model' slot."""
    from ui.app import build_app

    demo = build_app(ui_settings)
    fns = list(demo.fns.values()) if isinstance(demo.fns, dict) else list(demo.fns)
    answering = [f for f in fns if f.name in ("answer", "ask")]
    assert {f.name for f in answering} == {"answer", "ask"}
    assert all(f.concurrency_id == "answer" and f.concurrency_limit >= 4 for f in answering)
    heavy = [f for f in fns if f.name in ("do_upload", "do_remove", "run")]
    assert heavy and all(f.concurrency_id == "model" and f.concurrency_limit == 1 for f in heavy)
