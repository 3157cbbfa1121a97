"""Declarative waiting for a notebook's asynchronous transitions.

Each wait is data (a `WaitRule`): which statuses end it well, which end it
badly, which mean "keep polling", which are tolerated only briefly right after
the call (the service may not show the new transient status at once), and
whether the notebook disappearing is the goal or an accident. One loop
(`wait_for`) interprets every rule, so start, stop, create and delete behave
alike and each rule can be tested as a table.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from .clock import SYSTEM_CLOCK, Clock
from .errors import NotebookFailedError, NotebookGoneError, WaitTimeoutError
from .models import FAILED_STATUSES, NotebookInfo, NotebookStatus

S = NotebookStatus


@dataclass(frozen=True)
class DelayPolicy:
    """When to look again, so a transition is seen soon after it ends without
    hammering the API.

    With an expected duration (learned from earlier transitions of the same
    kind): one look just before it should end (`early` of it), then dense looks
    (every `dense_share` of it) until `dense_until` of it, backing off once the
    transition runs well over.
    Without one: look again after a share of the time waited so far, so the
    delay in noticing stays a fixed share of the transition however long it is,
    with polls growing only logarithmically. The share is `share` for the first
    `long_after` seconds, where each look is cheap in requests per minute and a
    transition that ends there is noticed within 4 % of its length (`initial`,
    0.2 s, at least), and `long_share` after that, where a minutes-long
    transition would otherwise cost a look every few seconds.

    `initial` is the shortest delay of one wait alone; `wait_for` stretches it
    when many waits of one process poll at once (`POLL_BUDGET_PER_SECOND`), so a
    fleet's first seconds stay within a fixed rate of reads.
    """

    initial: float = 0.2
    share: float = 0.04
    long_after: float = 8.0
    long_share: float = 0.15
    early: float = 0.9
    dense_share: float = 0.02
    dense_until: float = 1.25
    maximum: float = 10.0

    def next_delay(self, elapsed: float, expected: Optional[float] = None, *, shortest: float = 0.0) -> float:
        """The delay before the next look; none shorter than `shortest` (the process's poll budget)."""
        if expected and expected > 0:
            if elapsed < self.early * expected:
                return self.early * expected - elapsed
            if elapsed < self.dense_until * expected:
                return min(self.maximum, max(0.1, shortest, self.dense_share * expected))
        share = self.share if elapsed < self.long_after else self.long_share
        return min(self.maximum, max(self.initial, shortest, share * elapsed))


# Reads per second that the waits of one process spend between them at most
# while they poll densely: one wait alone polls every `initial` seconds; many
# at once (a fleet of notebooks created together) share this rate.
POLL_BUDGET_PER_SECOND = 60.0


class _ActiveWaits:
    """How many waits of this process are polling now (the engine calls a provider concurrently)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.count = 0

    def __enter__(self) -> "_ActiveWaits":
        with self._lock:
            self.count += 1
        return self

    def __exit__(self, *_: object) -> None:
        with self._lock:
            self.count -= 1

    def shortest_delay(self) -> float:
        return self.count / POLL_BUDGET_PER_SECOND


ACTIVE_WAITS = _ActiveWaits()


def notebook_status(notebook: NotebookInfo) -> Optional[str]:
    return notebook.status


def volume_status(notebook: NotebookInfo) -> Optional[str]:
    """`volume.status` is RESIZING while EVS grows; anything else (or nothing) is ready."""
    return "RESIZING" if notebook.volume is not None and notebook.volume.status == "RESIZING" else "READY"


@dataclass(frozen=True)
class WaitRule:
    doing: str
    success: frozenset[str]
    pending: frozenset[str]
    failure: frozenset[str] = frozenset(FAILED_STATUSES)
    # Statuses accepted as "not started yet" during `grace_seconds` after the call.
    grace: frozenset[str] = frozenset()
    grace_seconds: float = 15.0
    gone_is_success: bool = False
    delay: DelayPolicy = field(default_factory=DelayPolicy)
    # What is watched: the notebook's status, or another status of it (or of a mount).
    subject: Callable[[Any], Optional[str]] = notebook_status
    # The kind of transition whose duration this wait teaches (None: nothing to learn).
    learns: Optional[str] = None
    # Which of the resource's `timeouts` bounds it.
    timeout_key: str = "update"

    def outcome(self, status: Optional[str], elapsed: float) -> str:
        """'success' | 'failure' | 'pending' | 'unexpected' for one observed status."""
        if status is None:
            return "success" if self.gone_is_success else "gone"
        if status in self.success:
            return "success"
        if status in self.failure:
            return "failure"
        if status in self.pending or (status in self.grace and elapsed < self.grace_seconds):
            return "pending"
        return "unexpected"


NOTEBOOK_CREATED = WaitRule(
    doing="creating",
    success=frozenset({S.RUNNING}),
    pending=frozenset({S.INIT, S.CREATING, S.STARTING}),
    learns="create",
    timeout_key="create",
)
NOTEBOOK_RUNNING = WaitRule(
    doing="starting",
    success=frozenset({S.RUNNING}),
    pending=frozenset({S.STARTING, S.INIT}),
    grace=frozenset({S.STOPPED}),
    learns="start",
    timeout_key="start",
)
NOTEBOOK_STOPPED = WaitRule(
    doing="stopping",
    success=frozenset({S.STOPPED}),
    pending=frozenset({S.STOPPING}),
    grace=frozenset({S.RUNNING}),
    learns="stop",
    timeout_key="stop",
)
NOTEBOOK_DELETED = WaitRule(
    doing="deleting",
    success=frozenset({S.DELETED}),
    pending=frozenset({S.DELETING}),
    grace=frozenset({S.RUNNING, S.STOPPED, S.CREATE_FAILED, S.START_FAILED, S.ERROR, S.DELETE_FAILED}),
    failure=frozenset({S.DELETE_FAILED, S.FROZEN}),
    gone_is_success=True,
    learns="delete",
    timeout_key="delete",
)
VOLUME_RESIZED = WaitRule(
    doing="expanding its storage",
    success=frozenset({"READY"}),
    pending=frozenset({"RESIZING"}),
    failure=frozenset(),
    subject=volume_status,
)
# A notebook in a transient status cannot take a new operation (6306/6308/6357):
# wait for whatever steady status it reaches first.
NOTEBOOK_SETTLED = WaitRule(
    doing="waiting for a running operation to finish",
    success=frozenset({S.RUNNING, S.STOPPED}) | FAILED_STATUSES,
    pending=frozenset({S.INIT, S.CREATING, S.STARTING, S.STOPPING, S.SNAPSHOTTING}),
    failure=frozenset(),
    gone_is_success=True,
)


def storage_status(volume: Any) -> Optional[str]:
    return getattr(volume, "status", None)


OBS_MOUNTED = WaitRule(
    doing="mounting OBS storage",
    success=frozenset({"MOUNTED"}),
    pending=frozenset({"MOUNTING"}),
    failure=frozenset({"MOUNT_FAILED"}),
    subject=storage_status,
)
OBS_UNMOUNTED = WaitRule(
    doing="unmounting OBS storage",
    success=frozenset({"UNMOUNTED"}),
    pending=frozenset({"UNMOUNTING"}),
    failure=frozenset({"UNMOUNT_FAILED"}),
    grace=frozenset({"MOUNTED"}),
    gone_is_success=True,
    subject=storage_status,
)


def wait_for(
    fetch: Callable[[], Optional[Any]],
    rule: WaitRule,
    *,
    notebook_id: str,
    name: str,
    timeout: float,
    clock: Optional[Clock] = None,
    on_poll: Optional[Callable[[Any, float], None]] = None,
    first: Optional[Any] = None,
    expected: Optional[float] = None,
) -> Optional[Any]:
    """Poll `fetch` until `rule` is met; return the last notebook (None if gone).

    `first` is a notebook just returned by the call that started the
    transition; it counts as the first observation (saves a read).
    `expected` is how long such a transition took before, if known.
    """
    with ACTIVE_WAITS:
        return _poll(fetch, rule, notebook_id=notebook_id, name=name, timeout=timeout, clock=clock or SYSTEM_CLOCK,
                     on_poll=on_poll, first=first, expected=expected)


def _poll(
    fetch: Callable[[], Optional[Any]],
    rule: WaitRule,
    *,
    notebook_id: str,
    name: str,
    timeout: float,
    clock: Clock,
    on_poll: Optional[Callable[[Any, float], None]],
    first: Optional[Any],
    expected: Optional[float],
) -> Optional[Any]:
    started = clock.now()
    notebook = first
    observed = first is not None
    while True:
        elapsed = clock.now() - started
        if not observed:
            notebook = fetch()
        observed = False
        status = rule.subject(notebook) if notebook is not None and not getattr(notebook, "is_gone", False) else None
        if notebook is not None and on_poll is not None:
            on_poll(notebook, elapsed)
        verdict = rule.outcome(status, elapsed)
        if verdict == "success":
            return None if status is None else notebook
        if verdict == "gone":
            raise NotebookGoneError(notebook_id, name, rule.doing)
        if verdict in ("failure", "unexpected"):
            assert notebook is not None and status is not None
            raise NotebookFailedError(notebook_id, name, status, getattr(notebook, "fail_reason", None), rule.doing)
        if elapsed >= timeout:
            raise WaitTimeoutError(notebook_id, name, rule.doing, status, elapsed)
        delay = rule.delay.next_delay(elapsed, expected, shortest=ACTIVE_WAITS.shortest_delay())
        clock.sleep(min(delay, max(0.0, timeout - elapsed)))
