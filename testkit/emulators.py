"""The emulator as a real process on driven time, and the service facts tests share."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator, Optional

from emulator.testing import RunningEmulator

PROJECT_ID = "0123456789abcdef0123456789abcdef"
ACCESS_KEY = "emulator-ak"
SECRET_KEY = "emulator-sk"
USERNAME = "emulator-user"
PASSWORD = "emulator-password"
DOMAIN = "emulator-domain"
CPU_FLAVOR = "modelarts.vm.cpu.2u"
BIG_CPU_FLAVOR = "modelarts.vm.cpu.8u"
IMAGE_ID = "e1a07296-22a8-4f05-8bc8-e936c8e54090"
# How far each API request moves the emulator's driven time when the code under test
# runs on the wall clock (the engine's provider process, scripts): one transition, so
# an action is complete at the first poll after it (progression by reads).
REQUEST_TICK_SECONDS = 0.3


class Emulator(RunningEmulator):
    """`python -m emulator` on a free loopback port, controlled through /_emulator/.

    Driven time by default (tests); `clock="wall"` for runs that need real transitions
    (the chaos soak kills runs in the middle of them)."""

    profile = "lenient"  # the reading it plays (tests/profiles.py sets it per test)

    def __init__(self, transition_seconds: float = 0.3, extra_args: tuple[str, ...] = (),
                 clock: str = "driven") -> None:
        super().__init__(transition_seconds=transition_seconds, extra_args=extra_args, clock=clock)

    def reset(self, *, tick_seconds: Optional[float] = REQUEST_TICK_SECONDS, **config: Any) -> None:
        """As started, with the test defaults; each API request moves time by `tick_seconds`
        (0: time moves only when a test or a `driven_clock()` says so)."""
        super().reset(tick_seconds=tick_seconds, **config)


@contextmanager
def running_emulator(*extra_args: str) -> Iterator[Emulator]:
    emulator = Emulator(extra_args=extra_args)
    try:
        yield emulator
    finally:
        emulator.stop()
