"""Refuse hostile requests before any route sees them: oversize bodies and NUL characters.

One pure-ASGI layer, which also times every request for the metrics: a `BaseHTTPMiddleware`
(`@app.middleware("http")`) runs each request through an extra task and memory streams, which
costs more than most of the routes behind it.

The body is read here in full (chunked uploads included) up to the limit, then handed on, so
a body is never larger than the limit whatever its headers claim. Postgres cannot store a NUL
character, so a NUL anywhere in the path, the query or the body is refused with a clear error
instead of failing deep inside a transaction.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import unquote_to_bytes

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
# method, route template ("unmatched" when no route took the request), status, seconds
Observer = Callable[[str, str, int, float], None]

DEFAULT_MAX_BODY = 1024 * 1024
_NUL_IN_BODY = (b"\x00", b"\\u0000", b"%00")
_MESSAGES = {
    "payload_too_large": (
        "The body exceeds {limit} bytes.",
        "Isi permintaan melebihi {limit} bita.",
    ),
    "invalid_characters": (
        "The request contains a NUL character, which is not allowed.",
        "Permintaan berisi karakter NUL yang tidak diizinkan.",
    ),
}


def has_nul(path: str, query: bytes, body: bytes) -> bool:
    """Whether a NUL character hides in the path, the query string or the body."""
    if "\x00" in path or b"\x00" in unquote_to_bytes(query):
        return True
    return any(marker in body.lower() for marker in _NUL_IN_BODY)


class RequestGuard:
    """ASGI middleware enforcing the body limit, refusing NUL characters, timing requests."""

    def __init__(
        self,
        app: ASGIApp,
        language: Callable[[str | None], str],
        max_body: int,
        observe: Observer | None = None,
    ) -> None:
        self.app = app
        self.language = language
        self.max_body = max_body
        self.observe = observe

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.observe is None:
            await self._guard(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the server answers when the app raises before it starts a response

        async def send_seen(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self._guard(scope, receive, send_seen)
        finally:
            # The router writes the matched route into this same scope.
            path = getattr(scope.get("route"), "path", "unmatched")
            self.observe(scope["method"], path, status, time.perf_counter() - started)

    async def _guard(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = b""
        more = scope["method"] in ("POST", "PUT", "PATCH", "DELETE")
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.max_body:
                language = self._language_of(scope)
                await _refuse(send, 413, "payload_too_large", language, self.max_body)
                return
        if has_nul(scope.get("path", ""), scope.get("query_string", b""), body):
            await _refuse(send, 400, "invalid_characters", self._language_of(scope), self.max_body)
            return
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if delivered:
                return await receive()
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    def _language_of(self, scope: Scope) -> str:
        """The caller's language, read only when a refusal needs it."""
        header = b""
        for name, value in scope.get("headers") or ():
            if name == b"accept-language":
                header = value  # the last one, as a dict of the headers would keep
        return self.language(header.decode("latin-1"))


async def _refuse(send: Send, status: int, code: str, language: str, limit: int) -> None:
    english, indonesian = _MESSAGES[code]
    text = (indonesian if language == "id" else english).format(limit=limit)
    payload = json.dumps({"error": {"code": code, "message": text}}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
