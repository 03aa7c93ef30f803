"""The bench's progress lines on stderr, stamped with the time since the run began."""
from __future__ import annotations

import sys
import time

T0 = time.perf_counter()


def log(msg: str) -> None:
    el = time.perf_counter() - T0
    print(f"[bench {int(el // 60):02d}:{el % 60:04.1f}] {msg}", file=sys.stderr, flush=True)
