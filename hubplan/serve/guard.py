"""The server's guards: bounded request bodies and headers that keep the page to itself.

:class:`BodyLimit` is plain ASGI middleware: a request whose body is longer than its
limit (by ``Content-Length`` or as it streams) gets ``413`` with a one-line JSON
message before any handler reads it. :data:`SECURITY_HEADERS` go on every answer:
scripts and styles only from the server itself (no inline script), map tiles only from
OpenStreetMap, no framing, no referrer, no content-type sniffing.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

__all__ = ["MAX_BODY_BYTES", "SECURITY_HEADERS", "BodyLimit", "SecurityHeaders"]

MAX_BODY_BYTES = 16 * 1024
"""The longest request body accepted: a plan of a few hundred buildings fits many times over."""

SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                               "img-src 'self' data: https://tile.openstreetmap.org; connect-src 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


async def _refuse(send: Send, status: int, text: str) -> None:
    body = json.dumps({"error": text}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes with 413 (ASGI middleware); the body is read before the app runs."""

    def __init__(self, app: App, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the declared length, then read and count the body before passing it on."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        message = f"the request is larger than {self.limit} bytes: send a smaller plan"
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await _refuse(send, 413, message)
            return
        body = bytearray()
        more = True
        while more:  # read the whole (small) body first: a handler never sees a part of an oversized one
            incoming = await receive()
            if incoming["type"] != "http.request":
                break
            body += incoming.get("body", b"")
            more = bool(incoming.get("more_body", False))
            if len(body) > self.limit:
                await _refuse(send, 413, message)
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()  # after the body: wait for the client's disconnect

        await self.app(scope, replay, send)


class SecurityHeaders:
    """Add :data:`SECURITY_HEADERS` to every HTTP answer (ASGI middleware)."""

    def __init__(self, app: App) -> None:
        self.app = app
        self._headers = [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the headers to the answer's start."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *self._headers]
            await send(message)

        await self.app(scope, receive, with_headers)
