"""Who is calling: `Authorization: Bearer <API key>`, checked against the
accounts (service/accounts.py), and the rate limits on the way in.

- With accounts, every request needs a valid key: none or an unknown one is
  401 (with `WWW-Authenticate: Bearer`); the role is then checked by the
  service itself (403 when it may not).
- With no account, as on the page: served on this machine only, and no key is
  asked for (any key sent is ignored, since some clients insist on sending
  one). Served on an address others can reach, every request is refused
  (403) saying how to add an account; `python -m service.http` refuses to
  start that way in the first place.
- Unknown keys count against the client's address; past the sign-in limit it
  gets 429 for any key, good or bad, until the limit refills. Requests count
  against their key (without accounts, against the address): 429 past it.
  Both answer with `Retry-After`.
"""
from __future__ import annotations

import hashlib

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from service import Accounts, SafeCiteError, User, check_served

from .errors import ApiError
from .limits import RateLimiter

bearer = HTTPBearer(auto_error=False, description="An API key made by `make user NAME=... ROLE=...` (sc_...)")


class Gate:
    """The accounts, the address served on, and the two limits."""

    def __init__(self, accounts: Accounts, host: str, requests: RateLimiter, signins: RateLimiter) -> None:
        self.accounts = accounts
        self.host = host
        self.requests = requests
        self.signins = signins

    def user(self, key: str | None, address: str) -> User | None:
        """The caller's user (None: no accounts, everything allowed) or ApiError."""
        if not self.accounts.exist():
            try:
                check_served(self.host, self.accounts)
            except SafeCiteError as exc:
                raise ApiError(403, str(exc)) from exc
            self._count(self.requests, f"address {address}", "too many requests from this address")
            return None
        if not key:
            raise ApiError(401, "an API key is needed: send `Authorization: Bearer sc_...` "
                                "(make user NAME=... ROLE=reader prints one)", {"WWW-Authenticate": "Bearer"})
        _refuse_while(self.signins.wait(f"address {address}"), "too many unknown API keys from this address")
        user = self.accounts.by_key(key)
        if user is None:
            self._count(self.signins, f"address {address}", "too many unknown API keys from this address")
            raise ApiError(401, "unknown API key", {"WWW-Authenticate": "Bearer"})
        self._count(self.requests, "key " + hashlib.sha256(key.encode()).hexdigest())
        return user

    @staticmethod
    def _count(limiter: RateLimiter, key: str, what: str = "too many requests for this API key") -> None:
        _refuse_while(limiter.take(key), what)


def _refuse_while(seconds: int, what: str) -> None:
    if seconds > 0:
        raise ApiError(429, f"{what}; try again in {seconds} s", {"Retry-After": str(seconds)})


def caller(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> User | None:
    """The dependency every endpoint takes: the user of the request's key."""
    gate: Gate = request.app.state.gate
    address = request.client.host if request.client else "unknown"
    return gate.user(credentials.credentials if credentials else None, address)
