"""Waiter rules as tables: which observed status ends which wait, and how."""

from __future__ import annotations

from typing import Optional

import pytest

from provider.core.errors import NotebookFailedError, NotebookGoneError, WaitTimeoutError
from provider.core.models import NotebookInfo
from provider.core.waiter import (
    NOTEBOOK_CREATED,
    NOTEBOOK_DELETED,
    NOTEBOOK_RUNNING,
    NOTEBOOK_SETTLED,
    NOTEBOOK_STOPPED,
    ACTIVE_WAITS,
    POLL_BUDGET_PER_SECOND,
    DelayPolicy,
    WaitRule,
    wait_for,
)

EARLY, LATE = 1.0, 60.0


@pytest.mark.parametrize(
    "rule, status, elapsed, verdict",
    [
        (NOTEBOOK_CREATED, "CREATING", EARLY, "pending"),
        (NOTEBOOK_CREATED, "INIT", LATE, "pending"),
        (NOTEBOOK_CREATED, "RUNNING", EARLY, "success"),
        (NOTEBOOK_CREATED, "CREATE_FAILED", EARLY, "failure"),
        (NOTEBOOK_CREATED, "ERROR", EARLY, "failure"),
        (NOTEBOOK_CREATED, "STOPPED", EARLY, "unexpected"),
        (NOTEBOOK_CREATED, None, EARLY, "gone"),
        (NOTEBOOK_RUNNING, "STARTING", LATE, "pending"),
        (NOTEBOOK_RUNNING, "STOPPED", EARLY, "pending"),  # the service has not flipped yet
        (NOTEBOOK_RUNNING, "STOPPED", LATE, "unexpected"),
        (NOTEBOOK_RUNNING, "START_FAILED", EARLY, "failure"),
        (NOTEBOOK_RUNNING, "FROZEN", EARLY, "failure"),
        (NOTEBOOK_RUNNING, "RUNNING", EARLY, "success"),
        (NOTEBOOK_STOPPED, "STOPPING", LATE, "pending"),
        (NOTEBOOK_STOPPED, "RUNNING", EARLY, "pending"),
        (NOTEBOOK_STOPPED, "RUNNING", LATE, "unexpected"),
        (NOTEBOOK_STOPPED, "STOPPED", EARLY, "success"),
        (NOTEBOOK_STOPPED, "ERROR", EARLY, "failure"),
        (NOTEBOOK_DELETED, "DELETING", LATE, "pending"),
        (NOTEBOOK_DELETED, None, EARLY, "success"),
        (NOTEBOOK_DELETED, "DELETED", EARLY, "success"),
        (NOTEBOOK_DELETED, "DELETE_FAILED", EARLY, "failure"),
        (NOTEBOOK_DELETED, "STOPPED", EARLY, "pending"),
        (NOTEBOOK_DELETED, "STOPPED", LATE, "unexpected"),
        (NOTEBOOK_SETTLED, "STOPPING", LATE, "pending"),
        (NOTEBOOK_SETTLED, "RUNNING", EARLY, "success"),
        (NOTEBOOK_SETTLED, "START_FAILED", EARLY, "success"),
        (NOTEBOOK_SETTLED, None, EARLY, "success"),
    ],
)
def test_rule_table(rule: WaitRule, status: Optional[str], elapsed: float, verdict: str) -> None:
    assert rule.outcome(status, elapsed) == verdict


class FakeClock:
    def __init__(self) -> None:
        self.t = 0.0
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds


def sequence(*statuses: Optional[str]):
    items = list(statuses)

    def fetch() -> Optional[NotebookInfo]:
        status = items.pop(0) if len(items) > 1 else items[0]
        return None if status is None else NotebookInfo(id="nb1", status=status, fail_reason="disk full")

    return fetch


def test_waits_through_transient_statuses() -> None:
    clock = FakeClock()
    result = wait_for(sequence("STOPPING", "STOPPING", "STOPPED"), NOTEBOOK_STOPPED, notebook_id="nb1", name="n",
                      timeout=60, clock=clock)
    assert result is not None and result.status == "STOPPED"
    assert clock.sleeps == [0.2, 0.2]


def test_failure_carries_fail_reason() -> None:
    with pytest.raises(NotebookFailedError, match="CREATE_FAILED while creating: disk full"):
        wait_for(sequence("CREATING", "CREATE_FAILED"), NOTEBOOK_CREATED, notebook_id="nb1", name="n", timeout=60,
                 clock=FakeClock())


