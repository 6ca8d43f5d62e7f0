"""Rate limits of the HTTP API, kept in this process: requests per API key,
and failed sign-ins (unknown keys) per client address.

Each limited thing has a token bucket holding up to `per_minute` tokens,
refilled evenly (per_minute / 60 a second); a request takes one. A burst of
`per_minute` requests passes, and a steady rate of `per_minute` a minute.

It deliberately keeps nothing across processes or restarts: `make api` runs
one uvicorn worker. Behind several workers, each counts for itself.
"""
from __future__ import annotations

import math
import threading
import time
from typing import Callable

MAX_TRACKED = 10_000  # buckets kept before full (idle) ones are dropped


def refilled(tokens: float, last: float, now: float, capacity: float, per_second: float) -> float:
    """The tokens a bucket holds at `now`, having held `tokens` at `last`."""
    return min(capacity, tokens + max(0.0, now - last) * per_second)


def wait_for_one(tokens: float, per_second: float) -> float:
    """Seconds until a bucket holding `tokens` (< 1) holds one."""
    return (1.0 - tokens) / per_second


class RateLimiter:
    """`per_minute` requests a minute per key; 0 or less: no limit."""

    def __init__(self, per_minute: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = float(per_minute)
        self.per_second = self.capacity / 60.0
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, when counted)
        self._lock = threading.Lock()

    def _tokens(self, key: str, now: float) -> float:
        tokens, last = self._buckets.get(key, (self.capacity, now))
        return refilled(tokens, last, now, self.capacity, self.per_second)

    def wait(self, key: str) -> int:
        """Whole seconds before `key` may try again (0: it may now), taking nothing."""
        if self.capacity <= 0:
            return 0
        with self._lock:
            tokens = self._tokens(key, self.clock())
        return 0 if tokens >= 1.0 else math.ceil(wait_for_one(tokens, self.per_second))

    def take(self, key: str) -> int:
        """Count one request of `key`: 0 when it is within the limit, else the
        whole seconds to wait before the next would be (nothing is taken then)."""
        if self.capacity <= 0:
            return 0
        with self._lock:
            now = self.clock()
            tokens = self._tokens(key, now)
            if tokens < 1.0:
                return math.ceil(wait_for_one(tokens, self.per_second))
            if len(self._buckets) >= MAX_TRACKED:
                self._forget_full(now)
            self._buckets[key] = (tokens - 1.0, now)
            return 0

    def _forget_full(self, now: float) -> None:
        """Drop buckets that have refilled: they hold what a new one would."""
        for key in [k for k in self._buckets if self._tokens(k, now) >= self.capacity]:
            del self._buckets[key]
