"""The FastAPI application: the /v1 endpoints (routes.py), the
OpenAI-compatible ones (chat.py), the sign-in and limits (auth.py), errors
in one shape (errors.py), and a cap on the size of a request's body, so an
upload over the limit is refused (413) before it is read."""
from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from service import Accounts, SafeCite, settings

from . import chat, errors, routes
from .auth import Gate
from .limits import RateLimiter

VERSION = "1.0"
SLACK = 64 * 1024  # what multipart adds around a file: its headers and boundaries


class BodyLimit:
    """ASGI middleware: a request whose body is over `max_bytes` gets 413,
    from its Content-Length before anything is read, or as soon as the bytes
    sent without one pass the limit."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope.get("headers") or []).get(b"content-length", b"")
        if length.isdigit() and int(length) > self.max_bytes:
            return await self._refuse(send)
        seen, over, sent = 0, False, False

        async def counted() -> dict:
            nonlocal seen, over
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                over = True
                return {"type": "http.disconnect"}  # the app stops reading; the answer is 413
            return message

        async def guarded(message: dict) -> None:
            nonlocal sent
            if not over:
                sent = True
                await send(message)

        try:
            await self.app(scope, counted, guarded)
        except Exception:
            if not over:
                raise
        if over and not sent:
            await self._refuse(send)

    async def _refuse(self, send: Any) -> None:
        response = errors.error_response(413, f"the request is over the upload limit of {self.max_bytes - SLACK} bytes")
        await response({"type": "http"}, _nothing, send)


async def _nothing() -> dict:
    return {"type": "http.request", "body": b"", "more_body": False}


def create_app(safecite: SafeCite, *, accounts: Accounts | None = None, host: str = "127.0.0.1",
               rate: int | None = None, signin_rate: int | None = None) -> FastAPI:
    """The API over `safecite`, for `accounts` (default: the settings'),
    served on `host`; limits per minute default to the settings'."""
    app = FastAPI(title="SafeCite", version=VERSION,
                  description="Cited answers from production-safety regulations, standards, plans and inspection "
                              "records. Authorization: Bearer <API key> (make user NAME=... ROLE=reader).")
    app.state.safecite = safecite
    app.state.gate = Gate(accounts or Accounts(), host,
                          RateLimiter(settings().api_rate if rate is None else rate),
                          RateLimiter(settings().api_signin_rate if signin_rate is None else signin_rate))
    errors.install(app)
    app.include_router(routes.router)
    app.include_router(chat.router)
    app.add_middleware(BodyLimit, max_bytes=safecite.uploads.max_bytes + SLACK)
    return app
