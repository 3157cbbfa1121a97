"""Everything one emulator instance holds, behind one lock, and how a request
handler reaches it (the accessor, the lock with time brought up to date, the
JSON body). The routes import this module, never the app that wires them.
"""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from typing import Any, Iterator

from flask import current_app, request

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
        self.notebooks = NotebookStore(settings, self.catalog)
        self.mounts = MountStore(self.notebooks)
        self.tokens = TokenStore()
        self.log = RequestLog()
        self.faults = FaultInjector()

    def now(self) -> float:
        return self.clock()

    def now_ms(self) -> int:
        return int(self.clock() * 1000)

    def reset(self) -> None:
        """Back to a fresh start; settings changed at run time are kept."""
        with self.lock:
            self.notebooks.clear()
            self.catalog.reset()
            self.tokens.clear()
            self.log.clear()
            self.faults.clear()


def emulator() -> Emulator:
    """The emulator of the app serving the current request."""
    return current_app.extensions["emulator"]  # type: ignore[no-any-return]


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
        raise ApiError("ModelArts.6400", "(not valid JSON)")
