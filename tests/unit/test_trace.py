"""The trace a process records about itself: nothing when off, one JSON line per event when on."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Iterator

import pytest

from provider.core import trace


def traced_module(monkeypatch: pytest.MonkeyPatch, path: Path | None) -> ModuleType:
    """A fresh copy of the module, reading the variable as a new process would."""
    if path is None:
        monkeypatch.delenv(trace.TRACE_ENV, raising=False)
    else:
        monkeypatch.setenv(trace.TRACE_ENV, str(path))
    return importlib.reload(trace)


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture(autouse=True)
def restore(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield
    monkeypatch.delenv(trace.TRACE_ENV, raising=False)
    importlib.reload(trace)


def test_off_by_default_writes_nothing_and_spans_are_shared_no_ops(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    module = traced_module(monkeypatch, None)
    module.event("call", method="GET")
    with module.span("call") as span:
        span.set(status=200)
    assert not module.enabled() and module.span("a") is module.span("b")
    assert list(tmp_path.iterdir()) == []


def test_on_each_event_is_a_line_after_one_process_header(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "trace.jsonl"
    module = traced_module(monkeypatch, path)
    monkeypatch.setenv(module.EXEC_ENV, "1700000000,25")  # a locale that writes a decimal comma
    started = module.now()
    with module.span("call", method="GET", path="/notebooks/x") as span:
        span.set(status=200)
    module.since("import", started, module="provider", name="a field called name")
    with pytest.raises(ValueError), module.span("verb", name="check"):
        raise ValueError("boom")
    header, call, imported, verb = lines(path)
    assert header["event"] == "process" and header["exec_at"] == 1700000000.25
    assert 0 < time.time() - header["start"] < 3600 and header["cpu"] >= 0
    assert module.EXEC_ENV not in __import__("os").environ  # the process's children are not launched by it
    assert (call["event"], call["method"], call["status"]) == ("call", "GET", 200) and call["dur"] >= 0
    assert imported["name"] == "a field called name" and imported["ts"] == started
    assert verb["error"] == "ValueError" and {r["pid"] for r in (header, call, verb)} == {header["pid"]}


def test_every_process_appends_to_the_same_file(tmp_path: Path) -> None:
    path = tmp_path / "trace.jsonl"
    code = "from provider.core import trace; trace.event('hello')"
    for _ in range(2):
        subprocess.run([sys.executable, "-c", code], check=True, env={trace.TRACE_ENV: str(path), "PYTHONPATH": "."},
                       cwd=Path(__file__).resolve().parents[2])
    events = [(r["event"], r["pid"]) for r in lines(path) if r["event"] != "import"]  # the package's own import
    assert [e for e, _pid in events] == ["process", "hello", "process", "hello"]
    assert events[0][1] != events[2][1]
