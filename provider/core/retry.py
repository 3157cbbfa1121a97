"""One backoff and one retry budget, shared by every thread of a provider process.

A stack's notebooks share one client. During an outage each of 30 waiting
notebooks retrying on its own schedule would multiply the load; instead every
retry draws from one budget (refilled by successes, as a token bucket) and a
failure seen by one thread holds the others back for the same pause.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass
from typing import Callable, Optional


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with full jitter; the server's Retry-After is a floor."""

    base_delay: float = 0.5
    max_delay: float = 20.0

    def delay(self, attempt: int, retry_after: Optional[float] = None, rng: Optional[random.Random] = None) -> float:
        rng = rng or random.Random()
        backoff = rng.uniform(0, min(self.max_delay, self.base_delay * (2 ** (attempt - 1))))
        return max(backoff, retry_after or 0.0)


@dataclass(frozen=True)
class RetryPolicy:
    """When one call may be retried: attempts, total time, and the shared budget's costs."""

    max_attempts: int = 6
    total_seconds: float = 120.0
    backoff: Backoff = Backoff()
    budget: int = 100
    retry_cost: int = 5
    success_refund: int = 1


class RetryBudget:
    """Tokens every retry of every thread spends; successful calls earn them back."""

    def __init__(self, policy: RetryPolicy, now: Callable[[], float] = time.monotonic) -> None:
        self._policy = policy
        self._tokens = policy.budget
        self._lock = threading.Lock()
        self._not_before = 0.0
        self._now = now

    def try_spend(self) -> bool:
        with self._lock:
            if self._tokens < self._policy.retry_cost:
                return False
            self._tokens -= self._policy.retry_cost
            return True

    def refund(self) -> None:
        with self._lock:
            self._tokens = min(self._policy.budget, self._tokens + self._policy.success_refund)

    def hold_back(self, seconds: float) -> None:
        """Every thread waits at least this long before its next request."""
        with self._lock:
            self._not_before = max(self._not_before, self._now() + seconds)

    def wait_turn(self, sleep: Callable[[float], None]) -> None:
        with self._lock:
            pause = self._not_before - self._now()
        if pause > 0:
            sleep(pause)

    @property
    def tokens(self) -> int:
        with self._lock:
            return self._tokens
