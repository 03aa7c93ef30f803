"""The code's shape (issue 12): data flows index -> qa -> ui one way, evaluation and the
bench sit beside the answering path, and no module imports another that imports it back."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("index", "qa", "ui", "evaluation", "bench")
# What each layer may import from the others (at any depth, lazy imports included).
ALLOWED = {"index": set(), "qa": {"index"}, "ui": {"index", "qa", "evaluation"},
           "evaluation": {"index", "qa"}, "bench": {"index", "qa", "ui", "evaluation"}}


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports() -> dict[str, set[str]]:
    """Each project module -> the project modules it imports (lazy ones included)."""
    found = {_module(p): p for pkg in PACKAGES for p in (ROOT / pkg).glob("*.py")}
    graph: dict[str, set[str]] = {}
    for mod, path in found.items():
        package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(up + ([base] if base else []))
                names = [f"{base}.{a.name}" for a in node.names] + [base]
            else:
                continue
            deps.update(n for n in names if n in found)
        # A submodule's own packages load before it whatever it imports: not an edge.
        graph[mod] = {d for d in deps if d != mod and not mod.startswith(d + ".")}
    return graph


def test_layers_import_one_way():
    wrong = [f"{m} imports {d}" for m, ds in imports().items() for d in ds
             if d.split(".")[0] != m.split(".")[0] and d.split(".")[0] not in ALLOWED[m.split(".")[0]]]
    assert not wrong, wrong


def test_no_import_cycles():
    graph = imports()
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(m: str, trail: list[str]) -> None:
        state[m] = 1
        for d in sorted(graph[m]):
            if state.get(d) == 1:
                cycles.append(trail[trail.index(d):] + [d] if d in trail else [m, d])
            elif d not in state:
                visit(d, trail + [d])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    assert not cycles, cycles


@pytest.mark.parametrize("layer", ["index", "qa", "ui"])
def test_the_answering_path_never_imports_evaluation_at_load(layer):
    """`ui/evaluate.py` may import `evaluation` when the Evaluate button is pressed, never at start-up."""
    for path in (ROOT / layer).glob("*.py"):
        for node in ast.parse(path.read_text()).body:          # module level only
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                assert not any(n.split(".")[0] in ("evaluation", "bench") for n in names), path


# The public entry points: each builds its settings from the environment when the caller gave
# none, and passes them down; nothing below them reads the environment.
ENTRY_POINTS = {("qa/__init__.py", "ask"), ("qa/__init__.py", "stream_ask"), ("qa/__init__.py", "warm_up"),
                ("qa/engine.py", "_pipeline"), ("qa/model_setup.py", "main"), ("index/encoder_export.py", "main"), ("index/__init__.py", "get_article"),
                ("index/__init__.py", "list_articles"), ("index/build.py", "build_index"),
                ("index/build.py", "remove_articles"), ("ui/app.py", "serve")}


def test_settings_are_read_from_the_environment_only_at_entry_points():
    found = set()
    for layer in ("index", "qa", "ui"):
        for path in (ROOT / layer).glob("*.py"):
            tree = ast.parse(path.read_text())
            for fn in ast.walk(tree):
                if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    for node in ast.walk(fn):
                        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "from_env" \
                                and fn.name != "from_env":
                            found.add((str(path.relative_to(ROOT)), fn.name))
    assert found - ENTRY_POINTS == set(), "from_env() called below the entry points"
    assert found, "the check found no entry point at all: it no longer sees the calls"
