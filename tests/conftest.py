"""Shared fixtures: one emulator process per session, reset before each test that uses it."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from testkit.emulators import Emulator, running_emulator
from testkit.projects import PulumiProject, pulumi_bin_dir


@pytest.fixture(scope="session")
def emulator_process() -> Iterator[Emulator]:
    with running_emulator() as emulator:
        yield emulator


@pytest.fixture
def emulator(emulator_process: Emulator) -> Emulator:
    """The session's emulator as started, lenient, its time moved by every API request
    (code on the wall clock drives it by polling; tests/profiles.py has the other choices)."""
    emulator_process.reset(profile="lenient")
    return emulator_process


@pytest.fixture(scope="session")
def pulumi_bin() -> str:
    return pulumi_bin_dir()


@pytest.fixture
def project(tmp_path: Path, pulumi_bin: str, emulator: Emulator) -> PulumiProject:
    return PulumiProject(tmp_path / "project", pulumi_bin, emulator)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/engine/ runs the real CLI: marked `engine`, so `make test-fast` leaves it out."""
    for item in items:
        if "/tests/engine/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.engine)
