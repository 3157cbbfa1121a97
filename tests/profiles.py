"""The emulator's readings of the service, and time under the test's control.

`lenient` is the emulator's default; `strict` plays the readings where the API
reference is stricter or silent (updates only while STOPPED, show/list without
volume ids, no start from ERROR, list lag, capped pages, no delete while
RUNNING, no auto-stop off).

Provider-method tests run under every reading: they are where each reading is
proven. Engine scenarios run under `lenient` only, except a module whose
subject is a reading (it sets `READINGS = PROFILES`).

The emulator runs on driven time: it moves only when a test or the code under
test says so, never with the wall clock.
"""

from __future__ import annotations

import os

import pytest

from testkit.emulators import REQUEST_TICK_SECONDS, Emulator

PROFILES = ("lenient", "strict")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """`profile`: every reading for provider-method tests; engine modules choose with `READINGS`
    (every reading everywhere with MODELARTS_TEST_READINGS=all: `make test-matrix`)."""
    if "profile" in metafunc.fixturenames:
        engine = "tests/engine/" in str(metafunc.definition.fspath).replace("\\", "/")
        if os.environ.get("MODELARTS_TEST_READINGS") == "all":
            metafunc.parametrize("profile", PROFILES)
            return
        default = ("lenient",) if engine else PROFILES
        metafunc.parametrize("profile", getattr(metafunc.module, "READINGS", default))


@pytest.fixture
def emulator(emulator_process: Emulator, profile: str, request: pytest.FixtureRequest) -> Emulator:
    # Provider-method tests drive time with the provider's own clock (`driven_clock()`); everywhere
    # else the code under test runs on the wall clock and drives time by its requests.
    driven_by_clock = "tests/provider/" in str(request.node.fspath).replace("\\", "/")
    emulator_process.reset(profile=profile, tick_seconds=0 if driven_by_clock else REQUEST_TICK_SECONDS)
    emulator_process.profile = profile
    return emulator_process


def deleting_a_running_notebook(emulator: Emulator) -> list[str]:
    """The calls that delete a RUNNING notebook: DELETE first, and a stop only where the service asks (6304)."""
    return ["delete"] if getattr(emulator, "profile", "lenient") == "lenient" else ["delete", "stop", "delete"]


def in_place(emulator: Emulator, calls: list[str]) -> list[str]:
    """The calls of an in-place change of a RUNNING notebook: as given where the service allows it,
    else the refused try, then stop, one update while stopped, start (the announced fallback)."""
    if getattr(emulator, "profile", "lenient") == "lenient":
        return calls
    return ["update", "stop", "update", "start"]


def wait_out_list_lag(emulator: Emulator) -> None:
    """Let a lagging list (strict) show the notebooks created so far, as it would before a later run."""
    lag = float(emulator.session.get(f"{emulator.url}/_emulator/config", timeout=10).json().get("list_lag_seconds", 0))
    emulator.advance(lag)
