"""Subprocesses the benchmarks measure: a Chroma server and the Sourcebook chat server.

Each helper starts exactly one process, remembers its pid and stops only that process.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

BIN = Path(sys.executable).parent
_SB_VARS = ("SOURCEBOOK_CHROMA_HOST", "SOURCEBOOK_CHROMA_PORT", "SOURCEBOOK_MODE", "SOURCEBOOK_TOP_K",
            "SOURCEBOOK_SEEDS", "SOURCEBOOK_QUOTES", "SOURCEBOOK_ENCODER")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS / VmHWM (kB) of a process, from /proc."""
    out = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0])
    except OSError:
        pass
    return out


def rss_breakdown(pid: int, top: int = 8) -> list[tuple[str, float]]:
    """Resident MB per mapping (file name, or [anon]/[heap]) from /proc/PID/smaps, largest first:
    what the RSS is made of (model files, libraries, Python/torch heaps)."""
    sizes: dict[str, int] = {}
    name = "[anon]"
    try:
        with open(f"/proc/{pid}/smaps") as f:
            for line in f:
                first = line.split(None, 1)[0]
                if "-" in first and not first.endswith(":"):
                    parts = line.split()
                    name = Path(parts[5]).name if len(parts) > 5 else "[anon]"
                elif first == "Rss:":
                    sizes[name] = sizes.get(name, 0) + int(line.split()[1])
    except OSError:
        return []
    return [(k, v / 1024) for k, v in sorted(sizes.items(), key=lambda kv: -kv[1])[:top]]


def self_peak_rss_mb() -> float:
    return proc_status(os.getpid()).get("VmHWM", 0) / 1024


class RssSampler:
    """Samples a process's RSS in the background (the peak is VmHWM; this gives the timeline)."""

    def __init__(self, pid: int, every: float = 0.25) -> None:
        self.pid, self.every = pid, every
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._t0 = time.perf_counter()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            rss = proc_status(self.pid).get("VmRSS")
            if rss is None:
                break
            self.samples.append((time.perf_counter() - self._t0, rss))
            self._stop.wait(self.every)

    def __enter__(self) -> "RssSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def max_mb(self) -> float:
        return max((r for _, r in self.samples), default=0) / 1024


def _wait_http(url: str, proc: subprocess.Popen, timeout: float, what: str, log: Path | None) -> None:
    import httpx

    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:] if log and log.is_file() else ""
            raise RuntimeError(f"{what} exited with code {proc.returncode} before answering:\n{tail}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{what} did not answer {url} within {timeout:.0f} s")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@contextmanager
def chroma_server(path: Path, log: Path) -> Iterator[int]:
    """`chroma run --path PATH` on a free loopback port; yields the port."""
    exe = BIN / "chroma"
    if not exe.exists():
        raise RuntimeError(f"{exe} is missing (chromadb's CLI): run `make setup`")
    port = free_port()
    path.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as out:
        proc = subprocess.Popen([str(exe), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
                                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        _wait_http(f"http://127.0.0.1:{port}/api/v2/heartbeat", proc, 90, "the Chroma server", log)
        yield port
    finally:
        _stop(proc)


@contextmanager
def chat_server(home: Path, log: Path, cwd: Path, encoder: str | None = None) -> Iterator[tuple[str, int]]:
    """`sourcebook chat` with its own SOURCEBOOK_HOME (and SOURCEBOOK_ENCODER when given), running
    the code in `cwd` (not whatever checkout the venv's console script points at); yields (url, pid)."""
    exe = BIN / "sourcebook"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in _SB_VARS}
    env.update(SOURCEBOOK_HOME=str(home), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               GRADIO_ANALYTICS_ENABLED="False",
               PYTHONPATH=os.pathsep.join(p for p in (str(cwd), env.get("PYTHONPATH")) if p))
    if encoder:
        env["SOURCEBOOK_ENCODER"] = encoder
    cmd = [str(exe), "chat", "--host", "127.0.0.1", "--port", str(port)] if exe.exists() else \
        [sys.executable, "-c", "import sys, sourcebook_cli; sys.exit(sourcebook_cli.main(sys.argv[1:]))",
         "chat", "--host", "127.0.0.1", "--port", str(port)]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                                cwd=str(cwd))
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_http(url, proc, 180, "the chat server", log)
        yield url, proc.pid
    finally:
        _stop(proc)
