"""The overhead benchmark's arithmetic: the breakdown adds up, and growth is judged against the right record."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import breakdown  # noqa: E402
import results  # noqa: E402


def test_each_instant_goes_to_the_first_category_under_way() -> None:
    split = breakdown.partition(0.0, 10.0, [
        ("transition", [(2.0, 7.0)]),
        ("service calls", [(1.0, 3.0), (6.5, 8.0)]),
        ("CLI start", [(0.0, 0.5)]),
    ])
    assert split["transition"] == 5.0 and split["service calls"] == 2.0 and split["CLI start"] == 0.5
    assert split["engine, other"] == pytest.approx(2.5) and sum(split.values()) == pytest.approx(10.0)


def _process(pid: int, argv0: str, start: float, exec_at: float) -> dict[str, Any]:
    return {"event": "process", "pid": pid, "ts": exec_at + 0.05, "argv0": argv0, "start": start, "exec_at": exec_at,
            "cpu": 0.2}


def test_a_command_is_split_from_its_trace_and_the_emulators_log() -> None:
    records = [
        _process(1, "bin/language_host.py", 0.1, 0.15),
        {"event": "serving", "pid": 1, "ts": 0.5},
        {"event": "rpc", "pid": 1, "ts": 0.5, "dur": 7.0, "name": "Run"},
        _process(2, "pulumi/dynamic/__main__.py", 0.6, 0.62),
        {"event": "import", "pid": 2, "ts": 0.9, "dur": 0.1, "module": "provider"},
        {"event": "configure", "pid": 2, "ts": 1.0, "dur": 0.3},
        {"event": "import", "pid": 2, "ts": 1.0, "dur": 0.25, "module": "provider.core.service"},
        {"event": "call", "pid": 2, "ts": 1.3, "dur": 0.1, "method": "POST", "path": "/notebooks"},
        {"event": "verb", "pid": 2, "ts": 1.3, "dur": 6.2, "name": "create"},
    ]
    notebooks = [{"id": "nb", "history": [{"status": "CREATING", "at_ms": 1400}, {"status": "RUNNING", "at_ms": 6400}]}]
    requests = [{"method": "GET", "path": "/v1/p/notebooks/nb", "status": 200, "time_ms": 6900}]
    split = breakdown.breakdown(0.0, 8.0, records, requests, notebooks, 5.0)
    c = split.categories
    assert c["transition"] == pytest.approx(5.0) and c["detection gap"] == pytest.approx(0.5)
    assert c["provider imports"] == pytest.approx(0.35) and c["configure"] == pytest.approx(0.05)
    assert c["launchers"] == pytest.approx(0.07) and c["language host start"] == pytest.approx(0.35)
    assert c["provider start"] == pytest.approx(0.28) and c["CLI start"] == pytest.approx(0.1)
    assert split.beyond == pytest.approx(3.0) and sum(c.values()) == pytest.approx(8.0)
    assert [p["role"] for p in split.processes] == ["language host", "provider"]


def test_a_deleted_notebooks_transition_is_its_delete_answer_plus_t() -> None:
    requests = [{"method": "DELETE", "path": "/v1/p/notebooks/gone", "status": 200, "time_ms": 2000},
                {"method": "GET", "path": "/v1/p/notebooks/gone", "status": 400, "time_ms": 7300}]
    found = breakdown.transitions([], requests, 0.0, 9.0, 5.0)
    assert found == [("gone", 2.0, 7.0)]
    assert breakdown.detection_gaps(found, requests, 9.0) == [(7.0, 7.3)]


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=bench", "-c", "user.email=bench@localhost", *args], cwd=repo,
                          check=True, capture_output=True, text=True).stdout.strip()


def _record(folder: Path, commit: str, beyond: float, release: str | None = None) -> dict[str, Any]:
    data = {"format": results.FORMAT, "commit": commit, "release": release,
            "figures": {"create": {"1": {"beyond": beyond}}, "preview": {"8": {"beyond": 1.0}}}}
    results.record(folder / f"{commit}.json", data)
    return data


def test_growth_is_judged_against_the_last_release_of_this_history(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    commits = []
    for i in range(4):
        (tmp_path / "f").write_text(str(i))
        git(tmp_path, "add", "f")
        git(tmp_path, "commit", "-q", "-m", f"c{i}")
        commits.append(git(tmp_path, "rev-parse", "HEAD"))
    folder = tmp_path / "results"
    _record(folder, commits[0], 1.0)
    git(tmp_path, "tag", "v0.1.0", commits[0])  # a tagged release
    _record(folder, commits[1], 2.0, release="0.2.0")  # a named release
    _record(folder, commits[2], 2.2)  # not a release
    results.record(folder / f"{commits[2]}-dirty.json", {**_record(folder, commits[2], 2.2), "dirty": True,
                                                          "release": "9.9.9"})  # never a baseline
    current = _record(folder, commits[3], 2.5)
    def baseline(head: str, releases_only: bool = True) -> str:
        found = results.baseline(tmp_path, folder, head, releases_only=releases_only)
        return found["commit"] if found else ""

    assert baseline(commits[3]) == commits[1] and baseline(commits[0]) == commits[0]
    assert baseline(commits[3], releases_only=False) == commits[2]
    assert results.growth(current, json.loads((folder / f"{commits[1]}.json").read_text())) == [
        "create, N=1: overhead 2.00 s -> 2.50 s (+25%)"]
    said = results.comparison(tmp_path, folder, current)
    assert "0.2.0" in said[0] and "create, N=1" in said[0] and "no command" in said[1]
