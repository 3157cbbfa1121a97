"""Helpers shared by the emulator tests (kept apart from conftest.py so test
modules can import them by a name no other folder uses)."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from emulator import ManualClock

PROJECT = "0123456789abcdef0123456789abcdef"
IMAGE_CPU = "e1a07296-22a8-4f05-8bc8-e936c8e54090"
BASE = f"/v1/{PROJECT}"


def token_request(
    user: str = "emulator-user",
    password: str = "emulator-password",
    domain: str = "emulator-domain",
    project: dict[str, str] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {"user": {"name": user, "password": password, "domain": {"name": domain}}},
            },
            "scope": {"project": project if project is not None else {"name": "eu-de"}},
        }
    }
    return body


def create_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "notebooks_test",
        "feature": "NOTEBOOK",
        "workspace_id": "0",
        "description": "api-test",
        "flavor": "modelarts.vm.cpu.2u",
        "image_id": IMAGE_CPU,
        "volume": {"category": "evs", "ownership": "managed", "capacity": 50},
    }
    body.update(overrides)
    return body


class Api:
    """A token-authenticated caller with the clock in hand."""

    def __init__(self, client: FlaskClient, clock: ManualClock) -> None:
        self.client = client
        self.clock = clock
        response = client.post("/v3/auth/tokens", json=token_request())
        assert response.status_code == 201
        self.token = response.headers["X-Subject-Token"]

    @property
    def headers(self) -> dict[str, str]:
        return {"X-Auth-Token": self.token}

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = dict(self.headers)
        headers.update(kwargs.pop("headers", {}))
        return self.client.open(f"{BASE}{path}", method=method, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.call("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Any:
        return self.call("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Any:
        return self.call("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.call("DELETE", path, **kwargs)

    def create(self, **overrides: Any) -> dict[str, Any]:
        response = self.post("/notebooks", json=create_body(**overrides))
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def show(self, notebook_id: str) -> dict[str, Any]:
        response = self.get(f"/notebooks/{notebook_id}")
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def tick(self, seconds: float = 1.0) -> None:
        self.clock.advance(seconds)

    def running(self, **overrides: Any) -> dict[str, Any]:
        nb = self.create(**overrides)
        self.tick()
        shown = self.show(nb["id"])
        assert shown["status"] == "RUNNING"
        return shown

    def stopped(self, **overrides: Any) -> dict[str, Any]:
        nb = self.running(**overrides)
        assert self.post(f"/notebooks/{nb['id']}/stop").status_code == 200
        self.tick()
        shown = self.show(nb["id"])
        assert shown["status"] == "STOPPED"
        return shown


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    body = response.get_json()
    assert response.status_code == status, body
    assert body["error_code"] == code, body
    return body
