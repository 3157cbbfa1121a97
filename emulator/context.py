"""Everything one emulator instance holds, behind one lock."""

from __future__ import annotations

import threading

from .auth import TokenStore
from .catalog import Catalog
from .faults import FaultInjector
from .reqlog import RequestLog
from .settings import Clock, Settings, system_clock
from .state import NotebookStore


class Emulator:
    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock: Clock = clock or system_clock
        # One re-entrant lock guards settings changes, the catalogue, the
        # notebooks, the tokens, the request log and the faults.
        self.lock = threading.RLock()
        self.catalog = Catalog()
        self.notebooks = NotebookStore(settings, self.catalog)
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
