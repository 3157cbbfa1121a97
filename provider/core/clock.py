"""The one source of time for every wait, poll and read-back of the core.

Production uses the system clock. A test passes a clock of its own (for
example one whose `sleep` moves the emulator's clock forward), so transitions,
list lags and back-offs run in driven time, never on the wall clock.
"""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Seconds on a monotonic scale."""
        ...

    def sleep(self, seconds: float) -> None:
        ...


class SystemClock:
    """`time.monotonic` and `time.sleep`."""

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


SYSTEM_CLOCK: Clock = SystemClock()
