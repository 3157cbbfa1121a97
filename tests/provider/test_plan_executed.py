"""What preview announces is what `up` does: the steps of `diff` against the emulator's request log."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from provider.notebook import NotebookProvider
from testkit.emulators import BIG_CPU_FLAVOR, Emulator
from tests.provider.test_provider_methods import make_provider, props

RESTARTED = ["update", "stop", "update", "start"]  # the announced fallback where the service refuses in place
CASES = [
    # before, after, announced steps, calls (lenient), calls (strict)
    ({}, {"running": False}, "stop", ["stop"], ["stop"]),
    ({}, {"flavor": BIG_CPU_FLAVOR}, "stop → update flavor → start", ["stop", "update", "start"], None),
    ({}, {"flavor": BIG_CPU_FLAVOR, "running": False}, "stop → update flavor", ["stop", "update"], None),
    ({"running": False}, {"flavor": BIG_CPU_FLAVOR, "running": True}, "update flavor → start", ["update", "start"],
     None),
    ({}, {"description": "documented"}, "update description (may restart)", ["update"], RESTARTED),
    ({}, {"volume": {"category": "EVS", "capacity": 50}}, "grow storage to 50 GB (may restart)", ["update"],
     RESTARTED),
    ({}, {"auto_stop": {"duration": 7_200_000}}, "renew auto-stop", ["lease"], None),
    ({"running": False}, {"description": "documented"}, "update description", ["update"], None),
]


@pytest.fixture
def provider(emulator: Emulator) -> NotebookProvider:
    return make_provider(emulator)


@pytest.mark.parametrize("before, after, announced, lenient, strict", CASES, ids=[c[2] for c in CASES])
def test_up_executes_the_announced_steps(
    provider: NotebookProvider, emulator: Emulator, monkeypatch: pytest.MonkeyPatch, profile: str,
    before: dict, after: dict, announced: str, lenient: list, strict: Any,
) -> None:
    created = provider.create(props(**before))
    said: list[str] = []
    monkeypatch.setattr(pulumi.log, "info", lambda message, *a, **k: said.append(message))
    news = props(**{**before, **after})
    assert provider.diff(created.id, created.outs, news).changes
    assert [line.split("): ", 1)[1] for line in said] == [announced]
    start = len(emulator.requests())
    provider.update(created.id, created.outs, news)
    assert emulator.calls(start) == (lenient if profile == "lenient" or strict is None else strict)



def repeated_reads(emulator: Emulator, since: int, notebook_id: str) -> list[int]:
    """Reads of the notebook answered at the same emulator time as the read before them with no change sent
    in between: they could only repeat what that read showed (the clock moves only when the provider waits)."""
    repeated, last = [], None
    for request in emulator.requests()[since:]:
        if request.get("mutating"):
            last = None
        elif request["method"] == "GET" and request["path"].endswith(f"/notebooks/{notebook_id}"):
            if request["time_ms"] == last:
                repeated.append(request["seq"])
            last = request["time_ms"]
    return repeated


@pytest.mark.parametrize("change", [{"running": False}, {"flavor": BIG_CPU_FLAVOR}], ids=["flip", "flavor change"])
def test_no_step_reads_again_what_the_read_before_it_showed(
        provider: NotebookProvider, emulator: Emulator, change: dict) -> None:
    start = len(emulator.requests())
    created = provider.create(props())
    assert repeated_reads(emulator, start, created.id) == []
    start = len(emulator.requests())
    provider.update(created.id, created.outs, props(**change))
    assert repeated_reads(emulator, start, created.id) == []
