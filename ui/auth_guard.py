"""Sign-in throttling for `sourcebook chat --auth`: after `limit` failed sign-ins from one
client within `window` seconds, that client's sign-ins are refused for `lockout` seconds,
even with the right password, with a 429 that says how long to wait.

Gradio checks passwords in its own POST /login route (400 on a wrong password, 200 and a
session cookie on a right one) and keeps no count, so this sits in front of that route as
ASGI middleware (pure ASGI: Gradio streams its queue, which BaseHTTPMiddleware would
buffer). A client is its address as the server sees it: behind a reverse proxy every user
shares the proxy's, and a lock-out locks them all. It does not throttle anything but /login.

Gradio's sign-in page shows only "Incorrect credentials" (on a 400) and ignores any other
status, so the attempt that locks the client gets the 429 too, and the page's HTML carries a
small script (LOGIN_SCRIPT) that shows a 429's message on the form, and the wait at once
when a locked client opens the page.
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
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        client = (scope.get("client") or ("unknown",))[0]
        if scope["method"] == "GET" and scope["path"].endswith("/"):
            return await self.app(scope, receive, self.with_script(send, self.wait(client)))
        if scope["method"] != "POST" or not scope["path"].rstrip("/").endswith("/login"):
            return await self.app(scope, receive, send)
        wait = self.wait(client)
        if wait:
            return await self.refuse(send, wait)
        replaced = False

        async def watch(message):
            nonlocal replaced
            if message["type"] == "http.response.start":
                self.record(client, ok=message["status"] == 200)
                wait = 0.0 if message["status"] == 200 else self.wait(client)
                if wait:    # this failure locked the client: say so now, not on the next try
                    replaced = True
                    return await self.refuse(send, wait)
            if not replaced:
                await send(message)

        await self.app(scope, receive, watch)

    def with_script(self, send, wait: float):
        """`send` for a page request: an HTML page gets LOGIN_SCRIPT before </head>."""
        state: dict = {"start": None, "body": b""}

        async def inject(message):
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers") or [])
                if not headers.get(b"content-type", b"").startswith(b"text/html") or b"content-encoding" in headers:
                    state["start"] = False
                    return await send(message)
                state["start"] = message
                return
            if state["start"] is False or message["type"] != "http.response.body":
                return await send(message)
            state["body"] += message.get("body", b"")
            if message.get("more_body"):
                return
            locked = json.dumps(too_many(wait) if wait else "").replace("</", "<\\/")
            script = f"<script>window.__sbLocked = {locked};\n{LOGIN_SCRIPT}</script>".encode()
            body = state["body"].replace(b"</head>", script + b"</head>", 1)
            start = state["start"]
            headers = [(k, v) for k, v in start.get("headers") or [] if k != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        return inject

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
        body = json.dumps({"detail": too_many(wait)}).encode()
        await send({"type": "http.response.start", "status": 429, "headers": [
            (b"content-type", b"application/json"), (b"retry-after", str(math.ceil(wait)).encode()),
            (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


def too_many(wait: float) -> str:
    minutes, seconds = divmod(math.ceil(wait), 60)
    when = (f"{minutes} min {seconds} s" if seconds else f"{minutes} min") if minutes else f"{seconds} s"
    return f"Too many failed sign-ins from your address: try again in {when}."


# Shows a refused sign-in's message above the form (Gradio's page ignores a 429), and the
# wait at once when the page opens during a lock-out (window.__sbLocked, set by the server).
LOGIN_SCRIPT = r"""
(() => {
  const show = (text) => {
    const put = () => {
      const pw = document.querySelector('input[type=password]');
      if (!pw) return false;
      let box = document.getElementById('sb-login-locked');
      if (!box) {
        box = document.createElement('p');
        box.id = 'sb-login-locked';
        box.setAttribute('role', 'alert');
        box.style.cssText = 'color:#991b1b;background:#fef2f2;border:1px solid #fecaca;border-radius:8px;' +
          'padding:8px 12px;margin:0 0 10px;font-weight:600;font-size:14px;';
        let block = pw;
        while (block.parentElement && !block.parentElement.querySelector('button')) block = block.parentElement;
        block.parentElement.insertBefore(box, block);
      }
      box.textContent = text;
      return true;
    };
    if (!put()) {
      const watch = new MutationObserver(() => { if (put()) watch.disconnect(); });
      watch.observe(document.documentElement, {childList: true, subtree: true});
    }
  };
  const fetched = window.fetch;
  window.fetch = async (...args) => {
    const res = await fetched(...args);
    const url = String((args[0] && args[0].url) || args[0]);
    const method = String((args[1] && args[1].method) || 'GET').toUpperCase();
    if (method === 'POST' && /\/login\/?$/.test(url) && res.status === 429) {
      const said = await res.clone().json().catch(() => ({}));
      show(said.detail || 'Too many failed sign-ins: wait a few minutes, then try again.');
    }
    return res;
  };
  if (window.__sbLocked) show(window.__sbLocked);
})();
"""
