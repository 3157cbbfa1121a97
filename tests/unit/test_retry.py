"""The shared retry budget and backoff (provider/retry.py)."""

from __future__ import annotations

import random

from provider.core.retry import Backoff, RetryBudget, RetryPolicy


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_retries_stop_when_the_shared_budget_is_spent_and_resume_after_successes() -> None:
    budget = RetryBudget(RetryPolicy(budget=10, retry_cost=5, success_refund=5))
    assert budget.try_spend() and budget.try_spend()
    assert not budget.try_spend()  # an outage: every thread stops retrying at once
    budget.refund()
    assert budget.try_spend()


def test_a_pause_seen_by_one_thread_holds_back_the_others() -> None:
    clock = FakeClock()
    budget = RetryBudget(RetryPolicy(), now=clock)
    budget.hold_back(3.0)
    budget.wait_turn(clock.sleep)  # another thread's next request
    assert clock.slept == [3.0]
    budget.wait_turn(clock.sleep)
    assert clock.slept == [3.0]


def test_backoff_grows_with_full_jitter_and_honours_retry_after() -> None:
    backoff = Backoff(base_delay=1.0, max_delay=8.0)
    rng = random.Random(1)
    for attempt, cap in ((1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (5, 8.0), (7, 8.0)):
        delays = [backoff.delay(attempt, rng=rng) for _ in range(400)]
        # Full jitter: spread over the whole of 0..cap (the cap doubling up to max_delay), evenly.
        assert all(0 <= d <= cap for d in delays), attempt
        assert min(delays) < 0.05 * cap and max(delays) > 0.95 * cap, attempt
        assert 0.4 * cap < sum(delays) / len(delays) < 0.6 * cap, attempt
    assert backoff.delay(1, retry_after=30.0, rng=rng) == 30.0
    assert 0 <= backoff.delay(1, retry_after=0.0, rng=rng) <= 1.0  # no Retry-After floor: the backoff
