"""Everything one emulator instance holds, behind one lock, and how a request
handler reaches it (the accessor, the lock with time brought up to date, the
JSON body). The routes import this module, never the app that wires them.
"""

from __future__ import annotations

import copy
import json
import threading
from contextlib import contextmanager
from typing import Any, Iterator

from flask import current_app, g, has_request_context, request

from .auth import TokenStore
from .catalog import Catalog
from .errors import ApiError
from .faults import FaultInjector
from .reqlog import RequestLog
from .clock import EmulatorClock
from .settings import Clock, Settings
from .mounts import MountStore
from .store import NotebookStore


class Emulator:
    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        self.settings = settings
        # What `reset()` returns to: the settings the emulator was started with.
        self._started_with = copy.deepcopy(settings)
        self.clock: Clock = clock or EmulatorClock()
        self._clock_started_with = _clock_setup(self.clock)
        # One re-entrant lock guards settings changes, the catalogue, the
        # notebooks, the tokens, the request log and the faults.
        self.lock = threading.RLock()
        self.catalog = Catalog()
        # Each project of the account has its own notebooks (and so its own quota).
        self._projects: dict[str, tuple[NotebookStore, MountStore]] = {}
        self.tokens = TokenStore()
        self.log = RequestLog()
        self.faults = FaultInjector()

    def project(self) -> str:
        """The project of the API request being served; the main project otherwise."""
        if has_request_context() and getattr(g, "project_id", None):
            return str(g.project_id)
        return self.settings.project_id

    def _held(self, project_id: str) -> tuple[NotebookStore, MountStore]:
        if project_id not in self._projects:
            store = NotebookStore(self.settings, self.catalog)
            self._projects[project_id] = (store, MountStore(store))
        return self._projects[project_id]

    @property
    def notebooks(self) -> NotebookStore:
        return self._held(self.project())[0]

    @property
    def mounts(self) -> MountStore:
        return self._held(self.project())[1]

    def stores(self) -> list[tuple[str, NotebookStore]]:
        """(project id, its notebooks) for every project that has had any."""
        return [(project, held[0]) for project, held in self._projects.items()]

    def now(self) -> float:
        return self.clock()

    def now_ms(self) -> int:
        return int(self.clock() * 1000)

    def signature_now(self) -> float:
        """The time a signed request's date is judged against: the wall clock when time is driven."""
        wall = getattr(self.clock, "wall", None)
        return float(wall()) if callable(wall) else self.clock()

    def on_api_request(self) -> None:
        """Driven time moves by its tick on every API request."""
        tick = getattr(self.clock, "on_api_request", None)
        if callable(tick):
            tick()

    def reset(self) -> None:
        """Back to a fresh start: no notebooks, requests, tokens or faults, every setting as
        started, and driven time restarted at the wall time."""
        with self.lock:
            for name in vars(self._started_with):
                setattr(self.settings, name, copy.deepcopy(getattr(self._started_with, name)))
            if isinstance(self.clock, EmulatorClock) and self._clock_started_with is not None:
                self.clock.configure(*self._clock_started_with)
            self._projects.clear()
            self.catalog.reset()
            self.tokens.clear()
            self.log.clear()
            self.faults.clear()


def emulator() -> Emulator:
    """The emulator of the app serving the current request."""
    return current_app.extensions["emulator"]


@contextmanager
def locked() -> Iterator[int]:
    """Hold the lock, bring every notebook up to date, yield now (epoch ms)."""
    ctx = emulator()
    with ctx.lock:
        now = ctx.now_ms()
        ctx.notebooks.advance(now)
        yield now


def json_body() -> Any:
    """The parsed JSON body, or None when the body is empty (start sends `{ }`,
    stop sends nothing)."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ApiError("ModelArts.6400", "(not valid JSON)") from None


def _clock_setup(clock: Clock) -> tuple[str, float] | None:
    """The mode and tick an `EmulatorClock` started with (None for any other clock)."""
    return (clock.mode, clock.tick_seconds) if isinstance(clock, EmulatorClock) else None
