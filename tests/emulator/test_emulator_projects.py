"""Several projects of one account: each with its own notebooks and quota, and
credentials that only reach the project they name."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from emulator import ManualClock, Settings
from emulator.__main__ import parse_projects
from emulator_test_helpers import BASE, PROJECT, assert_error, create_body, token_request
from emulator_test_signer import signed_call

OTHER = "fedcba9876543210fedcba9876543210"
OTHER_BASE = f"/v1/{OTHER}"


@pytest.fixture
def settings() -> Settings:
    return Settings(transition_seconds=1.0, max_notebooks=1, extra_projects={OTHER: "eu-nl"})


def _token(client: FlaskClient, project: dict[str, str]) -> str:
    response = client.post("/v3/auth/tokens", json=token_request(project=project))
    assert response.status_code == 201, response.get_json()
    return str(response.headers["X-Subject-Token"])


def _create(client: FlaskClient, base: str, token: str) -> Any:
    return client.post(f"{base}/notebooks", json=create_body(), headers={"X-Auth-Token": token})


def test_each_project_has_its_own_notebooks_and_quota(client: FlaskClient) -> None:
    main, other = _token(client, {"name": "eu-de"}), _token(client, {"name": "eu-nl"})
    assert _create(client, BASE, main).status_code == 200
    assert _create(client, OTHER_BASE, other).status_code == 200  # the quota of 1 is per project
    assert_error(_create(client, OTHER_BASE, other), 400, "ModelArts.6302")
    listed = client.get(f"{OTHER_BASE}/notebooks", headers={"X-Auth-Token": other}).get_json()
    assert [nb["name"] for nb in listed["data"]] == ["notebooks_test"]
    inventory = client.get("/_emulator/notebooks").get_json()["notebooks"]
    assert sorted(nb["project_id"] for nb in inventory) == sorted([PROJECT, OTHER])


def test_a_token_reaches_only_its_project(client: FlaskClient) -> None:
    other = _token(client, {"id": OTHER})
    assert_error(_create(client, BASE, other), 403, "ModelArts.0210")
    body = client.post("/v3/auth/tokens", json=token_request(project={"id": OTHER})).get_json()
    assert body["token"]["project"] == {"id": OTHER, "name": "eu-nl", "domain": body["token"]["project"]["domain"]}
    log = client.get("/_emulator/requests").get_json()["requests"]
    assert [(e["status"], e["credential_project"]) for e in log if e["path"].startswith("/v1/")] == [(403, OTHER)]


def test_aksk_names_the_project_and_an_unknown_one_is_not_found(client: FlaskClient, clock: ManualClock) -> None:
    ok = signed_call(client, clock, "GET", f"{OTHER_BASE}/notebooks", extra={"X-Project-Id": OTHER})
    assert ok.status_code == 200, ok.get_json()
    unknown = "0" * 32
    assert_error(signed_call(client, clock, "GET", f"/v1/{unknown}/notebooks", extra={"X-Project-Id": unknown}),
                 404, "ModelArts.6650")
    log = client.get("/_emulator/requests").get_json()["requests"]
    assert [(e["auth"], e["credential_project"]) for e in log] == [("aksk", OTHER), ("aksk", unknown)]


def test_projects_are_listed_and_configurable_at_run_time(client: FlaskClient) -> None:
    names = [p["name"] for p in client.get("/v3/projects", headers={"X-Auth-Token": _token(client, {"name": "eu-de"})})
             .get_json()["projects"]]
    assert names == ["eu-de", "eu-nl"]
    third = "1" * 32
    changed = client.post("/_emulator/config", json={"extra_projects": {OTHER: "eu-nl", third: "eu-ch2"}})
    assert changed.status_code == 200
    assert _create(client, f"/v1/{third}", _token(client, {"name": "eu-ch2"})).status_code == 200
    assert client.post("/_emulator/config", json={"extra_projects": ["x"]}).status_code == 400


def test_extra_project_option() -> None:
    assert parse_projects(["a" * 32 + ":eu-nl"]) == {"a" * 32: "eu-nl"}
    with pytest.raises(ValueError, match="ID:NAME"):
        parse_projects(["no-name"])
