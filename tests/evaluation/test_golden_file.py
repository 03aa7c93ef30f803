"""The golden sets themselves: well-formed, and every evidence quote verbatim."""
import json

import pytest

from evaluation.golden import GoldenError, load_golden
from tests.conftest import ROOT, SEEDS

SETS = [SEEDS / "golden.jsonl", SEEDS / "golden_open.jsonl", ROOT / "tests" / "data" / "heldout.jsonl"]


@pytest.mark.parametrize("path", SETS, ids=lambda p: p.name)
def test_golden_quotes_are_verbatim(path):
    items = load_golden(path, {p.name for p in SEEDS.glob("*.txt")})
    kinds = {i["kind"] for i in items}
    if path.name == "golden_open.jsonl":
        assert kinds == {"open", "unanswerable"}     # open questions and open-style false premises
    else:
        assert kinds == {"fact", "list", "unanswerable", "conflict", "followup"}
    for item in items:
        for ev in item["evidence"]:
            assert ev["quote"] in (SEEDS / ev["source"]).read_text(encoding="utf-8"), item["id"]
        if item["kind"] == "unanswerable":
            assert not item["facts"] and not item["evidence"]
        if item["kind"] == "followup":
            assert item["history"]


def test_shipped_golden_set_size():
    items = load_golden(SEEDS / "golden.jsonl")
    count = lambda k: sum(1 for i in items if i["kind"] == k)  # noqa: E731
    assert len(items) >= 40 and count("unanswerable") >= 8 and count("conflict") >= 2 and count("followup") >= 5


@pytest.mark.parametrize("line,message", [
    ('{"id": "x"', "line 2: not valid JSON"),
    ('{"id": "x", "question": "q", "kind": "fact", "answer": "a", "facts": [["a"]]}', "line 2: missing field(s) evidence"),
    ('{"id": "x", "question": "q", "kind": "odd", "answer": "a", "facts": [], "evidence": []}', "line 2: kind 'odd'"),
    ('{"id": "x", "question": "q", "kind": "fact", "answer": "a", "facts": [["a"]], '
     '"evidence": [{"source": "nope.txt", "quote": "a"}]}', "line 2: unknown source 'nope.txt'"),
])
def test_bad_golden_lines_are_named(tmp_path, line, message):
    good = json.dumps({"id": "ok", "question": "q", "kind": "unanswerable", "answer": "a", "facts": [], "evidence": []})
    f = tmp_path / "g.jsonl"
    f.write_text(good + "\n" + line + "\n")
    with pytest.raises(GoldenError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_golden(f, {"000_469921e68f22111a.txt"})


def test_open_question_set_is_a_golden_set():
    # `sourcebook eval --golden seeds/golden_open.jsonl` scores the open questions by their facts.
    items = load_golden(SEEDS / "golden_open.jsonl")
    assert sum(i["kind"] == "open" for i in items) >= 14
