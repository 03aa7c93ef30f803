"""Sign-in throttling for `sourcebook chat --auth`: after `limit` failed sign-ins from one
client within `window` seconds, that client's sign-ins are refused for `lockout` seconds,
even with the right password, with a 429 that says how long to wait.

Gradio checks passwords in its own POST /login route (400 on a wrong password, 200 and a
session cookie on a right one) and keeps no count, so this sits in front of that route as
ASGI middleware (pure ASGI: Gradio streams its queue, which BaseHTTPMiddleware would
buffer). A client is its address as the server sees it: behind a reverse proxy every user
shares the proxy's, and a lock-out locks them all. It does not throttle anything but /login.
"""
from __future__ import annotations

import json
import logging
import math
import threading
import time
from collections import defaultdict, deque
from typing import Callable

log = logging.getLogger(__name__)


class LoginThrottle:
    def __init__(self, app, limit: int = 5, window: float = 300.0, lockout: float = 300.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if limit < 1 or window <= 0 or lockout <= 0:
            raise ValueError("limit must be >= 1, window and lockout positive")
        self.app, self.limit, self.window, self.lockout, self.clock = app, limit, window, lockout, clock
        self.failures: dict[str, deque[float]] = defaultdict(deque)
        self.locked_until: dict[str, float] = {}
        self.lock = threading.Lock()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "POST" or not scope["path"].rstrip("/").endswith("/login"):
            return await self.app(scope, receive, send)
        client = (scope.get("client") or ("unknown",))[0]
        wait = self.wait(client)
        if wait:
            return await self.refuse(send, wait)

        async def watch(message):
            if message["type"] == "http.response.start":
                self.record(client, ok=message["status"] == 200)
            await send(message)

        await self.app(scope, receive, watch)

    def wait(self, client: str) -> float:
        """Seconds this client must still wait before signing in again (0: it may try)."""
        with self.lock:
            left = self.locked_until.get(client, 0.0) - self.clock()
            if left <= 0:
                self.locked_until.pop(client, None)
            return max(0.0, left)

    def record(self, client: str, ok: bool) -> None:
        with self.lock:
            if ok:
                self.failures.pop(client, None)
                return
            now = self.clock()
            seen = self.failures[client]
            seen.append(now)
            while seen and seen[0] <= now - self.window:
                seen.popleft()
            if len(seen) >= self.limit:
                self.locked_until[client] = now + self.lockout
                self.failures.pop(client, None)
                log.warning("sign-in locked for %s after %d failed attempts", client, self.limit)

    async def refuse(self, send, wait: float) -> None:
        minutes, seconds = divmod(math.ceil(wait), 60)
        when = f"{minutes} min {seconds} s" if minutes else f"{seconds} s"
        body = json.dumps({"detail": f"Too many failed sign-ins from your address: try again in {when}."}).encode()
        await send({"type": "http.response.start", "status": 429, "headers": [
            (b"content-type", b"application/json"), (b"retry-after", str(math.ceil(wait)).encode()),
            (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
