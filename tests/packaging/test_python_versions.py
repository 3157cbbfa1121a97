"""The declared range of Python versions, tested at both ends: the unit tests and one
real-engine lifecycle run under the oldest and the newest supported interpreter.
Their venvs are made once by tools/ensure-pyvenv.sh and reused from a cache."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from testkit import ROOT

pytestmark = [pytest.mark.engine, pytest.mark.packaging]

OLDEST, NEWEST = "3.10", "3.13"
SUITE = ["tests/unit",
         "tests/engine/test_lifecycle.py::test_flipping_running_stops_then_starts_in_place"]


def test_range_matches_the_package_metadata() -> None:
    text = (ROOT / "pyproject.toml").read_text()
    assert f'requires-python = ">={OLDEST}"' in text
    assert f'"Programming Language :: Python :: {NEWEST}"' in text


@pytest.mark.parametrize("version", [OLDEST, NEWEST])
def test_suite_under_each_end_of_the_range(version: str, pulumi_bin: str) -> None:
    found = subprocess.run([str(ROOT / "tools" / "ensure-pyvenv.sh"), version], capture_output=True, text=True)
    if found.returncode == 3:
        pytest.skip(found.stderr.strip())
    assert found.returncode == 0, found.stderr
    python = os.path.join(found.stdout.strip().splitlines()[-1], "bin", "python")
    env = {**os.environ, "PATH": f"{pulumi_bin}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("PYTHONPATH", None)
    run = subprocess.run([python, "-m", "pytest", *SUITE, "-q", "-p", "no:cacheprovider"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    reported = subprocess.run([python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                              capture_output=True, text=True, check=True).stdout.strip()
    assert reported == version and sys.executable != python
