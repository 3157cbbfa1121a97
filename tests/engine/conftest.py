"""Engine scenarios run under every reading of the service the emulator plays (tests/profiles.py);
and the fixtures of the scenarios that keep state in an S3-compatible bucket."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

import pytest

from testkit.emulators import Emulator
from testkit.s3 import S3Project, S3Server, versitygw_binary
from tests.profiles import emulator, pytest_generate_tests  # noqa: F401  (fixtures, hook)


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """One server and one bucket for the whole session; each test takes a key prefix of its own."""
    server = S3Server(versitygw_binary(), bucket="pulumi-state")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def s3_prefix(request: pytest.FixtureRequest) -> str:
    return re.sub(r"[^a-z0-9-]", "-", request.node.name.lower())[:60]


# `emulator` is the fixture imported from tests.profiles, which pytest passes by name.
@pytest.fixture
def s3_project(tmp_path: Path, pulumi_bin: str, emulator: Emulator, s3_server: S3Server, s3_prefix: str) -> S3Project:  # noqa: F811
    return S3Project(tmp_path / "project", pulumi_bin, emulator, s3=s3_server, prefix=s3_prefix)
