"""The package's pytest plugin (entry point `pytest11`): an emulator per test session.

    def test_my_program(modelarts_emulator, tmp_path):
        stack = PulumiStack.copy_of(Path("infra"), tmp_path, config=modelarts_emulator.config)
        ...

`modelarts_emulator` is a `emulator.testing.RunningEmulator`: `.url`, `.config`
(the `modelarts:*` stack configuration pointing at it) and the support routes
(`.notebooks()`, `.requests()`, `.reset()` ...). It is reset before every test.
"""

from __future__ import annotations

from typing import Iterator

import pytest

from .testing import RunningEmulator


@pytest.fixture(scope="session")
def modelarts_emulator_process() -> Iterator[RunningEmulator]:
    """One emulator process for the whole session (starting one takes about a second)."""
    emulator = RunningEmulator(transition_seconds=0.3)
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture
def modelarts_emulator(modelarts_emulator_process: RunningEmulator) -> RunningEmulator:
    """The session's emulator, emptied so each test starts with no notebooks."""
    modelarts_emulator_process.reset()
    return modelarts_emulator_process
