"""The emulator's time: the wall clock, or driven time that moves only when told.

`wall` is what `make up` and the benchmarks use: transitions take real seconds.
`driven` is for tests: time starts at the wall time and then moves only by
`advance(seconds)` (the `/_emulator/clock` support route, called by a test or by
a client's driven clock when it sleeps) and by `tick_seconds` on every API
request (progression by reads: a client polling a transition drives it
forward). Driven time never moves on its own, so what a test observes follows
from the requests made, never from how fast the machine is.

A signed request's date is the client's real time, so signatures are always
judged against the wall clock (`wall()`), whatever the mode.
"""

from __future__ import annotations

import threading
import time
from typing import Callable

CLOCK_MODES = ("wall", "driven")


class EmulatorClock:
    """Seconds since the epoch, as the emulator's notebooks see them."""

    def __init__(self, mode: str = "wall", tick_seconds: float = 0.0,
                 wall: Callable[[], float] = time.time) -> None:
        self._wall = wall
        self._lock = threading.Lock()
        self.mode = "wall"
        self.tick_seconds = 0.0
        self._driven_now = wall()
        self.configure(mode, tick_seconds)

    def configure(self, mode: str | None = None, tick_seconds: float | None = None) -> None:
        """Switch mode (driven time restarts at the wall time) and/or the tick per API request."""
        if mode is not None and mode not in CLOCK_MODES:
            raise ValueError(f"clock mode must be one of {', '.join(CLOCK_MODES)}")
        if tick_seconds is not None and tick_seconds < 0:
            raise ValueError("tick_seconds must be >= 0")
        with self._lock:
            if mode is not None:
                self.mode = mode
                self._driven_now = self._wall()
            if tick_seconds is not None:
                self.tick_seconds = float(tick_seconds)

    def __call__(self) -> float:
        with self._lock:
            return self._driven_now if self.mode == "driven" else self._wall()

    def wall(self) -> float:
        return self._wall()

    def advance(self, seconds: float) -> float:
        """Move driven time forward (a no-op on the wall clock); returns the new time."""
        if seconds < 0:
            raise ValueError("time only moves forward")
        with self._lock:
            if self.mode == "driven":
                self._driven_now += seconds
            return self._driven_now if self.mode == "driven" else self._wall()

    def on_api_request(self) -> None:
        """One API request: driven time moves by the tick."""
        if self.mode == "driven" and self.tick_seconds > 0:
            self.advance(self.tick_seconds)

    def view(self) -> dict[str, object]:
        return {"mode": self.mode, "now": self(), "tick_seconds": self.tick_seconds}
