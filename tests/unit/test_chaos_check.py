"""The chaos soak's checker (`tools/chaos_check.py`): each kind of violation is reported, in words
that name the notebook and what was wrong, and a consistent stack has none."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))

from chaos_check import Observed, notes, violations

SECRET_KEY = "stack-secret-key"
TOKEN = "0b7c2f4e-9d1a-4c3b-8e5f-6a7b8c9d0e1f"


def consistent() -> dict[str, Any]:
    """Two declared notebooks, one running and one stopped, as the service and the state hold them."""
    return {
        "declared": {"alpha": True, "beta": False},
        "inventory": [{"id": "id-a", "name": "alpha", "status": "RUNNING", "token": TOKEN},
                      {"id": "id-b", "name": "beta", "status": "STOPPED", "token": "other"}],
        "resources": [{"id": "id-a", "outputs": {"name": "alpha", "status": "RUNNING"}},
                      {"id": "id-b", "outputs": {"name": "beta", "status": "STOPPED"}}],
        "texts": {"the output of `pulumi up`": "token: [secret]\nResources: 2 unchanged",
                  "`pulumi stack export`": '{"ciphertext": "v1:AbCd"}'},
        "secrets": {SECRET_KEY: "the stack's modelarts:secretKey", TOKEN: "the token of notebook alpha"},
    }


def test_a_consistent_stack_has_no_violation() -> None:
    assert violations(Observed(**consistent())) == []


def missing(seen: dict) -> None:
    seen["inventory"].pop(1)
    seen["resources"].pop(1)


def duplicated(seen: dict) -> None:
    seen["inventory"].append({"id": "id-c", "name": "alpha", "status": "RUNNING"})


def in_transition(seen: dict) -> None:
    seen["inventory"][1]["status"] = "STOPPING"
    seen["resources"][1]["outputs"]["status"] = "STOPPING"


def wrong_state(seen: dict) -> None:
    seen["inventory"][0]["status"] = "STOPPED"
    seen["resources"][0]["outputs"]["status"] = "STOPPED"


def undeclared(seen: dict) -> None:
    seen["inventory"].append({"id": "id-x", "name": "gamma", "status": "RUNNING"})
    seen["resources"].append({"id": "id-x", "outputs": {"name": "gamma", "status": "RUNNING"}})


def state_names_a_gone_notebook(seen: dict) -> None:
    seen["resources"][1]["id"] = "id-gone"


def state_names_another_notebook(seen: dict) -> None:
    seen["resources"][1]["id"] = "id-a"


def state_lags_the_service(seen: dict) -> None:
    seen["resources"][1]["outputs"]["status"] = "RUNNING"


def not_in_state(seen: dict) -> None:
    seen["resources"].pop(1)


def token_in_output(seen: dict) -> None:
    seen["texts"]["the output of `pulumi up`"] += f"\ntoken: {TOKEN}"


def secret_key_in_state(seen: dict) -> None:
    seen["texts"]["`pulumi stack export`"] = f'{{"secretKey": "{SECRET_KEY}"}}'


@pytest.mark.parametrize("break_it, expected", [
    (missing, "beta: declared, but the service holds no notebook of this name"),
    (duplicated, "alpha: the service holds 2 notebooks of this name: id-a (RUNNING), id-c (RUNNING)"),
    (duplicated, "unmanaged: alpha id-c (RUNNING) is not in state"),
    (in_transition, "beta: id-b (STOPPING) on the service, declared STOPPED"),
    (wrong_state, "alpha: id-a (STOPPED) on the service, declared RUNNING"),
    (undeclared, "gamma: not declared, but the service holds id-x (RUNNING)"),
    (state_names_a_gone_notebook, "beta: state records id-gone, which the service does not hold"),
    (state_names_a_gone_notebook, "unmanaged: beta id-b (STOPPED) is not in state"),
    (state_names_another_notebook, "beta: state records id-a, which the service holds as 'alpha'"),
    (state_names_another_notebook, "state records id id-a 2 times"),
    (state_lags_the_service, "beta: state records id-b as RUNNING, the service has it STOPPED"),
    (not_in_state, "beta: state records it 0 times, declared once"),
    (not_in_state, "unmanaged: beta id-b (STOPPED) is not in state"),
    (token_in_output, "the token of notebook alpha appears in the output of `pulumi up`"),
    (secret_key_in_state, "the stack's modelarts:secretKey appears in `pulumi stack export`"),
], ids=lambda value: getattr(value, "__name__", None) or str(value)[:40])
def test_each_kind_of_violation_is_reported(break_it: Callable[[dict], None], expected: str) -> None:
    seen = consistent()
    break_it(seen)
    assert expected in violations(Observed(**seen))


def test_a_pending_create_left_by_a_killed_run_is_a_note_not_a_violation() -> None:
    seen = consistent()
    seen["pending"] = [{"type": "creating",
                        "resource": {"urn": "urn:pulumi:chaos::nbtest::pulumi-python:dynamic/modelarts:Notebook::nb7"}}]
    observed = Observed(**seen)
    assert violations(observed) == []
    assert notes(observed) == ["state keeps the engine's record of a pending creating of nb7 (cleared by "
                               "`pulumi refresh --clear-pending-creates`)"]
