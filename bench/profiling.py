"""What bounds a missed goal: a cProfile of the hot path (top functions by own time and by
cumulative time), printed and kept in the results."""
from __future__ import annotations

import cProfile
import io
import pstats
import re
from typing import Callable


def profile(fn: Callable[[], object], lines: int = 14) -> str:
    prof = cProfile.Profile()
    prof.enable()
    try:
        fn()
    finally:
        prof.disable()
    parts = []
    for key, title in (("tottime", "by own time"), ("cumulative", "by cumulative time")):
        buf = io.StringIO()
        stats = pstats.Stats(prof, stream=buf)
        stats.sort_stats(key).print_stats(lines)
        text = buf.getvalue()
        # Keep the table only, with paths shortened to package/module.
        body = text[text.find("ncalls"):] if "ncalls" in text else text
        body = re.sub(r"/[^\s:]*/(site-packages|python3\.\d+|main)/", "", body)
        parts.append(f"-- {title} --\n{body.rstrip()}")
    return "\n".join(parts)
