"""`tools/acceptance.py` (`make acceptance`) against the emulator: every step runs, nothing is left behind,
even when a step fails or the run is interrupted, and without credentials it says it skipped."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from typing import Callable

from tests.acceptance.support import account, clean_environment, inject, run_tool
from testkit import ROOT
from testkit.emulators import SECRET_KEY, Emulator

STEPS = ("catalogue", "create", "stop", "start", "flavor change", "storage growth", "OBS mount", "adoption", "destroy")
OBS_URI = "obs://acceptance-bucket/run/"


def step_lines(stdout: str) -> dict[str, str]:
    """Each step's line, by step name (lines read `acceptance: <step> <outcome> <seconds> s  <detail>`)."""
    lines = {}
    for line in stdout.splitlines():
        for step in STEPS:
            if line.startswith(f"acceptance: {step} "):
                lines[step] = line
    return lines


def test_the_whole_lifecycle_runs_and_leaves_nothing(emulator: Emulator) -> None:
    result = run_tool("acceptance.py", account(emulator, ACCEPTANCE_OBS_URI=OBS_URI, ACCEPTANCE_PREFIX="acc-ci-"))

    assert result.returncode == 0, result.stdout + result.stderr
    lines = step_lines(result.stdout)
    assert list(lines) == list(STEPS) and all(" ok " in line for line in lines.values()), result.stdout
    assert "modelarts.vm.cpu.2u" in lines["create"] and "auto-stop 1 h" in lines["create"]
    assert "-> modelarts.vm.cpu.8u" in lines["flavor change"] and "EVS 5 -> 10 GB" in lines["storage growth"]
    assert OBS_URI in lines["OBS mount"]
    last = result.stdout.splitlines()[-1]
    assert last.startswith("acceptance: passed: 9 ok, 0 skipped, 0 failed of 9 steps") and "left: 0" in last
    assert emulator.notebooks() == []
    calls = emulator.calls()
    assert calls.count("create") == 2 and calls.count("delete") >= 2
    assert {"stop", "start", "update", "mount"} <= set(calls)
    created = [r for r in emulator.requests() if r["method"] == "POST" and r["path"].endswith("/notebooks")]
    assert len(created) == 2
    assert SECRET_KEY not in result.stdout + result.stderr


def test_a_failure_midway_still_deletes_everything(emulator: Emulator) -> None:
    inject(emulator, {"method": "POST", "path_regex": "/start$", "status": 400, "error_code": "ModelArts.6329"})
    result = run_tool("acceptance.py", account(emulator, ACCEPTANCE_OBS_URI=OBS_URI))

    assert result.returncode == 1, result.stdout + result.stderr
    lines = step_lines(result.stdout)
    assert list(lines) == ["catalogue", "create", "stop", "start"] and " FAILED " in lines["start"]
    assert "ModelArts.6329" in lines["start"]
    assert "acceptance: cleanup: deleted acc-" in result.stdout
    assert "FAILED: 3 ok, 0 skipped, 1 failed of 4 steps run" in result.stdout.splitlines()[-1]
    assert emulator.notebooks() == []


def test_a_failed_destroy_leaves_both_notebooks_to_the_cleanup(emulator: Emulator) -> None:
    inject(emulator, {"method": "DELETE", "path_regex": "/notebooks/[^/]+$", "status": 400,
                      "error_code": "ModelArts.6336", "times": 1})
    result = run_tool("acceptance.py", account(emulator))

    assert result.returncode == 1, result.stdout + result.stderr
    lines = step_lines(result.stdout)
    assert " FAILED " in lines["destroy"] and "skipped" in lines["OBS mount"]
    assert result.stdout.count("acceptance: cleanup: deleted acc-") == 2
    assert emulator.notebooks() == []


def test_ctrl_c_during_a_step_still_deletes_everything(emulator: Emulator) -> None:
    # The start request is held at the service's door for a while: the interrupt lands while the run waits on it.
    inject(emulator, {"method": "POST", "path_regex": "/start$", "status": None, "delay_seconds": 3.0, "times": 1})
    process = subprocess.Popen([sys.executable, str(ROOT / "tools" / "acceptance.py")], cwd=ROOT, env=account(emulator),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=as_started_from_a_terminal)
    try:
        until(lambda: fault_fired(emulator), "the start request to reach the emulator")
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        process.kill()
    # The held request goes on once its delay is over: let it finish here, not in the next test.
    until(lambda: any(r["path"].endswith("/start") for r in emulator.requests()), "the held start to end")

    assert process.returncode == 1, out + err
    assert "acceptance: start           FAILED" in out and "interrupted" in out
    assert "acceptance: cleanup: deleted acc-" in out and "(interrupted)" in out.splitlines()[-1]
    assert emulator.notebooks() == []


def as_started_from_a_terminal() -> None:
    """Ctrl-C reaches the tool as it would in a terminal, even when this test run was started in the
    background (a shell starts background jobs with SIGINT ignored, and children inherit that)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def fault_fired(emulator: Emulator) -> bool:
    rules = emulator.session.get(f"{emulator.url}/_emulator/faults", timeout=10).json()["rules"]
    return rules[0]["fired"] > 0


def until(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    """Wait for an event the test cannot be told about (polling the emulator, bounded)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_without_credentials_it_says_it_skipped_and_why() -> None:
    result = run_tool("acceptance.py", clean_environment())
    assert result.returncode == 0, result.stdout + result.stderr
    [line] = result.stdout.splitlines()
    assert line.startswith("acceptance: skipped: no credentials")
    assert all(name in line for name in ("OS_ACCESS_KEY", "OS_SECRET_KEY", "OS_USERNAME", "OS_PROJECT_ID"))


def test_make_acceptance_without_credentials_says_skipped() -> None:
    result = subprocess.run(["make", "-s", "-C", str(ROOT), "-o", "venv", "acceptance", f"PY={sys.executable}"],
                            env=clean_environment(), capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "acceptance: skipped: no credentials" in result.stdout
