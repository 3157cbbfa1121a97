"""Exactly one notebook per resource across runs, however long the service's list lags.

A run that died after its create reached the service leaves a notebook that
state does not know. The next run may not see it in the list yet. Whatever
the order, the resource ends with one notebook, the one in state; every
duplicate is named when it is found and deleted, never left running.
Each test runs under every reading (tests/profiles.py) on driven time.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from provider.core.inputs import parse_inputs
from provider.notebook import NotebookProvider
from testkit.emulators import Emulator
from tests.profiles import deleting_a_running_notebook
from tests.provider.test_provider_methods import IDENTITY, make_provider, props, set_faults


@pytest.fixture
def warnings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    said: list[str] = []
    monkeypatch.setattr(pulumi.log, "warn", lambda message, *a, **k: said.append(str(message)))
    return said


def spec(**extra: Any) -> dict[str, Any]:
    return props(identity=IDENTITY, **extra)


def a_run_died_after_its_create(provider: NotebookProvider, **extra: Any) -> str:
    """The create request of a run that died right after it reached the service: the notebook exists,
    carries the resource's marker, and no state knows it."""
    request = parse_inputs(spec(**extra)).create_request()
    return str(provider.service.client().create_notebook(request).id)


def ids(emulator: Emulator) -> list[str]:
    return sorted(n["id"] for n in emulator.notebooks())


@pytest.mark.parametrize("lag", [3.0, 8.0])
def test_the_next_create_inside_the_list_lag_ends_with_one_notebook(
    provider: NotebookProvider, emulator: Emulator, warnings: list[str], lag: float
) -> None:
    emulator.configure(list_lag_seconds=lag)
    orphan = a_run_died_after_its_create(provider)
    created = provider.create(spec())
    assert created.id != orphan, "the list lagged: the next run could not have seen the orphan"
    assert ids(emulator) == [created.id]
    assert created.outs["identity_confirmed"] is True
    assert any(orphan in w and "deleting" in w for w in warnings), warnings
    provider.delete(created.id, created.outs)
    assert emulator.notebooks() == []


def test_a_census_the_list_could_not_close_is_finished_by_the_next_up(
    provider: NotebookProvider, emulator: Emulator, warnings: list[str]
) -> None:
    emulator.configure(list_lag_seconds=8.0)
    orphan = a_run_died_after_its_create(provider)
    created = provider.create(spec(timeouts={"create_lookup": 2}))
    assert created.outs["identity_confirmed"] is False
    assert sorted([orphan, created.id]) == ids(emulator)
    assert any("cannot be ruled out yet" in w for w in warnings)
    emulator.advance(8.0)  # the next pipeline run, once the list has caught up

    warnings.clear()
    diffed = provider.diff(created.id, created.outs, spec(timeouts={"create_lookup": 2}))
    assert diffed.changes and emulator.mutating() != []  # the creates so far; nothing new from the preview
    assert any(orphan in w and "`up` deletes them" in w for w in warnings), warnings
    before = len(emulator.requests())
    updated = provider.update(created.id, created.outs, spec(timeouts={"create_lookup": 2}))
    assert ids(emulator) == [created.id] and updated.outs["identity_confirmed"] is True
    assert "delete" in emulator.calls(before)
    assert provider.diff(created.id, updated.outs, spec(timeouts={"create_lookup": 2})).changes is False


def test_refresh_names_a_duplicate_and_closes_a_census_with_none(
    provider: NotebookProvider, emulator: Emulator, warnings: list[str]
) -> None:
    emulator.configure(list_lag_seconds=8.0)
    orphan = a_run_died_after_its_create(provider)
    created = provider.create(spec(timeouts={"create_lookup": 2}))
    emulator.advance(8.0)
    refreshed = provider.read(created.id, created.outs)
    assert refreshed.outs["identity_confirmed"] is False  # a duplicate is there: `up` must delete it
    assert any(orphan in w and "next `pulumi up`" in w for w in warnings)
    assert emulator.calls() == ["create", "create"]  # refresh changed nothing

    updated = provider.update(created.id, refreshed.outs, spec(timeouts={"create_lookup": 2}))
    assert ids(emulator) == [created.id]
    assert provider.read(created.id, updated.outs).outs["identity_confirmed"] is True


def test_destroy_with_an_open_census_deletes_the_duplicates_too(
    provider: NotebookProvider, emulator: Emulator, warnings: list[str]
) -> None:
    emulator.configure(list_lag_seconds=8.0)
    orphan = a_run_died_after_its_create(provider)
    created = provider.create(spec(timeouts={"create_lookup": 2}))
    assert created.outs["identity_confirmed"] is False
    provider.delete(created.id, {**created.outs, "timeouts": {"create_lookup": 30}})
    assert emulator.notebooks() == []
    assert any(orphan in w for w in warnings)


def test_several_leftovers_one_is_adopted_the_others_deleted(
    provider: NotebookProvider, emulator: Emulator, warnings: list[str]
) -> None:
    emulator.configure(list_lag_seconds=0)
    first = a_run_died_after_its_create(provider)
    emulator.advance(1.0)
    second = a_run_died_after_its_create(provider)
    created = provider.create(spec())
    assert created.id == first and ids(emulator) == [first]
    assert any(second in w and "deleting" in w for w in warnings)
    assert emulator.calls() == ["create", "create", *deleting_a_running_notebook(emulator)]


def test_the_preview_of_a_create_names_the_leftover_it_will_adopt(
    provider: NotebookProvider, emulator: Emulator, warnings: list[str]
) -> None:
    emulator.configure(list_lag_seconds=0)
    orphan = a_run_died_after_its_create(provider)
    before = len(emulator.requests())
    assert provider.check({}, spec()).failures == []
    assert any(orphan in w and "adopts" in w for w in warnings)
    assert emulator.mutating(before) == []
    assert make_provider(emulator).create(spec()).id == orphan


def test_a_lost_create_answer_after_a_killed_runs_create_inside_the_lag(
    provider: NotebookProvider, emulator: Emulator
) -> None:
    emulator.configure(list_lag_seconds=3.0)
    a_run_died_after_its_create(provider)  # a killed run's create, not listed for 3 s
    emulator.advance(1.3)  # the next run's `up` starts 1.3 s later
    set_faults(emulator, {"method": "POST", "path_regex": "/notebooks$", "status": 502, "times": 1,
                          "after_effect": True})  # and its create's answer is lost
    created = provider.create(spec())  # adopts the killed run's notebook, which shows first
    assert ids(emulator) == [created.id] and created.outs["identity_confirmed"] is True


def test_two_killed_runs_then_a_run_inside_the_second_ones_lag(provider: NotebookProvider, emulator: Emulator) -> None:
    emulator.configure(list_lag_seconds=3.0)
    first = a_run_died_after_its_create(provider)
    emulator.advance(5.0)
    a_run_died_after_its_create(provider)  # listed only 3 s from now
    emulator.advance(1.0)
    created = provider.create(spec())  # sees the first only: adopts it, then the second shows
    assert created.id == first and ids(emulator) == [first]
