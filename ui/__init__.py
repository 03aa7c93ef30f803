"""Sourcebook's web chat (Gradio): `build_app()` and `serve()`; rendering in `ui.render`.

Importing `ui` is cheap; Gradio loads when `build_app`, `serve` or `respond` is first used.
"""
from __future__ import annotations

__all__ = ["build_app", "respond", "serve"]


def __getattr__(name: str):
    if name in ("build_app", "serve"):
        from . import app

        return getattr(app, name)
    if name == "respond":
        from .chat import respond

        return respond
    raise AttributeError(f"module 'ui' has no attribute {name!r}")
