"""Adjustments to the SDK's dynamic-provider server: found when present, harmless when not."""

from __future__ import annotations

import subprocess
import sys
import traceback
import types
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from provider import sdk_server_patch as host
from provider.core.errors import ModelArtsError

ROOT = Path(__file__).resolve().parents[2]


def test_the_executor_running_a_call_is_found_and_widened() -> None:
    executor = ThreadPoolExecutor(max_workers=4)
    try:
        found = executor.submit(host.current_executor).result()
        assert found is executor
        assert executor.submit(host.lift_call_limit, 64).result() is True
        assert executor._max_workers == 64
    finally:
        executor.shutdown()


def test_outside_an_executor_nothing_changes() -> None:
    assert host.current_executor() is None
    assert host.lift_call_limit(64) is False


def test_provider_errors_are_shown_without_traceback(monkeypatch) -> None:
    server = types.ModuleType("fake_server")
    server.DynamicResourceProviderServicer = object  # type: ignore[attr-defined]
    server.traceback = traceback  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "pulumi.dynamic.__main__", server)
    monkeypatch.delitem(sys.modules, "__main__", raising=False)
    assert host.readable_errors() is True
    try:
        raise ModelArtsError("notebook 'x' ended in FROZEN")
    except ModelArtsError:
        assert server.traceback.format_exc() == "notebook 'x' ended in FROZEN"
    try:
        raise KeyError("bug")
    except KeyError:
        assert server.traceback.format_exc().startswith("Traceback")


def test_an_unknown_server_is_left_alone(monkeypatch) -> None:
    monkeypatch.delitem(sys.modules, "pulumi.dynamic.__main__", raising=False)
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("something_else"))
    assert host.readable_errors() is False


def _pinned_server_module() -> types.ModuleType:
    """The SDK's dynamic-provider server module, loaded without starting it (it calls main() on import)."""
    import importlib.util

    spec = importlib.util.find_spec("pulumi.dynamic.__main__")
    assert spec is not None and spec.origin
    source = open(spec.origin).read()
    assert source.rstrip().endswith("main()")
    module = types.ModuleType("pulumi.dynamic.__main__")
    module.__file__ = spec.origin
    sys.modules["pulumi.dynamic.__main__"] = module
    exec(compile(source.rstrip()[: -len("main()")], spec.origin, "exec"), module.__dict__)
    return module


def test_both_adjustments_apply_to_the_pinned_sdk_server(monkeypatch) -> None:
    """An SDK upgrade that silently disables either adjustment fails here."""
    monkeypatch.delitem(sys.modules, "pulumi.dynamic.__main__", raising=False)
    monkeypatch.setattr(host, "_done", set())
    server = _pinned_server_module()
    assert isinstance(getattr(server, "DynamicResourceProviderServicer", None), type)
    executor = ThreadPoolExecutor(max_workers=4)
    try:
        applied = executor.submit(host.adapt_server).result()
    finally:
        executor.shutdown()
    assert applied == {"calls": True, "errors": True, "exit": False}  # this process is not the server


SERVER_EXIT = """
import atexit, sys, threading, types
atexit.register(lambda: print("teardown", flush=True))  # the interpreter's own exit steps
main = sys.modules["__main__"]
class DynamicResourceProviderServicer: pass
main.DynamicResourceProviderServicer = DynamicResourceProviderServicer
from provider import sdk_server_patch
result = {}
thread = threading.Thread(target=lambda: result.update(sdk_server_patch.adapt_server()))
thread.start(); thread.join()
print(result["exit"], flush=True)
if sys.argv[1] == "fail":
    raise RuntimeError("the server failed")
"""


@pytest.mark.parametrize("how, status", [("clean", 0), ("fail", 1)])
def test_the_server_process_ends_without_teardown_but_keeps_an_error_status(how: str, status: int) -> None:
    done = subprocess.run([sys.executable, "-c", SERVER_EXIT, how], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert done.stdout.split() == (["True"] if how == "clean" else ["True", "teardown"]), done.stderr
    assert done.returncode == status and ("RuntimeError: the server failed" in done.stderr) == (how == "fail")
