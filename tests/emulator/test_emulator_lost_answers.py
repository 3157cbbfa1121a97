"""`after_effect` faults on every mutating route: the call takes effect and its answer is lost."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import pytest

from emulator_test_helpers import Api, create_body

HOUR = 3_600_000
MOUNT = {"category": "OBS", "mount_path": "/data/inputs/", "uri": "obs://bucket/inputs/"}


def inventory(api: Api) -> list[dict[str, Any]]:
    return api.client.get("/_emulator/notebooks").get_json()["notebooks"]


def only(api: Api) -> dict[str, Any]:
    [nb] = inventory(api)
    return nb


def mounted(api: Api) -> tuple[str, str]:
    nb = api.running()
    mount = api.post(f"/notebooks/{nb['id']}/storage", json=MOUNT).get_json()
    api.tick()
    return nb["id"], mount["id"]


@dataclass(frozen=True)
class Route:
    """A mutating call: what to set up, what to send, and how its effect shows."""

    method: str
    path: str  # formatted with the set-up's id and storage_id
    setup: Callable[[Api], tuple[str, str]]
    effect: Callable[[Api], bool]
    body: Any = None


ROUTES = {
    "create": Route("POST", "/notebooks", lambda api: ("", ""), lambda api: len(inventory(api)) == 1, create_body()),
    "start": Route("POST", "/notebooks/{id}/start", lambda api: (api.stopped()["id"], ""),
                   lambda api: only(api)["status"] == "STARTING", {}),
    "stop": Route("POST", "/notebooks/{id}/stop", lambda api: (api.running()["id"], ""),
                  lambda api: only(api)["status"] == "STOPPING"),
    "update": Route("PUT", "/notebooks/{id}", lambda api: (api.stopped()["id"], ""),
                    lambda api: only(api)["description"] == "changed", {"description": "changed"}),
    "delete": Route("DELETE", "/notebooks/{id}", lambda api: (api.stopped()["id"], ""),
                    lambda api: only(api)["status"] == "DELETING"),
    "mount": Route("POST", "/notebooks/{id}/storage", lambda api: (api.running()["id"], ""),
                   lambda api: [m["status"] for m in only(api)["data_volumes"]] == ["MOUNTING"], MOUNT),
    "unmount": Route("DELETE", "/notebooks/{id}/storage/{storage_id}", mounted,
                     lambda api: [m["status"] for m in only(api)["data_volumes"]] == ["UNMOUNTING"]),
    "renew": Route("PATCH", f"/notebooks/{{id}}/lease?duration={2 * HOUR}", lambda api: (api.running()["id"], ""),
                   lambda api: only(api)["lease_request_ms"] == 2 * HOUR),
}
LOST: dict[str, dict[str, Any]] = {
    "status": {"status": 502, "error_code": "ModelArts.6102"},
    "reset": {"status": None, "reset_connection": True},
}


def _send(api: Api, route: Route, notebook_id: str, storage_id: str) -> Any:
    path = route.path.format(id=notebook_id, storage_id=storage_id)
    kwargs = {"json": route.body} if route.body is not None else {}
    return api.call(route.method, path, **kwargs)


@pytest.mark.parametrize("lost", list(LOST))
@pytest.mark.parametrize("name", list(ROUTES))
def test_lost_answer_keeps_the_effect(api: Api, name: str, lost: str) -> None:
    route = ROUTES[name]
    notebook_id, storage_id = route.setup(api)
    assert not route.effect(api)
    rule = {"method": route.method, "path_regex": r"^/v1/", "times": 1, "after_effect": True, **LOST[lost]}
    assert api.client.post("/_emulator/faults", json={"rules": [rule]}).status_code == 200
    if lost == "reset":
        with pytest.raises(ConnectionResetError):
            _send(api, route, notebook_id, storage_id)
    else:
        response = _send(api, route, notebook_id, storage_id)
        assert response.status_code == 502 and response.get_json()["error_code"] == "ModelArts.6102"
    assert route.effect(api)
    last = api.client.get("/_emulator/requests").get_json()["requests"][-1]
    assert (last["method"], last["status"]) == (route.method, 502 if lost == "status" else 0)
