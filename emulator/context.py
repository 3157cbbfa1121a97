"""Everything one emulator instance holds, behind one lock, and how a request
handler reaches it (the accessor, the lock with time brought up to date, the
JSON body). The routes import this module, never the app that wires them.
"""

from __future__ import annotations

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
from .settings import Clock, Settings, system_clock
from .mounts import MountStore
from .store import NotebookStore


class Emulator:
    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock: Clock = clock or system_clock
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

    def reset(self) -> None:
        """Back to a fresh start; settings changed at run time are kept."""
        with self.lock:
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
