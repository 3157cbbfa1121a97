"""How long transitions take, so waits poll at the right moments.

Two sources: what this provider process saw (shared by every notebook of the
stack, so the first notebooks of a fleet teach the rest) and what the state of
one notebook recorded from earlier runs (so a new process is warm from its
first transition).
"""

from __future__ import annotations

import threading
from typing import Any, Mapping, Optional


class LearnedTimings:
    """Median of the last few durations of each kind of transition in this process."""

    def __init__(self, keep: int = 9) -> None:
        self._lock = threading.Lock()
        self._seen: dict[str, list[float]] = {}
        self._keep = keep

    def record(self, kind: str, seconds: float) -> None:
        with self._lock:
            self._seen.setdefault(kind, []).append(seconds)
            del self._seen[kind][: -self._keep]

    def expected(self, kind: Optional[str]) -> Optional[float]:
        with self._lock:
            seen = sorted(self._seen.get(kind or "", []))
        return seen[len(seen) // 2] if seen else None


class CallTimings:
    """Timings of the one notebook a provider call works on: those its state
    recorded, overlaid with those this call observed."""

    def __init__(self, previous: Optional[Mapping[str, Any]] = None) -> None:
        self.previous = {k: float(v) for k, v in (previous or {}).items() if isinstance(v, (int, float))}
        self.observed: dict[str, float] = {}

    def hint(self, kind: Optional[str]) -> Optional[float]:
        return self.previous.get(kind or "")

    def record(self, kind: str, seconds: float) -> None:
        self.observed[kind] = round(seconds, 3)

    def timings(self) -> dict[str, float]:
        return {**self.previous, **self.observed}
