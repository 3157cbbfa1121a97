"""Provider methods for notebooks outside the stack's project: lookups, checks,
credentials and the notebook's whole life in its own project."""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from provider.notebook import NotebookProvider
from provider.core.fields import UNKNOWN
from testkit.emulators import DOMAIN, PASSWORD, PROJECT_ID, USERNAME, Emulator, running_emulator
from testkit.projects import notebook_spec
from tests.provider.test_provider_methods import make_provider, provider_for

OTHER = "fedcba9876543210fedcba9876543210"
ELSEWHERE = {"project_id": OTHER, "region": "eu-nl"}


@pytest.fixture(scope="module")
def emulator_process() -> Iterator[Emulator]:
    """This module's own emulator, with a second project (the profiles fixture resets it per test)."""
    with running_emulator("--extra-project", f"{OTHER}:eu-nl") as emulator:
        yield emulator


def password_provider(emulator: Emulator) -> NotebookProvider:
    raw = {"modelarts:endpoint": emulator.url, "modelarts:authUrl": f"{emulator.url}/v3", "modelarts:region": "eu-de",
           "modelarts:username": USERNAME, "modelarts:password": PASSWORD, "modelarts:domainName": DOMAIN}
    return provider_for(emulator, raw)


def props(**overrides: Any) -> dict[str, Any]:
    return {**notebook_spec(), **overrides}


def _places(emulator: Emulator) -> set[tuple[str, Any]]:
    """(project in the path, project the credentials named) of every accepted ModelArts call."""
    return {(r["path"].split("/")[2], r["credential_project"]) for r in emulator.requests()
            if r["path"].startswith("/v1/") and r["status"] not in (401, 403)}


def test_lookups_resolve_in_the_notebooks_own_project(emulator: Emulator) -> None:
    provider = make_provider(emulator)
    result = provider.check({}, props(image_id=None, image_name="conda3-ubuntu18.04", **ELSEWHERE))
    assert result.failures == [] and result.inputs["image_id"]
    assert _places(emulator) == {(OTHER, OTHER)}
    assert emulator.mutating() == []


def test_bad_project_or_region_fails_check_naming_the_field(emulator: Emulator) -> None:
    provider = make_provider(emulator)
    for given, field in (({"project_id": "my-project"}, "project_id"),
                         ({**ELSEWHERE, "region": "xx-nowhere"}, "region"),
                         ({"region": "eu-nl"}, "project_id")):
        assert [f.property for f in provider.check({}, props(**given)).failures] == [field]
    assert emulator.requests() == []


def test_each_project_has_its_token_renewed_on_its_own(emulator: Emulator) -> None:
    provider = password_provider(emulator)
    for where in ({}, ELSEWHERE, {}, ELSEWHERE):
        assert provider.check({}, props(**where)).failures == []
    tokens = emulator.session.get(f"{emulator.url}/_emulator/tokens", timeout=10).json()["tokens"]
    assert sorted(t["project_id"] for t in tokens) == sorted([PROJECT_ID, OTHER])  # one each, cached
    emulator._post("tokens/expire")  # the service now refuses both; only the next caller's project renews
    assert provider.check({}, props(image_id=None, image_name="conda3-ubuntu18.04", **ELSEWHERE)).failures == []
    tokens = emulator.session.get(f"{emulator.url}/_emulator/tokens", timeout=10).json()["tokens"]
    assert [t["project_id"] for t in tokens][2:] == [OTHER]  # only the project that called again renewed
    assert _places(emulator) == {(PROJECT_ID, PROJECT_ID), (OTHER, OTHER)}


def test_a_notebook_lives_its_life_in_its_own_project(emulator: Emulator) -> None:
    provider = make_provider(emulator)
    created = provider.create(props(**ELSEWHERE))
    assert created.outs["project_id"] == OTHER and created.outs["region"] == "eu-nl"
    assert [nb["project_id"] for nb in emulator.notebooks()] == [OTHER]
    assert provider.read(created.id, created.outs).id == created.id
    provider.delete(created.id, created.outs)
    assert emulator.notebooks() == []
    assert _places(emulator) == {(OTHER, OTHER)}


def test_a_place_unknown_at_preview_is_not_judged_nor_looked_up(emulator: Emulator) -> None:
    provider = make_provider(emulator)
    assert provider.check({}, props(project_id=UNKNOWN, region="eu-nl")).failures == []
    assert provider.check({}, props(project_id=OTHER, region=UNKNOWN)).failures == []
    assert emulator.requests() == []
