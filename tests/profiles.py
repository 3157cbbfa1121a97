"""The emulator's readings of the service: every provider-method and engine scenario runs under each.

`lenient` is the emulator's default; `strict` plays the readings where the API
reference is stricter or silent (updates only while STOPPED, show/list without
volume ids, no start from ERROR, list lag, capped pages, no delete while
RUNNING, no auto-stop off).
"""

from __future__ import annotations

import time

import pytest

from tests.helpers import Emulator

PROFILES = ("lenient", "strict")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Each test that uses the emulator runs under every profile, or under the module's
    `READINGS` where the readings cannot matter (the state backend, the policy pack)."""
    if "profile" in metafunc.fixturenames:
        metafunc.parametrize("profile", getattr(metafunc.module, "READINGS", PROFILES))


@pytest.fixture
def emulator(emulator_process: Emulator, profile: str) -> Emulator:
    emulator_process.reset(profile=profile)
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
    time.sleep(lag)