def test_timeout_names_what_the_notebook_was_doing() -> None:
    with pytest.raises(WaitTimeoutError, match="still STARTING after 10s while starting"):
        wait_for(sequence("STARTING"), NOTEBOOK_RUNNING, notebook_id="nb1", name="n", timeout=10, clock=FakeClock())


def test_disappearing_is_success_only_when_deleting() -> None:
    assert wait_for(sequence("DELETING", None), NOTEBOOK_DELETED, notebook_id="nb1", name="n", timeout=60,
                    clock=FakeClock()) is None
    with pytest.raises(NotebookGoneError):
        wait_for(sequence("STARTING", None), NOTEBOOK_RUNNING, notebook_id="nb1", name="n", timeout=60,
                 clock=FakeClock())


def test_first_observation_saves_a_read() -> None:
    reads = []

    def fetch() -> NotebookInfo:
        reads.append(1)
        return NotebookInfo(id="nb1", status="RUNNING")

    wait_for(fetch, NOTEBOOK_RUNNING, notebook_id="nb1", name="n", timeout=60, clock=FakeClock(),
             first=NotebookInfo(id="nb1", status="STARTING"))
    assert len(reads) == 1


def polls_until(transition: float, expected=None) -> tuple[int, float]:
    """(polls, how late the end was seen) for a transition of `transition` seconds."""
    policy, elapsed, polls = DelayPolicy(), 0.0, 0
    while True:
        elapsed += policy.next_delay(elapsed, expected)
        polls += 1
        if elapsed >= transition:
            return polls, elapsed - transition


@pytest.mark.parametrize("transition", [1.0, 5.0, 60.0, 300.0])
def test_unknown_duration_is_seen_within_a_share_of_it(transition: float) -> None:
    polls, late = polls_until(transition)
    assert late <= 0.15 * transition + 0.2
    # Logarithmic at first, then at most one look per `maximum` (10 s).
    assert polls <= (25 if transition <= 5 else 80)


@pytest.mark.parametrize("transition", [4.0, 4.5, 5.0, 5.5, 6.0, 7.0, 8.0])
def test_a_short_unknown_duration_is_seen_within_a_twentieth_of_it(transition: float) -> None:
    polls, late = polls_until(transition)
    assert late <= max(0.2, 0.05 * transition) and polls <= 40


@pytest.mark.parametrize("expected", [5.0, 120.0])
def test_a_transition_near_its_expected_length_is_seen_within_two_percent_of_it(expected: float) -> None:
    for step in range(21):  # ending anywhere within 10 % of the expected length
        transition = expected * (0.9 + step * 0.01)
        polls, late = polls_until(transition, expected=expected)
        assert late <= 0.02 * expected + 1e-9 and polls <= 12


@pytest.mark.parametrize("transition", [1.0, 5.0, 60.0, 300.0])
def test_known_duration_is_seen_early_with_few_polls(transition: float) -> None:
    polls, late = polls_until(transition, expected=transition)
    assert late <= max(0.1, 0.02 * transition)
    assert polls <= 7


def test_a_transition_slower_than_expected_backs_off() -> None:
    polls, late = polls_until(50.0, expected=5.0)
    assert polls <= 40 and late <= 0.15 * 50


def test_waits_polling_at_once_share_the_process_read_budget() -> None:
    """Twenty notebooks created together poll at most POLL_BUDGET_PER_SECOND times a second between them."""
    others = 19
    for _ in range(others):
        ACTIVE_WAITS.__enter__()
    try:
        clock = FakeClock()
        wait_for(sequence("STOPPING", "STOPPING", "STOPPED"), NOTEBOOK_STOPPED, notebook_id="nb1", name="n",
                 timeout=60, clock=clock)
    finally:
        for _ in range(others):
            ACTIVE_WAITS.__exit__()
    assert (others + 1) / POLL_BUDGET_PER_SECOND > DelayPolicy().initial  # the budget, not the policy, sets it
    assert clock.sleeps == [pytest.approx((others + 1) / POLL_BUDGET_PER_SECOND)] * 2
    assert ACTIVE_WAITS.count == 0


def test_a_wait_that_fails_leaves_the_budget_to_the_others() -> None:
    with pytest.raises(NotebookFailedError):
        wait_for(sequence("CREATING", "CREATE_FAILED"), NOTEBOOK_CREATED, notebook_id="nb1", name="n", timeout=60,
                 clock=FakeClock())
    assert ACTIVE_WAITS.count == 0


def test_delays_are_capped() -> None:
    assert DelayPolicy(maximum=5).next_delay(1000.0) == 5
